"""Audit findings 5, 9, 10 and 12, run as the audit ran them: the installed CLI in a
real process, with a timeout so that a regression fails instead of hanging."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from core.fileio import TEMP_NAME, remove_stale_temp_files
from core.pki import Workspace

from .conftest import PASS

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[3]
CLI = Path(sys.executable).with_name("handset-ca")
TIMEOUT = 30  # seconds; each command here takes about one


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HANDSET_CA_")}
    return subprocess.run(
        [str(CLI), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=TIMEOUT,  # a FIFO read without O_NONBLOCK would hang here: the test fails
    )


def one_sentence(result: subprocess.CompletedProcess, code: int = 1) -> str:
    assert result.returncode == code, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and "unexpected error" not in result.stderr
    assert result.stderr.startswith("handset-ca: ") and result.stderr.count("\n") == 1
    return result.stderr


def snapshot(root: Path) -> dict[str, object]:
    """Every entry under ``root``: its kind and, for a regular file, a digest and mode."""
    seen: dict[str, object] = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        if path.is_symlink():
            seen[rel] = ("link", os.readlink(path))
        elif path.is_fifo():
            seen[rel] = "fifo"
        elif path.is_file():
            seen[rel] = (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mode)
        else:
            seen[rel] = "dir"
    return seen


@pytest.fixture
def ws(ca_template: Path, tmp_path: Path) -> Workspace:
    """A CA, f.example.com issued, and the CA passphrase in tmp_path/ca.pass."""
    root = tmp_path / "ws"
    shutil.copytree(ca_template, root)
    workspace = Workspace(root)
    workspace.issue("f.example.com", PASS.encode())
    (tmp_path / "ca.pass").write_text(PASS + "\n")
    return workspace


# ---- 5. a FIFO or /dev/zero inside the workspace -----------------------------------------


def test_status_lists_a_fifo_certificate_as_unreadable_instead_of_hanging(ws, tmp_path):
    folder = ws.issued_dir / "fifo.example.com"
    folder.mkdir()
    os.mkfifo(folder / "server.crt")
    result = cli("--workspace", "ws", "status", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "f.example.com" in result.stdout and "Traceback" not in result.stderr
    assert "fifo.example.com/server.crt is not a readable certificate" in result.stderr

    as_json = cli("--workspace", "ws", "status", "--json", cwd=tmp_path)
    assert "fifo.example.com/server.crt" in as_json.stdout


def test_status_does_not_read_a_next_ca_linked_to_dev_zero(ws, tmp_path):
    (ws.root / "next").mkdir()
    (ws.root / "next" / "ca.crt").symlink_to("/dev/zero")
    result = cli("--workspace", "ws", "status", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "next/ca.crt is not a readable certificate" in result.stderr


def test_status_with_a_fifo_as_ca_crt_is_one_sentence(ws, tmp_path):
    ws.ca_crt_path.unlink()
    os.mkfifo(ws.ca_crt_path)
    err = one_sentence(cli("--workspace", "ws", "status", cwd=tmp_path), code=2)
    assert "The workspace file ws/ca.crt is a FIFO (named pipe), not a regular file" in err


@pytest.mark.parametrize("new_key", [True, False])
def test_renew_refuses_a_fifo_server_key_and_changes_nothing(ws, tmp_path, new_key):
    key = ws.issued_paths("f.example.com").key
    key.unlink()
    os.mkfifo(key)
    before = snapshot(ws.root)
    args = ["--workspace", "ws", "renew", "f.example.com", "--passphrase-file", "ca.pass"]
    result = cli(*args, *(["--new-key"] if new_key else []), cwd=tmp_path)
    if new_key:  # the key would be read (is it encrypted?) and kept under previous/
        err = one_sentence(result)
        assert "ws/issued/f.example.com/server.key is a FIFO (named pipe)" in err
        assert "move it out of the workspace" in err
        assert snapshot(ws.root) == before
    else:  # the key is not touched: the renewal goes ahead
        assert result.returncode == 0, result.stderr
    # the issuers' lock was let go: the next issue does not wait
    assert cli("--workspace", "ws", "issue", "g.example.com", "--passphrase-file", "ca.pass",
               cwd=tmp_path).returncode == 0  # fmt: skip


def test_renew_refuses_a_fifo_where_the_former_certificate_is_kept(ws, tmp_path):
    serial = ws.issued_summaries()[0].serial_hex
    previous = ws.issued_dir / "f.example.com" / "previous"
    previous.mkdir(mode=0o700)
    os.mkfifo(previous / f"server-{serial}.crt")
    before = snapshot(ws.root)
    result = cli("--workspace", "ws", "renew", "f.example.com", "--passphrase-file", "ca.pass",
                 cwd=tmp_path)  # fmt: skip
    assert f"server-{serial}.crt is a FIFO" in one_sentence(result)
    assert snapshot(ws.root) == before


def test_export_refuses_a_fifo_server_key(ws, tmp_path):
    key = ws.issued_paths("f.example.com").key
    key.unlink()
    os.mkfifo(key)
    (tmp_path / "export.pass").write_text("export pass\n")
    result = cli("--workspace", "ws", "export", "f.example.com", "--format", "pkcs12",
                 "--out", "x.p12", "--export-passphrase-file", "export.pass",
                 cwd=tmp_path)  # fmt: skip
    assert "server.key is a FIFO (named pipe)" in one_sentence(result)
    assert not (tmp_path / "x.p12").exists()


def test_ca_renew_and_rollover_refuse_a_fifo_where_the_former_ca_is_kept(ws, tmp_path):
    serial = ws.ca_summary().serial_hex
    (ws.root / "previous").mkdir(mode=0o700)
    os.mkfifo(ws.root / "previous" / f"ca-{serial}.crt")
    before = snapshot(ws.root)
    result = cli("--workspace", "ws", "ca", "renew", "--passphrase-file", "ca.pass",
                 cwd=tmp_path)  # fmt: skip
    assert f"ca-{serial}.crt is a FIFO" in one_sentence(result)
    assert snapshot(ws.root) == before


def test_rollover_finish_refuses_a_fifo_next_key(ws, tmp_path):
    assert cli("--workspace", "ws", "ca", "rollover", "--passphrase-file", "ca.pass",
               cwd=tmp_path).returncode == 0  # fmt: skip
    (ws.root / "next" / "ca.key").unlink()
    os.mkfifo(ws.root / "next" / "ca.key")
    before = snapshot(ws.root)
    result = cli("--workspace", "ws", "ca", "rollover", "--finish", "--passphrase-file",
                 "ca.pass", cwd=tmp_path)  # fmt: skip
    assert "next/ca.key is a FIFO" in one_sentence(result)
    assert snapshot(ws.root) == before


# ---- 10. a sentence never changes the case of a path ------------------------------------


def test_refusals_keep_the_path_as_typed(tmp_path):
    (tmp_path / "zlink").symlink_to("/dev/zero")
    os.mkfifo(tmp_path / "f2")
    (tmp_path / "huge.bin").write_bytes(b"\0" * (1024 * 1024 + 1))
    assert "The file zlink is a character device, not a regular file" in one_sentence(
        cli("show", "zlink", cwd=tmp_path)
    )
    assert "The file f2 is a FIFO (named pipe)" in one_sentence(cli("show", "f2", cwd=tmp_path))
    assert "The file huge.bin is larger than 1 MiB" in one_sentence(
        cli("show", "huge.bin", cwd=tmp_path)
    )
    err = one_sentence(cli("--workspace", "huge.bin", "renew", "x", cwd=tmp_path))
    assert "The workspace huge.bin is a file, not a folder" in err
    err = one_sentence(
        cli("--workspace", "huge.bin", "export", "x", "--format", "der", "--out", "o", cwd=tmp_path)
    )
    assert "The workspace huge.bin is a file, not a folder" in err


# ---- 9. output piped into a reader that stops early ---------------------------------------


@pytest.mark.parametrize("command", [["show", "ws/ca.crt"], ["--workspace", "ws", "ca", "renew",
                                     "--passphrase-file", "ca.pass"]])  # fmt: skip
def test_a_closed_pipe_ends_quietly_with_141(ws, tmp_path, command):
    env = {k: v for k, v in os.environ.items() if not k.startswith("HANDSET_CA_")}
    proc = subprocess.Popen(
        [str(CLI), *command],
        cwd=tmp_path,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    proc.stdout.close()  # as `| head -0`: the reader is gone before the first line
    _, err = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 141, err
    assert err == b""


# ---- 12. kill -9 during export ------------------------------------------------------------

KILL_AT_WRITE = """
    import os, signal, sys
    from pathlib import Path
    from core.pki import Workspace
    from core.pki.export import export
    def fsync_then_die(fd):
        os.kill(os.getpid(), signal.SIGKILL)  # the PKCS#12 is written, not yet renamed
    os.fsync = fsync_then_die
    export(Workspace(sys.argv[1]), "f.example.com", "pkcs12", Path(sys.argv[2]),
           export_passphrase=b"export pass")
"""


def test_an_export_killed_mid_write_leaves_a_temp_file_the_next_export_removes(ws, tmp_path):
    out = tmp_path / "out2"
    out.mkdir()
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(KILL_AT_WRITE), str(ws.root), str(out / "x.p12")],
        cwd=REPO,
        capture_output=True,
        timeout=TIMEOUT * 2,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    [left] = out.iterdir()
    assert TEMP_NAME.fullmatch(left.name) and left.name.startswith(".x.p12.")
    assert left.stat().st_size > 1000 and left.stat().st_mode & 0o777 == 0o600
    # a writer still at work (this process's pid) and files of other names are left alone
    live = out / f".y.p12.{os.getpid()}-{'0' * 12}.tmp"
    live.write_bytes(b"in progress")
    other = out / ".x.p12.swp"
    other.write_bytes(b"not ours")

    (tmp_path / "export.pass").write_text("export pass\n")
    result = cli("--workspace", "ws", "export", "f.example.com", "--format", "pkcs12",
                 "--out", "out2/z.p12", "--export-passphrase-file", "export.pass",
                 cwd=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted([live.name, other.name, "z.p12"])


def test_remove_stale_temp_files_only_takes_regular_files_of_dead_writers(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    pid = int(dead.stdout)
    stale = tmp_path / f".a.crt.{pid}-0123456789ab.tmp"
    stale.write_bytes(b"x")
    folder = tmp_path / f".b.crt.{pid}-0123456789ab.tmp"
    folder.mkdir()
    link = tmp_path / f".c.crt.{pid}-0123456789ab.tmp"
    link.symlink_to(stale)
    odd = tmp_path / f".d.crt.{pid}-XYZ.tmp"
    odd.write_bytes(b"x")
    assert remove_stale_temp_files(tmp_path) == [stale]
    assert folder.is_dir() and link.is_symlink() and odd.exists()


# ---- 13. export --key-passphrase-file with a key that is not encrypted ---------------------


@pytest.mark.parametrize("fmt", ["pkcs12", "der"])
def test_export_says_the_key_passphrase_file_was_not_used(ws, tmp_path, fmt):
    (tmp_path / "export.pass").write_text("export pass\n")
    (tmp_path / "key.pass").write_text("key pass\n")
    result = cli("--workspace", "ws", "export", "f.example.com", "--format", fmt,
                 "--out", f"x.{fmt}", "--export-passphrase-file", "export.pass",
                 "--key-passphrase-file", "key.pass", cwd=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("handset-ca: note: --key-passphrase-file was not used: ")
    if fmt == "pkcs12":
        assert "the server key of f.example.com is not encrypted" in result.stderr
    else:
        assert "--format der holds no key" in result.stderr
    assert (tmp_path / f"x.{fmt}").is_file()


def test_export_with_an_encrypted_key_says_nothing_more(ca_template, tmp_path):
    root = tmp_path / "ws"
    shutil.copytree(ca_template, root)
    Workspace(root).issue("e.example.com", PASS.encode(), key_passphrase=b"key pass")
    (tmp_path / "export.pass").write_text("export pass\n")
    (tmp_path / "key.pass").write_text("key pass\n")
    result = cli("--workspace", "ws", "export", "e.example.com", "--format", "pkcs12",
                 "--out", "e.p12", "--export-passphrase-file", "export.pass",
                 "--key-passphrase-file", "key.pass", cwd=tmp_path)  # fmt: skip
    assert result.returncode == 0 and result.stderr == "", result.stderr
