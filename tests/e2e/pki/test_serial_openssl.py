"""ca.srl read as the real openssl reads it (issue 11, case 5): same serial, same refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import UserError
from core.pki import serial
from tests.pki.test_serial import READ_AS_OPENSSL, REFUSED_BY_OPENSSL

from .conftest import openssl, openssl_serial


@pytest.fixture(scope="module")
def mini_ca(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("srl")
    openssl(
        "req", "-x509", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key",
        "-out", "ca.crt", "-subj", "/CN=Serial CA", "-days", "5", cwd=root,
    )  # fmt: skip
    openssl(
        "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "s.key", "-out", "s.csr",
        "-subj", "/CN=s.example.com", cwd=root,
    )  # fmt: skip
    return root


def openssl_next(root: Path, text: str) -> int | None:
    """The serial openssl gives the next certificate with ca.srl holding ``text``."""
    (root / "ca.srl").write_text(text)
    (root / "s.crt").unlink(missing_ok=True)
    out = openssl(
        "x509", "-req", "-in", "s.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
        "-CAserial", "ca.srl", "-out", "s.crt", "-days", "1", cwd=root, check=False,
    )  # fmt: skip
    if not (root / "s.crt").exists() or not (root / "s.crt").stat().st_size:
        assert "unable to load number" in out.lower()
        return None
    return openssl_serial(root / "s.crt")


@pytest.mark.e2e
@pytest.mark.parametrize(
    "text", [t for t, _ in READ_AS_OPENSSL] + REFUSED_BY_OPENSSL, ids=lambda t: repr(t)[:24]
)
def test_the_next_serial_is_openssls(mini_ca, tmp_path, text):
    expected = openssl_next(mini_ca, text)
    path = tmp_path / "ca.srl"
    path.write_text(text)
    if expected is None:
        with pytest.raises(UserError, match="unable to load number"):
            serial.reserve(path)
    else:
        assert serial.reserve(path) == expected


@pytest.mark.e2e
def test_the_audit_case_12_newline_34(mini_ca, tmp_path):
    assert openssl_next(mini_ca, "12\n34") == 0x13
    path = tmp_path / "ca.srl"
    path.write_text("12\n34")
    assert serial.reserve(path) == 0x13
