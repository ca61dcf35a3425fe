"""Real openssl: the bulletin's own commands, run in temp folders."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest

from core.pki import Workspace
from tests.conftest import CA_PASS

PASS = CA_PASS.decode()
BULLETIN_SUBJ = (
    "/C=US/ST=Colorado/L=Boulder/O=Spectralink Corporation/OU=Service/CN=Root CA"
    "/emailAddress=admin@spectralink.com"
)

if shutil.which("openssl") is None:  # .ci/run installs it
    pytest.skip("the openssl binary is needed", allow_module_level=True)


def openssl(*args: str, cwd: Path | None = None, check: bool = True) -> str:
    result = subprocess.run(
        ["openssl", *args], cwd=cwd, capture_output=True, text=True, check=False
    )
    if check and result.returncode != 0:
        raise AssertionError(f"openssl {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout + result.stderr


def cert_days(path: Path) -> int:
    """Validity in days as openssl reads it from the file."""
    out = openssl("x509", "-noout", "-startdate", "-enddate", "-in", str(path))
    dates = dict(line.split("=", 1) for line in out.strip().splitlines())
    fmt = "%b %d %H:%M:%S %Y %Z"
    start = dt.datetime.strptime(" ".join(dates["notBefore"].split()), fmt)
    end = dt.datetime.strptime(" ".join(dates["notAfter"].split()), fmt)
    return (end - start).days


def openssl_serial(path: Path) -> int:
    out = openssl("x509", "-noout", "-serial", "-in", str(path))
    return int(out.strip().split("=", 1)[1], 16)


@pytest.fixture(scope="session")
def our_ca(ca_template: Path) -> Path:
    """A CA made by handset-ca (the bulletin's subject, passphrase PASS)."""
    return ca_template


@pytest.fixture(scope="session", params=["pkcs8", "traditional"])
def bulletin_ca(request, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A CA made with the bulletin's exact commands (the -des3 key in both forms openssl writes)."""
    root = tmp_path_factory.mktemp(f"bulletin-{request.param}")
    extra = ["-traditional"] if request.param == "traditional" else []
    openssl(
        "genrsa", "-des3", *extra, "-passout", f"pass:{PASS}", "-out", "ca.key", "2048", cwd=root
    )
    openssl(
        "req", "-new", "-x509", "-days", "2555", "-key", "ca.key", "-out", "ca.crt",
        "-passin", f"pass:{PASS}", "-subj", BULLETIN_SUBJ, cwd=root,
    )  # fmt: skip
    return root


@pytest.fixture(scope="session")
def openssl_csr(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bulletin's boot server steps: openssl genrsa, then openssl req -new."""
    root = tmp_path_factory.mktemp("server")
    openssl("genrsa", "-out", "server.key", "2048", cwd=root)
    openssl(
        "req", "-new", "-key", "server.key", "-out", "server.csr",
        "-subj", "/C=US/O=Spectralink Corporation/CN=bootserver1.spectralink.com", cwd=root,
    )  # fmt: skip
    return root / "server.csr"


def copy_ws(template: Path, dest: Path) -> Workspace:
    shutil.copytree(template, dest)
    return Workspace(dest)
