"""Rules for the certificate a URL serves: is it a root CA the handset should load?

Vendor doc: load only the root CA, in Base 64 (PEM) format. The thresholds are
named here so the docs, the CLI and the TUI show the same numbers.
"""

from __future__ import annotations

from datetime import UTC, datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, padding, rsa

from core.check.verdict import CertInfo, Reason, fail, warn
from core.handset.accept import (
    EXPIRED,
    NOT_CA,
    NOT_ROOT,
    NOT_YET_VALID,
    certificate_cn,
    certificate_refusals,
)
from core.pki.ca import ca_problems
from core.pki.constants import MIN_RSA_BITS
from core.pki.names import name_text
from core.pki.summary import fingerprint

WARN_DAYS_LEFT = 90
WEAK_HASHES = ("sha1", "md5")
_REFUSAL_CODES = {NOT_CA: "not-ca", NOT_ROOT: "not-root"}
_HASH_NAMES = {"sha1": "SHA-1", "md5": "MD5"}


def is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except (x509.ExtensionNotFound, ValueError):  # ValueError: a malformed extension
        return False


def is_self_signed(cert: x509.Certificate) -> bool:
    """Issuer equals subject and the certificate's own key verifies its signature."""
    if cert.issuer != cert.subject:
        return False
    try:
        cert.verify_directly_issued_by(cert)
        return True
    except InvalidSignature:
        return False
    except (ValueError, TypeError, UnsupportedAlgorithm):
        pass  # e.g. SHA-1, which cryptography no longer verifies here: check it by hand
    key = cert.public_key()
    algorithm = cert.signature_hash_algorithm
    if not isinstance(key, rsa.RSAPublicKey) or algorithm is None:
        return False
    try:
        key.verify(cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(), algorithm)
    except (InvalidSignature, ValueError, TypeError, UnsupportedAlgorithm):
        return False
    return True


def key_description(cert: x509.Certificate) -> tuple[str, int]:
    try:
        key = cert.public_key()
    except (ValueError, UnsupportedAlgorithm):
        return "unknown", 0
    if isinstance(key, rsa.RSAPublicKey):
        return "RSA", key.key_size
    if isinstance(key, ec.EllipticCurvePublicKey):
        return "EC", key.key_size
    if isinstance(key, dsa.DSAPublicKey):
        return "DSA", key.key_size
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "Ed25519", 256
    if isinstance(key, ed448.Ed448PublicKey):
        return "Ed448", 456
    return type(key).__name__, 0


def signature_hash(cert: x509.Certificate) -> str | None:
    try:
        algorithm = cert.signature_hash_algorithm
    except UnsupportedAlgorithm:
        return None
    return algorithm.name if algorithm is not None else None


def days_left(cert: x509.Certificate, now: datetime) -> int:
    return int((cert.not_valid_after_utc - now).total_seconds() // 86400)


def cert_info(cert: x509.Certificate, now: datetime | None = None) -> CertInfo:
    now = now or datetime.now(UTC)
    key_type, bits = key_description(cert)
    return CertInfo(
        subject=name_text(cert.subject),
        cn=certificate_cn(cert),
        issuer=name_text(cert.issuer),
        serial_hex=f"{cert.serial_number:X}",
        not_before=cert.not_valid_before_utc.isoformat(),
        not_after=cert.not_valid_after_utc.isoformat(),
        days_left=days_left(cert, now),
        is_ca=is_ca(cert),
        self_signed=is_self_signed(cert),
        key_type=key_type,
        key_bits=bits,
        signature_hash=signature_hash(cert),
        sha256=fingerprint(cert, hashes.SHA256()),
        sha1=fingerprint(cert, hashes.SHA1()),  # handsets show SHA-1 too
    )


def cert_reasons(
    cert: x509.Certificate, info: CertInfo, now: datetime | None = None
) -> list[Reason]:
    """FAIL or WARN reasons for a certificate the handset would install."""
    now = now or datetime.now(UTC)
    reasons: list[Reason] = []
    # not-ca, not-root, expired, not-yet-valid: the handset's own rules (one place decides).
    try:
        refusals = {r.code: r for r in certificate_refusals(cert, now)}
    except ValueError:  # a malformed extension: the handset calls the file damaged
        refusals = {}
    for code, refusal in refusals.items():
        if code in (NOT_CA, NOT_ROOT):
            reasons.append(fail(_REFUSAL_CODES[code], refusal.explanation))
    if NOT_CA not in refusals and not info.is_ca:
        reasons.append(
            warn(
                "no-ca-flag",
                "The certificate has no basicConstraints CA:TRUE (an old v1 root): the "
                "handset accepts it, but other clients will not; recreate the CA with "
                "handset-ca ca init.",
            )
        )
    if info.is_ca and NOT_CA not in refusals:
        reasons += [warn("ca-no-key-usage", problem) for problem in ca_problems(cert)]
    if NOT_ROOT not in refusals and not info.self_signed:
        reasons.append(
            warn(
                "bad-self-signature",
                "The certificate names itself as issuer but its own key does not verify its "
                "signature: the handset accepts it, but other clients will not; publish the "
                "root CA's real ca.crt.",
            )
        )
    if info.key_type == "RSA" and info.key_bits < MIN_RSA_BITS:
        reasons.append(
            fail(
                "weak-key",
                f"The RSA key has {info.key_bits} bits, under {MIN_RSA_BITS}; "
                f"create a new CA with a key of at least {MIN_RSA_BITS} bits.",
            )
        )
    if NOT_YET_VALID in refusals:
        reasons.append(fail("not-yet-valid", refusals[NOT_YET_VALID].explanation))
    elif EXPIRED in refusals:
        reasons.append(fail("expired", refusals[EXPIRED].explanation))
    elif info.days_left < WARN_DAYS_LEFT:
        reasons.append(
            warn(
                "expires-soon",
                f"The certificate expires in {info.days_left} days "
                f"(on {cert.not_valid_after_utc:%Y-%m-%d}); plan its renewal before "
                f"the handsets stop trusting the boot server.",
            )
        )
    if not info.cn:
        reasons.append(
            fail(
                "no-cn",
                "The certificate has no Common Name; recreate the CA with a Common Name "
                "such as Root CA.",
            )
        )
    if info.signature_hash in WEAK_HASHES:
        reasons.append(
            warn(
                "weak-signature",
                f"The certificate is signed with {_HASH_NAMES.get(info.signature_hash)}, which "
                f"current clients reject; reissue the CA with SHA-256.",
            )
        )
    return reasons


def ca_match_reason(
    info: CertInfo,
    local: x509.Certificate,
    local_path: str,
    served: x509.Certificate | None = None,
) -> Reason | None:
    """With --ca: None when the served certificate is the local CA, else one reason.

    Same subject and same key (``served`` given), another fingerprint: a renewal
    (`ca renew`). Phones holding either copy trust the same boot servers (README), so
    it is a WARN; a different key with the same name is a FAIL, as is another CA.
    """
    local_sha256 = fingerprint(local, hashes.SHA256())
    if info.sha256 == local_sha256:
        return None
    if info.subject == name_text(local.subject):
        shown = f"SHA-256 {info.sha256[:23]}... is not {local_sha256[:23]}... from {local_path}"
        if served is not None and _same_key(served, local):
            if served.not_valid_before_utc > local.not_valid_before_utc:
                return warn(
                    "ca-stale",
                    f"The server serves a later renewal of this CA (same key and name, "
                    f"{shown}), which phones trust just the same; compare against the "
                    f"workspace's current ca.crt, as {local_path} looks out of date.",
                )
            return warn(
                "ca-stale",
                f"The server still serves the former copy of this CA renewed since (same key "
                f"and name, {shown}), which phones keep trusting; publish the current ca.crt "
                f"on the server (restart serve, or Publish again in the app) so new phones "
                f"get the one that expires later.",
            )
        return fail(
            "ca-stale",
            f"The server has an older or different copy of the CA with the same name but "
            f"another key ({shown}), so phones holding it will not trust boot servers this CA "
            f"signs; replace the file on the server with the current ca.crt.",
        )
    return fail(
        "ca-mismatch",
        f"The served certificate ({info.subject}) is not the local CA from {local_path}; "
        f"publish the current ca.crt at this URL.",
    )


def _same_key(a: x509.Certificate, b: x509.Certificate) -> bool:
    def spki(cert: x509.Certificate) -> bytes:
        return cert.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    try:
        return spki(a) == spki(b)
    except (ValueError, UnsupportedAlgorithm):  # a key cryptography cannot read
        return False
