"""audit.log: one appended line per action; never a secret in it."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path


def _clean(text: str) -> str:
    # A CSR made elsewhere may carry tabs or newlines in its subject: keep one line per action.
    return "".join(ch if ch.isprintable() else "?" for ch in text)


def append(path: Path, action: str, subject: str, serial_hex: str, sha256: str) -> None:
    """Append "time action serial sha256 subject" (tab-separated) and fsync."""
    append_many(path, [(action, subject, serial_hex, sha256)])


def append_many(path: Path, entries: list[tuple[str, str, str, str]]) -> None:
    """Append one line per (action, subject, serial_hex, sha256) in a single write.

    O_APPEND makes the write land whole at the end, even with several
    writers, and nothing earlier is ever rewritten.
    """
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    text = "".join(
        "\t".join((stamp, action, serial_hex, sha256, _clean(subject))) + "\n"
        for action, subject, serial_hex, sha256 in entries
    )
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, text.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
