"""kill -9 at every write of a renewal, a CA renewal and a rollover (start and finish):
the workspace stays usable, as the issue path is tested in test_processes.py."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from core.pki import Workspace
from core.pki.renew import renew
from core.pki.rollover import finish_rollover, rollover_started, start_rollover
from core.pki.serial import parse_serial
from core.pki.status import expiry_status

from .conftest import PASS, copy_ws, openssl

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parents[3]
NAME = "boot.example.com"

KILLER = """
    import os, signal, sys
    from core.pki import Workspace
    from core.pki.renew import renew, renew_ca
    from core.pki.rollover import finish_rollover, start_rollover
    calls = 0
    real_fsync = os.fsync
    def fsync_then_die(fd):
        global calls
        calls += 1
        if calls == int(sys.argv[2]):
            os.kill(os.getpid(), signal.SIGKILL)
        real_fsync(fd)
    ws, passphrase, step = Workspace(sys.argv[1]), sys.argv[3].encode(), sys.argv[4]
    os.fsync = fsync_then_die
    if step == "renew":
        renew(ws, "boot.example.com", passphrase, new_key=True)
    elif step == "ca-renew":
        renew_ca(ws, passphrase)
    elif step == "start":
        start_rollover(ws, passphrase)
    else:
        finish_rollover(ws, passphrase)
"""


def kill_at_each_write(template: Path, tmp_path: Path, step: str):
    """Yield (n, workspace) after a kill before the nth fsync, until a run completes."""
    for n in range(1, 60):
        ws = copy_ws(template, tmp_path / f"{step}{n}")
        proc = subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(KILLER), str(ws.root), str(n), PASS, step],
            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        _, err = proc.communicate(timeout=60)
        if proc.returncode == 0:
            yield None, ws
            return
        assert proc.returncode == -signal.SIGKILL, err
        yield n, ws
    pytest.fail(f"the {step} never completed")


def verifies(ws: Workspace, crt: Path, cafile: Path | None = None) -> bool:
    out = openssl("verify", "-CAfile", str(cafile or ws.ca_crt_path), str(crt), check=False)
    return out.strip().endswith(": OK")


@pytest.fixture(scope="module")
def issued_template(our_ca, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("kill-issued") / "pki"
    ws = copy_ws(our_ca, root)
    ws.issue(NAME, PASS.encode())
    return root


def test_kill_during_renew_new_key(issued_template, tmp_path):
    serial_before = parse_serial((issued_template / "ca.srl").read_text())
    outcomes = set()
    for n, ws in kill_at_each_write(issued_template, tmp_path, "renew"):
        # usable at once: status lists the name with a whole certificate
        assert [e.name for e in expiry_status(ws).entries if e.kind == "server"] == [NAME]
        # the next renewal completes or undoes what was left, and takes a fresh serial
        result = renew(ws, NAME, PASS.encode())
        paths = ws.issued_paths(NAME)
        key = x509.load_pem_x509_certificate(paths.crt.read_bytes()).public_key()
        assert load_pem_private_key(paths.key.read_bytes(), None).public_key() == key
        assert result.cert.serial_number > serial_before + (1 if n is None else 0)
        assert verifies(ws, paths.crt)
        assert not (paths.crt.parent / ".renew").exists()
        assert all(p.stat().st_size for p in (paths.crt.parent / "previous").iterdir())
        outcomes.add(len(list((paths.crt.parent / "previous").glob("*.key"))))
    assert outcomes == {0, 1}  # kills fell both before the renewal was decided and after


def test_kill_during_ca_renew(issued_template, tmp_path):
    for _, ws in kill_at_each_write(issued_template, tmp_path, "ca-renew"):
        key, cert = ws.load_ca(PASS.encode())
        assert key.public_key() == cert.public_key()
        assert verifies(ws, ws.issued_paths(NAME).crt)
        ws.issue("after.example.com", PASS.encode())


def test_kill_during_rollover_start_and_finish(issued_template, tmp_path):
    started = None
    for n, ws in kill_at_each_write(issued_template, tmp_path, "start"):
        ws.load_ca(PASS.encode())
        if not rollover_started(ws):
            start_rollover(ws, PASS.encode())  # a killed start leaves room for a new one
        assert not list(ws.root.glob(".next.tmp-*"))
        started = ws
        assert n is None or (ws.root / "next" / "ca.key").is_file()
    renew(started, NAME, PASS.encode(), under_next=True)  # else the finish is refused
    template = tmp_path / "started"
    started.root.rename(template)

    finished_by_resume = 0
    for n, ws in kill_at_each_write(template, tmp_path, "finish"):
        old_serials = {p.name for p in (ws.root / "previous").glob("ca-*")} if n else set()
        key, cert = ws.load_ca(PASS.encode())  # completes a decided finish
        assert key.public_key() == cert.public_key()
        if rollover_started(ws):
            finish_rollover(ws, PASS.encode())
        else:
            finished_by_resume += n is not None
        assert not (ws.root / "next").exists()
        kept = sorted(p.suffix for p in (ws.root / "previous").glob("ca-*"))
        assert kept == [".crt", ".key"], old_serials
        ws.issue("after.example.com", PASS.encode())
        assert verifies(ws, ws.issued_paths("after.example.com").crt)
    assert finished_by_resume >= 1
