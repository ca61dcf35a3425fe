"""Verdict aggregation, stable JSON fields and the readable table."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from core.check.certrules import cert_info
from core.check.table import format_verdict, summary_line
from core.check.verdict import Level, Verdict, fail, warn, worst
from tests.check.certs import NOW

JSON_FIELDS = {
    "index", "url", "verdict", "reasons", "sha256", "sha1", "http_status", "final_url",
    "content_type", "bytes", "fetch_failure", "handset_accepts", "certificate", "ca_match",
    "boot_servers", "elapsed_ms",
}  # fmt: skip


def test_worst_level_wins():
    assert worst([]) == Level.PASS
    assert worst([warn("a", "A.")]) == Level.WARN
    assert worst([warn("a", "A."), fail("b", "B."), warn("c", "C.")]) == Level.FAIL


def test_json_fields_are_the_documented_ones(pki):
    verdict = Verdict(index=3, url="http://boot/ca.crt", certificate=cert_info(pki.ca, NOW))
    verdict.reasons.append(warn("expires-soon", "Soon."))
    data = json.loads(verdict.to_json())
    assert set(data) == JSON_FIELDS
    assert data["verdict"] == "WARN" and data["index"] == 3
    assert data["reasons"] == [{"level": "WARN", "code": "expires-soon", "message": "Soon."}]
    assert data["sha256"] == data["certificate"]["sha256"]
    assert "\n" not in verdict.to_json()
    doc = (Path(__file__).parents[2] / "docs" / "check.md").read_text(encoding="utf-8")
    missing = [name for name in JSON_FIELDS | set(data["certificate"]) if f"`{name}`" not in doc]
    assert missing == []


def test_table_lists_fingerprints_and_every_reason(pki):
    verdict = Verdict(index=0, url="http://boot/ca.crt", certificate=cert_info(pki.ca, NOW))
    verdict.reasons += [fail("not-ca", "Not a CA. " * 12), warn("weak-signature", "SHA-1.")]
    lines = format_verdict(verdict, width=80)
    assert lines[0] == "FAIL  http://boot/ca.crt"
    text = "\n".join(lines)
    assert verdict.certificate.sha256 in text and verdict.certificate.sha1 in text
    assert "[not-ca]" in text and "[weak-signature]" in text
    assert all(len(line) <= 80 for line in lines if "SHA-" not in line)
    assert summary_line(Counter({Level.PASS: 2, Level.FAIL: 1})) == (
        "3 URLs checked: 2 PASS, 0 WARN, 1 FAIL."
    )


def test_a_failing_boot_server_still_says_what_was_checked() -> None:
    from core.check import BootServerResult, CACheckedAgainst, CASource
    from core.check.verdict import Verdict

    verdict = Verdict(index=0, url="http://h/ca.crt")
    verdict.boot_servers.append(
        BootServerResult(
            "https://b.example/", "b.example", False, cn="other", ca_source=CASource.CA_FILE,
            cas=(CACheckedAgainst("Root CA", "AB"),),
        )
    )  # fmt: skip
    lines = format_verdict(verdict, width=200)
    assert lines[1] == (
        "      x Boot server https://b.example/ does not pass: chain checked against "
        "the --ca CA (CN Root CA); CN (other) checked against b.example by plain string "
        "comparison."
    )
    assert verdict.to_dict()["boot_servers"][0]["ca_source"] == "ca-file"
