"""A readable summary of any key, CSR or certificate, PEM or DER.

In the spirit of `openssl x509 -noout -text` and `openssl rsa -noout -text`,
but private key numbers are never printed.
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Callable
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes

from core.errors import UserError
from core.fileio import PKI_FILE, read_small_file
from core.pki.keys import is_encrypted_key, load_private_key
from core.pki.names import name_text, printable
from core.pki.summary import colon_hex, days_left, key_bits, serial_hex

_PEM = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----\r?\n(.*?)-----END \1-----", re.DOTALL)
_KEY_USAGE = (
    ("digital_signature", "Digital Signature"),
    ("content_commitment", "Non Repudiation"),
    ("key_encipherment", "Key Encipherment"),
    ("data_encipherment", "Data Encipherment"),
    ("key_agreement", "Key Agreement"),
    ("key_cert_sign", "Certificate Sign"),
    ("crl_sign", "CRL Sign"),
)
_NOT_READABLE = (
    "{what} is not a certificate, CSR or key in PEM or DER form; check that you picked "
    "the right file."
)


def inspect_file(path: Path | str, passphrase: bytes | None = None) -> str:
    """inspect_bytes on a file; UserError for a file that is not regular or over 1 MiB."""
    data = read_small_file(path, PKI_FILE)
    return inspect_bytes(data, passphrase, what=str(Path(path)))


def inspect_bytes(data: bytes, passphrase: bytes | None = None, *, what: str = "That file") -> str:
    """Readable text for every PEM block in ``data``, or for one DER object."""
    blocks = _PEM.findall(data)
    if blocks:
        texts = [
            _describe_pem(label.decode(), data, body, passphrase, what) for label, body in blocks
        ]
        if len(texts) > 1:  # a bundle (fullchain, a CA bundle): each one numbered, in order
            texts = _numbered(texts, blocks)
        return "\n\n".join(texts)
    if b"-----BEGIN" in data:
        raise UserError(_NOT_READABLE.format(what=what))
    return _describe_der(data, passphrase, what)


def _describe_pem(label: str, data: bytes, body: bytes, passphrase: bytes | None, what: str) -> str:
    block = b"-----BEGIN %s-----\n%s-----END %s-----\n" % (label.encode(), body, label.encode())
    try:
        if label in ("CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE"):
            if label == "TRUSTED CERTIFICATE":
                raise ValueError("openssl trusted form")
            return describe_certificate(x509.load_pem_x509_certificate(block), "PEM")
        if label in ("CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"):
            return describe_csr(x509.load_pem_x509_csr(block), "PEM")
        if label.endswith("PRIVATE KEY"):
            fmt = "PKCS#8" if label in ("PRIVATE KEY", "ENCRYPTED PRIVATE KEY") else "traditional"
            return describe_private_key(block, passphrase, f"PEM, {fmt}")
        if label in ("PUBLIC KEY", "RSA PUBLIC KEY"):
            return describe_public_key(serialization.load_pem_public_key(block), "PEM")
    except (ValueError, TypeError, binascii.Error):
        raise UserError(f"{what} holds a damaged {label} block; get a fresh copy.") from None
    return f"{label} (PEM): not something handset-ca reads."


def _numbered(texts: list[str], blocks: list[tuple[bytes, bytes]]) -> list[str]:
    """ "Certificate 1 of 2 (PEM, ...)" heads, and for a certificate after another one
    whether it signed it (a full chain lists each issuer after what it signed)."""
    certs = all(label in (b"CERTIFICATE", b"X509 CERTIFICATE") for label, _ in blocks)
    head = f"{len(texts)} {'certificates' if certs else 'PEM blocks'}, in the order of the file:"
    numbered = []
    before: x509.Certificate | None = None
    for index, (text, (label, body)) in enumerate(zip(texts, blocks, strict=True), 1):
        first, _, rest = text.partition("\n")
        kind, paren, tail = first.partition(" (")
        lines = [f"{kind} {index} of {len(texts)}{paren}{tail}"] + ([rest] if rest else [])
        cert = None
        if label in (b"CERTIFICATE", b"X509 CERTIFICATE"):
            pem = b"-----BEGIN CERTIFICATE-----\n%s-----END CERTIFICATE-----\n" % body
            cert = x509.load_pem_x509_certificate(pem)  # described above: it loads
            if before is not None:
                lines.append(f"  Signed certificate {index - 1}: {_signed(cert, before)}")
        before = cert
        numbered.append("\n".join(lines))
    numbered[0] = f"{head}\n{numbered[0]}"
    return numbered


def _signed(issuer: x509.Certificate, cert: x509.Certificate) -> str:
    if cert.issuer != issuer.subject:
        return "no (its subject is not that certificate's issuer)"
    try:
        cert.verify_directly_issued_by(issuer)
    except Exception:  # signature, key type or name: not its issuer
        return "no (the signature does not verify with this key)"
    return "yes (the signature verifies)"


def _describe_der(data: bytes, passphrase: bytes | None, what: str) -> str:
    if not data.startswith(b"\x30"):  # every DER object here is a SEQUENCE
        raise UserError(_NOT_READABLE.format(what=what))
    # Each load-then-describe pair as one call, so each loader meets its own describer.
    attempts: tuple[Callable[[], str], ...] = (
        lambda: describe_certificate(x509.load_der_x509_certificate(data), "DER"),
        lambda: describe_csr(x509.load_der_x509_csr(data), "DER"),
        lambda: describe_public_key(serialization.load_der_public_key(data), "DER"),
    )
    for attempt in attempts:
        try:
            return attempt()
        except ValueError:
            continue
    try:
        serialization.load_der_private_key(data, None)
        return describe_private_key(data, passphrase, "DER")
    except TypeError:
        return describe_private_key(data, passphrase, "DER, encrypted")
    except ValueError:
        pass
    raise UserError(_NOT_READABLE.format(what=what))


def describe_certificate(cert: x509.Certificate, form: str) -> str:
    not_after = cert.not_valid_after_utc
    left = days_left(not_after)
    state = f"{left} days left" if left >= 0 else f"expired {-left} days ago"
    lines = [
        f"Certificate ({form}, version {cert.version.value + 1})",
        f"  Subject:     {name_text(cert.subject)}",
        f"  Issuer:      {name_text(cert.issuer)}",
        f"  Serial:      {serial_hex(cert.serial_number)}",
        f"  Not before:  {cert.not_valid_before_utc:%Y-%m-%d %H:%M:%S} UTC",
        f"  Not after:   {not_after:%Y-%m-%d %H:%M:%S} UTC ({state})",
        f"  Public key:  {_key_text(cert.public_key())}",
        f"  Signature:   {_sig_name(cert)}",
    ]
    if cert.subject == cert.issuer:
        lines.append("  Self-signed: yes (Issuer and Subject are the same)")
    lines += _extensions_text(cert.extensions, "Extensions")
    lines += [
        f"  SHA-256 fingerprint: {colon_hex(cert.fingerprint(hashes.SHA256()))}",
        f"  SHA-1 fingerprint:   {colon_hex(cert.fingerprint(hashes.SHA1()))}",
    ]
    return "\n".join(lines)


def describe_csr(csr: x509.CertificateSigningRequest, form: str) -> str:
    try:
        ok = csr.is_signature_valid
    except Exception:
        ok = False
    lines = [
        f"Certificate signing request ({form})",
        f"  Subject:     {name_text(csr.subject)}",
        f"  Public key:  {_key_text(csr.public_key())}",
        f"  Signature:   {_sig_name(csr)}, "
        + ("verifies" if ok else "DOES NOT VERIFY (altered or damaged)"),
    ]
    try:
        extensions = csr.extensions
    except ValueError:
        lines.append("  Requested extensions: unreadable")
    else:
        lines += _extensions_text(extensions, "Requested extensions")
    der = csr.public_bytes(serialization.Encoding.DER)
    digest = hashes.Hash(hashes.SHA256())
    digest.update(der)
    lines.append(f"  SHA-256 of the request: {colon_hex(digest.finalize())}")
    return "\n".join(lines)


def describe_private_key(data: bytes, passphrase: bytes | None, form: str) -> str:
    encrypted = is_encrypted_key(data) or "encrypted" in form
    head = f"Private key ({form}{', encrypted' if encrypted and 'encrypted' not in form else ''})"
    if encrypted and passphrase is None:
        return f"{head}\n  Give its passphrase to see the key type and size."
    key = load_private_key(data, passphrase)
    lines = [head, f"  Key:         {_key_text(key.public_key())}"]
    lines.append(f"  Public key SHA-256: {_public_digest(key.public_key())}")
    if isinstance(key, rsa.RSAPrivateKey):
        lines.append("  Private numbers are not shown; openssl rsa -check tests them.")
    return "\n".join(lines)


def describe_public_key(key: PublicKeyTypes, form: str) -> str:
    return "\n".join(
        [
            f"Public key ({form})",
            f"  Key:         {_key_text(key)}",
            f"  SHA-256:     {_public_digest(key)}",
        ]
    )


def _public_digest(key: PublicKeyTypes) -> str:
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    digest = hashes.Hash(hashes.SHA256())
    digest.update(der)
    return colon_hex(digest.finalize())


def _key_text(key: PublicKeyTypes) -> str:
    if isinstance(key, rsa.RSAPublicKey):
        return f"RSA {key.key_size} bit, exponent {key.public_numbers().e}"
    if isinstance(key, ec.EllipticCurvePublicKey):
        return f"EC {key.curve.name} ({key_bits(key)} bit)"
    return type(key).__name__.removesuffix("PublicKey").lstrip("_") or "unknown"


def _sig_name(obj: x509.Certificate | x509.CertificateSigningRequest) -> str:
    oid = obj.signature_algorithm_oid
    return oid._name if oid._name != "Unknown OID" else oid.dotted_string


def _extensions_text(extensions: x509.Extensions, title: str) -> list[str]:
    if not len(extensions):
        return [f"  {title}: none"]
    lines = [f"  {title}:"]
    for ext in extensions:
        name = ext.oid._name if ext.oid._name != "Unknown OID" else ext.oid.dotted_string
        crit = " (critical)" if ext.critical else ""
        lines.append(f"    {name}{crit}: {_extension_value(ext.value)}")
    return lines


def _extension_value(value: x509.ExtensionType) -> str:
    if isinstance(value, x509.BasicConstraints):
        text = "CA:TRUE" if value.ca else "CA:FALSE"
        if value.path_length is not None:
            text += f", pathlen:{value.path_length}"
        return text
    if isinstance(value, x509.KeyUsage):
        return ", ".join(label for attr, label in _KEY_USAGE if getattr(value, attr))
    if isinstance(value, x509.ExtendedKeyUsage):
        return ", ".join(oid._name for oid in value)
    if isinstance(value, x509.SubjectAlternativeName):
        parts = []
        for name in value:
            if isinstance(name, x509.DNSName):
                parts.append(f"DNS:{printable(name.value)}")
            elif isinstance(name, x509.IPAddress):
                parts.append(f"IP Address:{name.value}")
            elif isinstance(name, x509.RFC822Name):
                parts.append(f"email:{printable(name.value)}")
            elif isinstance(name, x509.UniformResourceIdentifier):
                parts.append(f"URI:{printable(name.value)}")
            else:
                parts.append(type(name).__name__)
        return ", ".join(parts)
    if isinstance(value, x509.SubjectKeyIdentifier):
        return colon_hex(value.digest)
    if isinstance(value, x509.AuthorityKeyIdentifier):
        return colon_hex(value.key_identifier) if value.key_identifier else "(issuer and serial)"
    return type(value).__name__
