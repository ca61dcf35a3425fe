"""CSRs and server certificates (the bulletin's `openssl req -new` and `openssl x509 -req`)."""

from __future__ import annotations

import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID

from core.errors import UserError
from core.pki.ca import check_days, validity
from core.pki.constants import MAX_SERVER_DAYS
from core.pki.names import Subject, build_name, check_server_name, common_name, parse_ip


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
    try:
        valid = csr.is_signature_valid
    except Exception:  # an algorithm the library cannot check
        valid = False
    if not valid:
        raise UserError(
            "The CSR's signature does not verify, so it was altered or damaged; make it "
            "again from the server key."
        )
    return csr


def requested_sans(csr: x509.CertificateSigningRequest) -> list[x509.GeneralName]:
    """The DNS and IP names a CSR asks for; anything else it asks for is ignored."""
    try:
        ext = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return []
    except ValueError:  # a malformed extension: ignore, as we copy none
        return []
    return [n for n in ext.value if isinstance(n, x509.DNSName | x509.IPAddress)]


def check_for_ca(
    csr: x509.CertificateSigningRequest,
    ca_cert: x509.Certificate,
    days: int,
    now: dt.datetime | None = None,
) -> list[str]:
    """Everything that can refuse a signing, done before anything is written."""
    subject = csr.subject  # each access parses it again
    if subject == ca_cert.subject:
        raise UserError(
            "The CSR's subject is the CA's own subject, and Issuer and Subject must differ; "
            "make the CSR with the boot server's name as Common Name."
        )
    warnings = check_server_name(common_name(subject))
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


def sign_server_csr(
    csr: x509.CertificateSigningRequest,
    ca_key: CertificateIssuerPrivateKeyTypes,
    ca_cert: x509.Certificate,
    serial: int,
    days: int,
    now: dt.datetime | None = None,
) -> tuple[x509.Certificate, list[str]]:
    """Sign ``csr`` as a v3 TLS server certificate; return it with warnings.

    The extensions are ours, never the CSR's (a CSR cannot get CA:TRUE): SAN
    with the CN plus the DNS/IP names asked for, CA:FALSE, digitalSignature +
    keyEncipherment, serverAuth, and both key identifiers.
    """
    warnings = check_for_ca(csr, ca_cert, days, now)
    not_before, not_after = validity(days, now)
    cn = common_name(csr.subject)
    sans: list[x509.GeneralName] = [san_for(cn)]
    for name in requested_sans(csr):
        if name not in sans:
            sans.append(name)
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
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(csr.public_key()), critical=False)
        .add_extension(_authority_key_id(ca_cert, ca_public), critical=False)
    )
    return builder.sign(ca_key, hashes.SHA256()), warnings


def _authority_key_id(ca_cert: x509.Certificate, ca_public) -> x509.AuthorityKeyIdentifier:
    """Use the CA's own SKI when it has one (openssl does), else derive it."""
    try:
        ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)
    except x509.ExtensionNotFound:
        return x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_public)
