"""inspect: any key, CSR or certificate, PEM or DER; never a private number."""

from __future__ import annotations

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from core.errors import UserError
from core.pki import inspect_bytes, inspect_file

from .conftest import CA_PASS

DER = serialization.Encoding.DER


def test_certificate_pem_and_der(issued_ws):
    crt = issued_ws.issued_paths("boot.example.com").crt
    text = inspect_file(crt)
    summary = issued_ws.issued_summaries()[0]
    for expected in (
        "Subject:     CN=boot.example.com",
        "Issuer:      C=US, ST=Colorado",
        f"Serial:      {summary.serial_hex}",
        "(364 days left)",
        "RSA 2048 bit",
        "basicConstraints (critical): CA:FALSE",
        "subjectAltName: DNS:boot.example.com",
        "extendedKeyUsage: serverAuth",
        f"SHA-256 fingerprint: {summary.sha256}",
        f"SHA-1 fingerprint:   {summary.sha1}",
    ):
        assert expected in text
    der = x509.load_pem_x509_certificate(crt.read_bytes()).public_bytes(DER)
    assert inspect_bytes(der).replace("DER", "PEM") == text


def test_ca_certificate_says_ca_true_and_self_signed(issued_ws):
    text = inspect_file(issued_ws.ca_crt_path)
    assert "basicConstraints (critical): CA:TRUE" in text
    assert "keyUsage (critical): Certificate Sign, CRL Sign" in text
    assert "Self-signed: yes" in text


def test_csr(issued_ws):
    text = inspect_file(issued_ws.issued_paths("boot.example.com").csr)
    assert text.startswith("Certificate signing request (PEM)")
    assert "verifies" in text and "subjectAltName: DNS:boot.example.com" in text


def test_private_keys_never_show_private_numbers(issued_ws):
    key_path = issued_ws.issued_paths("boot.example.com").key
    key = serialization.load_pem_private_key(key_path.read_bytes(), None)
    numbers = key.private_numbers()
    der = key.private_bytes(DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    for text in (
        inspect_file(key_path),
        inspect_bytes(der),
        inspect_file(issued_ws.ca_key_path, CA_PASS),
    ):
        assert "RSA 2048 bit" in text
        for secret in (numbers.d, numbers.p, numbers.q):
            assert f"{secret:x}" not in text.lower().replace(":", "")
            assert str(secret) not in text


def test_encrypted_key_without_passphrase_and_with_a_wrong_one(issued_ws):
    text = inspect_file(issued_ws.ca_key_path)
    assert "encrypted" in text and "Give its passphrase" in text
    with pytest.raises(UserError, match="passphrase is wrong"):
        inspect_file(issued_ws.ca_key_path, b"nope")


def test_several_blocks(issued_ws):
    leaf = issued_ws.issued_paths("boot.example.com").crt.read_bytes()
    ca = issued_ws.ca_crt_path.read_bytes()
    text = inspect_bytes(leaf + ca)
    assert text.startswith("2 certificates, in the order of the file:\nCertificate 1 of 2 (PEM")
    first, second = text.split("\n\nCertificate 2 of 2 (PEM, version 3)\n")
    assert "Subject:     CN=boot.example.com" in first and "Signed certificate" not in first
    assert "CN=Root CA" in second and "Signed certificate 1: yes" in second
    backwards = inspect_bytes(ca + leaf)  # a CA bundle in the wrong order says so
    assert "Signed certificate 1: no (its subject is not that certificate's issuer)" in backwards
    key = issued_ws.issued_paths("boot.example.com").key.read_bytes()
    mixed = inspect_bytes(leaf + key)
    assert mixed.startswith("2 PEM blocks, in the order of the file:\nCertificate 1 of 2 (")
    assert "\n\nPrivate key 2 of 2 (PEM, " in mixed


@pytest.mark.parametrize(
    "data",
    [b"", b"hello world\n", b"\x00\x01\x02", b"\x30\x03\x02\x01\x01", "é".encode()],
)
def test_not_pem_or_der(data):
    with pytest.raises(UserError, match="is not a certificate, CSR or key in PEM or DER form"):
        inspect_bytes(data)


def test_damaged_pem_block():
    data = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
    with pytest.raises(UserError, match="damaged CERTIFICATE block"):
        inspect_bytes(data)


def test_missing_file(tmp_path):
    with pytest.raises(UserError, match="Cannot read"):
        inspect_file(tmp_path / "nothing.crt")


def test_inspect_file_refuses_what_is_not_a_small_regular_file(tmp_path):
    import os
    import time

    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    big = tmp_path / "big.crt"
    big.write_bytes(b"-" * (1024 * 1024 + 1))
    for path, words in (
        (fifo, "not a regular file"),  # would wait for a writer for ever
        (tmp_path, "not a regular file"),  # a folder
        (big, "larger than 1 MiB"),
    ):
        started = time.monotonic()
        with pytest.raises(UserError) as caught:
            inspect_file(path)
        assert words in str(caught.value) and str(path) in str(caught.value)
        assert "\n" not in str(caught.value)
        assert time.monotonic() - started < 5
    if os.path.exists("/dev/zero"):
        with pytest.raises(UserError, match="not a regular file"):
            inspect_file("/dev/zero")
