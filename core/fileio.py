"""Atomic, never-overwriting file writes with the right mode from birth."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from core.errors import UserError


def write_atomic(path: Path, data: bytes, mode: int = 0o644, *, replace: bool = False) -> None:
    """Write ``data`` to ``path`` through a temp file in the same folder.

    The temp file is created with ``mode`` (so a key is 0600 from its first
    byte), fsynced, then renamed over. Without ``replace`` an existing file is
    never touched: the link() fails instead of clobbering it.
    """
    path = Path(path)
    folder = path.parent
    # pid and randomness: two threads (or processes) writing one path never share a temp name
    tmp = folder / f".{path.name}.{os.getpid()}-{secrets.token_hex(6)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        try:
            os.fchmod(fd, mode)  # umask may have narrowed or widened it
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        if replace:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)  # atomic and refuses an existing target
            except FileExistsError:
                raise UserError(
                    f"{path} already exists; move it away first if you mean to replace it."
                ) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    fsync_dir(folder)


def fsync_dir(folder: Path) -> None:
    """Make a rename or link durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
