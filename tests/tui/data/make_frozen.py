"""Write the frozen workspace the snapshot tests show (run once; the output is committed).

Fixed names and dates so that screenshots are the same on every run; the test
clock (conftest.FROZEN_NOW) sits inside their validity. Not secrets: test data.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

HERE = Path(__file__).parent / "frozen"
PASSPHRASE = b"frozen-test-passphrase"
START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
SERVER = "bootserver1.example.com"


def name(**parts: str) -> x509.Name:
    oids = {
        "C": NameOID.COUNTRY_NAME,
        "ST": NameOID.STATE_OR_PROVINCE_NAME,
        "L": NameOID.LOCALITY_NAME,
        "O": NameOID.ORGANIZATION_NAME,
        "OU": NameOID.ORGANIZATIONAL_UNIT_NAME,
        "CN": NameOID.COMMON_NAME,
    }
    return x509.Name([x509.NameAttribute(oids[k], v) for k, v in parts.items()])


def main() -> None:
    ca_key = rsa.generate_private_key(65537, 2048)
    ca_name = name(
        C="US", ST="Colorado", L="Boulder", O="Example Clinic", OU="Service", CN="Root CA"
    )
    ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(0x1A2B3C4D5E6F)
        .not_valid_before(START)
        .not_valid_after(START + dt.timedelta(days=2555))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = rsa.generate_private_key(65537, 2048)
    subject = name(CN=SERVER)
    csr = x509.CertificateSigningRequestBuilder().subject_name(subject).sign(key, hashes.SHA256())
    crt = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(0x1001)
        .not_valid_before(START)
        .not_valid_after(START + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(SERVER)]), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    folder = HERE / "issued" / SERVER
    folder.mkdir(parents=True, exist_ok=True)
    (HERE / "ca.key").write_bytes(
        ca_key.private_bytes(
            pem,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(PASSPHRASE),
        )
    )
    (HERE / "ca.crt").write_bytes(ca.public_bytes(pem))
    (HERE / "ca.srl").write_text("1001\n")
    (folder / "server.key").write_bytes(
        key.private_bytes(
            pem, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
        )
    )
    (folder / "server.csr").write_bytes(csr.public_bytes(pem))
    (folder / "server.crt").write_bytes(crt.public_bytes(pem))


if __name__ == "__main__":
    main()
