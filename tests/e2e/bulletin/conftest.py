"""The bulletin end to end: a workspace made by handset-ca, servers and clients for real."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.pki import Workspace
from tests.conftest import CA_PASS as CA_PASS  # imported from here by the tests
from tests.conftest import CA_SUBJECT as CA_SUBJECT

from .serveproc import Serve

pytestmark = pytest.mark.e2e

KEY_PASS = b"rehearsal key passphrase"
NAME = "bootserver1.example.com"
OTHER_NAME = "bootserver2.example.com"
ENCRYPTED_NAME = "encrypted.example.com"


@pytest.fixture(scope="session")
def issued_workspace(ca_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A CA with certificates for NAME, OTHER_NAME and (encrypted key) ENCRYPTED_NAME."""
    root = tmp_path_factory.mktemp("bulletin") / "pki"
    shutil.copytree(ca_template, root)
    workspace = Workspace(root)
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
