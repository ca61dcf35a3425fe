"""OpenSSL's serial file (ca.srl), advanced exactly as `openssl x509 -req -CAserial` does.

openssl reads the hex number in the file (or, with -CAcreateserial and no
file, picks a random positive 159-bit number), adds 1, writes that number back
as upper-case hex bytes on one line, and uses it as the new certificate's
serial. The file therefore always holds the last serial used.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

from core.errors import UserError
from core.fileio import write_atomic

RANDOM_BITS = 159  # openssl's SERIAL_RAND_BITS
MAX_SERIAL = (1 << 159) - 1  # RFC 5280: at most 20 octets, positive


def parse_serial(text: str) -> int:
    """Parse an openssl serial file; lines may continue with a trailing backslash."""
    digits = "".join(line.strip().rstrip("\\") for line in text.splitlines())
    if not digits:
        raise ValueError("empty")
    value = int(digits, 16)
    if value < 0:
        raise ValueError("negative")
    return value


def format_serial(value: int) -> str:
    """As openssl's i2a_ASN1_INTEGER: upper-case hex, whole bytes, one line."""
    digits = f"{value:X}"
    if len(digits) % 2:
        digits = "0" + digits
    return digits + "\n"


def read_last(path: Path) -> int | None:
    """The last serial used, or None when there is no serial file yet."""
    try:
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError):
        text = ""
    try:
        return parse_serial(text)
    except ValueError:
        raise UserError(
            f"{path} is not an openssl serial file (one line of hex); fix or move it away."
        ) from None


def reserve(path: Path, count: int = 1) -> int:
    """Take ``count`` consecutive serials and record the last one in the file.

    Returns the first serial taken. Call it under ``locked()``. The file is
    written before any certificate, so a crash can only leave a gap, never a
    repeat.
    """
    last = read_last(path)
    if last is None:
        last = secrets.randbits(RANDOM_BITS - 1) + 1
    first = last + 1
    final = last + count
    if final > MAX_SERIAL:
        raise UserError(
            f"{path} is at the largest serial a certificate may carry; move it away to "
            "start again from a random value."
        )
    write_atomic(path, format_serial(final).encode("ascii"), 0o644, replace=True)
    return first


@contextlib.contextmanager
def locked(lock_path: Path) -> Iterator[None]:
    """An exclusive flock on a lock file of its own.

    ca.srl itself cannot be the lock: it is replaced by an atomic rename, so a
    second issuer would lock the new inode while the first holds the old one.
    """
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock
