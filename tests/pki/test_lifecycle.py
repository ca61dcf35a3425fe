"""Life after day one, in process: renew, status, export, ca renew, ca rollover, refusals."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, pkcs12

from core.errors import UserError
from core.pki import Workspace
from core.pki.export import export
from core.pki.renew import renew, renew_ca
from core.pki.rollover import (
    ca_bundle_pem,
    finish_rollover,
    issuer_of,
    next_ca_name,
    publish_ca_certificates,
    start_rollover,
)
from core.pki.serial import parse_serial
from core.pki.status import certificate_validity, der_prefix, expiry_status, read_validity
from handset_ca.cli import main

from .conftest import CA_PASS, snapshot

NAME = "boot.example.com"


def crt(ws: Workspace, name: str = NAME) -> x509.Certificate:
    return x509.load_pem_x509_certificate(ws.issued_paths(name).crt.read_bytes())


# ---- renew -------------------------------------------------------------------------------


def test_renew_keeps_the_key_takes_the_next_serial_and_keeps_the_former(issued_ws):
    ws = issued_ws
    before = crt(ws)
    key_before = ws.issued_paths(NAME).key.read_bytes()
    result = renew(ws, NAME, CA_PASS, days=200)
    after = crt(ws)
    assert after.serial_number == before.serial_number + 1
    assert parse_serial(ws.srl_path.read_text()) == after.serial_number
    assert after.public_key() == before.public_key()
    assert ws.issued_paths(NAME).key.read_bytes() == key_before
    assert after.subject == before.subject
    assert after.extensions.get_extension_for_class(x509.SubjectAlternativeName) == (
        before.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    )
    assert (after.not_valid_after_utc - after.not_valid_before_utc).days == 200
    kept = ws.issued_paths(NAME).crt.parent / "previous" / f"server-{result_serial(before)}.crt"
    assert kept.read_bytes() == before.public_bytes(Encoding.PEM)
    assert ws.audit_path.read_text().splitlines()[-1].split("\t")[1] == "renew"
    assert not (ws.issued_paths(NAME).crt.parent / ".renew").exists()
    assert result.cert == after
    # a second renewal keeps the first renewal's certificate too, nothing overwritten
    renew(ws, NAME, CA_PASS)
    assert len(list(kept.parent.iterdir())) == 2
    assert ws.issued_names() == [NAME]


def result_serial(cert: x509.Certificate) -> str:
    digits = f"{cert.serial_number:X}"
    return digits if len(digits) % 2 == 0 else "0" + digits


def test_renew_new_key_keeps_the_former_key_0600(issued_ws):
    ws = issued_ws
    before = crt(ws)
    old_key = ws.issued_paths(NAME).key.read_bytes()
    result = renew(ws, NAME, CA_PASS, new_key=True, key_passphrase=b"kkkk")
    assert not any("encrypted" in w for w in result.warnings)
    after = crt(ws)
    assert after.public_key() != before.public_key()
    prev = ws.issued_paths(NAME).crt.parent / "previous"
    kept_key = prev / f"server-{result_serial(before)}.key"
    assert kept_key.read_bytes() == old_key
    assert kept_key.stat().st_mode & 0o777 == 0o600
    assert ws.issued_paths(NAME).key.stat().st_mode & 0o777 == 0o600
    assert b"ENCRYPTED" in ws.issued_paths(NAME).key.read_bytes()
    csr = x509.load_pem_x509_csr(ws.issued_paths(NAME).csr.read_bytes())
    assert csr.public_key() == after.public_key() and csr.subject == after.subject
    result = renew(ws, NAME, CA_PASS, new_key=True)  # the former key was encrypted
    assert any("the new one is not" in w for w in result.warnings)


def test_renew_refusals_change_nothing(issued_ws):
    ws = issued_ws
    state = snapshot(ws.root)
    with pytest.raises(UserError, match=r"Nothing was issued as nope\.example\.com"):
        renew(ws, "nope.example.com", CA_PASS)
    with pytest.raises(UserError, match="The CA key passphrase is wrong"):
        renew(ws, NAME, b"wrong passphrase")
    with pytest.raises(UserError, match=r"expires on .*before a 3000-day certificate.*--days"):
        renew(ws, NAME, CA_PASS, days=3000)
    with pytest.raises(UserError, match="No CA rollover was started"):
        renew(ws, NAME, CA_PASS, under_next=True)
    assert snapshot(ws.root) == state


# ---- status ------------------------------------------------------------------------------


def test_status_orders_the_window_first_and_reads_dates_as_cryptography(issued_ws):
    ws = issued_ws
    ws.issue("short.example.com", CA_PASS, days=10)
    report = expiry_status(ws, warn_days=90)
    assert [e.name for e in report.entries] == ["short.example.com", NAME, "CA"]
    assert [e.state for e in report.entries] == ["warning", "ok", "ok"]
    assert report.next_expiry.name == "short.example.com"
    for entry in report.entries:
        cert = x509.load_pem_x509_certificate(entry.path.read_bytes())
        assert entry.not_after == cert.not_valid_after_utc
        assert entry.not_before == cert.not_valid_before_utc
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=300)
    report = expiry_status(ws, warn_days=90, now=later)
    assert [(e.name, e.state) for e in report.entries][:2] == [
        ("short.example.com", "expired"),
        (NAME, "warning"),
    ]
    assert report.entries[1].used_percent == pytest.approx(300 / 365 * 100, abs=0.5)
    assert report.entries[0].used_percent == 100.0 and report.entries[0].days_left < 0
    assert report.next_expiry.name == NAME  # the expired one is not "next"


def test_the_short_reader_agrees_with_cryptography(issued_ws):
    cert = crt(issued_ws)
    serial, (start, start_iso), (end, end_iso) = read_validity(cert.public_bytes(Encoding.DER))
    assert serial == cert.serial_number
    assert start == cert.not_valid_before_utc.timestamp()
    assert end == cert.not_valid_after_utc.timestamp()
    assert end_iso == cert.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    pem = cert.public_bytes(Encoding.PEM)
    assert certificate_validity(pem) == (serial, (start, start_iso), (end, end_iso))
    with pytest.raises(ValueError):
        certificate_validity(b"not a certificate")


def test_a_subject_longer_than_the_prefix_falls_back_to_cryptography(issued_ws):
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import NameOID

    key, _ = issued_ws.load_ca(CA_PASS)
    long_name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "u" * 60)] * 20)
    when = dt.datetime(2051, 5, 6, 7, 8, 9, tzinfo=dt.UTC)  # GeneralizedTime
    cert = (
        x509.CertificateBuilder()
        .subject_name(long_name)
        .issuer_name(long_name)
        .public_key(key.public_key())
        .serial_number(7)
        .not_valid_before(dt.datetime(2049, 12, 31, tzinfo=dt.UTC))
        .not_valid_after(when)
        .sign(key, hashes.SHA256())
    )
    pem = cert.public_bytes(Encoding.PEM)
    with pytest.raises(ValueError):  # the short reader gives up on the prefix...
        read_validity(der_prefix(pem))
    _, (start, _), (end, end_iso) = certificate_validity(pem)  # ...and the library reads it
    assert (start, end, end_iso) == (
        dt.datetime(2049, 12, 31, tzinfo=dt.UTC).timestamp(),
        when.timestamp(),
        "2051-05-06T07:08:09Z",
    )


def test_status_cli_exit_codes_and_json(issued_ws, capsys, monkeypatch):
    monkeypatch.chdir(issued_ws.root.parent)
    assert main(["status", "--workspace", "pki"]) == 0
    out = capsys.readouterr().out
    assert "0 expired or expiring within 90 days" in out
    assert main(["status", "--workspace", "pki", "--json", "--warn-days", "400"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["attention"] == 1 and data["certificates"][0]["name"] == NAME
    assert data["next_expiry"]["name"] == NAME
    assert set(data["certificates"][0]) >= {
        "not_after",
        "days_left",
        "lifetime_used_percent",
        "state",
        "serial",
    }
    assert main(["status", "--workspace", "nowhere"]) == 2
    assert "There is no CA" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["status", "--workspace", "pki", "--warn-days", "-3"])
    assert exc.value.code == 2


# ---- export ------------------------------------------------------------------------------


def test_export_pkcs12_holds_key_cert_and_ca_and_never_overwrites(issued_ws, tmp_path):
    ws = issued_ws
    out = tmp_path / "boot.p12"
    export(ws, NAME, "pkcs12", out, export_passphrase=b"export pw")
    assert out.stat().st_mode & 0o777 == 0o600
    key, cert, cas = pkcs12.load_key_and_certificates(out.read_bytes(), b"export pw")
    assert cert == crt(ws) and cas == [ws.ca_certificate()]
    assert key.public_key() == cert.public_key()
    with pytest.raises(UserError, match="already exists"):
        export(ws, NAME, "pkcs12", out, export_passphrase=b"export pw")
    with pytest.raises(UserError, match="needs an export passphrase"):
        export(ws, NAME, "pkcs12", tmp_path / "none.p12")
    assert not (tmp_path / "none.p12").exists()


def test_export_without_the_server_key_is_refused(issued_ws, tmp_path):
    ws = issued_ws
    ws.issued_paths(NAME).key.unlink()
    state = snapshot(ws.root)
    with pytest.raises(UserError, match="There is no server key"):
        export(ws, NAME, "pkcs12", tmp_path / "x.p12", export_passphrase=b"export pw")
    export(ws, NAME, "fullchain", tmp_path / "chain.pem")  # no key needed
    assert snapshot(ws.root) == state and not (tmp_path / "x.p12").exists()


def test_export_cli_wrong_confirmation_is_one_sentence(issued_ws, capsys, monkeypatch, tmp_path):
    import core.passphrase as passphrase

    answers = iter(["first one", "second one"])
    monkeypatch.setattr(passphrase, "ask", lambda prompt: next(answers))
    monkeypatch.setattr("sys.stdin.isatty", lambda: True, raising=False)
    monkeypatch.delenv("HANDSET_CA_EXPORT_PASSPHRASE", raising=False)
    code = main(
        ["export", NAME, "--workspace", str(issued_ws.root), "--format", "pkcs12", "--out",
         str(tmp_path / "b.p12")]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code == 1 and err == "handset-ca: The two passphrases differ; run the command again.\n"
    assert not (tmp_path / "b.p12").exists()


# ---- the CA: renew and rollover ----------------------------------------------------------


def test_ca_renew_same_key_subject_and_ski(issued_ws):
    ws = issued_ws
    old = ws.ca_certificate()
    result = renew_ca(ws, CA_PASS, days=3000)
    new = ws.ca_certificate()
    assert new.subject.public_bytes() == old.subject.public_bytes()
    assert new.public_key() == old.public_key() and new.serial_number != old.serial_number
    ski = x509.SubjectKeyIdentifier
    assert new.extensions.get_extension_for_class(ski) == old.extensions.get_extension_for_class(
        ski
    )
    assert result.paths[1].read_bytes() == old.public_bytes(Encoding.PEM)
    crt(ws).verify_directly_issued_by(new)  # issued before: still verifies


def test_rollover_start_overlap_finish(issued_ws):
    ws = issued_ws
    current = ws.ca_certificate()
    state = snapshot(ws.root)
    with pytest.raises(UserError, match="No CA rollover was started"):
        finish_rollover(ws, CA_PASS)
    with pytest.raises(UserError, match="passphrase is wrong"):
        start_rollover(ws, b"wrong passphrase")
    assert snapshot(ws.root) == state
    start_rollover(ws, CA_PASS)
    assert ws.ca_certificate() == current  # ca.crt stays the current CA
    published = publish_ca_certificates(ws)
    assert [p.role for p in published] == ["current", "next"]
    assert published[1].cert.subject == next_ca_name(current.subject)
    assert ca_bundle_pem(ws).count(b"BEGIN CERTIFICATE") == 2
    state = snapshot(ws.root)
    with pytest.raises(UserError, match="already under way"):
        start_rollover(ws, CA_PASS)
    assert snapshot(ws.root) == state

    renew(ws, NAME, CA_PASS, under_next=True)
    assert issuer_of(ws, crt(ws)) == published[1].cert
    finish_rollover(ws, CA_PASS)
    assert ws.ca_certificate() == published[1].cert
    assert not (ws.root / "next").exists()
    kept = sorted(p.name for p in (ws.root / "previous").iterdir())
    assert kept == [f"ca-{result_serial(current)}.crt", f"ca-{result_serial(current)}.key"]
    assert publish_ca_certificates(ws)[0].cert == published[1].cert
    ws.issue("after.example.com", CA_PASS)  # the same passphrase opens the new CA
    assert "Root CA G3" in next_ca_name(ws.ca_certificate().subject).rfc4514_string()


def test_cli_refusals_are_one_sentence_and_change_nothing(issued_ws, capsys, monkeypatch):
    monkeypatch.setenv("HANDSET_CA_PASSPHRASE", CA_PASS.decode())
    monkeypatch.chdir(issued_ws.root.parent)
    state = snapshot(issued_ws.root)
    cases = [
        (["renew", "nope.example.com"], "Nothing was issued as nope.example.com"),
        (["ca", "rollover", "--finish"], "No CA rollover was started"),
        (["renew", NAME, "--next"], "No CA rollover was started"),
        (["export", NAME, "--format", "der", "--out", "pki/ca.crt"], "already exists"),
    ]
    for argv, text in cases:
        assert main([*argv, "--workspace", "pki"]) == 1, argv
        err = capsys.readouterr().err
        assert err.startswith("handset-ca: ") and err.count("\n") == 1 and text in err, err
    monkeypatch.setenv("HANDSET_CA_PASSPHRASE", "wrong one")
    for argv in (["renew", NAME], ["ca", "renew"], ["ca", "rollover"]):
        assert main([*argv, "--workspace", "pki"]) == 1
        err = capsys.readouterr().err
        assert err == "handset-ca: The CA key passphrase is wrong; type it again or use the " \
            "file that holds the right one.\n", err  # fmt: skip
    assert snapshot(issued_ws.root) == state
    monkeypatch.setenv("HANDSET_CA_PASSPHRASE", CA_PASS.decode())
    assert main(["ca", "rollover", "--workspace", "pki"]) == 0
    capsys.readouterr()
    state = snapshot(issued_ws.root)
    assert main(["ca", "rollover", "--workspace", "pki"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "A CA rollover is already under way" in err
    assert snapshot(issued_ws.root) == state


def test_export_cli_passphrases_from_files_and_missing_ones(
    issued_ws, capsys, monkeypatch, tmp_path
):
    ws = issued_ws
    renew(ws, NAME, CA_PASS, new_key=True, key_passphrase=b"server pw")
    for name in ("HANDSET_CA_EXPORT_PASSPHRASE", "HANDSET_CA_KEY_PASSPHRASE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("sys.stdin", None)
    argv = ["export", NAME, "--workspace", str(ws.root), "--format", "pkcs12", "--out"]
    assert main([*argv, str(tmp_path / "a.p12")]) == 1
    err = capsys.readouterr().err
    assert "No server key passphrase given" in err and "--key-passphrase-file" in err
    (tmp_path / "key").write_text("server pw\n")
    (tmp_path / "exp").write_text("export pw\n")
    files = ["--key-passphrase-file", str(tmp_path / "key")]
    assert main([*argv, str(tmp_path / "a.p12"), *files]) == 1
    assert "No export passphrase given" in capsys.readouterr().err
    assert not (tmp_path / "a.p12").exists()
    files += ["--export-passphrase-file", str(tmp_path / "exp")]
    assert main([*argv, str(tmp_path / "a.p12"), *files]) == 0
    key, cert, _ = pkcs12.load_key_and_certificates((tmp_path / "a.p12").read_bytes(), b"export pw")
    assert cert == crt(ws) and key.public_key() == cert.public_key()
