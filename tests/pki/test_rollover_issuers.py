"""A rollover finish never strands certificates silently: the user's case from a field report.

`ca rollover`, `renew bootserver1.example.com --next` only, then `ca rollover --finish`:
it used to succeed, `status` then said ok (exit 0) and `ca show` listed the old CA's
certificates under the new one. Now the finish is refused (unless --force), `status`
flags each certificate whose issuer was retired, and `ca show` lists it under it.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from core.errors import UserError
from core.pki import Workspace
from core.pki.issuers import CURRENT, NEXT, RETIRED, authorities, issued_roles, names_text
from core.pki.renew import renew
from core.pki.rollover import finish_rollover, start_rollover
from core.pki.status import ISSUER_RETIRED, UNKNOWN_ISSUER, expiry_status, read_fields
from core.rehearsal import Rehearsal
from handset_ca.cli import main

from .conftest import CA_PASS, snapshot

BOOT = "bootserver1.example.com"
OTHERS = ["10.0.0.5", "a.example.com", "b.example.com", "c.example.com"]


@pytest.fixture(scope="module")
def started_template(ca_template, tmp_path_factory):
    """The user's workspace: five boot servers, a rollover started, only BOOT re-issued."""
    root = tmp_path_factory.mktemp("started") / "pki"
    shutil.copytree(ca_template, root)
    ws = Workspace(root)
    for name in [BOOT, *OTHERS]:
        ws.issue(name, CA_PASS)
    start_rollover(ws, CA_PASS)
    renew(ws, BOOT, CA_PASS, under_next=True)
    return root


@pytest.fixture
def started(started_template, tmp_path) -> Workspace:
    root = tmp_path / "pki"
    shutil.copytree(started_template, root)
    return Workspace(root)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main([*argv, "--workspace", "pki"])
    out, err = capsys.readouterr()
    return code, out, err


def test_finish_is_refused_before_the_prompt_naming_what_it_would_strand(
    started, capsys, monkeypatch
):
    monkeypatch.chdir(started.root.parent)
    monkeypatch.delenv("HANDSET_CA_PASSPHRASE", raising=False)
    monkeypatch.setattr("sys.stdin", None)  # a prompt would be refused with another sentence
    state = snapshot(started.root)
    code, out, err = run(capsys, "ca", "rollover", "--finish")
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and err.startswith("handset-ca: The current CA still signs ")
    assert "10.0.0.5, a.example.com, b.example.com and 1 more" in err
    assert "`handset-ca renew NAME --next`" in err and "--force" in err
    assert BOOT not in err
    assert snapshot(started.root) == state
    # during the overlap the old CA's certificates are fine: phones hold both CAs
    monkeypatch.setenv("HANDSET_CA_PASSPHRASE", CA_PASS.decode())
    assert run(capsys, "status")[0] == 0


def test_core_refuses_too_and_changes_nothing(started):
    state = snapshot(started.root)
    with pytest.raises(UserError, match=r"still signs 10\.0\.0\.5, a\.example\.com"):
        finish_rollover(started, CA_PASS)
    assert snapshot(started.root) == state


def test_finish_once_every_name_is_under_the_next_ca(started, capsys, monkeypatch):
    monkeypatch.chdir(started.root.parent)
    monkeypatch.setenv("HANDSET_CA_PASSPHRASE", CA_PASS.decode())
    for name in OTHERS:
        renew(started, name, CA_PASS, under_next=True)
    code, out, err = run(capsys, "ca", "rollover", "--finish")
    assert code == 0 and err == "" and "Remove the former CA from the phones' slot 1" in out
    assert run(capsys, "status")[0] == 0


def test_force_finishes_and_then_status_and_ca_show_say_who_signed_what(
    started, capsys, monkeypatch
):
    monkeypatch.chdir(started.root.parent)
    monkeypatch.setenv("HANDSET_CA_PASSPHRASE", CA_PASS.decode())
    code, out, err = run(capsys, "ca", "rollover", "--finish", "--force")
    assert code == 0 and "The next CA is now the current one" in out
    assert err.count("\n") == 1 and "no longer verify against ca.crt" in err
    assert "10.0.0.5, a.example.com, b.example.com and 1 more" in err

    code, out, err = run(capsys, "status")
    assert code == 1
    rows = {line.split()[-1]: line for line in out.splitlines()[2:]}
    for name in OTHERS:
        assert rows[name].startswith("issuer retired "), rows[name]
    assert rows[BOOT].startswith("ok ")
    assert "4 signed by a CA that phones no longer trust" in out.splitlines()[0]

    code, out, _ = run(capsys, "status", "--json")
    report = json.loads(out)
    assert code == 1 and report["attention"] == 4
    states = {c["name"]: (c["state"], c["issuer"]) for c in report["certificates"]}
    assert states["10.0.0.5"] == ("issuer retired", "retired")
    assert states[BOOT] == ("ok", "current")

    code, out, _ = run(capsys, "ca", "show")
    assert code == 0 and "CN=Root CA G2" in out.splitlines()[1]
    shown = out.split("Signed by a retired CA")
    assert BOOT in shown[0] and not any(name in shown[0] for name in OTHERS)
    assert all(name in shown[1] for name in OTHERS) and BOOT not in shown[1]
    assert "(issuer C=US" in shown[1] and "CN=Root CA," in shown[1]

    # the fix the messages name: renew under the new current CA
    assert run(capsys, "renew", "10.0.0.5")[0] == 0
    report = expiry_status(Workspace(started.root))
    assert {e.name for e in report.attention} == set(OTHERS[1:])


def test_roles_and_names_text(started):
    cas = authorities(started)
    assert issued_roles(started, cas) == {BOOT: NEXT, **dict.fromkeys(OTHERS, CURRENT)}
    finish_rollover(started, CA_PASS, force=True)
    assert issued_roles(started) == {BOOT: CURRENT, **dict.fromkeys(OTHERS, RETIRED)}
    assert names_text(["a"]) == "a"
    assert names_text(["a", "b"]) == "a and b"
    assert names_text(["a", "b", "c"]) == "a, b and c"
    assert names_text(list("abcde")) == "a, b, c and 2 more"


def test_a_certificate_from_a_foreign_ca_is_flagged_unknown(issued_ws):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Someone Else's CA")])
    now = dt.datetime.now(dt.UTC)
    foreign = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "stray.example.com")]))
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(7)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=300))
        .sign(key, hashes.SHA256())
    )
    folder = issued_ws.issued_dir / "stray.example.com"
    folder.mkdir()
    (folder / "server.crt").write_bytes(foreign.public_bytes(Encoding.PEM))
    report = expiry_status(issued_ws)
    states = {e.name: e.state for e in report.entries}
    assert states["stray.example.com"] == UNKNOWN_ISSUER
    assert states["boot.example.com"] == "ok"
    assert [e.name for e in report.attention] == ["stray.example.com"]


def test_the_short_reader_finds_the_issuer_bytes(started):
    for name in [BOOT, *OTHERS]:
        cert = x509.load_pem_x509_certificate(started.issued_paths(name).crt.read_bytes())
        der = cert.public_bytes(Encoding.DER)
        assert read_fields(der)[1] == cert.issuer.public_bytes()


def test_a_next_ca_under_the_same_name_is_told_apart_by_signature(issued_ws):
    current = issued_ws.ca_certificate()
    start_rollover(issued_ws, CA_PASS, name=current.subject)
    assert issued_roles(issued_ws) == {"boot.example.com": CURRENT}
    renew(issued_ws, "boot.example.com", CA_PASS, under_next=True)
    assert issued_roles(issued_ws) == {"boot.example.com": NEXT}
    assert [e.state for e in expiry_status(issued_ws).entries] == ["ok"] * 3


def test_the_app_says_why_before_the_finish_form_opens(started):
    sentence = Rehearsal(started).ca_action_sentence("finish")
    assert sentence.startswith("The current CA still signs 10.0.0.5")
    assert "next CA as the signer" in sentence and "--force" not in sentence
    assert ISSUER_RETIRED == "issuer retired"
