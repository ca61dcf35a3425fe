"""Signing CSRs: only our extensions, verified signatures, warnings, refusals."""

from __future__ import annotations

import ipaddress

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from core.errors import UserError
from core.pki import Subject, Workspace
from core.pki.sign import build_csr

from .conftest import CA_PASS, CA_SUBJECT, snapshot

PEM = serialization.Encoding.PEM


def csr_with(key, cn, *extensions):
    builder = x509.CertificateSigningRequestBuilder().subject_name(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    )
    for ext, critical in extensions:
        builder = builder.add_extension(ext, critical=critical)
    return builder.sign(key, hashes.SHA256()).public_bytes(PEM)


def test_a_csr_asking_for_ca_true_gets_ca_false_and_nothing_else_copied(ws, server_key):
    data = csr_with(
        server_key,
        "boot.example.com",
        (x509.BasicConstraints(ca=True, path_length=None), True),
        (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), False),
        (
            x509.SubjectAlternativeName(
                [
                    x509.DNSName("alt.example.com"),
                    x509.IPAddress(ipaddress.ip_address("10.0.0.5")),
                    x509.RFC822Name("x@example.com"),
                ]
            ),
            False,
        ),
    )
    result = ws.sign_csr(data, CA_PASS)
    ext = result.cert.extensions
    assert ext.get_extension_for_class(x509.BasicConstraints).value.ca is False
    assert list(ext.get_extension_for_class(x509.ExtendedKeyUsage).value) == [
        ExtendedKeyUsageOID.SERVER_AUTH
    ]
    san = ext.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["boot.example.com", "alt.example.com"]
    assert san.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("10.0.0.5")]
    assert san.get_values_for_type(x509.RFC822Name) == []
    assert not result.summary.is_ca
    ku = ext.get_extension_for_class(x509.KeyUsage).value
    assert ku.digital_signature and ku.key_encipherment and not ku.key_cert_sign
    paths = ws.issued_paths("boot.example.com")
    assert result.paths == [paths.csr, paths.crt] and not paths.key.exists()


def test_an_ip_cn_becomes_an_ip_san(ws, server_key):
    result = ws.sign_csr(csr_with(server_key, "192.168.1.20"), CA_PASS)
    san = result.cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("192.168.1.20")]


def test_a_broken_csr_signature_is_refused(ws, server_key):
    csr = x509.load_pem_x509_csr(csr_with(server_key, "boot.example.com"))
    der = bytearray(csr.public_bytes(serialization.Encoding.DER))
    der[-5] ^= 0x01  # inside the signature bits
    before = snapshot(ws.root)
    with pytest.raises(UserError, match="signature does not verify"):
        ws.sign_csr(bytes(der), CA_PASS)
    assert snapshot(ws.root) == before


@pytest.mark.parametrize("data", [b"hello\n", b"", b"-----BEGIN CERTIFICATE REQUEST-----\nxx\n"])
def test_not_a_csr(ws, data):
    with pytest.raises(UserError, match="not a certificate signing request"):
        ws.sign_csr(data, CA_PASS)


def test_the_ca_subject_is_refused(ws, server_key):
    data = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(ws.ca_certificate().subject)
        .sign(server_key, hashes.SHA256())
        .public_bytes(PEM)
    )
    with pytest.raises(UserError, match="Issuer and Subject must differ"):
        ws.sign_csr(data, CA_PASS)
    assert not ws.srl_path.exists()


def test_bad_cn_in_a_csr_is_refused(ws, server_key):
    with pytest.raises(UserError, match="is not a host name"):
        ws.sign_csr(csr_with(server_key, "../../etc"), CA_PASS)
    assert not ws.srl_path.exists() and not ws.issued_dir.exists()


def test_long_and_ca_outliving_certificates_warn(ws, server_key):
    result = ws.sign_csr(csr_with(server_key, "boot.example.com"), CA_PASS, days=3000)
    assert len(result.warnings) == 2
    assert "825 days" in result.warnings[0]
    assert "outlives its CA" in result.warnings[1]


def test_out_is_written_once_and_never_replaced(ws, server_key, tmp_path):
    out = tmp_path / "server.crt"
    data = csr_with(server_key, "boot.example.com")
    result = ws.sign_csr(data, CA_PASS, out=out)
    assert result.paths == [out]
    assert x509.load_pem_x509_certificate(out.read_bytes()) == result.cert
    first_serial = ws.srl_path.read_text()
    with pytest.raises(UserError, match="already exists"):
        ws.sign_csr(data, CA_PASS, out=out)
    assert ws.srl_path.read_text() == first_serial


def test_serials_follow_the_serial_file(ws, server_key):
    ws.srl_path.write_text("41\n")
    a = ws.sign_csr(csr_with(server_key, "a.example.com"), CA_PASS)
    b = ws.issue("b.example.com", CA_PASS)
    assert (a.cert.serial_number, b.cert.serial_number) == (0x42, 0x43)
    assert ws.srl_path.read_text() == "43\n"
    lines = ws.audit_path.read_text().splitlines()
    assert [line.split("\t")[1:3] for line in lines] == [["sign", "42"], ["issue", "43"]]


def test_issue_with_subject_and_key_passphrase(ws):
    subject = Subject(cn="boot.example.com", org="Acme", country="US")
    result = ws.issue("boot", CA_PASS, key_passphrase=b"kkkk", subject=subject, days=30)
    key_pem = ws.issued_paths("boot").key.read_bytes()
    assert key_pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    key = serialization.load_pem_private_key(key_pem, b"kkkk")
    assert key.public_key() == result.cert.public_key()
    assert result.summary.subject == "C=US, O=Acme, CN=boot.example.com"
    assert (result.summary.not_after - result.summary.not_before).days == 30


def test_build_csr_refuses_bad_names(server_key):
    with pytest.raises(UserError):
        build_csr(server_key, Subject(cn="a b"))


def test_a_ca_key_that_does_not_match_the_certificate(ws, tmp_path):
    other = Workspace(tmp_path / "other")
    other.create_ca(CA_SUBJECT, CA_PASS)
    ws.ca_key_path.unlink()
    ws.ca_key_path.write_bytes(other.ca_key_path.read_bytes())
    before = snapshot(ws.root)
    with pytest.raises(UserError, match="is not the key of"):
        ws.issue("boot.example.com", CA_PASS)
    assert snapshot(ws.root) == before


def test_out_in_a_missing_folder_takes_no_serial(ws, server_key, tmp_path):
    ws.srl_path.write_text("3B\n")
    before = snapshot(ws.root)
    out = tmp_path / "nodir" / "ext.crt"
    with pytest.raises(UserError, match=r"folder .*nodir does not exist; create it") as err:
        ws.sign_csr(csr_with(server_key, "ext.example.com"), CA_PASS, out=out)
    assert str(ws.root) not in str(err.value)
    assert snapshot(ws.root) == before


def test_an_out_that_is_a_file_takes_no_serial(ws, server_key, tmp_path):
    (tmp_path / "afile").write_text("x")
    before = snapshot(ws.root)
    with pytest.raises(UserError, match="afile is a file, not a folder; choose another --out"):
        ws.sign_csr(csr_with(server_key, "a.example.com"), CA_PASS, out=tmp_path / "afile" / "c")
    assert snapshot(ws.root) == before


def test_a_write_that_fails_after_the_serial_puts_ca_srl_back(
    ws, server_key, tmp_path, monkeypatch
):
    import errno

    import core.pki.workspace as workspace_module

    def disk_full(path, data, mode=0o644, *, replace=False):
        if path.name != "ca.srl":
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(path, data, mode, replace=replace)

    real = workspace_module.write_atomic
    ws.srl_path.write_text("3B\n")
    (ws.root / ".ca.lock").touch()
    before = snapshot(ws.root)
    monkeypatch.setattr(workspace_module, "write_atomic", disk_full)
    with pytest.raises(UserError, match=r"Cannot write in .* \(No space left on device\)") as err:
        ws.sign_csr(csr_with(server_key, "a.example.com"), CA_PASS, out=tmp_path / "a.crt")
    assert str(tmp_path) in str(err.value) and "--out" in str(err.value)
    assert snapshot(ws.root) == before
    with pytest.raises(UserError, match="No space left"):
        ws.issue("b.example.com", CA_PASS)
    assert snapshot(ws.root) == before
    monkeypatch.undo()
    assert ws.issue("b.example.com", CA_PASS).cert.serial_number == 0x3C


def test_issued_that_is_a_file_takes_no_serial(ws, server_key):
    ws.issued_dir.write_text("x")
    before = snapshot(ws.root)
    with pytest.raises(UserError, match="is a file, not a folder"):
        ws.issue("b.example.com", CA_PASS)
    with pytest.raises(UserError, match="is a file, not a folder"):
        ws.sign_csr(csr_with(server_key, "a.example.com"), CA_PASS)
    assert snapshot(ws.root) == before


def test_the_sign_forms_preview_lists_the_names_or_the_refusal(server_key):
    """What the app's Sign form shows before it signs (issue 11, case 1)."""
    from core.pki.sign import names_preview

    good = csr_with(
        server_key,
        "boot.example.com",
        (
            x509.SubjectAlternativeName(
                [x509.DNSName("www.example.com"), x509.IPAddress(ipaddress.ip_address("10.0.0.5"))]
            ),
            False,
        ),
    )
    assert names_preview(good) == (
        "The certificate will carry: DNS:boot.example.com, DNS:www.example.com, "
        "IP Address:10.0.0.5."
    )
    bad = csr_with(
        server_key, "boot.example.com", (x509.SubjectAlternativeName([x509.DNSName("a..b")]), False)
    )
    with pytest.raises(UserError, match=r"'a\.\.b'"):
        names_preview(bad)
