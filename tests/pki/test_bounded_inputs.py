"""Issue 11, case 6: every file a user names goes through core.fileio's one bounded reader.

/dev/zero ended in "unexpected error (MemoryError)" and a FIFO hung for ever. Each
is now one sentence, through the real console script in a subprocess with a timeout
(a regression hangs one test for a few seconds, never the run) and a memory limit
(a regression cannot eat the machine's memory).
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from core.errors import UserError
from core.fileio import (
    PASSPHRASE_FILE,
    PKI_FILE,
    URL_LIST_FILE,
    open_text_file,
    read_small_file,
)
from core.pki import Workspace

from .conftest import CA_PASS, snapshot

SCRIPT = Path(sys.executable).parent / "handset-ca"
TIMEOUT = 20  # generous for a busy machine; a FIFO that blocks would wait for ever

# What each bad input is, and the words of its sentence.
BAD_INPUTS = {
    "dev-zero": "is a character device, not a regular file",
    "fifo": "is a FIFO (named pipe), not a regular file",
    "folder": "is a folder, not a regular file",
    "missing": "Cannot read",
    "too-big": "is larger than",
}


def make_bad(kind: str, where: Path, limit: int) -> Path:
    """A path of the given kind in ``where``; "too-big" is a sparse file one byte over."""
    path = where / f"bad-{kind}"
    if kind == "dev-zero":
        path.symlink_to("/dev/zero")  # the same device, under a name the test controls
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "folder":
        path.mkdir()
    elif kind == "too-big":
        with open(path, "wb") as f:
            f.truncate(limit + 1)
    return path


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))


def cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None):
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("HANDSET_CA_")}
    full_env.update(env or {})
    return subprocess.run(
        [str(SCRIPT), *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=full_env,
        cwd=cwd,
        stdin=subprocess.DEVNULL,  # no terminal: no prompt
        preexec_fn=_limit_memory,
    )


def in_process(args, env, cwd, monkeypatch, capsys) -> tuple[int, str]:
    from handset_ca.cli import main

    for name in [k for k in os.environ if k.startswith("HANDSET_CA_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(cwd)
    code = main(list(args))
    return code, capsys.readouterr().err


def one_sentence(stderr: str) -> str:
    assert stderr.startswith("handset-ca: ") and stderr.count("\n") == 1, stderr
    assert "Traceback" not in stderr and "nexpected error" not in stderr, stderr
    return stderr


CA_ENV = {"HANDSET_CA_PASSPHRASE": CA_PASS.decode()}

# (name, argv with {bad} and {ws}, environment, exit code, the limit of that kind)
COMMANDS = [
    ("ca-init-passphrase", ["ca", "init", "--cn", "X", "--passphrase-file", "{bad}",
                            "--workspace", "{new}"], {}, 1, PASSPHRASE_FILE.limit),
    ("issue-passphrase", ["issue", "boot", "--passphrase-file", "{bad}", "--workspace", "{ws}"],
     {}, 1, PASSPHRASE_FILE.limit),
    ("issue-key-passphrase", ["issue", "boot", "--key-passphrase-file", "{bad}",
                              "--workspace", "{ws}"], CA_ENV, 1, PASSPHRASE_FILE.limit),
    ("sign-csr", ["sign", "{bad}", "--workspace", "{ws}"], CA_ENV, 1, PKI_FILE.limit),
    ("sign-passphrase", ["sign", "{csr}", "--passphrase-file", "{bad}", "--workspace", "{ws}"],
     {}, 1, PASSPHRASE_FILE.limit),
    ("show-file", ["show", "{bad}"], {}, 1, PKI_FILE.limit),
    ("show-passphrase", ["show", "{ws}/ca.key", "--passphrase-file", "{bad}"], {}, 1,
     PASSPHRASE_FILE.limit),
    ("check-ca", ["check", "--ca", "{bad}", "http://127.0.0.1:9/ca.crt"], {}, 2,
     PKI_FILE.limit),
    ("check-from", ["check", "--from", "{bad}"], {}, 2, URL_LIST_FILE.limit),
    ("drill-file", ["drills", "list", "--workspace", "{ws}"], {"HANDSET_CA_DRILLS": "{drills}"},
     1, 1 << 20),
]  # fmt: skip


@pytest.mark.parametrize("bad_kind", list(BAD_INPUTS))
@pytest.mark.parametrize(
    ("argv", "env", "code", "limit"),
    [pytest.param(*rest, id=name) for name, *rest in COMMANDS],
)
def test_every_named_file_is_read_bounded(ws, tmp_path, server_key, bad_kind, argv, env, code,
                                          limit, monkeypatch, capsys):  # fmt: skip
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509.oid import NameOID

    csr = tmp_path / "good.csr"
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "boot.example.com")])
    request = x509.CertificateSigningRequestBuilder().subject_name(name)
    csr.write_bytes(
        request.sign(server_key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)
    )
    drills = tmp_path / "drills.d"
    drills.mkdir()
    where = drills if argv[0] == "drills" else tmp_path
    bad = make_bad(bad_kind, where, limit)
    if argv[0] == "drills":  # the loader reads *.toml in the trainer's folder
        bad = bad.rename(drills / "trainer.toml") if bad.exists() or bad.is_symlink() else bad
        if bad_kind == "missing":
            bad = drills / "trainer.toml"
            bad.symlink_to(tmp_path / "nowhere.toml")  # a dangling link: listed, not there
    new = tmp_path / "new-workspace"
    values = {"bad": str(bad), "ws": str(ws.root), "new": str(new), "csr": str(csr),
              "drills": str(drills)}  # fmt: skip
    before = snapshot(ws.root)
    args = [part.format(**values) for part in argv]
    env = {k: v.format(**values) for k, v in env.items()}
    if bad_kind in ("dev-zero", "fifo"):  # could hang or eat memory: a bounded subprocess
        done = cli(*args, env=env, cwd=tmp_path)
        returncode, stderr = done.returncode, done.stderr
    else:  # cheap to get wrong safely: in this process, faster
        returncode, stderr = in_process(args, env, tmp_path, monkeypatch, capsys)
    err = one_sentence(stderr)
    assert returncode == code, stderr
    assert BAD_INPUTS[bad_kind] in err
    assert str(bad) in err or bad.name in err
    assert snapshot(ws.root) == before  # nothing changed on disk
    assert not new.exists()


@pytest.mark.parametrize("bad_kind", list(BAD_INPUTS))
def test_the_reader_itself(tmp_path, bad_kind):
    bad = make_bad(bad_kind, tmp_path, PASSPHRASE_FILE.limit)
    with pytest.raises(UserError) as caught:
        read_small_file(bad, PASSPHRASE_FILE)
    message = str(caught.value)
    assert BAD_INPUTS[bad_kind] in message and "\n" not in message
    if bad_kind != "missing":
        assert "passphrase" in message  # the kind says what the right file holds
    if bad_kind != "too-big":  # the streamed kind opens through the same checks
        with pytest.raises(UserError) as caught:
            open_text_file(bad, URL_LIST_FILE)
        assert BAD_INPUTS[bad_kind] in str(caught.value)


def test_real_dev_zero_and_limits(tmp_path):
    with pytest.raises(UserError, match="/dev/zero is a character device, not a regular file"):
        read_small_file("/dev/zero")
    exact = tmp_path / "exact"
    exact.write_bytes(b"x" * PASSPHRASE_FILE.limit)
    assert len(read_small_file(exact, PASSPHRASE_FILE)) == PASSPHRASE_FILE.limit
    with pytest.raises(UserError, match="larger than 64 KiB"):
        exact.write_bytes(b"x" * (PASSPHRASE_FILE.limit + 1))
        read_small_file(exact, PASSPHRASE_FILE)


def test_url_lists_are_streamed_from_a_regular_file(tmp_path):
    from core.check.sources import open_url_file, url_lines

    listing = tmp_path / "urls.txt"
    listing.write_bytes(b"# site\nhttp://a/ca.crt\n\nhttp://b/\xff.crt\n")
    with open_url_file(listing) as stream:
        assert list(url_lines(stream)) == ["http://a/ca.crt", "http://b/\ufffd.crt"]


def test_real_dev_zero_through_the_cli(ws, tmp_path):
    """The audit's three commands, word for word: one sentence each, exit 1."""
    for argv in (
        ["ca", "init", "--cn", "X", "--passphrase-file", "/dev/zero", "--workspace",
         str(tmp_path / "new")],
        ["sign", "/dev/zero", "--workspace", str(ws.root)],
        ["show", "/dev/zero"],
    ):  # fmt: skip
        done = cli(*argv, env=CA_ENV)
        assert done.returncode == 1
        assert (
            "/dev/zero is a character device, not a regular file" in one_sentence(done.stderr)
            or "The passphrase file /dev/zero is a character device" in done.stderr
        )
    assert not (tmp_path / "new").exists()


def test_workspace_files_that_are_fifos_are_refused(ws, tmp_path):
    """ca.crt, ca.key and ca.srl in the workspace are read the same way."""
    for name in ("ca.srl", "ca.key", "ca.crt"):
        target = ws.root / name
        saved = target.read_bytes() if target.exists() else None
        target.unlink(missing_ok=True)
        os.mkfifo(target)
        try:
            done = cli("issue", "boot", "--workspace", str(ws.root), env=CA_ENV)
            assert done.returncode == 1
            assert f"{target} is a FIFO (named pipe), not a regular file" in one_sentence(
                done.stderr
            )
            assert not (ws.root / "issued").exists()
        finally:
            target.unlink()
            if saved is not None:
                target.write_bytes(saved)
    assert Workspace(ws.root).has_ca()
