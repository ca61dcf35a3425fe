"""`show` on an encrypted key made by `openssl genrsa -des3`: file, environment, refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from handset_ca.cli import main

from .conftest import openssl

KEY_PASS = "des3 secret"


@pytest.fixture(scope="module")
def des3_key(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("des3")
    openssl(
        "genrsa", "-des3", "-traditional", "-passout", f"pass:{KEY_PASS}", "-out", "des3.key",
        "2048", cwd=folder,
    )  # fmt: skip
    return folder / "des3.key"


@pytest.fixture
def env(monkeypatch, tmp_path):
    for name in ("HANDSET_CA_PASSPHRASE", "HANDSET_CA_KEY_PASSPHRASE", "HANDSET_CA_WORKSPACE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def show(capsys, *argv):
    code = main(["show", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def one_sentence(err: str) -> str:
    assert err.startswith("handset-ca: ") and err.count("\n") == 1 and "Traceback" not in err
    return err


@pytest.mark.parametrize("variable", ["HANDSET_CA_PASSPHRASE", "HANDSET_CA_KEY_PASSPHRASE"])
def test_either_environment_variable_opens_a_key_outside_the_workspace(
    env, capsys, monkeypatch, des3_key, variable
):
    monkeypatch.setenv(variable, KEY_PASS)
    code, out, err = show(capsys, str(des3_key))
    assert code == 0, err
    assert "RSA 2048 bit" in out and "Give its passphrase" not in out


def test_both_set_the_right_one_is_used(env, capsys, monkeypatch, des3_key):
    monkeypatch.setenv("HANDSET_CA_PASSPHRASE", "the CA one")
    monkeypatch.setenv("HANDSET_CA_KEY_PASSPHRASE", KEY_PASS)
    code, out, err = show(capsys, str(des3_key))
    assert code == 0 and "RSA 2048 bit" in out, err
    monkeypatch.setenv("HANDSET_CA_PASSPHRASE", KEY_PASS)
    monkeypatch.setenv("HANDSET_CA_KEY_PASSPHRASE", "another")
    code, out, err = show(capsys, str(des3_key))
    assert code == 0 and "RSA 2048 bit" in out, err


def test_no_passphrase_anywhere_exits_1(env, capsys, des3_key):
    code, out, err = show(capsys, str(des3_key))
    assert code == 1 and out == ""
    assert "is an encrypted key; give its passphrase" in one_sentence(err)


def test_a_wrong_passphrase_exits_1(env, capsys, monkeypatch, des3_key):
    monkeypatch.setenv("HANDSET_CA_KEY_PASSPHRASE", "wrong")
    code, _, err = show(capsys, str(des3_key))
    assert code == 1 and f"The passphrase for {des3_key} is wrong" in one_sentence(err)
    (env / "wrong").write_text("wrong\n")
    code, _, err = show(capsys, str(des3_key), "--passphrase-file", "wrong")
    assert code == 1 and "is wrong" in one_sentence(err)


def test_passphrase_file_first_and_an_empty_one_is_refused(env, capsys, monkeypatch, des3_key):
    monkeypatch.setenv("HANDSET_CA_KEY_PASSPHRASE", "wrong")
    (env / "right").write_text(KEY_PASS + "\n")
    code, out, err = show(capsys, str(des3_key), "--passphrase-file", "right")
    assert code == 0 and "RSA 2048 bit" in out, err
    (env / "empty").write_text("")
    code, out, err = show(capsys, str(des3_key), "--passphrase-file", "empty")
    assert code == 1 and out == ""
    assert "The passphrase file empty is empty;" in one_sentence(err)


def test_show_help_names_every_place_the_passphrase_comes_from(capsys):
    with pytest.raises(SystemExit):
        main(["show", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "read an encrypted key's passphrase from the first line of FILE" in out
    assert "$HANDSET_CA_KEY_PASSPHRASE or $HANDSET_CA_PASSPHRASE, else a prompt" in out
