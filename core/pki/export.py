"""Files for the boot servers people run: PKCS#12 (IIS, Windows), full chain (nginx,
Apache), DER.

The PKCS#12 is encrypted with AES-256-CBC and PBKDF2-SHA256 with an HMAC-SHA256
MAC by default; ``legacy`` writes the 3DES/SHA-1 form older Windows Server
releases need. Its passphrase is always the user's (never a fixed one, mkcert
#148). The chain ends with the CA that actually signed the certificate (current,
next during a rollover, or a previous one), found by its signature.
"""

from __future__ import annotations

from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from core.errors import UserError
from core.fileio import (
    WORKSPACE_FILE,
    read_small_file,
    remove_stale_temp_files,
    write_atomic,
)
from core.passphrase import check_new_passphrase
from core.pki import generations
from core.pki.keys import load_private_key
from core.pki.renew import issued_certificate, key_file_is_encrypted
from core.pki.rollover import issuer_of
from core.pki.workspace import PEM, Workspace, check_out_folder

FORMATS = ("pkcs12", "fullchain", "der")
PBKDF2_ROUNDS = 600_000  # OWASP's 2023 figure for PBKDF2-HMAC-SHA256; ~0.3 s, once per export
LEGACY_ROUNDS = 2048  # what openssl pkcs12 -legacy writes


def check_export(ws: Workspace, name: str, fmt: str, out: Path) -> None:
    """Everything that can refuse an export, before any passphrase is asked."""
    if fmt not in FORMATS:
        raise UserError(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}.")
    issued_certificate(ws, name)
    key = ws.issued_paths(name).key
    if fmt == "pkcs12" and not (key.exists() or key.is_symlink()):  # a FIFO: refused on reading
        raise UserError(
            f"There is no server key in {ws.issued_paths(name).key.parent} (its CSR was made "
            "elsewhere), so no PKCS#12 can be made here; export --format fullchain and "
            "build the PKCS#12 where the key lives."
        )
    out = Path(out)
    check_out_folder(out.parent, "--out")
    if out.exists() or out.is_symlink():
        raise UserError(f"{out} already exists; move it away or choose another --out.")


def key_is_encrypted(ws: Workspace, name: str) -> bool:
    """Whether issued/NAME/server.key is encrypted; False when there is none (a FIFO or a
    device there is refused with its sentence, never waited on)."""
    return key_file_is_encrypted(ws.issued_paths(name).key)


def chain(ws: Workspace, name: str) -> tuple[x509.Certificate, x509.Certificate]:
    """The certificate of ``name`` and the workspace CA that signed it."""
    generations.resume_renewal(ws.issued_paths(name).crt.parent, roll_back=False)
    cert = issued_certificate(ws, name)
    ca = issuer_of(ws, cert)
    if ca is None:
        raise UserError(
            f"{ws.issued_paths(name).crt} was not signed by this workspace's CA; renew it with "
            f"`handset-ca renew {name}`."
        )
    return cert, ca


def export(
    ws: Workspace,
    name: str,
    fmt: str,
    out: Path,
    *,
    export_passphrase: bytes | None = None,
    key_passphrase: bytes | None = None,
    legacy: bool = False,
) -> Path:
    """Write ``out`` (never replacing a file; 0600 when it holds a key)."""
    out = Path(out)
    check_export(ws, name, fmt, out)
    cert, ca = chain(ws, name)
    if fmt == "der":
        data, mode = cert.public_bytes(serialization.Encoding.DER), 0o644
    elif fmt == "fullchain":
        data, mode = cert.public_bytes(PEM) + ca.public_bytes(PEM), 0o644
    else:
        if not export_passphrase:
            raise UserError(
                "A PKCS#12 file needs an export passphrase; give one at the prompt, with "
                "--export-passphrase-file FILE or $HANDSET_CA_EXPORT_PASSPHRASE."
            )
        check_new_passphrase(export_passphrase, "export passphrase")
        key_path = ws.issued_paths(name).key
        key_data = read_small_file(key_path, WORKSPACE_FILE)
        key = load_private_key(key_data, key_passphrase, what="server key", kind="key")
        if key.public_key() != cert.public_key():
            raise UserError(
                f"{key_path} is not the key of {ws.issued_paths(name).crt}; renew with "
                f"`handset-ca renew {name} --new-key` to make a matching pair."
            )
        # Never true for a key that matches its certificate (an X25519 or DH key signs no
        # CSR, so none is certified here), but it tells the type checker PKCS#12 takes it.
        pkcs12_types = (
            rsa.RSAPrivateKey,
            dsa.DSAPrivateKey,
            ec.EllipticCurvePrivateKey,
            ed25519.Ed25519PrivateKey,
            ed448.Ed448PrivateKey,
        )
        if not isinstance(key, pkcs12_types):
            raise UserError(f"{key_path} holds a kind of key a PKCS#12 file cannot carry.")
        data, mode = pkcs12_bytes(name, key, cert, ca, export_passphrase, legacy=legacy), 0o600
    # A temp file left by an export killed (kill -9) before it cleaned up may hold a
    # whole PKCS#12; the next export to that folder removes it (only ours, only stale).
    remove_stale_temp_files(out.parent)
    try:
        write_atomic(out, data, mode)
    except OSError as exc:
        raise UserError(
            f"Cannot write in {out.parent} ({exc.strerror}); check its permissions and free "
            "space, or choose another --out."
        ) from None
    return out


def pkcs12_bytes(
    name: str,
    key: pkcs12.PKCS12PrivateKeyTypes,
    cert: x509.Certificate,
    ca: x509.Certificate,
    passphrase: bytes,
    *,
    legacy: bool = False,
) -> bytes:
    builder = serialization.PrivateFormat.PKCS12.encryption_builder()
    if legacy:
        builder = (
            builder.kdf_rounds(LEGACY_ROUNDS)
            .key_cert_algorithm(pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC)
            .hmac_hash(hashes.SHA1())
        )
    else:
        builder = (
            builder.kdf_rounds(PBKDF2_ROUNDS)
            .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
            .hmac_hash(hashes.SHA256())
        )
    return pkcs12.serialize_key_and_certificates(
        name.encode("utf-8"), key, cert, [ca], builder.build(passphrase)
    )
