"""Files stay interchangeable with the bulletin's openssl commands, in both directions."""

from __future__ import annotations

import base64

import pytest
from cryptography import x509

from core.errors import UserError
from core.pki import inspect_file
from core.pki.serial import format_serial

from .conftest import PASS, cert_days, copy_ws, openssl, openssl_serial

pytestmark = pytest.mark.e2e


def test_openssl_accepts_what_we_write(our_ca, tmp_path):
    ws = copy_ws(our_ca, tmp_path / "pki")
    ws.issue("bootserver1.spectralink.com", PASS.encode(), key_passphrase=b"server pass")
    paths = ws.issued_paths("bootserver1.spectralink.com")
    root = str(ws.root)

    out = openssl("verify", "-CAfile", "ca.crt", str(paths.crt), cwd=ws.root)
    assert out.strip() == f"{paths.crt}: OK"
    assert "RSA key ok" in openssl(
        "rsa", "-check", "-noout", "-in", "ca.key", "-passin", f"pass:{PASS}", cwd=root
    )
    assert "RSA key ok" in openssl(
        "rsa", "-check", "-noout", "-in", str(paths.key), "-passin", "pass:server pass"
    )
    # the key is really encrypted: openssl cannot open it without the passphrase
    assert "bad decrypt" in openssl(
        "rsa", "-check", "-noout", "-in", "ca.key", "-passin", "pass:wrong", cwd=root, check=False
    )
    assert "verify OK" in openssl("req", "-verify", "-noout", "-in", str(paths.csr))

    ca_text = openssl("x509", "-text", "-noout", "-in", "ca.crt", cwd=root)
    assert "X509v3 Basic Constraints: critical\n                CA:TRUE" in ca_text
    assert "Certificate Sign, CRL Sign" in ca_text
    assert "X509v3 Subject Key Identifier" in ca_text
    assert "Version: 3 (0x2)" in ca_text
    server_text = openssl("x509", "-text", "-noout", "-in", str(paths.crt))
    assert (
        "X509v3 Subject Alternative Name: \n                DNS:bootserver1.spectralink.com"
        in server_text
    )
    assert "CA:FALSE" in server_text and "TLS Web Server Authentication" in server_text
    assert "X509v3 Authority Key Identifier" in server_text
    assert cert_days(ws.ca_crt_path) == 2555
    assert cert_days(paths.crt) == 365
    assert openssl_serial(paths.crt) == int(ws.srl_path.read_text(), 16)


def test_a_bulletin_ca_loads_and_issues(bulletin_ca, tmp_path):
    ws = copy_ws(bulletin_ca, tmp_path / "pki")
    assert ws.has_ca()
    assert ws.ca_summary().cn == "Root CA"
    result = ws.issue("bootserver1.spectralink.com", PASS.encode())
    crt = result.paths[-1]
    assert openssl("verify", "-CAfile", "ca.crt", str(crt), cwd=ws.root).strip().endswith(": OK")
    # the SAN keeps working with openssl's own CA certificate (which has its own SKI)
    assert x509.SubjectAlternativeName in [type(e.value) for e in result.cert.extensions]


def test_a_bulletin_csr_is_signed(bulletin_ca, openssl_csr, tmp_path):
    ws = copy_ws(bulletin_ca, tmp_path / "pki")
    result = ws.sign_csr(openssl_csr.read_bytes(), PASS.encode())
    assert result.summary.subject == (
        "C=US, O=Spectralink Corporation, CN=bootserver1.spectralink.com"
    )
    out = openssl("verify", "-CAfile", "ca.crt", str(result.paths[-1]), cwd=ws.root)
    assert out.strip().endswith(": OK")
    # the certificate carries the openssl-made key
    modulus_key = openssl(
        "rsa", "-noout", "-modulus", "-in", str(openssl_csr.with_name("server.key"))
    )
    modulus_crt = openssl("x509", "-noout", "-modulus", "-in", str(result.paths[-1]))
    assert modulus_key == modulus_crt


def test_wrong_passphrase_on_a_legacy_des3_key_changes_nothing(bulletin_ca, tmp_path):
    ws = copy_ws(bulletin_ca, tmp_path / "pki")
    before = sorted(p.name for p in ws.root.iterdir())
    with pytest.raises(UserError) as info:
        ws.issue("bootserver1.spectralink.com", b"not it")
    assert str(info.value).startswith("The CA key passphrase is wrong;")
    assert sorted(p.name for p in ws.root.iterdir()) == before


def test_openssl_and_handset_ca_take_turns_on_one_serial_file(bulletin_ca, openssl_csr, tmp_path):
    ws = copy_ws(bulletin_ca, tmp_path / "pki")
    root = ws.root
    csr = str(openssl_csr)
    serials = []

    def openssl_issue(n: int, create: bool) -> None:
        out = f"openssl{n}.crt"
        openssl(
            "x509", "-days", "365", "-CA", "ca.crt", "-CAkey", "ca.key", "-req",
            *(["-CAcreateserial"] if create else []), "-CAserial", "ca.srl",
            "-in", csr, "-out", out, "-passin", f"pass:{PASS}", cwd=root,
        )  # fmt: skip
        serials.append(openssl_serial(root / out))
        assert int(ws.srl_path.read_text(), 16) == serials[-1]

    openssl_issue(1, create=True)  # the bulletin's first run creates ca.srl
    assert ws.srl_path.read_text() == format_serial(serials[-1])  # we write what openssl writes
    serials.append(ws.issue("a.spectralink.com", PASS.encode()).cert.serial_number)
    assert ws.srl_path.read_text() == format_serial(serials[-1])
    openssl_issue(2, create=False)
    serials.append(ws.sign_csr(openssl_csr.read_bytes(), PASS.encode()).cert.serial_number)
    openssl_issue(3, create=False)
    serials.append(ws.issue("b.spectralink.com", PASS.encode()).cert.serial_number)

    assert len(set(serials)) == len(serials) == 6
    assert serials == list(range(serials[0], serials[0] + 6))
    assert int(ws.srl_path.read_text(), 16) == serials[-1]


def test_a_csr_asking_for_ca_true_is_granted_ca_false(our_ca, tmp_path):
    ws = copy_ws(our_ca, tmp_path / "pki")
    openssl("genrsa", "-out", "evil.key", "2048", cwd=tmp_path)
    openssl(
        "req", "-new", "-key", "evil.key", "-out", "evil.csr", "-subj", "/CN=evil.example.com",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign", cwd=tmp_path,
    )  # fmt: skip
    assert "CA:TRUE" in openssl("req", "-noout", "-text", "-in", "evil.csr", cwd=tmp_path)
    result = ws.sign_csr((tmp_path / "evil.csr").read_bytes(), PASS.encode())
    text = openssl("x509", "-noout", "-text", "-in", str(result.paths[-1]))
    assert "CA:FALSE" in text and "CA:TRUE" not in text
    assert "Certificate Sign" not in text
    # openssl agrees it cannot act as a CA
    purpose = openssl("x509", "-noout", "-purpose", "-in", str(result.paths[-1]))
    assert "SSL server CA : No" in purpose and "SSL server : Yes" in purpose


def test_a_csr_with_a_broken_signature_is_refused(our_ca, openssl_csr, tmp_path):
    ws = copy_ws(our_ca, tmp_path / "pki")
    der = bytearray(base64.b64decode(b"".join(openssl_csr.read_bytes().splitlines()[1:-1])))
    der[-10] ^= 0xFF  # a bit inside the signature
    (tmp_path / "broken.csr").write_bytes(bytes(der))
    assert "verify OK" not in openssl(
        "req",
        "-verify",
        "-noout",
        "-inform",
        "DER",
        "-in",
        str(tmp_path / "broken.csr"),
        check=False,
    )
    with pytest.raises(UserError, match="signature does not verify"):
        ws.sign_csr(bytes(der), PASS.encode())
    assert not ws.srl_path.exists()


def test_inspect_reads_what_openssl_writes(bulletin_ca, openssl_csr, tmp_path):
    key_text = inspect_file(bulletin_ca / "ca.key", PASS.encode())
    assert "RSA 2048 bit" in key_text and "encrypted" in key_text
    assert "Give its passphrase" in inspect_file(bulletin_ca / "ca.key")
    openssl(
        "x509",
        "-in",
        "ca.crt",
        "-outform",
        "DER",
        "-out",
        str(tmp_path / "ca.der"),
        cwd=bulletin_ca,
    )
    der_text = inspect_file(tmp_path / "ca.der")
    assert der_text.startswith("Certificate (DER, version 3)")
    assert "Subject:     C=US, ST=Colorado, L=Boulder, O=Spectralink Corporation" in der_text
    fingerprint = openssl(
        "x509", "-noout", "-fingerprint", "-sha256", "-in", "ca.crt", cwd=bulletin_ca
    )
    assert fingerprint.strip().split("=", 1)[1] in der_text
    assert "verifies" in inspect_file(openssl_csr)
    assert "RSA 2048 bit" in inspect_file(openssl_csr.with_name("server.key"))
