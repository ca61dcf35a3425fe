"""Real servers on 127.0.0.1 and a real CA (core.pki) for the handset's e2e tests.

The phone types real-looking names (bootserver1.example.com); a ConnectMap
sends them to the loopback servers, keeping the name for Host and TLS SNI.
"""

from __future__ import annotations

import ssl
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509

# tests/e2e has no __init__.py (not ours to add), so pytest imports this folder
# as a top-level package; put the repository root on the path for `tests.*`.
_ROOT = str(Path(__file__).resolve().parents[3])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from core.fetch import ConnectMap  # noqa: E402
from core.pki import Subject, Workspace  # noqa: E402
from tests.handset.certs import key_pem, make_cert, new_key, pem  # noqa: E402
from tests.servers import FTPServer, HTTPServer, server_tls_context  # noqa: E402

NAME = "bootserver1.example.com"
PASSPHRASE = b"rehearsal passphrase"


@dataclass(frozen=True)
class PKI:
    workspace: Workspace
    ca_cert: x509.Certificate
    ca_pem: bytes
    server_cert: x509.Certificate  # CN = NAME (core.pki also writes it as a SAN)
    server_context: ssl.SSLContext
    folder: Path


@pytest.fixture(scope="session")
def pki(tmp_path_factory) -> PKI:
    """A CA and the boot server's certificate, made by core.pki as an admin would."""
    root = tmp_path_factory.mktemp("pki")
    ws = Workspace(root)
    ca = ws.create_ca(Subject(cn="Rehearsal Root CA", org="handset-ca tests"), PASSPHRASE)
    issued = ws.issue(NAME, PASSPHRASE)
    paths = ws.issued_paths(NAME)
    return PKI(
        ws,
        ca.cert,
        ws.ca_crt_path.read_bytes(),
        issued.cert,
        server_tls_context(paths.crt, paths.key),
        root,
    )


@pytest.fixture(scope="session")
def mismatch_context(pki, tmp_path_factory) -> ssl.SSLContext:
    """A server certificate from the same CA with CN other.example.com and SAN = NAME."""
    key = new_key()
    ws_key, _ = pki.workspace.load_ca(PASSPHRASE)
    cert = make_cert(
        "other.example.com", key, issuer=pki.ca_cert, issuer_key=ws_key, ca=False, sans=(NAME,)
    )
    folder = tmp_path_factory.mktemp("mismatch")
    (folder / "server.crt").write_bytes(pem(cert))
    (folder / "server.key").write_bytes(key_pem(key))
    return server_tls_context(folder / "server.crt", folder / "server.key")


@pytest.fixture
def http_server(pki):
    with HTTPServer({"/ca.crt": pki.ca_pem}) as server:
        yield server


@pytest.fixture
def https_server(pki):
    with HTTPServer({"/ca.crt": pki.ca_pem}, tls=pki.server_context) as server:
        yield server


@pytest.fixture
def ftp_server(pki, tmp_path):
    (tmp_path / "ca.crt").write_bytes(pki.ca_pem)
    # bulletin example user PlcmSpIp, but the phone types lower case: see the FTP tests
    with FTPServer(tmp_path, user="plcmspip", password="plcmspip", anonymous=False) as server:
        yield server


def connect(*servers_by_port: tuple[int, object]) -> ConnectMap:
    """NAME:port -> 127.0.0.1:<the server's real port>, for each (port, server)."""
    cmap = ConnectMap()
    for port, server in servers_by_port:
        cmap.add(NAME, port, "127.0.0.1", server.port)  # type: ignore[attr-defined]
    return cmap
