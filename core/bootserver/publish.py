"""What the boot server publishes: exact paths, their bodies and MIME types.

The tables are built in memory when the server starts: from the CA certificate,
or (``serve --dir``) from the regular files of one folder. A listener answers a
path only when it is exactly a key of its table, so a key file, a `..` path or
anything unpublished is a 404 with no file system lookup.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from core.errors import UserError
from core.fleet.inventory import DEFAULT_MAC, Handset
from core.fleet.params import SITE_FILE, ext_name, master_name
from core.fleet.writer import (
    SiteCA,
    application_file,
    default_master,
    handset_file,
    handset_master,
    site_file,
)

PEM_TYPE = "application/x-pem-file"
DER_TYPE = "application/x-x509-ca-cert"
PROVISIONING_TYPE = "application/xml"
OTHER_TYPE = "application/octet-stream"
# serve --dir: Content-Type by extension (the README's nginx and IIS set the same).
DIR_TYPES = {
    ".cfg": PROVISIONING_TYPE,
    ".xml": PROVISIONING_TYPE,
    ".crt": PEM_TYPE,
    ".pem": PEM_TYPE,
    ".der": DER_TYPE,
    ".cer": DER_TYPE,
}
MAX_DIR_FILE = 1024 * 1024  # a provisioning file or certificate; anything larger is left out
MAX_DIR_FILES = 200_000

# path -> (body, Content-Type)
Files = dict[str, tuple[bytes, str]]

# What FTP serves, as file names in its own folder (the same bodies as HTTP).
FTP_FILES = ("ca.crt", "ca.der")
# During a CA rollover's overlap (core.pki.rollover) the next CA too, beside the current:
# phones install it into their second custom CA slot (rehearsal choice).
NEXT_CA_FILE = "ca-next.crt"


def published_files(
    cert: x509.Certificate, name: str, next_cert: x509.Certificate | None = None
) -> tuple[Files, Files]:
    """What HTTP and HTTPS publish: path -> (body, Content-Type). Nothing else exists.
    ``next_cert``: the next CA of a rollover, published as /ca-next.crt (PEM)."""
    pem = cert.public_bytes(Encoding.PEM)  # re-encoded: only the certificate, nothing else
    der = cert.public_bytes(Encoding.DER)
    http: Files = {"/ca.crt": (pem, PEM_TYPE), "/ca.der": (der, DER_TYPE)}
    if next_cert is not None:
        http[f"/{NEXT_CA_FILE}"] = (next_cert.public_bytes(Encoding.PEM), PEM_TYPE)
    https = dict(http)
    https["/"] = (provisioning_file(name), PROVISIONING_TYPE)
    return http, https


def provisioning_file(name: str) -> bytes:
    """A small stand-in for a boot server's master configuration file (rehearsal choice),
    in the master file's shape (core.fleet.writer) listing no file."""
    return application_file(
        [],
        f"handset-ca rehearsal boot server {name}: the handset reached it over HTTPS "
        "and trusted its certificate. A real boot server would list configuration "
        "files here.",
    )


def write_ftp_home(folder: Path, files: Files) -> None:
    """Put only the public files in FTP's own folder: FTP never sees the workspace."""
    for name in (*FTP_FILES, NEXT_CA_FILE):
        if f"/{name}" in files:
            (folder / name).write_bytes(files[f"/{name}"][0])
    for path, (body, _ctype) in files.items():  # the boot files (boot_files), flat
        if path.endswith(".cfg") and "/" not in path[1:]:
            (folder / path[1:]).write_bytes(body)


# Who wrote the rehearsal's boot files, in each file's first comment.
REHEARSAL_ORIGIN = "the handset-ca rehearsal boot server"
REHEARSAL_LABEL = "Rehearsal"  # reg.1.label of the rehearsal handset's own file


def boot_files(
    cert: x509.Certificate,
    server_url: str | None,
    *,
    mac: str | None = None,
    ca_set: str = "1",
    list_site: bool = True,
    server_in_ext: bool = False,
) -> Files:
    """The provisioning files a handset boots from, for the rehearsal (path -> body),
    written by core.fleet's writer as fleet build writes them: the parameters, their
    sources and the XML shape have that one home.

    ``000000000000.cfg`` lists ``site.cfg``; ``site.cfg`` carries the CA (custom CA
    slot 1, its ``.set`` = ``ca_set``), the provisioning profile and its CA list, strict
    CN checking, and, with ``server_url``, the HTTPS provisioning server for the next
    boot. With ``mac``, ``<mac>.cfg`` lists ``<mac>-ext.cfg`` and, when ``list_site``,
    the site file (``server_in_ext``: the provisioning server goes in the per-handset
    file instead; the drills use these knobs to set up faults).
    """
    pem = cert.public_bytes(Encoding.PEM).decode()
    cas = [SiteCA(pem, "The CA this rehearsal boot server publishes as ca.crt")]
    server = server_url or None
    in_ext = bool(mac and server_in_ext)
    origin = REHEARSAL_ORIGIN
    files: Files = {
        f"/{master_name(DEFAULT_MAC)}": (default_master(origin), PROVISIONING_TYPE),
        f"/{SITE_FILE}": (
            site_file(cas, None if in_ext else server, ca_set=ca_set, origin=origin),
            PROVISIONING_TYPE,
        ),
    }
    if mac:
        handset = Handset(mac, label=REHEARSAL_LABEL)
        own = handset_file(handset, boot_server=server if in_ext else None, origin=origin)
        files[f"/{master_name(mac)}"] = (
            handset_master(handset, list_site=list_site, origin=origin),
            PROVISIONING_TYPE,
        )
        files[f"/{ext_name(mac)}"] = (own, PROVISIONING_TYPE)
    return files


def directory_files(folder: Path) -> tuple[Files, list[str]]:
    """The regular files directly in ``folder`` as path -> (body, Content-Type), and
    sentences about what was left out: dotfiles, subfolders, special files, files over
    MAX_DIR_FILE, and symlinks that lead out of the folder (never followed)."""
    try:
        real = Path(os.path.realpath(folder))
        entries = sorted(os.scandir(real), key=lambda e: e.name)
    except NotADirectoryError:
        raise UserError(f"{folder} is not a folder; give --dir the folder to serve.") from None
    except OSError as exc:
        raise UserError(
            f"Cannot read the folder {folder} ({exc.strerror or exc}); check --dir."
        ) from None
    files: Files = {}
    left: dict[str, list[str]] = {}
    for entry in entries:
        name = entry.name
        if not name.isprintable():  # a CR/LF in a name would forge lines in FTP's listing
            left.setdefault("names with control characters", []).append(repr(name))
            continue
        if name.startswith("."):
            continue  # dotfiles are never published (and not worth a note)
        path = entry.path
        if entry.is_symlink():
            target = os.path.realpath(path)
            if os.path.dirname(target) != str(real) or os.path.basename(target).startswith("."):
                left.setdefault("symlinks that lead out of the folder", []).append(name)
                continue
            path = target
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            left.setdefault("unreadable files", []).append(name)
            continue
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                left.setdefault("subfolders and special files", []).append(name)
                continue
            if info.st_size > MAX_DIR_FILE:
                left.setdefault(f"files over {MAX_DIR_FILE // 1024} KiB", []).append(name)
                continue
            if len(files) >= MAX_DIR_FILES:
                left.setdefault(f"files beyond the first {MAX_DIR_FILES}", []).append(name)
                continue
            body = _read_fd(fd, MAX_DIR_FILE)
        finally:
            os.close(fd)
        ctype = DIR_TYPES.get(os.path.splitext(name)[1].lower(), OTHER_TYPE)
        files[f"/{name}"] = (body, ctype)
    notes = []
    for what, names in left.items():
        shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        notes.append(f"Not published from {folder}: {what} ({shown}).")
    return files, notes


def _read_fd(fd: int, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while size < limit and (chunk := os.read(fd, min(65536, limit - size))):
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def write_ftp_folder(folder: Path, files: Files) -> None:
    """serve --dir: every published file into FTP's own folder (never the folder itself,
    so FTP sees neither dotfiles nor symlinks)."""
    for path, (body, _ctype) in files.items():
        (folder / path.lstrip("/")).write_bytes(body)
