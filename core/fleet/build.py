"""fleet build: the boot server's folder, whole or absent.

Everything is written into a new folder beside ``out`` and renamed into place
at the end; a refusal or a crash leaves ``out`` as it was. ``replace`` swaps an
existing folder that fleet build made (rename it aside, rename the new one in,
remove the old one); it never replaces a folder that does not look like one
(a workspace, a home folder), so a wrong --out cannot delete anything else.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes

from core.errors import UserError
from core.fileio import CA_CERT_FILE, fsync_dir, read_small_file, write_all
from core.fleet.inventory import DEFAULT_MAC, Handset, read_inventory
from core.fleet.params import CA_FILE, SITE_FILE, ext_name, master_name
from core.fleet.writer import (
    SiteCA,
    default_master,
    handset_file,
    handset_master,
    pem_block,
    server_name,
    site_file,
)
from core.handset.provision import parse_boot_server
from core.pki import Workspace, check_server_name
from core.pki.rollover import publish_ca_certificates
from core.pki.summary import fingerprint

MARKER = master_name(DEFAULT_MAC)  # a folder holding it was made by fleet build


@dataclass
class BuildResult:
    out: Path
    handsets: int
    files: int
    cas: list[str] = field(default_factory=list)  # "current CA ..." lines
    replaced: bool = False


def site_cas(ws: Workspace) -> tuple[bytes, list[SiteCA]]:
    """ca.crt's bytes and the CA(s) for the custom CA parameters: the current CA, then
    the next one while a rollover is under way; each PEM exactly as in its file."""
    ws.require_ca()
    published = publish_ca_certificates(ws)
    ca_bytes = b""
    found: list[SiteCA] = []
    for entry in published:
        data = read_small_file(entry.path, CA_CERT_FILE)
        if entry.role == "current":
            ca_bytes = data
        block = pem_block(data)
        if block is None or x509.load_pem_x509_certificate(block) != entry.cert:
            raise UserError(
                f"{entry.path} does not hold its CA certificate as PEM text; write it again "
                "in Base 64 (PEM) form (openssl x509 -in FILE -out FILE)."
            )
        sha = fingerprint(entry.cert, hashes.SHA256())
        found.append(SiteCA(block.decode("ascii"), f"The {entry.role} CA, SHA-256 {sha}"))
    return ca_bytes, found


def parse_boot_server_name(text: str) -> tuple[str, int]:
    """--boot-server https://NAME[:PORT]/ as (NAME, PORT), checked as `check` does."""
    value = text.strip()
    if not value.lower().startswith("https://"):
        raise UserError(
            f"The boot server {text!r} is not an https:// address; give --boot-server as "
            "https://NAME/ or https://NAME:PORT/, NAME exactly as the handsets are given it."
        )
    server = parse_boot_server(value)
    try:
        check_server_name(server.host)
    except UserError:
        raise UserError(
            f"The boot server {text!r} does not name a host; give --boot-server as "
            "https://NAME/ with NAME a host name or IP address."
        ) from None
    return server.host, server.port


def check_out(out: Path, replace: bool) -> None:
    """Refuse an --out that cannot be written or replaced, before any work."""
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        raise UserError(f"The folder {parent} does not exist; create it or choose another --out.")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UserError(f"Cannot write in {parent} (permission denied); choose another --out.")
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise UserError(f"{out} exists and is not a folder; choose another --out.")
    if not out.exists():
        return
    if not replace:
        raise UserError(
            f"{out} already exists; give --replace to swap it whole for the new files, "
            "or choose another --out."
        )
    if any(out.iterdir()) and not (out / MARKER).is_file():
        raise UserError(
            f"{out} does not look like a folder fleet build made (no {MARKER}); --replace "
            "only swaps such a folder, so choose another --out."
        )


def build_fleet(
    ws: Workspace,
    inventory: str | Path,
    out: str | Path,
    *,
    boot_server: str | None = None,
    replace: bool = False,
) -> BuildResult:
    """Write the boot server's files for every handset of ``inventory`` into ``out``."""
    out = Path(out)
    server = parse_boot_server_name(boot_server) if boot_server else None
    check_out(out, replace)
    ca_bytes, cas = site_cas(ws)
    handsets = read_inventory(inventory)
    files = _files(handsets, ca_bytes, cas, server)
    replaced = _install(out, files, replace)
    return BuildResult(out, len(handsets), len(files), [c.note for c in cas], replaced)


def _files(
    handsets: list[Handset], ca_bytes: bytes, cas: list[SiteCA], server: tuple[str, int] | None
) -> dict[str, bytes]:
    site = site_file(cas, server_name(*server) if server else None)
    files = {CA_FILE: ca_bytes, SITE_FILE: site, MARKER: default_master()}
    for handset in handsets:
        files[master_name(handset.mac)] = handset_master(handset)
        files[ext_name(handset.mac)] = handset_file(handset)
    return files


def _install(out: Path, files: dict[str, bytes], replace: bool) -> bool:
    parent = out.parent if str(out.parent) else Path(".")
    tag = f"{os.getpid()}-{secrets.token_hex(4)}"
    tmp = parent / f".{out.name}.building-{tag}"
    try:
        tmp.mkdir(mode=0o755)
        _write_all(tmp, files)
        old: Path | None = None
        if out.exists():
            if not replace:  # appeared while we were building
                raise UserError(f"{out} already exists; give --replace or choose another --out.")
            old = parent / f".{out.name}.old-{tag}"
            os.rename(out, old)
        try:
            os.rename(tmp, out)
        except OSError:
            if old is not None:
                os.rename(old, out)  # put the previous folder back
            raise
        fsync_dir(parent)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        return old is not None
    except OSError as exc:
        raise UserError(
            f"Cannot write the fleet files beside {out} ({exc.strerror or exc}); check the "
            "free space and permissions, then run fleet build again (nothing was changed)."
        ) from None
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _write_all(folder: Path, files: dict[str, bytes]) -> None:
    """Each file written and flushed to disk, then the folder: after the rename the
    folder is whole even across a power cut."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    dir_fd = os.open(folder, os.O_RDONLY)
    try:
        for name, data in files.items():
            fd = os.open(name, flags, 0o644, dir_fd=dir_fd)
            try:
                write_all(fd, data)
            finally:
                os.close(fd)
        _flush(folder)
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _flush(folder: Path) -> None:
    """One flush of every file written (per-file fsync costs seconds for 20,000 files)."""
    with contextlib.suppress(AttributeError):
        os.sync()
