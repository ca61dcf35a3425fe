"""The workspace on disk: layout, modes, refusals, and that errors change nothing."""

from __future__ import annotations

import re
import stat

import pytest
from cryptography import x509

from core.errors import UserError
from core.pki import Subject, Workspace
from core.pki.serial import format_serial

from .conftest import CA_PASS, CA_SUBJECT, snapshot


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_create_ca_layout_and_modes(ca_template):
    ws = Workspace(ca_template)
    assert ws.has_ca()
    assert mode(ws.root) == 0o700
    assert mode(ws.ca_key_path) == 0o600
    assert ws.ca_key_path.read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    summary = ws.ca_summary()
    assert summary.is_ca and summary.key_bits == 2048
    assert summary.subject == (
        "C=US, ST=Colorado, L=Boulder, O=Spectralink Corporation, OU=Service, CN=Root CA, "
        "emailAddress=admin@spectralink.com"
    )
    assert (summary.not_after - summary.not_before).days == 2555
    assert "ca-init" in ws.audit_path.read_text()


def test_create_ca_refuses_an_existing_ca(ws):
    before = snapshot(ws.root)
    with pytest.raises(UserError, match="already holds a CA"):
        ws.create_ca(CA_SUBJECT, CA_PASS)
    assert snapshot(ws.root) == before


@pytest.mark.parametrize(
    ("subject", "passphrase", "message"),
    [
        (Subject(cn=""), b"pw12", "Common Name is required"),
        (Subject(cn="Root CA", country="USA"), b"pw12", "two letters"),
        (Subject(cn="Root CA"), b"", "cannot be empty"),
        (Subject(cn="Root CA"), b"pw", "must be at least 4 characters"),
    ],
)
def test_create_ca_bad_input_writes_nothing(tmp_path, subject, passphrase, message):
    with pytest.raises(UserError, match=message):
        Workspace(tmp_path / "pki").create_ca(subject, passphrase)
    assert not (tmp_path / "pki").exists()


def test_issue_layout_serial_and_extensions(ws):
    result = ws.issue("boot.example.com", CA_PASS)
    paths = ws.issued_paths("boot.example.com")
    assert result.paths == [paths.key, paths.csr, paths.crt]
    assert mode(paths.key) == 0o600
    assert mode(paths.crt.parent) == 0o700
    cert = result.cert
    assert cert.serial_number == int(ws.srl_path.read_text(), 16)
    assert ws.srl_path.read_text() == format_serial(cert.serial_number)
    assert re.fullmatch(r"([0-9A-F]{2})+\n", ws.srl_path.read_text())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["boot.example.com"]
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert ws.issued_names() == ["boot.example.com"]
    assert [s.cn for s in ws.issued_summaries()] == ["boot.example.com"]
    assert ws.issued_summaries()[0].days_left == 364


def test_issue_refuses_a_name_already_issued(issued_ws):
    before = snapshot(issued_ws.root)
    with pytest.raises(
        UserError,
        match=r"boot\.example\.com was already issued \(.*\); renew "
        r"its certificate with `handset-ca renew boot\.example\.com`",
    ):
        issued_ws.issue("boot.example.com", CA_PASS)
    assert snapshot(issued_ws.root) == before


def test_wrong_passphrase_is_one_sentence_and_changes_nothing(issued_ws):
    before = snapshot(issued_ws.root)
    with pytest.raises(UserError) as info:
        issued_ws.issue("other.example.com", b"wrong")
    assert str(info.value).startswith("The CA key passphrase is wrong;")
    assert str(info.value).count(". ") == 0
    assert snapshot(issued_ws.root) == before


@pytest.mark.parametrize("name", ["../x", "../../etc", "/etc/x", "a\0b", "..", ".hidden", ""])
def test_issued_name_cannot_escape(ws, name):
    with pytest.raises(UserError, match="cannot be used as a certificate name"):
        ws.issued_paths(name)
    with pytest.raises(UserError):
        ws.issue(name, CA_PASS)
    assert not ws.issued_dir.exists()


def test_no_ca_is_a_clear_error(tmp_path):
    ws = Workspace(tmp_path)
    assert not ws.has_ca() and ws.ca_summary() is None
    with pytest.raises(UserError, match="There is no CA in"):
        ws.issue("boot.example.com", CA_PASS)


def test_a_disk_problem_is_one_sentence(ws):
    ws.lock_path.mkdir()  # the lock cannot be opened: an OSError from the real system call
    with pytest.raises(UserError, match=r"Cannot write in .*; check its permissions"):
        ws.issue("boot.example.com", CA_PASS)
    assert not ws.issued_dir.exists() and not ws.srl_path.exists()


def test_a_workspace_under_a_file_is_refused(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(UserError, match="Cannot create"):
        Workspace(tmp_path / "file" / "pki").create_ca(CA_SUBJECT, CA_PASS)


def test_a_server_key_passphrase_under_4_characters_is_refused(ws):
    before = snapshot(ws.root)
    with pytest.raises(UserError, match="server key passphrase must be at least 4 characters"):
        ws.issue("boot.example.com", CA_PASS, key_passphrase=b"abc")
    assert snapshot(ws.root) == before
