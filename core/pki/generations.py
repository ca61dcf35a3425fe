"""Where the lifecycle keeps things, and how a killed renewal or rollover is finished.

Layout (beside the bulletin's ca.key, ca.crt, ca.srl, which always hold the
*current* CA, so openssl users find it where they always did):

    next/ca.key, next/ca.crt          the next CA during a rollover (same passphrase)
    previous/ca-<SERIAL>.crt          every former CA certificate (ca renew, rollover)
    previous/ca-<SERIAL>.key          the key of a CA retired by `ca rollover --finish`
    issued/NAME/previous/server-<SERIAL>.crt   every former certificate of NAME
    issued/NAME/previous/server-<SERIAL>.{key,csr}  its key and CSR, after --new-key

Nothing under previous/ is ever overwritten or deleted. SERIAL is the upper-case
hex serial that `openssl x509 -serial` prints.

Two steps change more than one file and so are journaled: a renewal stages its
new files in issued/NAME/.renew/ and a rollover finish marks next/.finishing.
Once the marker is written the step is decided; ``resume_*`` completes it with
idempotent renames (safe to run twice, or by two processes), before that it is
undone. This module knows only paths: core.pki.workspace calls it, never the
other way round.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

from core.errors import UserError
from core.fileio import WORKSPACE_FILE, fsync_dir, read_if_exists, write_atomic
from core.pki.constants import CA_CRT, CA_KEY, SERVER_CRT, SERVER_CSR, SERVER_KEY

NEXT = "next"
PREVIOUS = "previous"
FINISHING = ".finishing"  # in next/: the rollover finish is decided
STAGE = ".renew"  # in issued/NAME/: a renewal's new files
COMPLETE = ".complete"  # in the stage: the renewal is decided
NEXT_TMP = ".next.tmp-"  # a rollover start being written


def next_dir(root: Path) -> Path:
    return Path(root) / NEXT


def previous_dir(root: Path) -> Path:
    return Path(root) / PREVIOUS


def previous_ca_paths(root: Path, serial_hex: str) -> tuple[Path, Path]:
    """(key, crt) a former CA is kept under."""
    folder = previous_dir(root)
    return folder / f"ca-{serial_hex}.key", folder / f"ca-{serial_hex}.crt"


def previous_server_paths(folder: Path, serial_hex: str) -> dict[str, Path]:
    """Where issued/NAME's former server.{key,csr,crt} go, by file name."""
    prev = Path(folder) / PREVIOUS
    return {
        SERVER_KEY: prev / f"server-{serial_hex}.key",
        SERVER_CSR: prev / f"server-{serial_hex}.csr",
        SERVER_CRT: prev / f"server-{serial_hex}.crt",
    }


def keep_copy(data: bytes, dest: Path, mode: int) -> None:
    """Keep ``data`` at ``dest`` for good: written once, atomically; an identical copy
    already there (from a step that was killed and is now run again) is fine."""
    dest.parent.mkdir(mode=0o700, exist_ok=True)
    there = read_if_exists(dest, WORKSPACE_FILE)  # bounded: a FIFO there is refused, not read
    if there == data:
        return
    if there is not None:
        raise UserError(f"{dest} already exists with other content; move it away and try again.")
    write_atomic(dest, data, mode)


def resume_rollover(root: Path) -> bool:
    """Finish a rollover whose finish was decided (next/.finishing); True if one was."""
    nxt = next_dir(root)
    if not (nxt / FINISHING).exists():
        return False
    for name in (CA_KEY, CA_CRT):
        with contextlib.suppress(FileNotFoundError):  # moved already (or by another process)
            os.replace(nxt / name, Path(root) / name)
    fsync_dir(Path(root))
    shutil.rmtree(nxt, ignore_errors=True)
    return True


def clear_stale_rollover(root: Path) -> None:
    """Under the lock: remove a rollover start that was killed before next/ appeared."""
    for tmp in Path(root).glob(f"{NEXT_TMP}*"):
        shutil.rmtree(tmp, ignore_errors=True)


def resume_renewal(folder: Path, *, roll_back: bool = True) -> bool:
    """Complete (or, with ``roll_back`` and under the lock, undo) a renewal of issued/NAME.

    True when a decided renewal was completed. Readers that do not hold the lock
    pass ``roll_back=False``: an undecided stage may belong to a renewal in progress.
    """
    stage = Path(folder) / STAGE
    if not stage.exists():
        return False
    if not (stage / COMPLETE).exists():
        if roll_back:
            shutil.rmtree(stage, ignore_errors=True)
        return False
    for name in (SERVER_KEY, SERVER_CSR, SERVER_CRT):
        with contextlib.suppress(FileNotFoundError):
            os.replace(stage / name, Path(folder) / name)
    fsync_dir(Path(folder))
    shutil.rmtree(stage, ignore_errors=True)
    return True
