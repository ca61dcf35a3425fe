"""A workspace made with the bulletin's own openssl commands, shared by the session.

Layout as core.pki keeps it: ca.key ca.crt ca.srl issued/<name>/server.{key,csr,crt}.
bootserver1.example.com has a plain server key (the bulletin's `genrsa -out`),
bootserver2.example.com an encrypted one (the bulletin: a password is optional but safer).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

CA_PASS = "ca-secret-7"
KEY_PASS = "key-secret-9"
NAME = "bootserver1.example.com"
ENCRYPTED_NAME = "bootserver2.example.com"
CA_SUBJECT = (
    "/C=US/ST=Colorado/L=Boulder/O=Spectralink Corporation/OU=Service/CN=Root CA"
    "/emailAddress=admin@spectralink.com"
)


def openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def issue(root: Path, name: str, *, key_pass: str | None = None, serial: bool = False) -> None:
    folder = root / "issued" / name
    folder.mkdir(parents=True)
    if key_pass:
        openssl(
            "genrsa",
            "-des3",
            "-passout",
            f"pass:{key_pass}",
            "-out",
            "server.key",
            "2048",
            cwd=folder,
        )
        passin = ["-passin", f"pass:{key_pass}"]
    else:
        openssl("genrsa", "-out", "server.key", "2048", cwd=folder)
        passin = []
    openssl(
        "req",
        "-new",
        "-key",
        "server.key",
        *passin,
        "-subj",
        f"/CN={name}",
        "-out",
        "server.csr",
        cwd=folder,
    )
    openssl(
        "x509",
        "-days",
        "365",
        "-CA",
        "../../ca.crt",
        "-CAkey",
        "../../ca.key",
        "-passin",
        f"pass:{CA_PASS}",
        "-req",
        *(["-CAcreateserial"] if serial else []),
        "-CAserial",
        "../../ca.srl",
        "-in",
        "server.csr",
        "-out",
        "server.crt",
        cwd=folder,
    )


@pytest.fixture(scope="session")
def bulletin_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("pki")
    openssl("genrsa", "-des3", "-passout", f"pass:{CA_PASS}", "-out", "ca.key", "2048", cwd=root)
    openssl(
        "req",
        "-new",
        "-x509",
        "-days",
        "2555",
        "-key",
        "ca.key",
        "-passin",
        f"pass:{CA_PASS}",
        "-subj",
        CA_SUBJECT,
        "-out",
        "ca.crt",
        cwd=root,
    )
    issue(root, NAME, serial=True)
    issue(root, ENCRYPTED_NAME, key_pass=KEY_PASS)
    return root


@pytest.fixture
def workspace(bulletin_workspace: Path, tmp_path: Path) -> Path:
    """A private copy, so a test may break it."""
    copy = tmp_path / "pki"
    shutil.copytree(bulletin_workspace, copy)
    return copy
