"""CA rollover: a new CA key and certificate beside the current one, then the switch.

`start_rollover` writes next/ca.key (encrypted with the current CA's passphrase,
so one passphrase keeps working) and next/ca.crt; ca.key and ca.crt stay the
current CA, where openssl users look. During the overlap phones get the next CA
into their second custom CA slot, boot servers are re-issued under it
(`renew NAME --next`), and `publish_ca_certificates` lists both for the boot
server and the fleet files. `finish_rollover` keeps the current pair as
previous/ca-<SERIAL>.{key,crt} and moves next/ into its place (journaled: a kill
half-way is completed by the next command that reads the CA). ca.srl is shared by
both generations, so a serial is never used twice across them.
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import re
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes
from cryptography.x509.oid import NameOID

from core.errors import UserError
from core.fileio import WORKSPACE_FILE, UnreadableFile, fsync_dir, read_small_file, write_atomic
from core.pki import generations, issuers
from core.pki.ca import CA_KEY_USAGE, check_days, subject_emails, validity
from core.pki.constants import CA_CRT, CA_KEY, DEFAULT_CA_DAYS, DEFAULT_CA_KEY_SIZE
from core.pki.keys import generate_rsa, key_to_pem, load_private_key
from core.pki.names import common_name
from core.pki.summary import serial_hex, summarize
from core.pki.workspace import PEM, Result, Workspace, load_certificate

GENERATION = re.compile(r"^(.*) G(\d+)$")


@dataclass(frozen=True)
class PublishedCA:
    """A CA certificate to publish during an overlap: "current" or "next"."""

    role: str
    cert: x509.Certificate
    path: Path


def ca_certificate_for(
    key: CertificateIssuerPrivateKeyTypes,
    name: x509.Name,
    days: int,
    *,
    like: x509.Certificate | None = None,
    now: dt.datetime | None = None,
) -> x509.Certificate:
    """A self-signed CA certificate for ``name``: critical CA:TRUE, keyCertSign+cRLSign,
    SKI and AKI (keyid). With ``like`` (the certificate being renewed) its SKI, path
    length and other extensions (a subjectAltName, say) are kept."""
    not_before, not_after = validity(check_days(days), now)
    public = key.public_key()
    ski = x509.SubjectKeyIdentifier.from_public_key(public)
    path_length = None
    others: list[x509.Extension[x509.ExtensionType]] = []
    if like is not None:
        for ext in like.extensions:
            if isinstance(ext.value, x509.SubjectKeyIdentifier):
                ski = ext.value  # leaves already issued name it in their AKI
            elif isinstance(ext.value, x509.BasicConstraints):
                path_length = ext.value.path_length
            elif not isinstance(ext.value, x509.KeyUsage | x509.AuthorityKeyIdentifier):
                others.append(ext)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(secrets.randbits(159) or 1)  # as openssl req -x509 does
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(CA_KEY_USAGE, critical=True)
        .add_extension(ski, critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False
        )
    )
    for ext in others:
        builder = builder.add_extension(ext.value, critical=ext.critical)
    emails = subject_emails(name)
    has_san = any(isinstance(ext.value, x509.SubjectAlternativeName) for ext in others)
    if emails and not has_san:  # as ca.build_ca_certificate: RFC 5280 4.1.2.6 (pkilint)
        builder = builder.add_extension(x509.SubjectAlternativeName(emails), critical=False)
    return builder.sign(key, hashes.SHA256())


def rollover_started(ws: Workspace) -> bool:
    return (generations.next_dir(ws.root) / CA_CRT).is_file()


def next_paths(ws: Workspace) -> tuple[Path, Path]:
    folder = generations.next_dir(ws.root)
    return folder / CA_KEY, folder / CA_CRT


def next_ca_name(current: x509.Name) -> x509.Name:
    """The current subject with its CN numbered: "Root CA" -> "Root CA G2" -> "Root CA G3".

    A new key under the very same name would leave phones and openssl to tell two
    CAs apart by key identifier alone; the handset's slot list shows subjects.
    """
    cn = common_name(current)
    match = GENERATION.match(cn)
    new_cn = f"{match.group(1)} G{int(match.group(2)) + 1}" if match else f"{cn} G2"
    rdns = []
    for rdn in current.rdns:
        attrs = [
            x509.NameAttribute(NameOID.COMMON_NAME, new_cn) if a.oid == NameOID.COMMON_NAME else a
            for a in rdn
        ]
        rdns.append(x509.RelativeDistinguishedName(attrs))
    return x509.Name(rdns)


def load_next(
    ws: Workspace, passphrase: bytes
) -> tuple[CertificateIssuerPrivateKeyTypes, x509.Certificate]:
    """The next CA's key and certificate (same passphrase as the current CA)."""
    key_path, crt_path = next_paths(ws)
    try:
        cert = load_certificate(crt_path, "CA certificate")
        data = read_small_file(key_path, WORKSPACE_FILE)
    except UnreadableFile as exc:
        if exc.errno not in (errno.ENOENT, errno.ENOTDIR):
            raise
        raise UserError(
            f"No CA rollover was started in {ws.root}; start one with `handset-ca ca rollover`."
        ) from None
    except FileNotFoundError:
        raise UserError(
            f"No CA rollover was started in {ws.root}; start one with `handset-ca ca rollover`."
        ) from None
    except OSError as exc:
        raise UserError(
            f"Cannot read {key_path} ({exc.strerror}); check its permissions."
        ) from None
    key = load_private_key(data, passphrase, what="CA key", kind="ca")
    if key.public_key() != cert.public_key():
        raise UserError(f"{key_path} is not the key of {crt_path}; put the matching pair back.")
    return key, cert  # type: ignore[return-value]


def start_rollover(
    ws: Workspace,
    ca_passphrase: bytes,
    *,
    days: int = DEFAULT_CA_DAYS,
    key_size: int = DEFAULT_CA_KEY_SIZE,
    name: x509.Name | None = None,
) -> Result:
    """A next CA (new key, next/ca.key + next/ca.crt) beside the current one."""
    check_days(days)
    refuse_started(ws)
    ws.load_ca(ca_passphrase)  # the passphrase must open the current CA: it will encrypt the next
    current = ws.ca_certificate()
    key = generate_rsa(key_size)
    cert = ca_certificate_for(key, name or next_ca_name(current.subject), days)
    key_pem = key_to_pem(key, ca_passphrase)
    key_path, crt_path = next_paths(ws)
    summary = summarize(cert, crt_path)
    with ws.transaction():
        refuse_started(ws)
        tmp = ws.root / f"{generations.NEXT_TMP}{os.getpid()}"
        try:
            tmp.mkdir(mode=0o700)
            write_atomic(tmp / CA_KEY, key_pem, 0o600)
            write_atomic(tmp / CA_CRT, cert.public_bytes(PEM), 0o644)
            ws.record("ca-rollover-start", summary)
            os.rename(tmp, key_path.parent)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        fsync_dir(ws.root)
    return Result(cert, summary, [key_path, crt_path], ws.open_folder_warnings())


def refuse_started(ws: Workspace) -> None:
    folder = generations.next_dir(ws.root)
    if folder.exists() or folder.is_symlink():
        raise UserError(
            f"A CA rollover is already under way ({folder} holds the next CA); finish it with "
            "`handset-ca ca rollover --finish`, or move that folder away to start again."
        )


FORCE_HINT = "or finish anyway with `handset-ca ca rollover --finish --force`"


def finish_rollover(ws: Workspace, ca_passphrase: bytes, *, force: bool = False) -> Result:
    """The next CA becomes the current one; the current pair kept as previous/ca-<SERIAL>.*.

    Refused while the current CA still signs an issued certificate (finishing would
    retire it under them), unless ``force``: then a warning names what stops verifying.
    """
    next_key, next_cert = load_next(ws, ca_passphrase)  # refuses a rollover never started
    ws.load_ca(ca_passphrase)
    key_path, _ = next_paths(ws)
    with ws.transaction():
        if not rollover_started(ws):
            raise UserError("The CA rollover was finished meanwhile; nothing left to do.")
        left = issuers.still_under_current(ws)  # under the lock: no renewal in between
        if left and not force:
            raise UserError(issuers.unfinished_sentence(left, FORCE_HINT))
        old = ws.ca_certificate()
        kept_key, kept_crt = generations.previous_ca_paths(ws.root, serial_hex(old.serial_number))
        generations.keep_copy(read_small_file(ws.ca_key_path, WORKSPACE_FILE), kept_key, 0o600)
        generations.keep_copy(read_small_file(ws.ca_crt_path, WORKSPACE_FILE), kept_crt, 0o644)
        summary = summarize(next_cert, ws.ca_crt_path)
        ws.record("ca-rollover-finish", summary)
        write_atomic(key_path.parent / generations.FINISHING, b"", 0o600)
        generations.resume_rollover(ws.root)  # the decided finish: the renames
    del next_key  # checked to open with the passphrase: it is the CA from now on
    warnings = []
    if left:
        warnings.append(
            f"The retired CA signed {issuers.names_text(left)}: "
            f"{'it no longer verifies' if len(left) == 1 else 'they no longer verify'} "
            "against ca.crt, and phones refuse them once slot 1 is cleared; renew each "
            "with `handset-ca renew NAME`."
        )
    paths = [ws.ca_key_path, ws.ca_crt_path, kept_key, kept_crt]
    return Result(next_cert, summary, paths, warnings)


def publish_ca_certificates(ws: Workspace) -> list[PublishedCA]:
    """The CA certificates phones must trust now: the current one, then the next one
    while a rollover is under way (for the boot server and the fleet files)."""
    published = [PublishedCA("current", ws.ca_certificate(), ws.ca_crt_path)]
    _, crt_path = next_paths(ws)
    if crt_path.is_file():
        published.append(
            PublishedCA("next", load_certificate(crt_path, "CA certificate"), crt_path)
        )
    return published


def ca_bundle_pem(ws: Workspace) -> bytes:
    """publish_ca_certificates as one PEM file, current first."""
    return b"".join(p.cert.public_bytes(PEM) for p in publish_ca_certificates(ws))


def issuer_of(ws: Workspace, cert: x509.Certificate) -> x509.Certificate | None:
    """Which of the workspace's CA certificates (current, next, previous) signed ``cert``."""
    candidates = [p.cert for p in publish_ca_certificates(ws)]
    prev = generations.previous_dir(ws.root)
    if prev.is_dir():
        for path in sorted(prev.glob("ca-*.crt"), reverse=True):
            try:
                candidates.append(load_certificate(path, "CA certificate"))
            except (UserError, OSError):
                continue
    for ca in candidates:
        if ca.subject != cert.issuer:
            continue
        try:
            cert.verify_directly_issued_by(ca)
        except Exception:  # any failure (signature, key type) means: not this one
            continue
        return ca
    return None
