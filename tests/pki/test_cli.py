"""The headless commands: exit codes, one sentence on stderr, never a traceback."""

from __future__ import annotations

import pytest

from core.pki import Workspace
from handset_ca.cli import main

from .conftest import CA_PASS


@pytest.fixture
def env(monkeypatch, tmp_path):
    monkeypatch.setenv("HANDSET_CA_PASSPHRASE", CA_PASS.decode())
    monkeypatch.delenv("HANDSET_CA_KEY_PASSPHRASE", raising=False)
    monkeypatch.delenv("HANDSET_CA_WORKSPACE", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def one_sentence_error(err: str) -> str:
    assert err.startswith("handset-ca: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    return err


def test_ca_init_issue_sign_show(env, capsys):
    code, out, err = run(
        capsys, "ca", "init", "--cn", "Root CA", "--country", "US", "--key-size", "2048"
    )
    assert code == 0, err
    assert "Created the CA in pki" in out and "Subject:  C=US, CN=Root CA" in out
    assert Workspace(env / "pki").has_ca()

    code, out, err = run(capsys, "issue", "boot.example.com", "--workspace", "pki", "--days", "90")
    assert code == 0, err
    assert "wrote pki/issued/boot.example.com/server.crt" in out

    code, out, err = run(capsys, "ca", "show")
    assert code == 0 and "Issued: 1" in out and "boot.example.com  serial" in out

    csr = Workspace(env / "pki").issued_paths("boot.example.com").csr
    code, out, err = run(capsys, "sign", str(csr), "--out", "again.crt", "--days", "900")
    assert code == 0 and (env / "again.crt").exists()
    assert "warning: The certificate is valid for 900 days" in err

    code, out, err = run(capsys, "show", "again.crt")
    assert code == 0 and "Certificate (PEM, version 3)" in out


def test_workspace_option_and_environment(env, capsys, monkeypatch, ca_template):
    monkeypatch.setenv("HANDSET_CA_WORKSPACE", str(ca_template))
    code, out, _ = run(capsys, "ca", "show")
    assert code == 0 and f"CA in {ca_template}" in out
    code, _, err = run(capsys, "ca", "show", "--workspace", str(env / "empty"))
    assert code == 1 and "There is no CA in" in one_sentence_error(err)


def test_passphrase_file_and_wrong_passphrase(env, capsys, ws):
    (env / "wrong").write_text("nope\n")
    (env / "right").write_text(CA_PASS.decode() + "\n")
    args = ("issue", "x.example.com", "--workspace", str(ws.root))
    code, _, err = run(capsys, *args, "--passphrase-file", "wrong")
    assert code == 1
    assert one_sentence_error(err).startswith("handset-ca: The CA key passphrase is wrong;")
    assert not ws.issued_dir.exists()
    code, _, err = run(capsys, *args, "--passphrase-file", "right")
    assert code == 0, err


def test_key_passphrase_flag_reads_the_environment(env, capsys, monkeypatch, ws):
    monkeypatch.setenv("HANDSET_CA_KEY_PASSPHRASE", "server secret")
    code, _, err = run(capsys, "issue", "boot", "--workspace", str(ws.root), "--key-passphrase")
    assert code == 0, err
    key = ws.issued_paths("boot").key.read_bytes()
    assert key.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    code, out, _ = run(capsys, "show", str(ws.issued_paths("boot").key))
    assert code == 0 and "RSA 2048 bit" in out  # the passphrase came from the environment


def test_no_passphrase_anywhere(env, capsys, monkeypatch, ws):
    monkeypatch.delenv("HANDSET_CA_PASSPHRASE")
    code, _, err = run(capsys, "issue", "boot", "--workspace", str(ws.root))
    assert code == 1 and "No CA key passphrase given" in one_sentence_error(err)
    # bad input is reported before any passphrase is asked for
    code, _, err = run(capsys, "issue", "bad..name", "--workspace", str(ws.root))
    assert code == 2 and "is not a host name or IP address" in one_sentence_error(err)


@pytest.mark.parametrize(
    ("argv", "message", "exit_code"),
    [
        # 2: a value of the command line our own validation rejects (README, Exit codes)
        (("issue", "../../etc"), "is not a host name or IP address", 2),
        (("issue", "boot", "--cn", "a b"), "contains a blank", 2),
        (("show", "missing.crt"), "Cannot read missing.crt", 1),
        (("sign", "missing.csr"), "Cannot read missing.csr", 1),
        (("ca", "init", "--cn", "Root CA"), "already holds a CA", 1),
        (("ca", "init", "--cn", "X", "--country", "USA", "--workspace", "new"), "two letters", 2),
        (("ca", "init", "--cn", "X", "--days", "0", "--workspace", "new"), "between 1 and", 2),
        (("issue", "boot", "--days", "-5"), "between 1 and", 2),
    ],
)
def test_user_errors(env, capsys, ws, argv, message, exit_code):
    argv = (*argv, "--workspace", str(ws.root)) if "--workspace" not in argv else argv
    code, _, err = run(capsys, *argv)
    assert code == exit_code
    assert message in one_sentence_error(err)


def test_show_a_file_that_is_not_pem_or_der(env, capsys):
    (env / "notes.txt").write_text("hello\n")
    code, _, err = run(capsys, "show", "notes.txt")
    assert code == 1 and "is not a certificate, CSR or key" in one_sentence_error(err)


def test_sign_out_in_a_missing_folder_names_that_folder(env, capsys, issued_ws):
    from .conftest import snapshot

    csr = issued_ws.issued_paths("boot.example.com").csr
    before = snapshot(issued_ws.root)
    out = env / "nodir" / "ext.crt"
    code, _, err = run(
        capsys, "sign", str(csr), "--out", str(out), "--workspace", str(issued_ws.root)
    )
    assert code == 1
    assert f"The folder {env / 'nodir'} does not exist" in one_sentence_error(err)
    assert snapshot(issued_ws.root) == before


def test_new_passphrases_under_4_characters_and_empty_files_are_refused(
    env, capsys, monkeypatch, ws
):
    monkeypatch.setenv("HANDSET_CA_PASSPHRASE", "pw")
    code, _, err = run(capsys, "ca", "init", "--cn", "Root CA", "--workspace", "new")
    assert code == 1 and not (env / "new").exists()
    assert "CA key passphrase must be at least 4 characters" in one_sentence_error(err)
    monkeypatch.setenv("HANDSET_CA_PASSPHRASE", CA_PASS.decode())
    monkeypatch.setenv("HANDSET_CA_KEY_PASSPHRASE", "abc")
    args = ("issue", "boot", "--workspace", str(ws.root), "--key-passphrase")
    code, _, err = run(capsys, *args)
    assert code == 1 and not ws.issued_dir.exists()
    assert "server key passphrase must be at least 4" in one_sentence_error(err)
    (env / "empty").write_text("")
    init = ("ca", "init", "--cn", "Root CA", "--workspace", "new")
    code, _, err = run(capsys, *init, "--passphrase-file", "empty")
    assert code == 1 and not (env / "new").exists()
    assert "The passphrase file empty is empty;" in one_sentence_error(err)


def test_a_mistyped_ip_and_a_bad_email_are_refused(env, capsys, ws):
    code, _, err = run(capsys, "issue", "10.0.0.300", "--workspace", str(ws.root))
    assert code == 2 and not ws.issued_dir.exists()
    assert "'10.0.0.300' is all digits and dots but not an IPv4" in one_sentence_error(err)
    code, _, err = run(
        capsys, "ca", "init", "--cn", "Root CA", "--email", "notanemail", "--workspace", "new"
    )
    assert code == 2 and not (env / "new").exists()
    assert "'notanemail' is not an address" in one_sentence_error(err)


def test_a_workspace_that_is_a_file_is_named_as_such(env, capsys):
    (env / "pp").write_text("not a folder")
    for argv in (("ca", "show"), ("issue", "boot"), ("ca", "init", "--cn", "Root CA")):
        code, _, err = run(capsys, *argv, "--workspace", "pp")
        assert code == 1
        assert "The workspace pp is a file, not a folder" in one_sentence_error(err), argv
    assert (env / "pp").read_text() == "not a folder"


def test_ctrl_c_at_a_passphrase_prompt_ends_the_prompt_line(tmp_path):
    import os
    import pty
    import sys
    from pathlib import Path

    from tests.terminal import read_pty

    script = Path(sys.executable).parent / "handset-ca"
    env = {k: v for k, v in os.environ.items() if not k.startswith("HANDSET_CA_")}
    pid, leader = pty.fork()
    if pid == 0:  # the child: the pty is its controlling terminal, as at a real prompt
        os.execve(
            str(script), [str(script), "ca", "init", "--cn", "Root CA", "--workspace",
                          str(tmp_path / "pki")], {**env, "TERM": "xterm"},
        )  # fmt: skip

    try:
        shown = read_pty(leader, 20, until=b"CA key passphrase: ")
        assert shown.endswith(b"CA key passphrase: "), shown
        os.write(leader, b"\x03")  # Ctrl+C: the terminal sends SIGINT
        shown += read_pty(leader, 20, until=b"interrupted.")
        _, status = os.waitpid(pid, 0)
    finally:
        os.close(leader)
    assert os.waitstatus_to_exitcode(status) == 130
    assert b"CA key passphrase: \r\nhandset-ca: interrupted." in shown, shown
    assert not (tmp_path / "pki").exists()
