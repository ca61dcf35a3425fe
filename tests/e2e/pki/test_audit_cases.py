"""Issue 11, cases 7, 9 and 10, reproduced as the audit ran them."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from core.pki import Workspace
from handset_ca.cli import main
from tests.conftest import CA_PASS

from .conftest import PASS, openssl

pytestmark = pytest.mark.e2e


@pytest.fixture
def env(monkeypatch, tmp_path):
    monkeypatch.delenv("HANDSET_CA_PASSPHRASE", raising=False)
    monkeypatch.delenv("HANDSET_CA_WORKSPACE", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# ---- 7. a passphrase of 1,024 bytes or more -------------------------------------------


@pytest.mark.parametrize("size", [1024, 5000])
def test_a_long_passphrase_is_refused_before_the_workspace_exists(env, capsys, size):
    (env / "pass.txt").write_text("p" * size + "\n")
    code, out, err = run(
        capsys, "ca", "init", "--cn", "Root CA", "--workspace", "ws", "--passphrase-file",
        "pass.txt",
    )  # fmt: skip
    assert code != 0 and not out
    assert err.startswith("handset-ca: ") and err.count("\n") == 1, err
    assert f"{size:,} bytes" in err and "at most 1,023" in err and "shorter" in err
    assert not (env / "ws").exists()


def test_the_longest_passphrase_openssl_takes_works_both_ways(env, capsys):
    passphrase = "p" * 1023
    (env / "pass.txt").write_text(passphrase + "\n")
    code, _, err = run(capsys, "ca", "init", "--cn", "Root CA", "--passphrase-file", "pass.txt")
    assert code == 0, err
    openssl("rsa", "-check", "-noout", "-in", "pki/ca.key", "-passin", "file:pass.txt", cwd=env)


def test_the_library_refuses_a_long_passphrase_before_making_a_folder(env):
    from core.errors import UserError
    from core.pki import Subject

    ws = Workspace(env / "new")
    with pytest.raises(UserError, match="at most 1,023"):
        ws.create_ca(Subject("Root CA"), b"x" * 1024, key_size=2048)
    assert not (env / "new").exists()


# ---- 9. a workspace folder open to others -------------------------------------------------


def test_an_existing_0777_workspace_is_made_0700_and_said_so(env, capsys, monkeypatch):
    monkeypatch.setenv("HANDSET_CA_PASSPHRASE", PASS)
    (env / "ws").mkdir()
    os.chmod(env / "ws", 0o777)
    code, _out, err = run(capsys, "ca", "init", "--cn", "Root CA", "--workspace", "ws")
    assert code == 0, err
    assert (env / "ws").stat().st_mode & 0o777 == 0o700
    assert "was open to other users (mode 0777)" in err and "now 0700" in err


@pytest.mark.parametrize("mode", [0o750, 0o705])
def test_group_or_other_readable_is_tightened_too(env, mode):
    from core.pki import Subject

    (env / "ws").mkdir()
    os.chmod(env / "ws", mode)
    result = Workspace(env / "ws").create_ca(Subject("Root CA"), CA_PASS, key_size=2048)
    assert (env / "ws").stat().st_mode & 0o777 == 0o700
    assert any(f"mode {mode:04o}" in w for w in result.warnings)


def test_issuing_in_a_ca_folder_open_to_others_warns(env, capsys, ca_template, monkeypatch):
    monkeypatch.setenv("HANDSET_CA_PASSPHRASE", PASS)
    shutil.copytree(ca_template, env / "pki")
    os.chmod(env / "pki", 0o777)
    code, _, err = run(capsys, "issue", "boot.example.com")
    assert code == 0, err
    assert "holds the CA key but is open to other users (mode 0777)" in err
    assert "chmod 700" in err


# ---- 10. the bulletin's CA has no keyUsage ----------------------------------------------


@pytest.fixture
def bulletin_ws(env, bulletin_ca) -> Path:
    shutil.copytree(bulletin_ca, env / "pki")
    return env / "pki"


def test_ca_show_says_the_bulletin_ca_has_no_key_usage_and_what_it_means(bulletin_ws, capsys):
    assert "Key Usage" not in openssl("x509", "-noout", "-text", "-in", "pki/ca.crt")
    code, out, err = run(capsys, "ca", "show")
    assert code == 0, err
    assert "Warning:  The CA certificate has no keyUsage extension" in out
    assert "openssl verify -x509_strict" in out and "Python 3.13" in out


def test_leaves_under_it_fail_strict_verifiers_as_the_warning_says(bulletin_ws, env, capsys):
    Workspace(bulletin_ws).issue("boot.example.com", CA_PASS)
    crt = "pki/issued/boot.example.com/server.crt"
    assert "OK" in openssl("verify", "-CAfile", "pki/ca.crt", crt, cwd=env)
    strict = openssl("verify", "-x509_strict", "-CAfile", "pki/ca.crt", crt, cwd=env, check=False)
    assert "key usage" in strict.lower() and ": OK" not in strict


def test_our_own_ca_passes_strict_verifiers_and_says_nothing(env, capsys, ca_template):
    shutil.copytree(ca_template, env / "pki")
    Workspace(env / "pki").issue("boot.example.com", CA_PASS)
    crt = "pki/issued/boot.example.com/server.crt"
    assert ": OK" in openssl("verify", "-x509_strict", "-CAfile", "pki/ca.crt", crt, cwd=env)
    code, out, _ = run(capsys, "ca", "show")
    assert code == 0 and "Warning" not in out


def test_the_workbench_says_so_too(bulletin_ws):
    from tests.tui.conftest import build_app

    view = build_app(frozen=False).overview()
    assert view.ca is not None
    assert any("no keyUsage" in note and "-x509_strict" in note for note in view.notes)
