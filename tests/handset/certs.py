"""Test certificates made with cryptography directly (core.pki is built elsewhere)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID

from tests.servers import build_cert, der, subject_name
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
    extensions: list[tuple[x509.ExtensionType, bool]] = []
    if ca:
        keyusage = x509.KeyUsage(False, False, False, False, False, True, True, False, False)
        extensions.append((keyusage, True))
    if ca is False:
        extensions.append((x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False))
    return build_cert(
        key,
        subject_name(cn, "handset-ca tests"),
        not_before=not_before or NOW - timedelta(days=1),
        not_after=not_after or NOW + timedelta(days=365),
        ca=ca,
        issuer_name=issuer.subject if issuer is not None else None,
        issuer_key=issuer_key,
        extensions=extensions,
        sans=sans,
    )


def pem(*certs: x509.Certificate) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)
