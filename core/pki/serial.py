"""OpenSSL's serial file (ca.srl), advanced exactly as `openssl x509 -req -CAserial` does.

openssl reads the hex number in the file (or, with -CAcreateserial and no
file, picks a random positive 159-bit number), adds 1, writes that number back
as upper-case hex bytes on one line, and uses it as the new certificate's
serial. The file therefore always holds the last serial used.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

from core.errors import UserError
from core.fileio import FileKind, UnreadableFile, open_regular_file, write_atomic

RANDOM_BITS = 159  # openssl's SERIAL_RAND_BITS
MAX_FILE = 64 * 1024  # openssl reads a line at a time; a serial file is one short line
MAX_SERIAL = (1 << 159) - 1  # RFC 5280: at most 20 octets, positive
SERIAL_FILE = FileKind("the serial file ", "openssl's serial number (e.g. 01)", 1024 * 1024)


_HEX = frozenset("0123456789abcdefABCDEF")
_LINE = 1023  # openssl reads lines with BIO_gets(bp, buf, 1024)


def parse_serial(text: str) -> int:
    """Read a serial file exactly as openssl's a2i_ASN1_INTEGER does (apps' load_serial).

    The first line's leading hex digits, anything after them ignored; at least two
    digits and an even number of them (a leading "00" is dropped first); a line
    ending in a backslash continues, with openssl's quirk of dropping the digit before
    it. So "0x1F", "+10", "1_0", "-0", "F" and " 7F" are refused (openssl: "unable to
    load number") and "12\n34" reads as 0x12. ValueError when openssl would refuse.
    """
    pos = 0

    def gets() -> str:
        nonlocal pos
        end = text.find("\n", pos, pos + _LINE)
        end = pos + _LINE if end < 0 else end + 1
        line = text[pos:end]
        pos += len(line)
        return line

    digits = ""
    first = True
    line = gets()
    while True:
        line = line.removesuffix("\n")
        if not line:
            raise ValueError("short line")
        line = line.removesuffix("\r")
        if not line:
            raise ValueError("short line")
        again = line.endswith("\\")
        end = next((i for i, ch in enumerate(line) if ch not in _HEX), len(line))
        line = line[:end]
        if len(line) < 2:
            raise ValueError("short line")
        if first:
            first = False
            if line.startswith("00"):
                line = line[2:]
        count = len(line) - again
        if count % 2:
            raise ValueError("odd number of characters")
        digits += line[:count]
        if not again:
            break
        line = gets()
    return int(digits or "0", 16)


def read_file(path: Path, head: int = SERIAL_FILE.limit) -> bytes | None:
    """ca.srl's first ``head`` bytes, None when there is none; through core.fileio's
    checks, so a FIFO or device there is refused, never waited on."""
    try:
        with open_regular_file(path, SERIAL_FILE) as stream:
            return stream.read(head)
    except UnreadableFile as exc:
        if exc.errno == errno.ENOENT:
            return None
        raise
    except OSError as exc:
        raise UserError(f"Cannot read {path} ({exc.strerror}); check its permissions.") from None


def format_serial(value: int) -> str:
    """As openssl's i2a_ASN1_INTEGER: upper-case hex, whole bytes, one line."""
    digits = f"{value:X}"
    if len(digits) % 2:
        digits = "0" + digits
    return digits + "\n"


def read_last(path: Path) -> int | None:
    """The last serial used, or None when there is no serial file yet."""
    data = read_file(path, MAX_FILE)
    if data is None:
        return None
    text = data.decode("latin-1")  # bytes as openssl sees them
    try:
        return parse_serial(text)
    except ValueError:
        raise UserError(
            f'{path} is not an openssl serial file, and openssl would say "unable to load '
            'number" too: it must start with an even number of hex digits (e.g. 01); fix '
            "or move it away."
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
