"""Certificates for the checker's tests, built with cryptography's x509 builders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.servers import build_cert, der, subject_name
from tests.servers import traditional_key_pem as key_pem

# der and key_pem (the "BEGIN RSA PRIVATE KEY" form) come from tests.servers
__all__ = ["NOW", "der", "key_pem", "make_cert", "name", "pem", "sha1_root"]

NOW = datetime.now(UTC)


def name(cn: str | None, org: str = "Check Tests") -> x509.Name:
    return subject_name(cn, org)


def make_cert(
    key: rsa.RSAPrivateKey,
    cn: str | None = "Root CA",
    *,
    issuer_key: rsa.RSAPrivateKey | None = None,
    issuer_name: x509.Name | None = None,
    ca: bool = True,
    days: int = 2555,
    start: datetime | None = None,
    hash_alg: hashes.HashAlgorithm | None = None,
    san: list[str] | None = None,
    org: str = "Check Tests",
) -> x509.Certificate:
    """Self-signed unless issuer_key/issuer_name are given; a CA gets keyCertSign and
    cRLSign, as RFC 5280 asks (without them check warns ca-no-key-usage)."""
    start = start or NOW - timedelta(days=1)
    usage = x509.KeyUsage(
        digital_signature=False, content_commitment=False, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
        encipher_only=False, decipher_only=False,
    )  # fmt: skip
    return build_cert(
        key,
        name(cn, org),
        not_before=start,
        not_after=start + timedelta(days=days),
        ca=ca,
        issuer_name=issuer_name,
        issuer_key=issuer_key,
        sans=san or (),
        hash_alg=hash_alg,
        extensions=[(usage, True)] if ca else (),
    )


def pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def sha1_root(key: rsa.RSAPrivateKey, folder, cn: str = "Old CA") -> x509.Certificate:
    """A SHA-1-signed root made by the openssl binary (cryptography refuses to sign one)."""
    import subprocess

    key_path = folder / "sha1.key"
    key_path.write_bytes(key_pem(key))
    out = subprocess.run(
        ["openssl", "req", "-x509", "-sha1", "-key", str(key_path), "-subj", f"/CN={cn}",
         "-days", "2555"],
        capture_output=True, check=True, timeout=30,
    )  # fmt: skip
    return x509.load_pem_x509_certificate(out.stdout)
