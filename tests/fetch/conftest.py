"""Shared certificates and servers for the fetch tests (all real, on 127.0.0.1)."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from core import trust
from tests.servers import (
    FTPServer,
    HTTPServer,
    PKIFiles,
    SilentServer,
    cert_pem,
    make_test_pki,
)

# Short bounds keep the suite fast; assertions allow this much slack past them.
TIMEOUT = 1.0
SLACK = 1.0


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> PKIFiles:
    return make_test_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="session")
def expired_pki(tmp_path_factory: pytest.TempPathFactory) -> PKIFiles:
    return make_test_pki(tmp_path_factory.mktemp("expired"), expired=True)


@pytest.fixture(scope="session")
def ca_pem(pki: PKIFiles) -> bytes:
    return cert_pem(pki.ca_cert)


@pytest.fixture(scope="session")
def trusting(pki: PKIFiles) -> ssl.SSLContext:
    """A client context that trusts the test CA only."""
    return trust.ssl_context_for([pki.ca_cert], builtin=False)


@pytest.fixture
def web(ca_pem: bytes):
    with HTTPServer({"/ca.crt": ca_pem}) as server:
        yield server


@pytest.fixture
def tls_web(ca_pem: bytes, pki: PKIFiles):
    with HTTPServer({"/ca.crt": ca_pem}, tls=pki.server_context()) as server:
        yield server


@pytest.fixture
def silent():
    with SilentServer() as server:
        yield server


@pytest.fixture
def ftp_root(tmp_path: Path, ca_pem: bytes) -> Path:
    root = tmp_path / "ftp"
    root.mkdir()
    (root / "ca.crt").write_bytes(ca_pem)
    (root / "big.bin").write_bytes(b"x" * (200 * 1024))
    return root


@pytest.fixture
def ftp(ftp_root: Path):
    with FTPServer(ftp_root, user="plcmspip", password="s3cr@t:pw") as server:
        yield server
