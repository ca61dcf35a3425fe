"""Would the handset accept this downloaded file as a custom CA certificate?

Pure: bytes in, verdict out. The handset model and the URL checker both call
``accept_certificate_file``. Each refusal has its own code and two texts:

- ``phone``: what the handset's screen says, short and without the remedy, as
  a real phone would ("Invalid certificate format."); the wording is a
  rehearsal choice, kept in ``menu.MESSAGES`` ("refused_<code>") where a
  trainer may change it;
- ``explanation``: one sentence that says what is wrong and what to do, for
  ``check`` and for a drill's diagnosis, labelled with where the rule comes from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID

from core.handset.menu import BULLETIN, MESSAGES, REHEARSAL, VENDOR_DOC

# Codes, each with its own message below.
OK = "ok"
EMPTY = "empty"
HTML = "html"
DER = "der"
PRIVATE_KEY = "private_key"
CSR = "csr"
DAMAGED = "damaged"
NOT_A_CERTIFICATE = "not_a_certificate"
SEVERAL = "several"
NOT_CA = "not_ca"
NOT_ROOT = "not_root"
EXPIRED = "expired"
NOT_YET_VALID = "not_yet_valid"

_DAMAGED_MESSAGE = "The certificate in this file is damaged: publish ca.crt again, unchanged."

_PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----")


@dataclass(frozen=True)
class Acceptance:
    ok: bool
    code: str
    explanation: str  # what is wrong and what to do: for check and a drill's diagnosis
    source: str  # "bulletin" | "vendor doc" | "rehearsal choice"
    cert: x509.Certificate | None = None
    warnings: tuple[str, ...] = field(default=())
    phone: str = ""  # what the phone's screen says: short, no remedy (rehearsal choice)


def phone_message(code: str, messages: dict[str, str] | None = None) -> str:
    """The handset's short words for a refusal ``code`` (``messages``: a trainer's own)."""
    table = MESSAGES if messages is None else messages
    return table.get(f"refused_{code}", table.get("refused", MESSAGES["refused"]))


def certificate_cn(cert: x509.Certificate) -> str | None:
    """The subject's Common Name as the phone reads it, or None."""
    try:
        names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    except ValueError:  # a malformed subject: no name the phone could read
        return None
    if not names:
        return None
    value = names[0].value
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _who(cert: x509.Certificate) -> str:
    cn = certificate_cn(cert)
    return f'"{cn}"' if cn else "in this file"


def _refuse(
    code: str, message: str, source: str, cert: x509.Certificate | None = None
) -> Acceptance:
    return Acceptance(False, code, message, source, cert, phone=phone_message(code))


def _looks_like_html(data: bytes) -> bool:
    head = data.lstrip()[:512].lower()
    return head.startswith(b"<") and (
        b"<html" in head or b"<!doctype" in head or b"<head" in head or b"<body" in head
    )


def _is_der_private_key(data: bytes) -> bool:
    try:
        serialization.load_der_private_key(data, password=None)
    except TypeError:
        return True  # an encrypted private key: still a published key
    except Exception:  # any parse failure (ValueError, unsupported...) means "not a key"
        return False
    return True


def _is_der_certificate(data: bytes) -> x509.Certificate | None:
    try:
        return x509.load_der_x509_certificate(data)
    except ValueError:
        return None


def _is_ca(cert: x509.Certificate) -> bool:
    """CA:TRUE, or a self-issued v1 root; ValueError when an extension is malformed."""
    try:
        bc = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        # rehearsal choice: an old v1 root without extensions passes only when
        # it is self-issued (what `openssl req -x509` made before v3 configs).
        return cert.issuer == cert.subject
    return bc.ca


def accept_certificate_file(data: bytes, now: datetime | None = None) -> Acceptance:
    """Judge ``data`` as the phone judges a downloaded custom CA certificate."""
    now = now or datetime.now(UTC)
    if not data.strip():
        return _refuse(
            EMPTY,
            "The file is empty: publish ca.crt at that URL.",
            REHEARSAL,
        )
    labels = [m.group(1).decode() for m in _PEM_BLOCK.finditer(data)]
    if any("PRIVATE KEY" in label for label in labels) or _is_der_private_key(data):
        return _refuse(
            PRIVATE_KEY,
            "WARNING: this file holds a PRIVATE KEY, which is now published: take it off "
            "the server, treat the key as compromised and make a new one.",
            REHEARSAL,
        )
    if not labels:
        if _looks_like_html(data):
            return _refuse(
                HTML,
                "The server sent a web page, not a certificate: check that the URL "
                "points at ca.crt itself.",
                REHEARSAL,
            )
        if _is_der_certificate(data) is not None:
            return _refuse(
                DER,
                "This certificate is DER (binary): the phone takes Base 64 (PEM) only; "
                "convert it with: openssl x509 -inform der -in ca.der -out ca.crt",
                VENDOR_DOC,
            )
        return _refuse(
            NOT_A_CERTIFICATE,
            "The file is not a certificate: publish ca.crt in Base 64 (PEM) format.",
            VENDOR_DOC,
        )
    cert_labels = [label for label in labels if label in ("CERTIFICATE", "X509 CERTIFICATE")]
    if not cert_labels:
        if any("CERTIFICATE REQUEST" in label for label in labels):
            return _refuse(
                CSR,
                "This is a certificate signing request, not a certificate: publish ca.crt.",
                REHEARSAL,
            )
        return _refuse(
            NOT_A_CERTIFICATE,
            f"The file holds a PEM {labels[0]} block, not a plain CERTIFICATE: publish ca.crt.",
            VENDOR_DOC,
        )
    try:
        certs = x509.load_pem_x509_certificates(data)
    except ValueError:
        return _refuse(DAMAGED, _DAMAGED_MESSAGE, VENDOR_DOC)
    if len(certs) > 1:
        return _refuse(
            SEVERAL,
            f"The file holds {len(certs)} certificates: the phone loads only the root CA, "
            "so publish ca.crt alone.",
            REHEARSAL,
        )
    cert = certs[0]
    try:
        return _judge(cert, now)
    except ValueError:  # a malformed extension or field, read lazily by cryptography
        return _refuse(DAMAGED, _DAMAGED_MESSAGE, VENDOR_DOC)


def _judge(cert: x509.Certificate, now: datetime) -> Acceptance:
    """The rules for one parsed certificate (ValueError when part of it is malformed)."""
    refusals = certificate_refusals(cert, now)
    if refusals:
        return refusals[0]
    return Acceptance(True, OK, "The file is a Base 64 (PEM) root CA certificate.", BULLETIN, cert)


def certificate_refusals(cert: x509.Certificate, now: datetime) -> list[Acceptance]:
    """Every reason the phone has to refuse this one certificate, in the order it checks.

    The handset refuses with the first; the URL checker (core.check.certrules) reports
    them all, so the two never disagree. ValueError when an extension is malformed.
    """
    refusals = []
    if not _is_ca(cert):
        refusals.append(
            _refuse(
                NOT_CA,
                f"The certificate {_who(cert)} is not a CA (a server certificate?): "
                "publish the CA's own ca.crt.",
                REHEARSAL,
                cert,
            )
        )
    if cert.issuer != cert.subject:
        refusals.append(
            _refuse(
                NOT_ROOT,
                f"The certificate {_who(cert)} is an intermediate CA: the phone loads only "
                "the root CA, so publish the root's certificate."
                if not refusals
                else f"The certificate {_who(cert)} is not a root CA either: the phone loads "
                "only the root CA, so publish the root's certificate.",
                REHEARSAL,
                cert,
            )
        )
    if cert.not_valid_after_utc < now:
        refusals.append(
            _refuse(
                EXPIRED,
                f"The certificate {_who(cert)} expired on {cert.not_valid_after_utc:%Y-%m-%d}: "
                "make a new CA certificate.",
                REHEARSAL,
                cert,
            )
        )
    elif cert.not_valid_before_utc > now:
        refusals.append(
            _refuse(
                NOT_YET_VALID,
                f"The certificate {_who(cert)} is not valid before "
                f"{cert.not_valid_before_utc:%Y-%m-%d %H:%M} UTC: check the clock of the "
                "machine that made it.",
                REHEARSAL,
                cert,
            )
        )
    return refusals
