"""Test certificates made with cryptography directly (core.pki is built elsewhere)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tests.servers import der, san_names
from tests.servers import traditional_key_pem as key_pem

# der and key_pem (the "BEGIN RSA PRIVATE KEY" form) come from tests.servers
__all__ = ["NOW", "der", "key_pem", "make_cert", "new_key", "pem"]

NOW = datetime.now(UTC)


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def make_cert(
    cn: str | None,
    key: rsa.RSAPrivateKey,
    *,
    issuer: x509.Certificate | None = None,
    issuer_key: rsa.RSAPrivateKey | None = None,
    ca: bool | None = True,
    sans: tuple[str, ...] = (),
    not_before: datetime | None = None,
    not_after: datetime | None = None,
) -> x509.Certificate:
    """A certificate for ``cn`` signed by ``issuer`` (self-signed when None).

    ``ca`` None leaves out basicConstraints (an old v1-style certificate).
    """
    attrs = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, "handset-ca tests")]
    if cn is not None:
        attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    subject = x509.Name(attrs)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.subject if issuer is not None else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or NOW - timedelta(days=1))
        .not_valid_after(not_after or NOW + timedelta(days=365))
    )
    if ca is not None:
        builder = builder.add_extension(x509.BasicConstraints(ca=ca, path_length=None), True)
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), True
        )
    if ca is False:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False
        )
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(san_names(sans)), False)
    return builder.sign(issuer_key or key, hashes.SHA256())


def pem(*certs: x509.Certificate) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)
