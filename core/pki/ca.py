"""The self-signed CA certificate (the bulletin's `openssl req -new -x509 -days 2555`)."""

from __future__ import annotations

import datetime as dt
import secrets

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from core.errors import UserError
from core.pki.constants import MAX_DAYS
from core.pki.names import Subject, build_name

# A CA signs certificates (and CRLs), nothing else: RFC 5280 4.2.1.3.
CA_KEY_USAGE = x509.KeyUsage(
    digital_signature=False,
    content_commitment=False,
    key_encipherment=False,
    data_encipherment=False,
    key_agreement=False,
    key_cert_sign=True,
    crl_sign=True,
    encipher_only=False,
    decipher_only=False,
)


def check_days(days: int) -> int:
    if not 1 <= days <= MAX_DAYS:
        raise UserError(f"The validity must be between 1 and {MAX_DAYS} days, not {days}.")
    return days


def validity(days: int, now: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime]:
    start = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    return start, start + dt.timedelta(days=days)


def build_ca_certificate(
    key: rsa.RSAPrivateKey, subject: Subject, days: int, now: dt.datetime | None = None
) -> x509.Certificate:
    """v3, critical CA:TRUE, keyCertSign+cRLSign, subject key identifier; a subject
    e-mail address is repeated as an rfc822Name subjectAltName (RFC 5280 4.1.2.6).

    openssl req -x509 also sets CA:TRUE (not critical) and an authority key
    identifier; we make basicConstraints critical as RFC 5280 asks of CAs.
    """
    name = build_name(subject)
    not_before, not_after = validity(check_days(days), now)
    public = key.public_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(secrets.randbits(159) or 1)  # openssl req -x509 also picks at random
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            CA_KEY_USAGE,
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
    )
    emails = subject_emails(name)
    if emails:  # RFC 5280 4.1.2.6: an e-mail address in the subject goes in the SAN too
        builder = builder.add_extension(x509.SubjectAlternativeName(emails), critical=False)
    return builder.sign(key, hashes.SHA256())


def subject_emails(name: x509.Name) -> list[x509.GeneralName]:
    """The subject's emailAddress values as rfc822Names (openssl's subjectAltName=email:copy)."""
    return [
        x509.RFC822Name(str(attr.value))
        for attr in name.get_attributes_for_oid(NameOID.EMAIL_ADDRESS)
    ]


def ca_problems(cert: x509.Certificate) -> list[str]:
    """What strict TLS clients hold against a CA certificate the handset itself accepts.

    The bulletin's `openssl req -new -x509` writes no keyUsage. RFC 5280 requires
    keyCertSign on a CA, and strict verifiers check it: `openssl verify -x509_strict`
    and Python's ssl.VERIFY_X509_STRICT (on by default in Python 3.13's default
    context) refuse every certificate under such a CA.
    """
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        usage = None
    except ValueError:  # a malformed extension: other checks say so
        return []
    if usage is not None and usage.key_cert_sign:
        return []
    what = "has no keyUsage extension" if usage is None else "has a keyUsage without keyCertSign"
    return [
        f"The CA certificate {what} (openssl req -x509 as in the bulletin makes it so): "
        "phones accept it, but strict TLS clients (openssl verify -x509_strict, Python 3.13 "
        "by default) refuse every certificate it issued, the boot server's included; to "
        "serve such clients, make a new CA with handset-ca ca init and put it on the phones."
    ]
