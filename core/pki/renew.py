"""Renewal: a boot server's certificate (same key by default) and the CA's own certificate.

Server renewal takes the next serial from ca.srl under the issuers' lock, exactly
as `issue` does. The former certificate is kept as
issued/NAME/previous/server-<SERIAL>.crt (with its key and CSR after --new-key),
never overwritten. A CA that would expire before the new certificate refuses the
renewal (it is not capped): a boot server certificate the phones refuse before
its printed end date is worse than a clear sentence; renew the CA first.

CA renewal re-issues ca.crt with the same key, the same subject (byte for byte)
and the same subject key identifier, so a phone holding the old ca.crt trusts
what is signed after the renewal and the other way round (openssl matches
issuer name and key identifier, then checks the signature with the same key).
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.types import (
    CertificateIssuerPrivateKeyTypes,
    CertificatePublicKeyTypes,
)
from cryptography.x509.oid import ExtendedKeyUsageOID

from core.errors import UserError
from core.fileio import WORKSPACE_FILE, read_if_exists, read_small_file, write_atomic
from core.passphrase import check_new_passphrase
from core.pki import generations
from core.pki.ca import check_days, validity
from core.pki.constants import (
    DEFAULT_CA_DAYS,
    DEFAULT_SERVER_DAYS,
    DEFAULT_SERVER_KEY_SIZE,
    MAX_SERVER_DAYS,
    SERVER_CRT,
    SERVER_CSR,
    SERVER_KEY,
)
from core.pki.keys import generate_rsa, is_encrypted_key, key_to_pem
from core.pki.names import check_server_name, common_name
from core.pki.rollover import ca_certificate_for, load_next
from core.pki.sign import key_usage
from core.pki.summary import serial_hex, summarize
from core.pki.workspace import PEM, Result, Workspace, load_certificate


def issued_certificate(ws: Workspace, name: str) -> x509.Certificate:
    """The current certificate of an issued name; UserError when there is none."""
    ws.check_root()  # a workspace that is a file: said so, not "Not a directory"
    crt = ws.issued_paths(name).crt
    try:
        return load_certificate(crt, "certificate")
    except FileNotFoundError:
        raise UserError(
            f"Nothing was issued as {name} in {ws.root}; check the name with "
            f"`handset-ca status`, or issue it first with `handset-ca issue {name}`."
        ) from None


def check_fits_ca(
    not_after: dt.datetime, ca_cert: x509.Certificate, days: int, *, under_next: bool = False
) -> None:
    """Refuse a certificate that would outlive the CA that signs it, saying what fits: the
    most --days now, or the `ca renew --days N` that makes room (the default 2555 may not)."""
    ca_end = ca_cert.not_valid_after_utc
    if not_after <= ca_end:
        return
    # From the new certificate's own start (validity() truncates to the second), so the
    # --days named is exactly the most the check above lets through at this second.
    room = (ca_end - (not_after - dt.timedelta(days=days))).days
    if under_next:  # the next CA is not renewed: only a shorter certificate fits under it
        if room < 1:
            raise UserError(
                f"The next CA's certificate expired on {ca_end:%Y-%m-%d}; move next/ away and "
                "start the rollover again with `handset-ca ca rollover`."
            )
        raise UserError(
            f"The next CA's certificate expires on {ca_end:%Y-%m-%d}, before a {days}-day "
            f"certificate would; ask for --days {room} or fewer."
        )
    need = days + 1  # a day's margin: the CA is renewed a little before this certificate
    ca_renew = (
        "`handset-ca ca renew`"
        if need <= DEFAULT_CA_DAYS
        else (
            f"`handset-ca ca renew --days {need}` (the default {DEFAULT_CA_DAYS} days would still "
            "end first)"
        )
    )
    if room < 1:
        raise UserError(
            f"The CA certificate expired on {ca_end:%Y-%m-%d}; renew it first with {ca_renew}."
        )
    raise UserError(
        f"The CA certificate expires on {ca_end:%Y-%m-%d}, before a {days}-day certificate "
        f"would; renew the CA first with {ca_renew}, or ask for --days {room} or fewer."
    )


def authority_key_id(ca_cert: x509.Certificate) -> x509.AuthorityKeyIdentifier:
    """The CA's own SKI when it has one (openssl does the same), else derived from its key."""
    try:
        ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)
    except x509.ExtensionNotFound:
        return x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key())  # type: ignore[arg-type]


def renewed_server_certificate(
    old: x509.Certificate,
    public_key: CertificatePublicKeyTypes,
    ca_key: CertificateIssuerPrivateKeyTypes,
    ca_cert: x509.Certificate,
    serial: int,
    days: int,
    now: dt.datetime | None = None,
) -> x509.Certificate:
    """The same subject and subjectAltName as ``old``, our server extensions, a new serial."""
    not_before, not_after = validity(days, now)
    builder = (
        x509.CertificateBuilder()
        .subject_name(old.subject)
        .issuer_name(ca_cert.subject)
        .public_key(public_key)
        .serial_number(serial)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
    )
    try:
        san = old.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        builder = builder.add_extension(san, critical=False)
    except x509.ExtensionNotFound:
        pass
    builder = (
        builder.add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(key_usage(public_key), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(authority_key_id(ca_cert), critical=False)
    )
    return builder.sign(ca_key, hashes.SHA256())


def renew(
    ws: Workspace,
    name: str,
    ca_passphrase: bytes,
    *,
    days: int = DEFAULT_SERVER_DAYS,
    new_key: bool = False,
    key_passphrase: bytes | None = None,
    key_size: int = DEFAULT_SERVER_KEY_SIZE,
    under_next: bool = False,
) -> Result:
    """A new certificate for issued/NAME; the former one kept under issued/NAME/previous/.

    ``under_next`` signs with the next CA of a rollover in progress (next/ca.key).
    ``new_key`` makes a new server key (encrypted with ``key_passphrase`` if given)
    and CSR; the former ones are kept beside the former certificate.
    """
    paths = ws.issued_paths(name)
    ws.check_root()
    check_days(days)
    if key_passphrase is not None:
        check_new_passphrase(key_passphrase, "server key passphrase")
    issued_certificate(ws, name)  # a name never issued: refused before the passphrase is used
    ca_key, ca_cert = load_next(ws, ca_passphrase) if under_next else ws.load_ca(ca_passphrase)
    _, not_after = validity(days)
    check_fits_ca(not_after, ca_cert, days, under_next=under_next)
    key = generate_rsa(key_size) if new_key else None
    folder = paths.crt.parent
    stage = folder / generations.STAGE
    with ws.transaction():
        generations.resume_renewal(folder)  # what a killed renewal left: completed or undone
        old = issued_certificate(ws, name)  # read again under the lock
        warnings = check_server_name(common_name(old.subject))
        if days > MAX_SERVER_DAYS:
            warnings.append(
                f"The certificate is valid for {days} days; many TLS clients refuse server "
                f"certificates valid for more than {MAX_SERVER_DAYS} days."
            )
        files: dict[str, tuple[bytes, int]] = {}
        if key is not None:
            if key_passphrase is None and key_file_is_encrypted(paths.key):
                warnings.append(
                    "The former server.key was encrypted and the new one is not; renew with "
                    "--new-key --key-passphrase to encrypt it."
                )
            files[SERVER_KEY] = (key_to_pem(key, key_passphrase), 0o600)
            files[SERVER_CSR] = (_csr_like(old, key).public_bytes(PEM), 0o644)
            public_key: CertificatePublicKeyTypes = key.public_key()
        else:
            public_key = old.public_key()
        number = ws.reserve_serial()
        cert = renewed_server_certificate(old, public_key, ca_key, ca_cert, number, days)
        files[SERVER_CRT] = (cert.public_bytes(PEM), 0o644)
        summary = summarize(cert, paths.crt)
        try:
            stage.mkdir(mode=0o700)
            for file_name, (data, mode) in files.items():
                write_atomic(stage / file_name, data, mode)
            kept = generations.previous_server_paths(folder, serial_hex(old.serial_number))
            for file_name in files:  # the files about to be replaced, kept for good
                current = read_if_exists(folder / file_name, WORKSPACE_FILE)
                if current is not None:
                    mode = 0o600 if file_name == SERVER_KEY else 0o644
                    generations.keep_copy(current, kept[file_name], mode)
            ws.record("renew", summary)
            write_atomic(stage / generations.COMPLETE, b"", 0o600)
        except BaseException:
            shutil.rmtree(stage, ignore_errors=True)
            raise
        generations.resume_renewal(folder)  # the decided renewal: the renames
    return Result(cert, summary, [folder / f for f in files], warnings + ws.open_folder_warnings())


def key_file_is_encrypted(path: Path) -> bool:
    """Whether the key at ``path`` is encrypted; False when there is none. A FIFO or a
    device there is refused with its sentence (it would be kept under previous/)."""
    data = read_if_exists(path, WORKSPACE_FILE)
    return data is not None and is_encrypted_key(data)


def _csr_like(
    old: x509.Certificate, key: CertificateIssuerPrivateKeyTypes
) -> x509.CertificateSigningRequest:
    """The CSR a renewal with a new key files beside it: the same subject and names."""
    builder = x509.CertificateSigningRequestBuilder().subject_name(old.subject)
    try:
        san = old.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        builder = builder.add_extension(san, critical=False)
    except x509.ExtensionNotFound:
        pass
    return builder.sign(key, hashes.SHA256())


# ---- the CA ------------------------------------------------------------------------------


def renew_ca(ws: Workspace, ca_passphrase: bytes, *, days: int = DEFAULT_CA_DAYS) -> Result:
    """Re-issue ca.crt with the same key and subject; the former one kept as
    previous/ca-<SERIAL>.crt. Phones holding either trust what either signed."""
    check_days(days)
    ca_key, _ = ws.load_ca(ca_passphrase)
    with ws.transaction():
        old_pem = read_small_file(ws.ca_crt_path, WORKSPACE_FILE)
        old = ws.ca_certificate()
        if old.public_key() != ca_key.public_key():
            raise UserError(f"{ws.ca_crt_path} changed meanwhile; run the command again.")
        cert = ca_certificate_for(ca_key, old.subject, days, like=old)
        summary = summarize(cert, ws.ca_crt_path)
        _, kept = generations.previous_ca_paths(ws.root, serial_hex(old.serial_number))
        generations.keep_copy(old_pem, kept, 0o644)
        ws.record("ca-renew", summary)
        write_atomic(ws.ca_crt_path, cert.public_bytes(PEM), 0o644, replace=True)
    warnings = []
    if old.not_valid_after_utc > cert.not_valid_after_utc:
        warnings.append(
            f"The new CA certificate ends on {cert.not_valid_after_utc:%Y-%m-%d}, before the "
            f"former one ({old.not_valid_after_utc:%Y-%m-%d})."
        )
    return Result(cert, summary, [ws.ca_crt_path, kept], warnings)
