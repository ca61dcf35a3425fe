"""The bulletin end to end: a workspace made by handset-ca, servers and clients for real."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from core.pki import Subject, Workspace

from .serveproc import Serve

pytestmark = pytest.mark.e2e

CA_PASS = b"rehearsal ca passphrase"
KEY_PASS = b"rehearsal key passphrase"
NAME = "bootserver1.example.com"
OTHER_NAME = "bootserver2.example.com"
ENCRYPTED_NAME = "encrypted.example.com"
# The bulletin's example subject for the CA.
CA_SUBJECT = Subject(
    cn="Root CA",
    country="US",
    state="Colorado",
    locality="Boulder",
    org="Spectralink Corporation",
    ou="Service",
    email="admin@spectralink.com",
)


@pytest.fixture(scope="session")
def issued_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A CA with certificates for NAME, OTHER_NAME and (encrypted key) ENCRYPTED_NAME."""
    workspace = Workspace(tmp_path_factory.mktemp("bulletin") / "pki")
    workspace.create_ca(CA_SUBJECT, CA_PASS)
    workspace.issue(NAME, CA_PASS)
    workspace.issue(OTHER_NAME, CA_PASS)
    workspace.issue(ENCRYPTED_NAME, CA_PASS, key_passphrase=KEY_PASS)
    return workspace.root


@pytest.fixture
def serving() -> Iterator[list[Serve]]:
    """Started `serve` processes, killed at the end whatever happened."""
    started: list[Serve] = []
    yield started
    for serve in started:
        serve.kill()
