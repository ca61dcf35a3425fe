"""The rehearsal without a screen: a workspace, a handset, a boot server, and the jobs.

The app (tui/app.py) and the drill screen draw this; neither holds PKI, phone or
server logic of its own. What it offers:

- the requests the app's forms fill in, typed (CreateCARequest, IssueRequest, ...);
- a form's check (``check_*``): core's rules, raising FieldError naming the field;
- the jobs (``create_ca``, ``issue``, ``sign``, ``publish``, ``stop_publishing``):
  blocking calls the front end runs off its event loop, one at a time;
- ``run_effect``: the handset's effect through core's one runner, with the boot
  server's connect map, so a URL naming the boot server reaches it without DNS;
- ``view()`` and ``details()``: what the workbench shows, and ``next_step``.

Nothing here imports Textual; the boot server and the network code are
imported when first used, so building the app stays light.
"""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.errors import FieldError, UserError
from core.handset import Handset, Progress
from core.pki import Subject, Workspace

if TYPE_CHECKING:
    from core.bootserver import BootServer
    from core.clock import WallClock
    from core.fetch import ConnectMap
    from core.handset.machine import Effect
    from core.pki.status import Expiry
    from core.pki.workspace import Result


# ----- what the forms fill in ---------------------------------------------------------
# Passphrases never appear in a repr (Textual prints locals when it crashes).


@dataclass(frozen=True)
class CreateCARequest:
    subject: Subject
    key_size: int
    days: int
    passphrase: bytes = field(repr=False)


@dataclass(frozen=True)
class IssueRequest:
    name: str
    ca_passphrase: bytes = field(repr=False)
    key_passphrase: bytes | None = field(repr=False)
    days: int
    key_size: int


@dataclass(frozen=True)
class SignRequest:
    csr_path: Path
    ca_passphrase: bytes = field(repr=False)
    days: int
    csr_names: str = "copy"  # `--csr-names`: "copy" the CSR's names, or "drop" (CN alone)
    allow_wildcard: bool = False  # `--allow-wildcard`


@dataclass(frozen=True)
class PublishRequest:
    name: str | None  # the issued name whose certificate HTTPS presents; None: HTTP/FTP only
    key_passphrase: bytes | None = field(repr=False)


@dataclass(frozen=True)
class RenewRequest:
    """`renew NAME [--new-key] [--days] [--next]` from the workbench's expiry list."""

    name: str
    ca_passphrase: bytes = field(repr=False)
    days: int
    new_key: bool = False
    under_next: bool = False  # sign with the next CA of a rollover (`renew NAME --next`)


@dataclass(frozen=True)
class CARequest:
    """`ca renew [--days]`, `ca rollover` or `ca rollover --finish` (``action``)."""

    action: str  # one of CA_ACTIONS
    ca_passphrase: bytes = field(repr=False)
    days: int = 0  # 0: core's default


CA_ACTIONS = ("renew", "rollover", "finish")


@dataclass(frozen=True)
class InspectRequest:
    path: Path
    passphrase: bytes | None = field(repr=False)  # to describe an encrypted key


# ----- what the workbench shows ---------------------------------------------------------


@dataclass(frozen=True)
class CertLine:
    """One certificate as the overview shows it."""

    name: str
    not_after: Any  # datetime
    days_left: int
    detail: str = ""  # subject or fingerprint, shown under the name when there is room


@dataclass(frozen=True)
class Overview:
    """Everything the workbench shows about the workspace."""

    workspace: str
    ca: CertLine | None = None
    issued: tuple[CertLine, ...] = ()
    urls: tuple[str, ...] = ()
    serving: bool = False
    error: str = ""
    notes: tuple[str, ...] = ()
    handset: Progress = Progress.NONE
    # The TLS profile the handset's provisioning uses (a rehearsal choice), by its name.
    provisioning_profile: str = ""
    # Expiry at a glance (core.pki.status): the CA, a next CA, every issued certificate,
    # the ones needing care first; and whether a CA rollover is under way.
    expiries: tuple[Expiry, ...] = ()
    warn_days: int = 90
    rollover: bool = False
    # The handset knows a boot server to provision from (Publish with HTTPS sets it).
    boot_server: bool = True

    @property
    def next_expiry(self) -> Expiry | None:
        """The certificate that ends first (expired ones included)."""
        return min(self.expiries, key=lambda e: e.end, default=None)


class Step(StrEnum):
    """The one thing to do next, in the bulletin's order (the front end words it)."""

    CREATE_CA = "create_ca"
    ISSUE = "issue"
    PUBLISH = "publish"
    INSTALL = "install"  # walk the handset to Configure CA Cert... and type the URL
    PROFILE = "profile"  # set the provisioning profile's CA Certificate
    PROVISION = "provision"
    FIX_PROVISION = "fix_provision"
    BOOT_SERVER = "boot_server"  # Provision has no boot server to contact (no HTTPS published)
    DONE = "done"


def next_step(view: Overview) -> Step:
    """The bulletin's order: CA, server certificate, publish, install, profile, provision."""
    if view.ca is None:
        return Step.CREATE_CA
    if not view.issued:
        return Step.ISSUE
    if view.handset is Progress.PROVISIONED:
        return Step.DONE
    if not view.serving:
        return Step.PUBLISH
    if view.handset in (Progress.PROVISION_FAILED, Progress.PROFILE) and not view.boot_server:
        return Step.BOOT_SERVER
    return {
        Progress.PROVISION_FAILED: Step.FIX_PROVISION,
        Progress.PROFILE: Step.PROVISION,
        Progress.INSTALLED: Step.PROFILE,
    }.get(view.handset, Step.INSTALL)


def short_fingerprint(fingerprint: str) -> str:
    """AB:CD:...:EF as its first six and last two bytes, for a narrow pane."""
    parts = fingerprint.split(":")
    return ":".join(parts[:6]) + "…" + ":".join(parts[-2:]) if len(parts) > 8 else fingerprint


def relative(path: Path, root: Path) -> Path:
    """``path`` inside the workspace as the user reads it (relative), else as given."""
    try:
        return Path(path).relative_to(root)
    except ValueError:
        return Path(path)


# ----- the controller -------------------------------------------------------------------


class Rehearsal:
    """One workspace, one handset, at most one boot server."""

    def __init__(
        self,
        workspace: Workspace | Path,
        *,
        handset: Handset | None = None,
        clock: WallClock | None = None,
        server_options: dict[str, Any] | None = None,
        connect_to: ConnectMap | None = None,
    ) -> None:
        self._workspace = workspace if isinstance(workspace, Workspace) else None
        self.root = Path(workspace.root if isinstance(workspace, Workspace) else workspace)
        self.handset = handset if handset is not None else Handset()
        self.clock = clock
        self.server_options = dict(server_options or {})
        self._connect_to = connect_to  # fixed (drills); else the boot server's
        self.server: BootServer | None = None
        self._starting: BootServer | None = None
        self._closing = False
        self._boot_server_set = ""  # the handset's boot server, when publishing set it
        self._lock = threading.Lock()

    @property
    def workspace(self) -> Workspace:
        """core.pki's Workspace on ``root``, made on first use."""
        if self._workspace is None:
            self._workspace = Workspace(self.root)
        return self._workspace

    # ----- reading the workspace

    def view(self) -> Overview:
        """The workspace at a glance; one sentence in ``error`` if it cannot be read."""
        from core.pki import CAState, ca_state_sentence, summarize
        from core.pki.ca import ca_problems

        now = self.clock() if self.clock else None
        ws = self.workspace
        urls = tuple(self.server.urls()) if self.server else ()
        notes: tuple[str, ...] = ()
        try:
            ca = None
            state = ws.ca_state()
            if state in (CAState.COMPLETE, CAState.CERT_ONLY):
                cert = ws.ca_certificate()
                s = summarize(cert, ws.ca_crt_path, now=now)
                ca = CertLine(
                    s.cn, s.not_after, s.days_left, f"SHA-256 {short_fingerprint(s.sha256)}"
                )
                notes = tuple(ca_problems(cert))  # e.g. the bulletin's CA without keyUsage
            if state in (CAState.KEY_ONLY, CAState.CERT_ONLY):  # half a CA: core's sentence
                notes = (ca_state_sentence(ws.root, state), *notes)
            issued = tuple(
                CertLine(s.path.parent.name if s.path else s.cn, s.not_after, s.days_left)
                for s in ws.issued_summaries(now=now)
            )
            expiries: tuple[Expiry, ...] = ()
            rollover = False
            if ca is not None:
                from core.pki.rollover import rollover_started
                from core.pki.status import expiry_status

                expiries = tuple(expiry_status(ws, now=now).entries)
                rollover = rollover_started(ws)
        except UserError as exc:
            return Overview(str(ws.root), error=str(exc), urls=urls, serving=bool(urls))
        return Overview(
            str(ws.root),
            ca=ca,
            issued=issued,
            urls=urls,
            serving=self.server is not None,
            notes=notes,
            handset=self.handset.progress,
            provisioning_profile=self.provisioning_profile(),
            expiries=expiries,
            rollover=rollover,
            boot_server=bool(self.handset.settings.boot_server),
        )

    def provisioning_profile(self) -> str:
        """The name of the TLS profile provisioning uses ("Platform Profile 1")."""
        handset = self.handset
        profile = handset.profiles.get(handset.choices.provisioning_profile)
        return profile.name if profile is not None else ""

    def details(self) -> list[str]:
        """What a trainer wants beside the handset: listeners, installed CAs, profiles."""
        lines = ["Rehearsal"]
        if self.server is not None:
            lines += ["Boot server listening:", *(f"  {line}" for line in self.server.listening())]
        handset = self.handset
        if handset.custom_cas:
            lines.append("Handset custom CAs:")
            lines += [
                f"  slot {ca.slot}: {ca.cn}, {ca.short_fingerprint}, until {ca.not_after:%Y-%m-%d}"
                for ca in handset.custom_cas
            ]
        else:
            lines.append("Handset custom CAs: none installed")
        profiles = [handset.profiles[n] for n in sorted(handset.profiles)]
        lines += [f"  {p.name}: CA Certificate = {p.ca_certificate}" for p in profiles]
        if self.provisioning_profile():
            lines.append(f"Provisioning uses {self.provisioning_profile()} (rehearsal choice)")
        if handset.last_message:
            lines.append(f"Last result on the phone: {handset.last_message}")
        return lines

    def files(self) -> list[Path]:
        """The workspace's files a user may want to inspect."""
        ws = self.workspace
        found = [p for p in (ws.ca_crt_path, ws.ca_key_path) if p.exists()]
        try:
            for name in ws.issued_names():
                paths = ws.issued_paths(name)
                found += [p for p in (paths.crt, paths.csr, paths.key) if p.exists()]
        except UserError:  # a damaged workspace still lets the user inspect what is there
            pass
        return found

    def existing_ca_sentence(self) -> str:
        """Why no new CA can be made here ("" when one can): asked before the form opens.
        The sentence is the workspace's, per CA state, as `ca init` says it."""
        try:
            self.workspace.require_no_ca()
        except UserError as exc:
            return str(exc)
        return ""

    # ----- form checks: core's rules before the form closes (run off the event loop)

    def check_new_ca(self, request: CreateCARequest) -> CreateCARequest:
        from core.passphrase import check_new_passphrase
        from core.pki.ca import check_days
        from core.pki.names import build_name

        try:
            check_new_passphrase(request.passphrase, "CA key passphrase")
        except UserError as exc:
            raise FieldError(str(exc), "passphrase", clear=("passphrase", "passphrase2")) from None
        build_name(request.subject)
        check_days(request.days)
        return request

    def check_issue(self, request: IssueRequest) -> IssueRequest:
        from core.passphrase import check_new_passphrase
        from core.pki import check_server_name

        try:
            check_server_name(request.name)
        except UserError as exc:
            raise FieldError(str(exc), "name") from None
        if request.key_passphrase is not None:
            try:
                check_new_passphrase(request.key_passphrase, "server key passphrase")
            except UserError as exc:
                raise FieldError(str(exc), "key_pass", clear=("key_pass", "key_pass2")) from None
        self.workspace.load_ca(request.ca_passphrase)  # WrongPassphrase keeps the form
        return request

    def check_sign(self, request: SignRequest) -> SignRequest:
        from core.pki.sign import certificate_names, load_csr

        try:
            csr = load_csr(read_user_file(request.csr_path))
        except UserError as exc:
            raise FieldError(str(exc), "path") from None
        try:  # the names it asks for, as the signing will judge them
            certificate_names(csr, request.csr_names, request.allow_wildcard)
        except UserError as exc:
            raise FieldError(str(exc), "csr_names") from None
        self.workspace.load_ca(request.ca_passphrase)
        return request

    def check_renew(self, request: RenewRequest) -> RenewRequest:
        """core's refusals before the form closes: a name never issued, a wrong CA passphrase
        (WrongPassphrase keeps the form), a CA that ends before the new certificate would."""
        import datetime as dt

        from core.pki.ca import check_days, validity
        from core.pki.renew import check_fits_ca, issued_certificate
        from core.pki.rollover import load_next

        try:
            check_days(request.days)
        except UserError as exc:
            raise FieldError(str(exc), "days") from None
        issued_certificate(self.workspace, request.name)
        load = load_next if request.under_next else Workspace.load_ca
        _, ca_cert = load(self.workspace, request.ca_passphrase)
        _, not_after = validity(request.days, dt.datetime.now(dt.UTC))
        try:
            check_fits_ca(not_after, ca_cert, request.days, under_next=request.under_next)
        except UserError as exc:
            raise FieldError(str(exc), "days") from None
        return request

    def check_ca(self, request: CARequest) -> CARequest:
        """Refused before the form closes: a rollover started twice, a finish never started,
        a wrong CA passphrase (the form stays open with what was typed)."""
        from core.pki.ca import check_days
        from core.pki.rollover import load_next, refuse_started

        if request.days:
            try:
                check_days(request.days)
            except UserError as exc:
                raise FieldError(str(exc), "days") from None
        ws = self.workspace
        if request.action == "rollover":
            refuse_started(ws)
        if request.action == "finish":
            load_next(ws, request.ca_passphrase)
        ws.load_ca(request.ca_passphrase)
        return request

    def ca_action_sentence(self, action: str) -> str:
        """Why ``action`` cannot be done now ("" when it can): asked before the form opens."""
        from core.pki.issuers import still_under_current, unfinished_sentence
        from core.pki.rollover import refuse_started, rollover_started

        try:
            self.workspace.require_ca()
            if action == "rollover":
                refuse_started(self.workspace)
        except UserError as exc:
            return str(exc)
        if action == "finish" and not rollover_started(self.workspace):
            return (
                f"No CA rollover was started in {self.workspace.root}; start one first "
                "(Ctrl+P, Start a CA rollover)."
            )
        if action == "finish" and (left := still_under_current(self.workspace)):
            return unfinished_sentence(
                left,
                "then finish",
                "(e, then r on each, with the next CA as the signer)",
            )
        return ""

    def check_server_key(self, request: PublishRequest) -> PublishRequest:
        """The server key opens with the passphrase typed (else UserError/WrongPassphrase)."""
        from core.bootserver import BootServer

        if request.name is not None:
            BootServer(
                self.workspace, name=request.name, key_passphrase=request.key_passphrase
            ).check_key_passphrase()
        return request

    def inspect(self, request: InspectRequest) -> tuple[str, str]:
        """(the path as shown, core's description of the file); UserError when unreadable."""
        from core.pki import inspect_file
        from core.pki.keys import WrongPassphrase

        shown = str(relative(request.path, self.workspace.root))
        try:
            return shown, inspect_file(request.path, request.passphrase)
        except WrongPassphrase:  # say which file's passphrase
            raise WrongPassphrase(
                f"The passphrase of {shown} is wrong.", f"The passphrase of {shown}"
            ) from None

    # ----- jobs (blocking: the front end runs them in a thread, one at a time)

    def create_ca(self, request: CreateCARequest) -> Result:
        return self.workspace.create_ca(
            request.subject, request.passphrase, key_size=request.key_size, days=request.days
        )

    def issue(self, request: IssueRequest) -> Result:
        return self.workspace.issue(
            request.name,
            request.ca_passphrase,
            key_passphrase=request.key_passphrase,
            days=request.days,
            key_size=request.key_size,
        )

    def sign(self, request: SignRequest) -> Result:
        return self.workspace.sign_csr(
            read_user_file(request.csr_path),
            request.ca_passphrase,
            days=request.days,
            csr_names=request.csr_names,
            allow_wildcard=request.allow_wildcard,
        )

    def renew(self, request: RenewRequest) -> Result:
        from core.pki.renew import renew

        return renew(
            self.workspace,
            request.name,
            request.ca_passphrase,
            days=request.days,
            new_key=request.new_key,
            under_next=request.under_next,
        )

    def ca_job(self, request: CARequest) -> Result:
        """`ca renew`, `ca rollover` or `ca rollover --finish`."""
        from core.pki import DEFAULT_CA_DAYS
        from core.pki.renew import renew_ca
        from core.pki.rollover import finish_rollover, start_rollover

        ws, secret = self.workspace, request.ca_passphrase
        days = request.days or DEFAULT_CA_DAYS
        if request.action == "renew":
            return renew_ca(ws, secret, days=days)
        if request.action == "rollover":
            return start_rollover(ws, secret, days=days)
        return finish_rollover(ws, secret)

    def republish(self) -> str:
        """After a renewal or a CA change, a running boot server starts again (blocking), so
        it publishes the new files (the next CA during a rollover) and presents the new
        certificate; what to tell the user, "" when no server runs."""
        server = self.server
        if server is None:
            return ""
        server.stop()
        server.start()
        return "The boot server restarted with the new files (URLs above)."

    def result_lines(self, verb: str, result: Result) -> str:
        """ "Issued in issued/x/: server.key, server.csr, server.crt." and its warnings,
        for the status line: files in one folder name the folder once, so a narrow
        status line holds them all."""
        paths = [relative(p, self.workspace.root) for p in result.paths]
        folders = {p.parent for p in paths}
        if len(folders) == 1 and str(next(iter(folders))) != ".":
            said = f"{verb} in {next(iter(folders))}/: " + ", ".join(p.name for p in paths)
        else:
            said = f"{verb}: " + ", ".join(str(p) for p in paths)
        return "\n".join([f"{said}."] + [f"Warning: {w}" for w in result.warnings])

    @property
    def serving(self) -> bool:
        return self.server is not None

    def start_server(self, request: PublishRequest) -> BootServer | None:
        """Start a boot server (blocking: run it off the event loop); None when the
        rehearsal was closed meanwhile (the server is stopped again, never left running).
        ``adopt`` it afterwards, on the thread that owns the handset."""
        from core.bootserver import BootServer

        server = BootServer(
            self.workspace,
            name=request.name,
            key_passphrase=request.key_passphrase,
            **self.server_options,
        )
        with self._lock:
            if self._closing:
                return None
            self._starting = server
        try:
            server.start()
        finally:
            with self._lock:
                self._starting = None
                closing = self._closing
        if closing:
            server.stop()
            return None
        return server

    def adopt(self, server: BootServer | None) -> str:
        """The started server publishes for this rehearsal; the handset's Provision then
        checks it, as if DHCP had given its address. Returns what to tell the user."""
        if server is None:
            return ""
        self.server = server
        settings = self.handset.settings
        provisioning = server.provisioning_url()
        if provisioning and not settings.boot_server:
            settings.boot_server = provisioning
            self._boot_server_set = provisioning
        published = (
            "ca.crt and ca-next.crt (the next CA) are published"
            if server.publishes_next
            else "ca.crt is published"
        )
        return "\n".join([f"Boot server started: {published}.", *server.notes])

    def publish(self, request: PublishRequest) -> str:
        """start_server then adopt, for a caller with no event loop (blocking)."""
        return self.adopt(self.start_server(request))

    def unpublish(self) -> BootServer | None:
        """Forget the boot server at once (the handset too, if publishing set its address);
        the caller stops the returned server (blocking) off its event loop."""
        server, self.server = self.server, None
        settings = self.handset.settings
        if self._boot_server_set and settings.boot_server == self._boot_server_set:
            settings.boot_server = ""
        self._boot_server_set = ""
        return server

    def close(self) -> None:
        """Stop every server, also one still starting (blocking, bounded by its stop)."""
        with self._lock:
            self._closing = True
            servers = [s for s in (self.server, self._starting) if s is not None]
            self.server = None
        for server in servers:
            server.stop()

    # ----- the handset

    def connect_map(self) -> ConnectMap | None:
        if self._connect_to is not None:
            return self._connect_to
        return self.server.connect_map() if self.server else None

    async def run_effect(self, effect: Effect) -> str:
        """The handset's effect through core's one runner; "" or the sentence of a bug."""
        from core.handset.runner import run_effect

        return await run_effect(self.handset, effect, connect_to=self.connect_map())

    def reset_handset(self) -> Handset:
        """A new handset with the same settings (the boot server publishing set stays)."""
        self.handset = Handset(self.handset.settings)
        return self.handset


def read_user_file(path: Path) -> bytes:
    """A typed path's bytes: a regular file of at most 1 MiB (never /dev/zero or a FIFO)."""
    from core.fileio import PKI_FILE, read_small_file

    return read_small_file(path, PKI_FILE)


def replace_progress(view: Overview, progress: Progress) -> Overview:
    return dataclasses.replace(view, handset=progress)
