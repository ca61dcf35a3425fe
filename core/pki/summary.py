"""CertSummary: what lists and headers show about one certificate."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import dsa, ec, rsa

from core.pki.names import common_name, name_text, printable


@dataclass(frozen=True)
class CertSummary:
    subject: str  # openssl style: "C=US, ST=Colorado, ..., CN=Root CA"
    cn: str
    issuer: str
    serial_hex: str
    not_before: dt.datetime  # aware, UTC
    not_after: dt.datetime
    days_left: int
    is_ca: bool
    key_bits: int
    sha256: str  # "AB:CD:..." upper-case colon hex, as openssl prints
    sha1: str
    path: Path | None = None
    names: tuple[
        str, ...
    ] = ()  # subjectAltName, openssl style: "DNS:a.example", "IP Address:10.0.0.5"


def colon_hex(data: bytes) -> str:
    return data.hex(":").upper()


def fingerprint(cert: x509.Certificate, algorithm: hashes.HashAlgorithm) -> str:
    return colon_hex(cert.fingerprint(algorithm))


def key_bits(public_key: object) -> int:
    if isinstance(public_key, rsa.RSAPublicKey | dsa.DSAPublicKey):
        return public_key.key_size
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return public_key.curve.key_size
    return 0


def san_texts(cert: x509.Certificate) -> tuple[str, ...]:
    """The DNS names, IP addresses and e-mail addresses a certificate carries, as openssl
    prints them."""
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (x509.ExtensionNotFound, ValueError):
        return ()
    # printable(): a certificate made elsewhere may carry any bytes in a name
    texts = [f"DNS:{printable(n)}" for n in san.get_values_for_type(x509.DNSName)]
    texts += [f"IP Address:{n}" for n in san.get_values_for_type(x509.IPAddress)]
    texts += [f"email:{printable(n)}" for n in san.get_values_for_type(x509.RFC822Name)]
    return tuple(texts)


def is_ca(cert: x509.Certificate) -> bool:
    try:
        return cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except (x509.ExtensionNotFound, ValueError):
        return False


def days_left(not_after: dt.datetime, now: dt.datetime | None = None) -> int:
    return (not_after - (now or dt.datetime.now(dt.UTC))).days


def summarize(
    cert: x509.Certificate, path: Path | str | None = None, now: dt.datetime | None = None
) -> CertSummary:
    not_after = cert.not_valid_after_utc
    subject = cert.subject  # each access parses it again
    try:
        bits = key_bits(cert.public_key())
    except Exception:  # a key type the library does not know
        bits = 0
    return CertSummary(
        subject=name_text(subject),
        cn=printable(common_name(subject)),  # shown in lists, never compared
        issuer=name_text(cert.issuer),
        serial_hex=serial_hex(cert.serial_number),
        not_before=cert.not_valid_before_utc,
        not_after=not_after,
        days_left=days_left(not_after, now),
        is_ca=is_ca(cert),
        key_bits=bits,
        sha256=fingerprint(cert, hashes.SHA256()),
        sha1=fingerprint(cert, hashes.SHA1()),
        path=Path(path) if path is not None else None,
        names=san_texts(cert),
    )


def serial_hex(value: int) -> str:
    """Upper-case hex, whole bytes, as `openssl x509 -serial` prints it."""
    digits = f"{value:X}"
    return digits if len(digits) % 2 == 0 else "0" + digits
