"""accept_certificate_file: what the phone takes as a custom CA certificate."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import serialization

from core.handset import accept as a
from core.handset import accept_certificate_file
from tests.handset.certs import NOW, der, key_pem, make_cert, pem


def test_pem_root_ca_is_accepted(ca):
    verdict = accept_certificate_file(pem(ca.cert))
    assert verdict.ok and verdict.code == a.OK and verdict.cert == ca.cert


def test_pem_with_text_around_is_accepted(ca):
    # `openssl x509 -text` output keeps the PEM block after the dump
    verdict = accept_certificate_file(b"Certificate:\n    Data: ...\n" + pem(ca.cert))
    assert verdict.ok


def test_der_is_refused_saying_it_is_der(ca):
    verdict = accept_certificate_file(der(ca.cert))
    assert not verdict.ok and verdict.code == a.DER
    assert "DER" in verdict.explanation and "PEM" in verdict.explanation
    assert verdict.source == "vendor doc"


@pytest.mark.parametrize("fmt", ["pem", "der", "encrypted"])
def test_private_key_is_refused_loudly(ca, fmt):
    if fmt == "pem":
        data = pem(ca.cert) + key_pem(ca.key)
    elif fmt == "der":
        data = ca.key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    else:
        data = ca.key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"secret"),
        )
    verdict = accept_certificate_file(data)
    assert not verdict.ok and verdict.code == a.PRIVATE_KEY
    assert verdict.explanation.startswith("WARNING") and "PRIVATE KEY" in verdict.explanation


def test_several_certificates_are_refused(ca):
    server = make_cert("boot", ca.server_key, issuer=ca.cert, issuer_key=ca.key, ca=False)
    verdict = accept_certificate_file(pem(server, ca.cert))
    assert verdict.code == a.SEVERAL and "2 certificates" in verdict.explanation


def test_server_certificate_is_not_a_ca(ca):
    server = make_cert("boot", ca.server_key, issuer=ca.cert, issuer_key=ca.key, ca=False)
    verdict = accept_certificate_file(pem(server))
    assert verdict.code == a.NOT_CA and '"boot"' in verdict.explanation


def test_intermediate_is_not_a_root(ca):
    inter = make_cert("Sub CA", ca.server_key, issuer=ca.cert, issuer_key=ca.key)
    assert accept_certificate_file(pem(inter)).code == a.NOT_ROOT


def test_v1_self_signed_root_without_extensions_passes(ca):
    old = make_cert("Old Root", ca.key, ca=None)
    assert accept_certificate_file(pem(old)).ok


def test_expired_and_not_yet_valid(ca):
    expired = make_cert(
        "Root CA", ca.key, not_before=NOW - timedelta(days=30), not_after=NOW - timedelta(days=1)
    )
    verdict = accept_certificate_file(pem(expired))
    assert verdict.code == a.EXPIRED and "expired on" in verdict.explanation
    future = make_cert("Root CA", ca.key, not_before=NOW + timedelta(days=2))
    verdict = accept_certificate_file(pem(future))
    assert verdict.code == a.NOT_YET_VALID
    # the clock passed in decides, not the machine's
    assert accept_certificate_file(pem(future), now=NOW + timedelta(days=3)).ok


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", a.EMPTY),
        (b"  \n", a.EMPTY),
        (b"<!DOCTYPE html>\n<html><body>Not here</body></html>", a.HTML),
        (b"\n<html><head><title>404</title></head></html>", a.HTML),
        (b"\x00\x01garbage\xff" * 20, a.NOT_A_CERTIFICATE),
        (b"hello, world\n", a.NOT_A_CERTIFICATE),
        (b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", a.DAMAGED),
        (b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", a.NOT_A_CERTIFICATE),
    ],
)
def test_other_files_each_get_their_own_message(data, code):
    verdict = accept_certificate_file(data)
    assert not verdict.ok and verdict.code == code, verdict
    assert verdict.explanation.endswith(".")


def test_crlf_and_bom_are_fine_but_a_trusted_certificate_block_is_not(ca):
    assert accept_certificate_file(pem(ca.cert).replace(b"\n", b"\r\n")).ok
    assert accept_certificate_file(b"\xef\xbb\xbf" + pem(ca.cert)).ok
    trusted = pem(ca.cert).replace(b"CERTIFICATE", b"TRUSTED CERTIFICATE")
    verdict = accept_certificate_file(trusted)
    assert verdict.code == a.NOT_A_CERTIFICATE and "TRUSTED CERTIFICATE" in verdict.explanation


def test_csr_is_named(ca):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import NameOID

    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "boot")]))
        .sign(ca.server_key, hashes.SHA256())
    )
    verdict = accept_certificate_file(csr.public_bytes(serialization.Encoding.PEM))
    assert verdict.code == a.CSR


def test_messages_are_distinct():
    codes = [a.EMPTY, a.HTML, a.DER, a.PRIVATE_KEY, a.SEVERAL, a.NOT_CA, a.EXPIRED]
    assert len(set(codes)) == len(codes)
