"""Shared CA material: RSA keys are made once per session and copied per test.

The CA itself (ca_template) is tests/conftest.py's, shared with other folders.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from core.pki import Workspace
from tests.conftest import CA_PASS
from tests.conftest import CA_SUBJECT as CA_SUBJECT  # the tests here import it from this file


@pytest.fixture
def ws(ca_template: Path, tmp_path: Path) -> Workspace:
    """A fresh workspace holding the session's CA (no serial file, nothing issued)."""
    root = tmp_path / "pki"
    shutil.copytree(ca_template, root)
    (root / "audit.log").unlink()
    return Workspace(root)


@pytest.fixture(scope="session")
def issued_template(ca_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("issued-template") / "pki"
    shutil.copytree(ca_template, root)
    Workspace(root).issue("boot.example.com", CA_PASS)
    return root


@pytest.fixture
def issued_ws(issued_template: Path, tmp_path: Path) -> Workspace:
    """A workspace with the session's CA and boot.example.com issued."""
    root = tmp_path / "pki"
    shutil.copytree(issued_template, root)
    return Workspace(root)


def snapshot(root: Path) -> dict[str, tuple[int, bytes]]:
    """Every file and folder under root with its mode and content: to prove nothing changed."""
    state = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        if path.is_dir():
            state[rel] = (path.stat().st_mode, b"<dir>")
        else:
            state[rel] = (path.stat().st_mode, path.read_bytes())
    return state


@pytest.fixture(scope="session")
def server_key():
    """One RSA key for CSRs made in tests (the key itself is not under test)."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=2048)
