"""CSRs and server certificates (the bulletin's `openssl req -new` and `openssl x509 -req`)."""

from __future__ import annotations

import datetime as dt
import ipaddress

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import (
    CertificateIssuerPrivateKeyTypes,
    CertificatePublicKeyTypes,
)
from cryptography.x509.oid import ExtendedKeyUsageOID

from core.errors import UserError
from core.pki.ca import check_days, subject_emails, validity
from core.pki.constants import MAX_SERVER_DAYS, MIN_RSA_BITS
from core.pki.names import (
    Subject,
    attribute_label,
    build_name,
    check_email,
    check_server_name,
    common_name,
    common_names,
    has_control,
    ip_address_problem,
    parse_ip,
    printable,
    san_name_problem,
)

# What `sign` does with the names a CSR asks for in its subjectAltName.
CSR_NAMES_COPY = "copy"  # DNS names and IP addresses, each checked as the CN is
CSR_NAMES_DROP = "drop"  # the CN alone
CSR_NAMES = (CSR_NAMES_COPY, CSR_NAMES_DROP)
MAX_CSR_NAMES = 100  # subjectAltName entries a CSR may ask for; a boot server needs a few
MIN_EC_BITS = 256  # P-256 and up (NIST SP 800-57: 128-bit security, as RSA 3072; RSA 2048
# is accepted as the bulletin's size, but no handset needs a curve under 256 bits)
EC_UNKNOWN = (
    "Unknown (not in the bulletin or the vendor documents): whether a handset accepts a "
    "boot server certificate with an {kind} key; the bulletin makes RSA keys, so try one "
    "handset before relying on it."
)


def build_csr(key: rsa.RSAPrivateKey, subject: Subject) -> x509.CertificateSigningRequest:
    """A CSR whose CN is the boot server name; it asks for that name as a SAN too."""
    check_server_name(subject.cn)
    return (
        x509.CertificateSigningRequestBuilder()
        .subject_name(build_name(subject))
        .add_extension(x509.SubjectAlternativeName([san_for(subject.cn)]), critical=False)
        .sign(key, hashes.SHA256())
    )


def san_for(name: str) -> x509.GeneralName:
    ip = parse_ip(name)
    return x509.IPAddress(ip) if ip is not None else x509.DNSName(name)


def load_csr(data: bytes) -> x509.CertificateSigningRequest:
    """A PEM or DER CSR whose own signature checks out."""
    try:
        if b"-----BEGIN" in data:
            csr = x509.load_pem_x509_csr(data)
        else:
            csr = x509.load_der_x509_csr(data)
    except ValueError:
        raise UserError(
            "That file is not a certificate signing request (PEM or DER); give the .csr "
            "file made with openssl req -new or handset-ca."
        ) from None
    problem = signature_problem(csr)
    if problem is not None:
        raise UserError(problem)
    return csr


def signature_problem(csr: x509.CertificateSigningRequest) -> str | None:
    """Why the CSR's own signature is not accepted, or None.

    A SHA-1 signature is checked by hand (cryptography no longer verifies it) and
    accepted: a CSR's signature only proves that its maker holds the private key,
    and the certificate is signed with SHA-256 whatever the CSR used.
    """
    try:
        if csr.is_signature_valid:
            return None
    except Exception:  # an algorithm the library cannot check
        pass
    try:
        algorithm = csr.signature_hash_algorithm
    except UnsupportedAlgorithm:
        return (
            f"The CSR is signed with {_algorithm_name(csr)}, which cannot be checked; make it "
            "again with openssl req -new -sha256."
        )
    if isinstance(algorithm, hashes.MD5):
        return (
            "The CSR is signed with MD5, which is broken; make it again with "
            "openssl req -new -sha256."
        )
    if isinstance(algorithm, hashes.SHA1) and _verifies_by_hand(csr, algorithm):
        return None
    return (
        "The CSR's signature does not verify, so it was altered or damaged; make it "
        "again from the server key."
    )


def _algorithm_name(csr: x509.CertificateSigningRequest) -> str:
    oid = csr.signature_algorithm_oid
    name = getattr(oid, "_name", "")
    return oid.dotted_string if not name or name == "Unknown OID" else name


def _verifies_by_hand(csr: x509.CertificateSigningRequest, algorithm: hashes.HashAlgorithm) -> bool:
    try:
        key = csr.public_key()
        params = csr.signature_algorithm_parameters
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(csr.signature, csr.tbs_certrequest_bytes, params, algorithm)  # type: ignore[arg-type]
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(csr.signature, csr.tbs_certrequest_bytes, ec.ECDSA(algorithm))
        else:
            return False
    except (InvalidSignature, ValueError, TypeError, UnsupportedAlgorithm):
        return False
    return True


def certificate_names(
    csr: x509.CertificateSigningRequest,
    csr_names: str = CSR_NAMES_COPY,
    allow_wildcard: bool = False,
) -> tuple[list[x509.GeneralName], list[str]]:
    """The subjectAltName the certificate will carry, and warnings.

    The CN first; then, with ``csr_names`` "copy", the DNS names and IP addresses
    the CSR asks for, each checked as the CN is (a bad one refuses the signing,
    naming it); names of other kinds are left out with a warning. With "drop",
    the CN alone. Either way an e-mail address in the subject is repeated as an
    rfc822Name, as RFC 5280 4.1.2.6 asks.
    """
    if csr_names not in CSR_NAMES:
        raise UserError(f"--csr-names must be copy or drop, not {csr_names!r}.")
    names: list[x509.GeneralName] = [san_for(common_name(csr.subject))]
    emails = subject_emails(csr.subject)
    for email in emails:  # RFC 5280 4.1.2.6, as the CA does: copied, so checked
        check_csr_email(str(email.value))
    if csr_names == CSR_NAMES_DROP:
        return names + emails, []
    try:
        asked = list(csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value)
    except x509.ExtensionNotFound:
        asked = []
    except ValueError:  # a malformed extension
        raise UserError(
            "The CSR's subjectAltName cannot be read; make the CSR again, or sign with "
            "--csr-names drop to use the Common Name alone."
        ) from None
    if len(asked) > MAX_CSR_NAMES:
        raise UserError(
            f"The CSR asks for {len(asked):,} names, more than the {MAX_CSR_NAMES} a boot "
            "server certificate may carry here; make the CSR again with the names phones "
            "use, or sign with --csr-names drop to use the Common Name alone."
        )
    seen = {_key(names[0])}
    others: list[str] = []
    for name in asked:
        if isinstance(name, x509.DNSName):
            problem = san_name_problem(name.value, allow_wildcard=allow_wildcard)
            if problem is not None:
                raise UserError(
                    f"The CSR asks for the name {name.value!r}, which cannot be signed: "
                    f"{problem}; make the CSR again without it, or sign with "
                    "--csr-names drop to use the Common Name alone."
                )
        elif not isinstance(name, x509.IPAddress):
            others.append(type(name).__name__)
            continue
        elif not isinstance(name.value, ipaddress.IPv4Address | ipaddress.IPv6Address):
            raise UserError(
                f"The CSR asks for the address range {name.value}, which cannot be signed; "
                "make the CSR again with single addresses, or sign with --csr-names drop."
            )
        elif (problem := ip_address_problem(name.value)) is not None:  # issue's own rule
            raise UserError(
                f"The CSR asks for the address {name.value}, which cannot be signed: it "
                f"{problem.partition('; ')[0]}; make the CSR again without it, or sign with "
                "--csr-names drop to use the Common Name alone."
            )
        if _key(name) not in seen:
            seen.add(_key(name))
            names.append(name)
    for email in emails:
        if _key(email) not in seen:
            seen.add(_key(email))
            names.append(email)
    warnings = []
    if others:
        kinds = ", ".join(sorted(set(others)))
        warnings.append(
            f"The CSR also asks for {len(others)} name(s) of other kinds ({kinds}); only DNS "
            "names and IP addresses are copied, so those were left out."
        )
    return names, warnings


def check_csr_email(value: str) -> None:
    """An emailAddress in a CSR's subject, checked as `issue --email` is (it is copied
    into the subjectAltName as an rfc822Name)."""
    try:
        check_email(value)
    except UserError:
        raise UserError(
            f"The CSR's subject has the e-mail address '{printable(value)}', which is not an "
            "address; make the CSR again with one like admin@example.com, or without one."
        ) from None


def _key(name: x509.GeneralName) -> tuple[str, str]:
    return (type(name).__name__, str(name.value).lower())


def names_preview(
    csr_data: bytes, csr_names: str = CSR_NAMES_COPY, allow_wildcard: bool = False
) -> str:
    """One sentence for the Sign form before it signs: the names the certificate will
    carry (with the form's choices), or why the CSR would be refused."""
    csr = load_csr(csr_data)
    check_for_ca_subject(csr.subject)  # one CN, no control character
    check_server_name(common_name(csr.subject))
    names, _ = certificate_names(csr, csr_names, allow_wildcard)
    return "The certificate will carry: " + ", ".join(general_name_text(n) for n in names) + "."


def general_name_text(name: x509.GeneralName) -> str:
    """As openssl prints a subjectAltName entry."""
    if isinstance(name, x509.DNSName):
        return f"DNS:{printable(name.value)}"
    if isinstance(name, x509.IPAddress):
        return f"IP Address:{name.value}"
    if isinstance(name, x509.RFC822Name):
        return f"email:{printable(name.value)}"
    return printable(str(name.value))


def check_for_ca_subject(subject: x509.Name) -> None:
    """Plain text in every attribute; exactly one CN: phones and check read the first, a
    signer might file the last."""
    for attr in subject:
        if isinstance(attr.value, str) and has_control(attr.value):
            raise UserError(
                f"The CSR's subject has a control character in its {attribute_label(attr.oid)} "
                f"('{printable(attr.value)}'), which could forge what a terminal or a log "
                "shows; make the CSR again with plain text."
            )
    cns = common_names(subject)
    if not cns:
        check_server_name("")
    if len(cns) > 1:
        raise UserError(
            f"The CSR's subject has {len(cns)} Common Names ({', '.join(map(repr, cns))}), and "
            "phones read only one; make the CSR again with the boot server's name as its "
            "only Common Name."
        )


def check_public_key(key: object) -> list[str]:
    """Refuse keys too weak or not for TLS; warn about what is unknown for handsets."""
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < MIN_RSA_BITS:
            raise UserError(
                f"The CSR's RSA key has {key.key_size} bits, under {MIN_RSA_BITS}; make a "
                f"new key of at least {MIN_RSA_BITS} bits (openssl genrsa -out server.key "
                f"{MIN_RSA_BITS}) and a new CSR."
            )
        return []
    if isinstance(key, ec.EllipticCurvePublicKey):
        if key.curve.key_size < MIN_EC_BITS:
            raise UserError(
                f"The CSR's EC key is on the curve {key.curve.name} ({key.curve.key_size} "
                f"bits), under {MIN_EC_BITS}; make a new key (openssl genrsa -out server.key "
                f"{MIN_RSA_BITS}, or an EC key on prime256v1) and a new CSR."
            )
        return [EC_UNKNOWN.format(kind=f"EC ({key.curve.name})")]
    if isinstance(key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
        kind = "Ed25519" if isinstance(key, ed25519.Ed25519PublicKey) else "Ed448"
        return [EC_UNKNOWN.format(kind=kind)]
    what = "DSA" if isinstance(key, dsa.DSAPublicKey) else type(key).__name__
    raise UserError(
        f"The CSR's key is {what}, which TLS servers no longer use; make an RSA key "
        f"(openssl genrsa -out server.key {MIN_RSA_BITS}) and a new CSR."
    )


def key_usage(key: object) -> x509.KeyUsage:
    """digitalSignature for every key; keyEncipherment for RSA only (RFC 5480, RFC 8410)."""
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=isinstance(key, rsa.RSAPublicKey),
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )


def check_for_ca(
    csr: x509.CertificateSigningRequest,
    ca_cert: x509.Certificate,
    days: int,
    now: dt.datetime | None = None,
    *,
    csr_names: str = CSR_NAMES_COPY,
    allow_wildcard: bool = False,
) -> list[str]:
    """Everything that can refuse a signing, done before anything is written."""
    subject = csr.subject  # each access parses it again
    check_for_ca_subject(subject)
    if subject == ca_cert.subject:
        raise UserError(
            "The CSR's subject is the CA's own subject, and Issuer and Subject must differ; "
            "make the CSR with the boot server's name as Common Name."
        )
    warnings = check_server_name(common_name(subject))
    try:
        public_key = csr.public_key()
    except (ValueError, UnsupportedAlgorithm):
        raise UserError(
            "The CSR's public key cannot be read; make an RSA key and a new CSR."
        ) from None
    warnings += check_public_key(public_key)
    warnings += certificate_names(csr, csr_names, allow_wildcard)[1]
    if isinstance(_hash(csr), hashes.SHA1):
        warnings.append(
            "The CSR is signed with SHA-1: accepted, since a CSR's signature only proves "
            "that the boot server holds the key; the certificate is signed with SHA-256."
        )
    _, not_after = validity(check_days(days), now)
    if days > MAX_SERVER_DAYS:
        warnings.append(
            f"The certificate is valid for {days} days; many TLS clients refuse server "
            f"certificates valid for more than {MAX_SERVER_DAYS} days."
        )
    if not_after > ca_cert.not_valid_after_utc:
        warnings.append(
            "The certificate outlives its CA, whose certificate expires on "
            f"{ca_cert.not_valid_after_utc:%Y-%m-%d}; phones will refuse it from then on."
        )
    return warnings


def _hash(csr: x509.CertificateSigningRequest) -> hashes.HashAlgorithm | None:
    try:
        return csr.signature_hash_algorithm
    except UnsupportedAlgorithm:
        return None


def sign_server_csr(
    csr: x509.CertificateSigningRequest,
    ca_key: CertificateIssuerPrivateKeyTypes,
    ca_cert: x509.Certificate,
    serial: int,
    days: int,
    now: dt.datetime | None = None,
    *,
    csr_names: str = CSR_NAMES_COPY,
    allow_wildcard: bool = False,
) -> tuple[x509.Certificate, list[str]]:
    """Sign ``csr`` as a v3 TLS server certificate; return it with warnings.

    The extensions are ours, never the CSR's (a CSR cannot get CA:TRUE): SAN
    with the CN plus the checked DNS/IP names asked for (see certificate_names),
    CA:FALSE, digitalSignature (+ keyEncipherment for RSA keys), serverAuth, and
    both key identifiers.
    """
    warnings = check_for_ca(
        csr, ca_cert, days, now, csr_names=csr_names, allow_wildcard=allow_wildcard
    )
    not_before, not_after = validity(days, now)
    sans, _ = certificate_names(csr, csr_names, allow_wildcard)
    ca_public = ca_cert.public_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(csr.subject)
        .issuer_name(ca_cert.subject)
        .public_key(csr.public_key())
        .serial_number(serial)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(key_usage(csr.public_key()), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(csr.public_key()), critical=False)
        .add_extension(_authority_key_id(ca_cert, ca_public), critical=False)
    )
    return builder.sign(ca_key, hashes.SHA256()), warnings


def _authority_key_id(
    ca_cert: x509.Certificate, ca_public: CertificatePublicKeyTypes
) -> x509.AuthorityKeyIdentifier:
    """Use the CA's own SKI when it has one (openssl does), else derive it."""
    try:
        ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    except x509.ExtensionNotFound:
        # The digest from_issuer_public_key would take, by way of an SKI: its
        # constructor takes any certificate's key type, the issuer one only signing
        # key types (and a certificate's public_key() is typed as the wider one).
        ski = x509.SubjectKeyIdentifier.from_public_key(ca_public)
    return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)
