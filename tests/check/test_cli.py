"""The real console script: exit codes, --json, --from, --ca, usage errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.check.certs import der, make_cert, pem

SCRIPT = Path(sys.executable).parent / "handset-ca"


def check(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), "check", "--timeout", "2", *args],
        capture_output=True,
        text=True,
        timeout=30,
        input=stdin,
    )


def test_pass_exits_0_with_a_table_and_fingerprints(site, pki):
    from core.check.certrules import cert_info

    done = check(site.url("/ca.crt"))
    assert done.returncode == 0, done.stderr
    info = cert_info(pki.ca)
    assert done.stdout.startswith(f"PASS  {site.url('/ca.crt')}\n")
    assert info.sha256 in done.stdout and info.sha1 in done.stdout
    assert done.stdout.rstrip().endswith("1 URL checked: 1 PASS, 0 WARN, 0 FAIL.")
    assert done.stderr == ""  # no progress bar when stderr is not a terminal


def test_any_fail_exits_1_and_table_keeps_input_order(site):
    urls = [site.url("/404"), site.url("/ca.crt"), site.url("/empty")]
    done = check(*urls)
    assert done.returncode == 1
    firsts = [line.split()[1] for line in done.stdout.splitlines() if line[:4] in {"PASS", "FAIL"}]
    assert firsts == urls
    assert "[fetch-http-status]" in done.stdout and "[file-empty]" in done.stdout


def test_json_one_object_per_line(site, pki):
    done = check("--json", site.url("/ca.crt"), site.url("/with-key.pem"))
    assert done.returncode == 1
    objects = sorted(
        (json.loads(line) for line in done.stdout.splitlines()), key=lambda o: o["index"]
    )
    assert [o["verdict"] for o in objects] == ["PASS", "FAIL"]
    assert objects[0]["sha256"].count(":") == 31 and objects[0]["certificate"]["cn"] == "Root CA"
    assert objects[1]["reasons"][0]["code"] == "file-private-key"


def test_from_file_with_comments_and_the_bulletin_example(site, tmp_path):
    listing = tmp_path / "urls.txt"
    listing.write_text(
        "# site A\n\n"
        f"{site.url('/ca.crt')}\n"
        "   # indented comment\n"
        "ftp://PlcmSpIp:PlcmSpIp@127.0.0.1:1/ca.crt\n",
        encoding="utf-8",
    )
    done = check("--json", "--from", str(listing))
    assert done.returncode == 1
    objects = {o["index"]: o for o in map(json.loads, done.stdout.splitlines())}
    assert objects[0]["verdict"] == "PASS"
    assert [r["code"] for r in objects[1]["reasons"]] == ["upper-case", "fetch-refused"]
    assert "PlcmSpIp:PlcmSpIp" not in done.stdout  # the password is masked everywhere


def test_from_stdin(site):
    done = check("--json", "--from", "-", stdin=site.url("/ca.crt") + "\n")
    assert done.returncode == 0 and json.loads(done.stdout)["verdict"] == "PASS"


def test_ca_matches_and_catches_a_stale_copy(site, pki, tmp_path):
    local = tmp_path / "ca.crt"
    local.write_bytes(pem(pki.ca))
    done = check("--json", "--ca", str(local), site.url("/ca.crt"))
    assert done.returncode == 0 and json.loads(done.stdout)["ca_match"] is True
    rekeyed = tmp_path / "rekeyed.der"
    rekeyed.write_bytes(der(make_cert(pki.other_key)))  # DER is fine for --ca
    done = check("--json", "--ca", str(rekeyed), site.url("/ca.crt"))
    data = json.loads(done.stdout)
    assert done.returncode == 1 and data["ca_match"] is False
    assert [(r["code"], r["level"]) for r in data["reasons"]] == [("ca-stale", "FAIL")]


@pytest.mark.parametrize(
    "args,words",
    [
        ((), "Give at least one URL"),
        (("--from", "/nonexistent/urls.txt"), "Cannot read the URL list"),
        (("--ca", "/nonexistent/ca.crt", "http://x/"), "Cannot read the CA certificate"),
        (("--connect-to", "nonsense", "http://x/"), "--connect-to"),
        (("--boot-server", "http://boot/", "http://x/"), "https://"),
        (("--concurrency", "0", "http://x/"), "--concurrency"),
        (("--timeout", "-1", "http://x/"), "--timeout"),
        (("--concurrency", "lots", "http://x/"), "invalid int value"),
    ],
)
def test_usage_errors_exit_2_with_one_sentence(args, words):
    done = check(*args)
    assert done.returncode == 2, done.stderr
    assert words in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_url_list_with_only_comments_is_a_usage_error(tmp_path):
    listing = tmp_path / "urls.txt"
    listing.write_text("# nothing yet\n\n", encoding="utf-8")
    for args, stdin in ((("--from", str(listing)), None), (("--from", "-"), "# none\n")):
        done = check(*args, stdin=stdin)
        assert done.returncode == 2 and "Give at least one URL" in done.stderr


def test_ca_file_that_is_not_a_certificate(tmp_path):
    bogus = tmp_path / "ca.crt"
    bogus.write_text("hello\n")
    done = check("--ca", str(bogus), "http://x/")
    assert done.returncode == 2 and "is not a certificate" in done.stderr


def test_warn_only_exits_0(pki, tmp_path):
    from tests.check.certs import sha1_root
    from tests.servers import HTTPServer

    with HTTPServer({"/old.crt": pem(sha1_root(pki.other_key, tmp_path))}) as server:
        done = check(server.url("/old.crt"))
    assert done.returncode == 0, done.stdout
    assert done.stdout.startswith("WARN  ") and "[weak-signature]" in done.stdout


def test_closed_stdout_stops_quietly(tmp_path):
    listing = tmp_path / "urls.txt"
    listing.write_text("http://127.0.0.1:1/ca.crt\n" * 3000, encoding="ascii")
    proc = subprocess.Popen(
        [str(SCRIPT), "check", "--json", "--from", str(listing)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout.readline().startswith(b'{"index":')
    proc.stdout.close()
    stderr = proc.stderr.read()
    assert proc.wait(timeout=30) == 141
    assert b"Traceback" not in stderr and b"Exception ignored" not in stderr


def test_json_and_text_show_the_subject_as_openssl_does(tmp_path):
    from core.pki import Subject, Workspace, summarize
    from tests.servers import HTTPServer

    ws = Workspace(tmp_path / "pki")
    subject = Subject(cn="Root CA", country="US", org="Acme", email="admin@example.com")
    ca = ws.create_ca(subject, b"correct horse")
    expected = summarize(ca.cert).subject
    assert expected == "C=US, O=Acme, CN=Root CA, emailAddress=admin@example.com"
    with HTTPServer({"/ca.crt": ws.ca_crt_path.read_bytes()}) as server:
        as_json = check("--json", server.url("/ca.crt"))
        as_text = check(server.url("/ca.crt"))
    assert as_json.returncode == 0, as_json.stderr
    assert json.loads(as_json.stdout)["certificate"]["subject"] == expected
    assert "1.2.840.113549.1.9.1" not in as_json.stdout + as_text.stdout


def test_a_served_ca_from_before_ca_renew_is_a_warning(tmp_path):
    """A new user's case: `serve` started, then `ca renew`; the server still serves the
    former ca.crt (same key and subject), which phones keep trusting: WARN, exit 0."""
    from core.bootserver import BootServer
    from core.pki import Subject, Workspace
    from core.pki.renew import renew_ca

    workspace = Workspace(tmp_path / "ws")
    workspace.create_ca(Subject(cn="Root CA"), b"renew-pass")
    workspace.issue("bootserver1.example.com", b"renew-pass")
    with BootServer(workspace, name="bootserver1.example.com") as server:
        renew_ca(workspace, b"renew-pass")
        connect = [arg for spec in server.connect_to() for arg in ("--connect-to", spec)]
        url = "http://bootserver1.example.com/ca.crt"
        done = check("--json", "--ca", str(workspace.ca_crt_path), url, *connect)
    data = json.loads(done.stdout)
    assert done.returncode == 0, data
    assert data["verdict"] == "WARN" and data["ca_match"] is False
    (reason,) = data["reasons"]
    assert reason["code"] == "ca-stale" and reason["level"] == "WARN"
    assert "former copy of this CA renewed since" in reason["message"]
