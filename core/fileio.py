"""Files on disk: the one bounded reader for every path a user names, and atomic,
never-overwriting writes with the right mode from birth."""

from __future__ import annotations

import contextlib
import errno
import io
import os
import re
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TextIO

from core.errors import UserError

KIB = 1024
MIB = 1024 * KIB


@dataclass(frozen=True)
class FileKind:
    """What a named file should hold, for the sentences, and how large it may be."""

    label: str  # "the passphrase file " (with its blank), or "" for a bare path
    holds: str  # "a passphrase": what the right file holds
    limit: int  # bytes
    # what to do about a wrong file, when not "give the path of a file that holds ..."
    remedy: str = ""

    def fix(self) -> str:
        return self.remedy or f"give the path of a file that holds {self.holds}"

    def subject(self, path: Path | str) -> str:
        """The start of a sentence about ``path``; a bare path becomes "the file PATH",
        so a sentence never begins with (and so never capitalises) the user's path."""
        return f"{self.label or 'the file '}{path}"


PKI_FILE = FileKind("", "a certificate, CSR or key", 1 * MIB)
PASSPHRASE_FILE = FileKind("the passphrase file ", "a passphrase on its first line", 64 * KIB)
CA_CERT_FILE = FileKind("the CA certificate ", "a CA certificate", 1 * MIB)
DRILL_FILE = FileKind("the drill file ", "a drill", 1 * MIB)
URL_LIST_FILE = FileKind("the URL list ", "URLs, one a line", 64 * MIB)  # streamed
# 100,000 rows of MAC, extension and a long label fit with room to spare.
INVENTORY_FILE = FileKind("the inventory ", "handsets as CSV with a mac column", 16 * MIB)
# A file inside a workspace (ca.crt, issued/NAME/server.key, next/, previous/): the user
# did not name it, so the fix is to the workspace, not to a path typed on a command line.
WORKSPACE_FILE = FileKind(
    "the workspace file ",
    "a certificate or key",
    1 * MIB,
    remedy="move it out of the workspace, or put the right file back from your backup",
)
MAX_FILE_BYTES = PKI_FILE.limit


class UnreadableFile(UserError):
    """A named file that cannot be opened; ``errno`` tells a missing one (ENOENT) apart."""

    def __init__(self, message: str, errno_value: int | None = None) -> None:
        super().__init__(message)
        self.errno = errno_value


def read_small_file(path: Path | str, kind: FileKind = PKI_FILE) -> bytes:
    """The bytes of a regular file of at most ``kind.limit`` bytes.

    The only way to read a file a user names: a FIFO, a device (/dev/zero), a
    folder or a file over the limit is refused with one sentence
    (UserError; UnreadableFile when it cannot be opened at all), never read.
    """
    with open_regular_file(path, kind) as stream:
        try:
            data = stream.read(kind.limit + 1)
        except OSError as exc:
            raise UnreadableFile(_cannot_read(path, kind, exc), exc.errno) from None
    if len(data) > kind.limit:  # it grew while we read
        raise UserError(_too_large(path, kind))
    return data


def read_if_exists(path: Path | str, kind: FileKind) -> bytes | None:
    """read_small_file, or None when there is no such file (nor folder on the way)."""
    try:
        return read_small_file(path, kind)
    except UnreadableFile as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return None
        raise


def open_regular_file(path: Path | str, kind: FileKind = PKI_FILE) -> BinaryIO:
    """Open a file a user named for reading, once it is known to be a regular file
    within ``kind.limit``; the caller closes it (streams such as URL lists)."""
    try:
        # O_NONBLOCK: opening a FIFO does not wait for a writer; fstat then refuses it.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise UnreadableFile(_cannot_read(path, kind, exc), exc.errno) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UserError(
                _start(
                    f"{kind.subject(path)} is {_file_type(info.st_mode)}, not a regular "
                    f"file; {kind.fix()}."
                )
            )
        if info.st_size > kind.limit:
            raise UserError(_too_large(path, kind))
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def open_text_file(path: Path | str, kind: FileKind) -> TextIO:
    """open_regular_file as UTF-8 text read line by line; undecodable bytes become U+FFFD."""
    return io.TextIOWrapper(open_regular_file(path, kind), encoding="utf-8", errors="replace")


def _start(sentence: str) -> str:
    """Capitalise a sentence that starts with our own words (never with a path)."""
    return sentence[:1].upper() + sentence[1:]


def _cannot_read(path: Path | str, kind: FileKind, exc: OSError) -> str:
    reason = exc.strerror or os.strerror(exc.errno or errno.EIO)
    return f"Cannot read {kind.label}{path} ({reason}); check the path."


def _too_large(path: Path | str, kind: FileKind) -> str:
    fix = kind.remedy or "give the path of the right file"
    return _start(
        f"{kind.subject(path)} is larger than {_size(kind.limit)}, too large for a file that "
        f"holds {kind.holds}; {fix}."
    )


def _size(limit: int) -> str:
    if limit % MIB == 0:
        return f"{limit // MIB} MiB"
    return f"{limit // KIB} KiB" if limit % KIB == 0 else f"{limit:,} bytes"


def _file_type(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def write_all(fd: int, data: bytes) -> None:
    """Write every byte of ``data`` to ``fd`` (os.write may write fewer than asked)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def write_atomic(path: Path, data: bytes, mode: int = 0o644, *, replace: bool = False) -> None:
    """Write ``data`` to ``path`` through a temp file in the same folder.

    The temp file is created with ``mode`` (so a key is 0600 from its first
    byte), fsynced, then renamed over. Without ``replace`` an existing file is
    never touched: the link() fails instead of clobbering it.
    """
    path = Path(path)
    folder = path.parent
    # pid and randomness: two threads (or processes) writing one path never share a temp name
    tmp = folder / f".{path.name}.{os.getpid()}-{secrets.token_hex(6)}.tmp"  # TEMP_NAME
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        try:
            os.fchmod(fd, mode)  # umask may have narrowed or widened it
            write_all(fd, data)
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


# write_atomic's temp names: ".<name>.<pid>-<12 hex digits>.tmp"
TEMP_NAME = re.compile(r"\..+\.(?P<pid>[0-9]{1,7})-[0-9a-f]{12}\.tmp")
PID_MAX = 1 << 22  # Linux's highest pid_max: a larger number was never a process's


def remove_stale_temp_files(folder: Path) -> list[Path]:
    """Remove what write_atomic left in ``folder`` when its process was killed (kill -9,
    a power cut) before it could clean up: a hidden temp file that may hold a whole key.

    Only files of write_atomic's naming pattern, regular files owned by this user,
    whose process (the pid in the name) is no longer running; a writer still at work
    keeps its file. Returns what was removed; a file that cannot be removed is left.
    """
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = TEMP_NAME.fullmatch(entry.name)
        if match is None or _process_alive(int(match["pid"])):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if not stat.S_ISREG(info.st_mode) or info.st_uid != getattr(os, "getuid", int)():
                continue
            os.unlink(entry.path)
        except OSError:
            continue
        removed.append(Path(entry.path))
    return removed


def _process_alive(pid: int) -> bool:
    """True unless process ``pid`` surely does not exist (so its temp file is stale)."""
    if not 0 < pid < PID_MAX:
        return True  # not a pid write_atomic could have written: not ours to judge
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: alive, another user's
        return True
    return True


def fsync_dir(folder: Path) -> None:
    """Make a rename or link durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
