"""Shared by every test folder: the bulletin's example CA, made once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.pki import Subject, Workspace

CA_PASS = b"correct horse"
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
def ca_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace holding only a CA (CA_SUBJECT, CA_PASS, RSA 2048): copy it, never change it."""
    root = tmp_path_factory.mktemp("ca-template") / "pki"
    Workspace(root).create_ca(CA_SUBJECT, CA_PASS)
    return root
