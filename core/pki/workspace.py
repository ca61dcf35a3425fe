"""The workspace on disk: ca.key ca.crt ca.srl audit.log issued/<name>/server.{key,csr,crt}.

The same folder the bulletin's openssl commands use, in both directions.
"""

from __future__ import annotations

import contextlib
import enum
import errno
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes

from core.errors import UserError
from core.fileio import (
    WORKSPACE_FILE,
    UnreadableFile,
    fsync_dir,
    read_small_file,
    write_all,
    write_atomic,
)
from core.passphrase import check_new_passphrase
from core.pki import audit, generations, serial
from core.pki.ca import build_ca_certificate, check_days
from core.pki.constants import (
    AUDIT_LOG,
    CA_CRT,
    CA_KEY,
    CA_SRL,
    DEFAULT_CA_DAYS,
    DEFAULT_CA_KEY_SIZE,
    DEFAULT_SERVER_DAYS,
    DEFAULT_SERVER_KEY_SIZE,
    ISSUED,
    LOCK,
    SERVER_CRT,
    SERVER_CSR,
    SERVER_KEY,
)
from core.pki.keys import generate_rsa, key_to_pem, load_private_key
from core.pki.names import Subject, build_name, check_folder_name, check_server_name, common_name
from core.pki.sign import CSR_NAMES_COPY, build_csr, check_for_ca, load_csr, sign_server_csr
from core.pki.summary import CertSummary, summarize

PEM = serialization.Encoding.PEM
TMP_MARK = ".tmp-"


class _Unset(enum.Enum):
    """A one-value enum as sentinel, so the type checker can tell it from None."""

    UNSET = enum.auto()


_UNSET = _Unset.UNSET


@dataclass
class Result:
    cert: x509.Certificate
    summary: CertSummary
    paths: list[Path]
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class IssuedPaths:
    key: Path
    csr: Path
    crt: Path


class CAState(enum.Enum):
    """What a workspace holds of a CA: the one place that tells (see ca_state_sentence)."""

    NONE = "none"
    COMPLETE = "complete"
    KEY_ONLY = "only ca.key"
    CERT_ONLY = "only ca.crt"


def ca_state_sentence(root: Path | str, state: CAState) -> str:
    """The one sentence for ``state``, said by `ca init`, `ca show`, `issue`, `sign` and
    the app wherever that state stops them: each says what to do next."""
    if state is CAState.NONE:
        return (
            f"There is no CA in {root}; create one with `handset-ca ca init --cn NAME` "
            "(in the app: Create CA) or choose another workspace."
        )
    if state is CAState.COMPLETE:
        return (
            f"{root} already holds a CA (ca.key and ca.crt); move both away first if you "
            "mean to make a new one, or choose another workspace."
        )
    if state is CAState.KEY_ONLY:
        return (
            f"{root} holds ca.key but no ca.crt; put the CA certificate back beside the key "
            "(from your backup), or move ca.key away and create a new CA."
        )
    return (
        f"{root} holds ca.crt but no ca.key; put the CA key back beside the certificate "
        "(from your backup), or move ca.crt away and create a new CA."
    )


def load_certificate(path: Path, what: str) -> x509.Certificate:
    """A certificate in the workspace; FileNotFoundError when it is not there."""
    try:
        data = read_small_file(path, WORKSPACE_FILE)
    except UnreadableFile as exc:
        if exc.errno == errno.ENOENT:
            raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), str(path)) from None
        raise
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError:
        raise UserError(f"{path} is not a readable {what}; restore it from your backup.") from None


class Workspace:
    """One CA and the certificates it issued, in a folder."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self.ca_key_path = self.root / CA_KEY
        self.ca_crt_path = self.root / CA_CRT
        self.srl_path = self.root / CA_SRL
        self.issued_dir = self.root / ISSUED
        self.audit_path = self.root / AUDIT_LOG
        self.lock_path = self.root / LOCK
        # ca.srl before a reservation, while locked (None: there was none)
        self._srl_before: bytes | _Unset | None = _UNSET

    # ---- reading -------------------------------------------------------------------------

    def has_ca(self) -> bool:
        return self.ca_state() is CAState.COMPLETE

    def ca_state(self) -> CAState:
        """None, complete, or half of a CA (a file counts as there even if unreadable)."""
        key = self.ca_key_path.exists() or self.ca_key_path.is_symlink()
        crt = self.ca_crt_path.exists() or self.ca_crt_path.is_symlink()
        if key and crt:
            return CAState.COMPLETE
        if key:
            return CAState.KEY_ONLY
        return CAState.CERT_ONLY if crt else CAState.NONE

    def require_ca(self) -> None:
        """UserError (the state's sentence) unless both ca.key and ca.crt are there."""
        self.check_root()
        state = self.ca_state()
        if state is not CAState.COMPLETE:
            raise UserError(ca_state_sentence(self.root, state))

    def require_no_ca(self) -> None:
        """UserError (the state's sentence) unless there is neither ca.key nor ca.crt:
        asked before a new CA's passphrase, and before the app's Create CA form."""
        self.check_root()
        state = self.ca_state()
        if state is not CAState.NONE:
            raise UserError(ca_state_sentence(self.root, state))

    def check_root(self) -> None:
        if self.root.exists() and not self.root.is_dir():
            raise UserError(
                f"The workspace {self.root} is a file, not a folder; give --workspace a folder."
            )

    def ca_certificate(self) -> x509.Certificate:
        self.check_root()
        generations.resume_rollover(self.root)  # a finish killed half-way: complete it
        try:
            return load_certificate(self.ca_crt_path, "CA certificate")
        except FileNotFoundError:
            raise UserError(ca_state_sentence(self.root, self.ca_state())) from None

    def ca_summary(self) -> CertSummary | None:
        if not self.ca_crt_path.is_file():
            return None
        return summarize(self.ca_certificate(), self.ca_crt_path)

    def issued_names(self) -> list[str]:
        try:
            entries = list(self.issued_dir.iterdir())
        except (FileNotFoundError, NotADirectoryError):
            return []
        names = []
        for entry in entries:
            if entry.name.startswith(".") or not entry.is_dir():
                continue  # temp folders of an issue in progress (or killed)
            with contextlib.suppress(UserError):
                names.append(check_folder_name(entry.name))
        return sorted(names)

    def issued_paths(self, name: str) -> IssuedPaths:
        folder = self.issued_dir / check_folder_name(name)
        return IssuedPaths(folder / SERVER_KEY, folder / SERVER_CSR, folder / SERVER_CRT)

    def issued_summaries(self, now: datetime | None = None) -> list[CertSummary]:
        """One summary per issued certificate; ``now`` counts days_left (default: the clock)."""
        summaries = []
        for name in self.issued_names():
            crt = self.issued_paths(name).crt
            with contextlib.suppress(FileNotFoundError, UserError):
                summaries.append(summarize(load_certificate(crt, "certificate"), crt, now=now))
        return summaries

    # ---- the CA --------------------------------------------------------------------------

    def create_ca(
        self,
        subject: Subject,
        passphrase: bytes,
        *,
        key_size: int = DEFAULT_CA_KEY_SIZE,
        days: int = DEFAULT_CA_DAYS,
    ) -> Result:
        """A new CA key (PKCS#8, AES-256, 0600) and self-signed certificate."""
        if not passphrase:
            raise UserError("The CA key passphrase cannot be empty; choose one and keep it safe.")
        check_new_passphrase(passphrase, "CA key passphrase")
        build_name(subject)
        check_days(days)
        self.require_no_ca()
        key = generate_rsa(key_size)
        cert = build_ca_certificate(key, subject, days)
        key_pem = key_to_pem(key, passphrase)  # before the folder: a refusal leaves no trace
        warnings = self._ensure_folder(self.root)
        with self._disk_errors():
            write_atomic(self.ca_key_path, key_pem, 0o600)
            summary = summarize(cert, self.ca_crt_path)
            try:
                write_atomic(self.ca_crt_path, cert.public_bytes(PEM), 0o644)
                self._audit("ca-init", summary)
            except BaseException:
                self.ca_crt_path.unlink(missing_ok=True)  # ours, from a moment ago
                self.ca_key_path.unlink(missing_ok=True)
                raise
        return Result(cert, summary, [self.ca_key_path, self.ca_crt_path], warnings)

    def load_ca(
        self, passphrase: bytes
    ) -> tuple[CertificateIssuerPrivateKeyTypes, x509.Certificate]:
        """The CA key and certificate, checked to belong together."""
        self.require_ca()
        cert = self.ca_certificate()
        try:
            data = read_small_file(self.ca_key_path, WORKSPACE_FILE)
        except UnreadableFile as exc:
            if exc.errno == errno.ENOENT:  # gone since require_ca()
                raise UserError(ca_state_sentence(self.root, self.ca_state())) from None
            raise
        key = load_private_key(data, passphrase, what="CA key", kind="ca")
        if key.public_key() != cert.public_key():
            raise UserError(
                f"{self.ca_key_path} is not the key of {self.ca_crt_path}; put the matching "
                "pair back."
            )
        return key, cert  # type: ignore[return-value]

    # ---- issuing -------------------------------------------------------------------------

    def issue(
        self,
        name: str,
        ca_passphrase: bytes,
        *,
        key_passphrase: bytes | None = None,
        days: int = DEFAULT_SERVER_DAYS,
        key_size: int = DEFAULT_SERVER_KEY_SIZE,
        subject: Subject | None = None,
    ) -> Result:
        """Server key, CSR and certificate in issued/<name>/, all or nothing."""
        subject = subject or Subject(cn=name)
        check_server_name(subject.cn)
        paths = self.issued_paths(name)
        if key_passphrase is not None:
            check_new_passphrase(key_passphrase, "server key passphrase")
        build_name(subject)
        self._refuse_existing(name)
        ca_key, ca_cert = self.load_ca(ca_passphrase)
        key = generate_rsa(key_size)
        csr = build_csr(key, subject)
        warnings = check_for_ca(csr, ca_cert, days)
        key_pem = key_to_pem(key, key_passphrase)
        self._check_issued_dir()
        with self._locked():
            self._refuse_existing(name)
            number = self._reserve()
            cert, _ = sign_server_csr(csr, ca_key, ca_cert, number, days)
            files = {paths.key: (key_pem, 0o600), paths.csr: (csr.public_bytes(PEM), 0o644)}
            files[paths.crt] = (cert.public_bytes(PEM), 0o644)
            summary = summarize(cert, paths.crt)
            self._publish_folder(paths.crt.parent, files, ("issue", summary))
        warnings += self.open_folder_warnings()
        return Result(cert, summary, [paths.key, paths.csr, paths.crt], warnings)

    def sign_csr(
        self,
        csr_data: bytes,
        ca_passphrase: bytes,
        *,
        days: int = DEFAULT_SERVER_DAYS,
        out: Path | None = None,
        csr_names: str = CSR_NAMES_COPY,
        allow_wildcard: bool = False,
    ) -> Result:
        """Sign a CSR made elsewhere (the bulletin: copy only the CSR to the CA).

        Without ``out`` the CSR and certificate go to issued/<CN>/ (no key there).
        ``csr_names`` "copy" copies the CSR's DNS and IP names, checked; "drop"
        signs with the CN alone (see core.pki.sign.certificate_names).
        """
        with self.signer(ca_passphrase) as signer:
            return signer.sign(
                csr_data, days=days, out=out, csr_names=csr_names, allow_wildcard=allow_wildcard
            )

    @contextlib.contextmanager
    def signer(self, ca_passphrase: bytes) -> Iterator[Signer]:
        """Load the CA key once and sign many CSRs under one lock (batches, benchmarks)."""
        ca_key, ca_cert = self.load_ca(ca_passphrase)
        yield Signer(self, ca_key, ca_cert)

    # ---- for the lifecycle modules (core.pki.renew, rollover, export) ---------------------

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """The issuers' lock: serials taken inside are given back if the block fails,
        what a killed step left is cleared first, and a full disk is one sentence."""
        with self._locked():
            yield

    def reserve_serial(self) -> int:
        """The next serial from ca.srl, as `issue` takes it; only inside transaction()."""
        return self._reserve()

    def record(self, action: str, summary: CertSummary) -> None:
        """One audit.log line (UserError when it cannot be written)."""
        self._audit(action, summary)

    # ---- helpers -------------------------------------------------------------------------

    def _check_issued_dir(self) -> None:
        """Refuse an issued/ that is a file before any serial is taken."""
        if self.issued_dir.exists() and not self.issued_dir.is_dir():
            raise UserError(f"{self.issued_dir} is a file, not a folder; move it away.")

    def _reserve(self, count: int = 1) -> int:
        """Take serials for the rest of the ``_locked()`` block; undone if that block fails."""
        if self._srl_before is _UNSET:
            self._srl_before = serial.read_file(self.srl_path)
        return serial.reserve(self.srl_path, count)

    def _restore_serial(self) -> None:
        """Put ca.srl back as it was: nothing was issued, so no serial was used."""
        before, self._srl_before = self._srl_before, _UNSET
        if before is _UNSET:
            return
        with contextlib.suppress(OSError):
            if before is None:
                self.srl_path.unlink(missing_ok=True)
            else:
                write_atomic(self.srl_path, before, 0o644, replace=True)

    def refuse_existing(self, name: str) -> None:
        """UserError when issued/NAME is taken (asked before the CA passphrase too)."""
        self._refuse_existing(name)

    def _refuse_existing(self, name: str) -> None:
        paths = self.issued_paths(name)
        folder = paths.crt.parent
        if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
            if paths.crt.is_file():  # a certificate to renew: the usual meaning of "again"
                raise UserError(
                    f"{name} was already issued ({folder}); renew its certificate with "
                    f"`handset-ca renew {name}` (add --new-key for a new key too), or move that "
                    "folder away first to issue it from scratch."
                )
            raise UserError(
                f"{folder} already exists; move it away first if you mean to issue {name} again."
            )

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Serialize issuers (serial numbers) and clear what a killed issuer left."""
        with self._disk_errors(), serial.locked(self.lock_path):
            self._clear_stale()
            generations.clear_stale_rollover(self.root)
            generations.resume_rollover(self.root)
            self._srl_before = _UNSET
            try:
                yield
            except BaseException:
                self._restore_serial()
                raise
            self._srl_before = _UNSET

    @contextlib.contextmanager
    def _disk_errors(self) -> Iterator[None]:
        """A full disk or a read-only folder is the user's to fix: one sentence, no traceback."""
        try:
            yield
        except OSError as exc:
            raise UserError(
                f"Cannot write in {self.root} ({exc.strerror}); check its permissions and "
                "free space."
            ) from None

    def _clear_stale(self) -> None:
        # Under the lock no other issuer is mid-write: temp files left now are from a kill.
        for tmp in self.root.glob(f".{CA_SRL}.*.tmp"):
            tmp.unlink(missing_ok=True)
        if self.issued_dir.is_dir():
            for tmp in self.issued_dir.glob(f".*{TMP_MARK}*"):
                shutil.rmtree(tmp, ignore_errors=True)

    def _publish_folder(
        self,
        folder: Path,
        files: dict[Path, tuple[bytes, int]],
        audit_entry: tuple[str, CertSummary],
    ) -> None:
        """Write files into a hidden temp folder, then rename it into place at once.

        The audit line is written just before the rename: if it cannot be, nothing appears.
        """
        created = not self.issued_dir.exists()
        self._ensure_folder(self.issued_dir)
        tmp = self.issued_dir / f".{folder.name}{TMP_MARK}{os.getpid()}"
        try:
            tmp.mkdir(mode=0o700)
            for path, (data, mode) in files.items():
                write_atomic(tmp / path.name, data, mode)
            if folder.exists():
                folder.rmdir()  # empty (checked under the lock): rename needs it gone
            self._audit(*audit_entry)
            os.rename(tmp, folder)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            if created:
                with contextlib.suppress(OSError):
                    self.issued_dir.rmdir()  # ours, from a moment ago: leave no trace
            raise
        fsync_dir(self.issued_dir)

    def _ensure_folder(self, folder: Path) -> list[str]:
        """Make ``folder`` (0700); one that exists open to others is tightened, and said so."""
        try:
            folder.mkdir(mode=0o700, parents=True)
        except FileExistsError:
            if not folder.is_dir():
                raise UserError(f"{folder} is a file, not a folder; move it away.") from None
            return self._tighten(folder)
        except OSError as exc:
            raise UserError(f"Cannot create {folder} ({exc.strerror}); check the path.") from None
        os.chmod(folder, 0o700)  # umask may have widened it
        return []

    def _tighten(self, folder: Path) -> list[str]:
        """A folder that will hold ca.key must not be open to others: make it 0700."""
        try:
            mode = folder.stat().st_mode & 0o777
            if not mode & 0o077:
                return []
            os.chmod(folder, 0o700)
        except OSError as exc:
            raise UserError(
                f"{folder} is open to other users and cannot be made private "
                f"({exc.strerror}); run chmod 700 {folder} or choose another workspace."
            ) from None
        return [
            f"{folder} was open to other users (mode {mode:04o}) and will hold the CA key; "
            "it is now 0700 (only you)."
        ]

    def open_folder_warnings(self) -> list[str]:
        """A warning when the workspace, which holds ca.key, is open to other users."""
        try:
            mode = self.root.stat().st_mode & 0o777
        except OSError:
            return []
        if not mode & 0o077:
            return []
        return [
            f"{self.root} holds the CA key but is open to other users (mode {mode:04o}); "
            f"run chmod 700 {self.root}."
        ]

    def _audit(self, action: str, summary: CertSummary) -> None:
        self._audit_many([(action, summary.subject, summary.serial_hex, summary.sha256)])

    def _audit_many(self, entries: list[tuple[str, str, str, str]]) -> None:
        """Append to audit.log; UserError (one sentence) when it cannot be written."""
        try:
            audit.append_many(self.audit_path, entries)
        except OSError as exc:
            raise UserError(
                f"Cannot append to {self.audit_path} ({exc.strerror}); it must be a file "
                "you can write: fix it and try again."
            ) from None


class Signer:
    """A loaded CA that signs CSRs; made by Workspace.signer()."""

    def __init__(
        self,
        workspace: Workspace,
        ca_key: CertificateIssuerPrivateKeyTypes,
        ca_cert: x509.Certificate,
    ) -> None:
        self.workspace = workspace
        self.ca_key = ca_key
        self.ca_cert = ca_cert

    def sign(
        self,
        csr_data: bytes,
        *,
        days: int = DEFAULT_SERVER_DAYS,
        out: Path | None = None,
        csr_names: str = CSR_NAMES_COPY,
        allow_wildcard: bool = False,
    ) -> Result:
        ws = self.workspace
        csr = load_csr(csr_data)
        warnings = check_for_ca(
            csr, self.ca_cert, days, csr_names=csr_names, allow_wildcard=allow_wildcard
        )
        name = common_name(csr.subject)
        if out is None:
            paths = ws.issued_paths(name)
            ws._refuse_existing(name)
            targets = [paths.csr, paths.crt]
        else:
            out = Path(out)
            check_out_folder(out.parent, "--out")
            if out.exists() or out.is_symlink():
                raise UserError(f"{out} already exists; move it away or choose another --out.")
            targets = [out]
        if out is None:
            ws._check_issued_dir()
        with ws._locked():
            number = ws._reserve()
            cert, _ = sign_server_csr(
                csr,
                self.ca_key,
                self.ca_cert,
                number,
                days,
                csr_names=csr_names,
                allow_wildcard=allow_wildcard,
            )
            crt_pem = cert.public_bytes(PEM)
            summary = summarize(cert, targets[-1])
            if out is None:
                ws._refuse_existing(name)
                csr_pem = csr.public_bytes(PEM)
                ws._publish_folder(
                    targets[0].parent,
                    {targets[0]: (csr_pem, 0o644), targets[1]: (crt_pem, 0o644)},
                    ("sign", summary),
                )
            else:
                try:
                    write_atomic(out, crt_pem, 0o644)
                except OSError as exc:
                    raise UserError(
                        f"Cannot write in {out.parent} ({exc.strerror}); check its permissions "
                        "and free space, or choose another --out."
                    ) from None
                try:
                    ws._audit("sign", summary)
                except BaseException:
                    out.unlink(missing_ok=True)  # ours, from a moment ago: leave no trace
                    raise
        warnings += ws.open_folder_warnings()
        return Result(cert, summary, targets, warnings)


def check_out_folder(folder: Path, option: str) -> None:
    """The folder a certificate goes to must exist and be writable: checked before any serial."""
    folder = folder if str(folder) else Path(".")
    if not folder.exists():
        raise UserError(
            f"The folder {folder} does not exist; create it first or choose another {option}."
        )
    if not folder.is_dir():
        raise UserError(f"{folder} is a file, not a folder; choose another {option}.")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UserError(
            f"Cannot write in {folder} (permission denied); check its permissions or choose "
            f"another {option}."
        )


def _write_new(path: Path, data: bytes) -> None:
    """Create a file that must not exist yet; no fsync (the caller does one pass)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        write_all(fd, data)
    finally:
        os.close(fd)
