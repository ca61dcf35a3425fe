"""Keys and certificates shared by the handset model tests (one RSA key set per session)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.handset.certs import make_cert, new_key


@dataclass(frozen=True)
class CA:
    key: rsa.RSAPrivateKey
    cert: x509.Certificate
    server_key: rsa.RSAPrivateKey


@pytest.fixture(scope="session")
def ca_key() -> rsa.RSAPrivateKey:
    return new_key()


@pytest.fixture(scope="session")
def server_key() -> rsa.RSAPrivateKey:
    return new_key()


@pytest.fixture(scope="session")
def ca(ca_key, server_key) -> CA:
    return CA(ca_key, make_cert("Root CA", ca_key), server_key)
