"""The Textual app: CA workbench on the left, emulated handset on the right.

`make_app()` builds it on any workspace (tests, scripts); `run_app()` is what
`handset-ca` with no subcommand calls. Everything that is PKI or phone logic
is a core call; this module runs those calls in workers and draws the results.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import OptionList
from textual.worker import Worker, WorkerState

from core.errors import error_sentence
from tui.handset_pane import HandsetPane
from tui.keybar import KeyBar
from tui.workbench import ACTIONS, CertLine, Overview, WorkbenchPane

if TYPE_CHECKING:
    from core.bootserver import BootServer
    from core.handset import Handset
    from core.pki import Workspace

Clock = Callable[[], datetime]
NARROW = 76  # below this width one pane shows at a time; Tab switches
WIDE = 110  # from this width the handset pane grows
STOP_TIMEOUT = 10.0  # seconds on_unmount waits for a boot server to stop


class MainScreen(Screen[None]):
    """The two panes and the key bar."""

    AUTO_FOCUS = "#actions"
    # Not a ClassVar: Screen declares it as an instance attribute.
    HORIZONTAL_BREAKPOINTS: list[tuple[int, str]] | None = [  # noqa: RUF012
        (0, "-narrow"),
        (NARROW, "-normal"),
        (WIDE, "-wide"),
    ]
    BINDINGS: ClassVar[list[BindingType]] = [
        # priority: handled as the key arrives, so keys typed ahead go to the new pane.
        Binding(
            "tab",
            "switch_pane",
            "Switch pane",
            key_display="Tab",
            id="switch_pane",
            tooltip="Workbench/handset",
            priority=True,
        ),
        Binding("shift+tab", "switch_pane", "Switch pane", show=False, priority=True),
    ]

    def compose(self) -> ComposeResult:
        app = self.app
        assert isinstance(app, HandsetCAApp)
        with Horizontal(id="panes"):
            yield WorkbenchPane(app.overview(), app.details(), id="workbench")
            yield HandsetPane(app.handset, id="handset")
        yield KeyBar()

    def action_switch_pane(self) -> None:
        # set_focus, not focus(): the latter waits a turn, and keys typed ahead
        # (Tab and F2 in one SSH packet) would go to the old pane.
        if self.query_one(HandsetPane).has_focus:
            self.set_focus(self.query_one("#actions", OptionList))
        else:
            self.set_focus(self.query_one(HandsetPane))

    def on_descendant_focus(self) -> None:
        self.set_class(self.query_one(HandsetPane).has_focus, "-on-handset")


class HandsetCAApp(App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "handset-ca"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "f1",
            "help",
            "Help",
            key_display="F1",
            id="help",
            tooltip="Every key, and what it stands for",
        )
    ]

    def __init__(
        self,
        workspace: Workspace | Path,
        *,
        handset: Handset,
        clock: Clock | None = None,
        server_options: dict[str, Any] | None = None,
    ) -> None:
        super().__init__()
        self._workspace = workspace if not isinstance(workspace, Path) else None
        self.workspace_root = Path(workspace if isinstance(workspace, Path) else workspace.root)
        self.handset = handset
        self.clock = clock
        self.server_options = dict(server_options or {})
        self.server: BootServer | None = None
        self._starting: BootServer | None = None  # being started by a job
        self._closing = False  # unmounting: a server that finishes starting stops again
        self._boot_server_set = ""  # the handset's boot server, when publishing set it
        self.blink = True  # text cursors blink; tests and screenshots turn it off
        self._done: dict[Worker[Any], Callable[[Any], None]] = {}

    def get_default_screen(self) -> Screen[None]:
        return MainScreen()

    @property
    def workspace(self) -> Workspace:
        """core.pki's Workspace on ``workspace_root``, made on first use."""
        if self._workspace is None:
            from core.pki import Workspace

            self._workspace = Workspace(self.workspace_root)
        return self._workspace

    @property
    def workbench(self) -> WorkbenchPane:
        return self.screen_stack[0].query_one(WorkbenchPane)

    @property
    def handset_pane(self) -> HandsetPane:
        return self.screen_stack[0].query_one(HandsetPane)

    # ----- the workspace at a glance

    def overview(self) -> Overview:
        """Read the workspace through core.pki; one sentence if it cannot be read."""
        from core.errors import UserError
        from core.pki import summarize

        now = self.clock() if self.clock else None
        ws = self.workspace
        urls = tuple(self.server.urls()) if self.server else ()
        notes: tuple[str, ...] = ()
        try:
            ca = None
            if ws.has_ca():
                from core.pki.ca import ca_problems

                cert = ws.ca_certificate()
                s = summarize(cert, ws.ca_crt_path, now=now)
                ca = CertLine(s.cn, s.not_after, s.days_left, f"SHA-256 {_short(s.sha256)}")
                notes = tuple(ca_problems(cert))  # e.g. the bulletin's CA without keyUsage
            issued = tuple(
                CertLine(s.path.parent.name if s.path else s.cn, s.not_after, s.days_left)
                for s in ws.issued_summaries(now=now)
            )
        except UserError as exc:
            return Overview(str(ws.root), error=str(exc), urls=urls, serving=bool(urls))
        return Overview(
            str(ws.root),
            ca=ca,
            issued=issued,
            urls=urls,
            serving=self.server is not None,
            notes=notes,
            handset=self.handset_progress(),
        )

    def handset_progress(self) -> str:
        """How far the handset got (core's Handset.progress), for the workbench's next step."""
        return self.handset.progress

    def refresh_handset_progress(self) -> None:
        """Redraw the next step when the handset moved on (no disk read)."""
        import dataclasses

        view = self.workbench.view
        progress = self.handset_progress()
        if progress != view.handset:
            self.workbench.show(dataclasses.replace(view, handset=progress))

    def refresh_overview(self) -> None:
        self.workbench.show(self.overview())
        self.refresh_details()

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
        lines += [f"  {p.name}: CA Certificate = {p.ca_certificate}" for p in _profiles(handset)]
        if handset.last_message:
            lines.append(f"Last result on the phone: {handset.last_message}")
        return lines

    def refresh_details(self) -> None:
        self.workbench.set_details(self.details())

    @on(HandsetPane.Changed)
    def handset_changed(self) -> None:
        self.refresh_details()
        self.refresh_handset_progress()

    def say(self, message: str) -> None:
        """One sentence (or a few lines) in the workbench's status line."""
        self.workbench.set_status(message)

    # ----- blocking work in a thread, with progress

    def run_job(self, label: str, job: Callable[[], Any], done: Callable[[Any], None]) -> None:
        """Run ``job`` in a thread worker while the workbench shows ``label`` and a bar."""
        if self._busy():
            self.say("Wait: the last job is still running.")
            return
        self.workbench.set_busy(label)
        worker = self._job(job)
        self._done[worker] = done

    def _busy(self) -> bool:
        return any(w.group == "jobs" and not w.is_finished for w in self.workers)

    @work(thread=True, exclusive=True, exit_on_error=False, group="jobs")
    def _job(self, job: Callable[[], Any]) -> Any:
        return job()

    @on(Worker.StateChanged)
    def job_finished(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group != "jobs" or event.state not in (
            WorkerState.SUCCESS,
            WorkerState.ERROR,
            WorkerState.CANCELLED,
        ):
            return
        done = self._done.pop(worker, None)
        self.workbench.set_busy(None)
        if event.state == WorkerState.SUCCESS and done is not None:
            done(worker.result)
        elif event.state == WorkerState.ERROR:
            self.say(error_sentence(worker.error))
        self.refresh_overview()

    def _result_done(self, verb: str) -> Callable[[Any], None]:
        def done(result: Any) -> None:
            names = ", ".join(str(_relative(p, self.workspace.root)) for p in result.paths)
            lines = [f"{verb}: {names}."] + [f"Warning: {w}" for w in result.warnings]
            self.say("\n".join(lines))

        return done

    # ----- workbench actions (keys, list, command palette)

    def action_create_ca(self) -> None:
        from tui.forms import CreateCAScreen

        ws = self.workspace
        present = [p.name for p in (ws.ca_key_path, ws.ca_crt_path) if p.exists()]
        if present:  # refuse now, not after the whole form is filled in
            if len(present) == 2:
                self.say(
                    f"A CA already exists in {ws.root}; to make a new one, "
                    "move ca.key and ca.crt away first."
                )
            else:
                self.say(
                    f"{present[0]} is already in {ws.root}; to make a new CA, move it away first."
                )
            return

        def submitted(request: Any) -> None:
            if request is None:
                return
            self.run_job(
                f"Generating the CA's {request.key_size}-bit RSA key…",
                lambda: self.workspace.create_ca(
                    request.subject,
                    request.passphrase,
                    key_size=request.key_size,
                    days=request.days,
                ),
                self._result_done("Created the CA"),
            )

        self.push_screen(CreateCAScreen(_check_new_ca), submitted)

    def action_issue(self) -> None:
        from tui.forms import IssueScreen

        def submitted(request: Any) -> None:
            if request is None:
                return
            self.run_job(
                f"Generating {request.name}'s {request.key_size}-bit key, then signing…",
                lambda: self.workspace.issue(
                    request.name,
                    request.ca_passphrase,
                    key_passphrase=request.key_passphrase,
                    days=request.days,
                    key_size=request.key_size,
                ),
                self._result_done("Issued"),
            )

        self.push_screen(IssueScreen(self._check_issue), submitted)

    def action_sign_csr(self) -> None:
        from tui.forms import SignCSRScreen

        def submitted(request: Any) -> None:
            if request is None:
                return

            def job() -> Any:
                return self.workspace.sign_csr(
                    _read(request.csr_path), request.ca_passphrase, days=request.days
                )

            self.run_job("Signing the CSR…", job, self._result_done("Signed"))

        self.push_screen(SignCSRScreen(self._check_sign), submitted)

    def _check_sign(self, request: Any) -> Any:
        """The Sign form's check: the CSR file can be read, then the CA passphrase."""
        from core.errors import UserError
        from tui.forms import FieldError

        try:
            _read(request.csr_path)
        except UserError as exc:
            raise FieldError(str(exc), "path") from None
        return self._check_ca_passphrase(request)

    def _check_issue(self, request: Any) -> Any:
        """The Issue form's check: the name, a new key passphrase, then the CA passphrase."""
        from core.errors import UserError
        from core.passphrase import check_new_passphrase
        from core.pki import check_server_name
        from tui.forms import FieldError

        try:
            check_server_name(request.name)
        except UserError as exc:
            raise FieldError(str(exc), "name") from None
        if request.key_passphrase is not None:
            try:
                check_new_passphrase(request.key_passphrase, "server key passphrase")
            except UserError as exc:
                raise FieldError(str(exc), "key_pass", clear=("key_pass", "key_pass2")) from None
        return self._check_ca_passphrase(request)

    def _check_ca_passphrase(self, request: Any) -> Any:
        """The form's check: a wrong CA passphrase keeps the form open (UserError)."""
        self.workspace.load_ca(request.ca_passphrase)
        return request

    def action_inspect(self) -> None:
        from core.pki.keys import WrongPassphrase
        from tui.forms import InspectPickScreen, InspectScreen

        def chosen(result: Any) -> None:
            if result is not None:
                self.push_screen(InspectScreen(*result))

        def check(request: Any) -> tuple[str, str]:
            """The form's check: core's text, or UserError (a wrong passphrase) in the form."""
            shown = str(_relative(request.path, self.workspace.root))
            try:
                text = self.inspect_text(request.path, request.passphrase)
            except WrongPassphrase:  # say which file's passphrase
                raise WrongPassphrase(f"The passphrase of {shown} is wrong.") from None
            return shown, text

        files = self.workspace_files()
        self.push_screen(InspectPickScreen(files, self.workspace.root, check), chosen)

    def inspect_text(self, path: Path, passphrase: bytes | None = None) -> str:
        """core.pki's description of ``path`` (UserError when it cannot be read)."""
        from core.pki import inspect_file

        return inspect_file(path, passphrase)  # a regular file of at most 1 MiB

    def workspace_files(self) -> list[Path]:
        ws = self.workspace
        files = [p for p in (ws.ca_crt_path, ws.ca_key_path) if p.exists()]
        try:
            for name in ws.issued_names():
                paths = ws.issued_paths(name)
                files += [p for p in (paths.crt, paths.csr, paths.key) if p.exists()]
        except Exception:  # a damaged workspace still lets the user inspect what is there
            pass
        return files

    def action_publish(self) -> None:
        if self._busy():  # first: a server handed to a refused job would keep running
            self.say("Wait: the last job is still running.")
            return
        if self.server is not None:
            server, self.server = self.server, None
            if self._boot_server_set and self.handset.settings.boot_server == self._boot_server_set:
                self.handset.settings.boot_server = ""
                self.handset_pane.show_state()
            self._boot_server_set = ""
            self.run_job("Stopping the boot server…", server.stop, lambda _: self.say("Stopped."))
            return
        from tui.forms import PublishScreen

        try:
            names = self.workspace.issued_names()
        except Exception as exc:
            self.say(error_sentence(exc))
            return

        def submitted(request: Any) -> None:
            if request is not None:
                self.start_server(request.name, request.key_passphrase)

        self.push_screen(PublishScreen(names, self._check_server_key), submitted)

    def _check_server_key(self, request: Any) -> Any:
        """The form's check: core.bootserver says whether the server key opens with the
        passphrase typed (else UserError, or WrongPassphrase)."""
        from core.bootserver import BootServer

        if request.name is not None:
            server = BootServer(
                self.workspace, name=request.name, key_passphrase=request.key_passphrase
            )
            server.check_key_passphrase()
        return request

    def start_server(self, name: str | None, key_passphrase: bytes | None) -> None:
        from core.bootserver import BootServer

        server = BootServer(
            self.workspace, name=name, key_passphrase=key_passphrase, **self.server_options
        )

        def start() -> None:
            server.start()
            if self._closing:  # the app quit while it started
                server.stop()

        def started(_: Any) -> None:
            self._starting = None
            if self._closing:
                return
            self.server = server
            provisioning = server.provisioning_url()
            if provisioning and not self.handset.settings.boot_server:
                # As DHCP would: the handset's Provision soft key now checks this server.
                self.handset.settings.boot_server = provisioning
                self._boot_server_set = provisioning
                self.handset_pane.show_state()
            lines = ["Boot server started: ca.crt is published.", *server.notes]
            self.say("\n".join(lines))

        self._starting = server
        self.run_job("Starting the boot server…", start, started)

    def action_drills(self) -> None:
        """The training drills (tui/drills_screen.py), on this app's workspace."""
        from tui.drills_screen import open_drills

        open_drills(self)

    def action_check(self) -> None:
        """The Check view (tui/check_screen.py): core.check on URLs typed or from a file."""
        from tui.check_screen import CheckScreen

        self.push_screen(CheckScreen())

    # ----- the handset

    @on(HandsetPane.EffectRequested)
    def handset_effect(self, event: HandsetPane.EffectRequested) -> None:
        self._run_effect(event.effect)

    @work(exclusive=True, exit_on_error=False, group="handset")
    async def _run_effect(self, effect: Any) -> None:
        """Run the effect the handset asked for through core's one runner."""
        from core.handset.runner import run_effect

        pane = self.handset_pane
        connect_to = self.server.connect_map() if self.server else None
        try:
            error = await run_effect(self.handset, effect, connect_to=connect_to)
            if error:  # a bug: the runner aborted the effect, the phone left its busy screen
                self.say(error)
        finally:
            pane.show_state()
            self.refresh_details()
            self.refresh_handset_progress()

    def action_reset_handset(self) -> None:
        from core.handset import Handset

        settings = getattr(self.handset, "settings", None)
        self.handset = Handset(settings)
        self.handset_pane.handset = self.handset
        self.handset_pane.show_state()
        self.refresh_handset_progress()

    # ----- help and the command palette

    def action_help(self) -> None:
        from tui.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss(None)
            return
        self.push_screen(HelpScreen(self.handset_facts()))

    def handset_facts(self) -> list[tuple[str, str]]:
        """(screen and why, source) for every node of core.handset's menu tree."""
        import dataclasses

        from core.handset import NODES

        facts = [
            (f"{node.label}: {node.note}" if node.note else node.label, node.source)
            for node in NODES.values()
        ]
        choices = self.handset.choices
        facts += [
            (f"{f.name.replace('_', ' ')} = {getattr(choices, f.name)}", "rehearsal choice")
            for f in dataclasses.fields(choices)
            if f.name != "messages"
        ]
        facts.append(("the phone's messages (wording of results and errors)", "rehearsal choice"))
        return facts

    def action_focus_handset(self) -> None:
        self.screen_stack[0].query_one(HandsetPane).focus()

    def action_focus_workbench(self) -> None:
        self.screen_stack[0].query_one("#actions", OptionList).focus()

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        for name, key, label, _ in ACTIONS:
            yield SystemCommand(f"{label} ({key})", label, getattr(self, f"action_{name}"))
        yield SystemCommand(
            "Handset (Tab)", "Move the focus to the handset", self.action_focus_handset
        )
        yield SystemCommand(
            "Workbench (Tab)", "Move the focus to the workbench", self.action_focus_workbench
        )
        yield SystemCommand(
            "Reset the handset", "Start the rehearsal again", self.action_reset_handset
        )
        yield SystemCommand(
            "Keys (F1)", "Every key and the handset key it stands for", self.action_help
        )
        yield from super().get_system_commands(screen)

    async def on_unmount(self) -> None:
        import asyncio
        import contextlib

        self._closing = True
        servers = [s for s in (self.server, self._starting) if s is not None]
        self.server = self._starting = None
        for server in servers:  # joins its threads: not on the event loop, and bounded
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.to_thread(server.stop), STOP_TIMEOUT)


def _profiles(handset: Any) -> list[Any]:
    return [handset.profiles[n] for n in sorted(handset.profiles)]


def _short(fingerprint: str) -> str:
    parts = fingerprint.split(":")
    return ":".join(parts[:6]) + "…" + ":".join(parts[-2:]) if len(parts) > 8 else fingerprint


def _relative(path: Path, root: Path) -> Path:
    try:
        return Path(path).relative_to(root)
    except ValueError:
        return Path(path)


def _read(path: Path) -> bytes:
    """A typed path's bytes: a regular file of at most 1 MiB (never /dev/zero or a FIFO)."""
    from core.pki.inspect import read_small_file

    return read_small_file(path)


def _check_new_ca(request: Any) -> Any:
    """The Create CA form's check: core's rules for the passphrase, subject and days, so a
    mistake keeps the form (and what was typed) open instead of failing in the job."""
    from core.errors import UserError
    from core.passphrase import check_new_passphrase
    from core.pki.ca import check_days
    from core.pki.names import build_name
    from tui.forms import FieldError

    try:
        check_new_passphrase(request.passphrase, "CA key passphrase")
    except UserError as exc:
        raise FieldError(str(exc), "passphrase", clear=("passphrase", "passphrase2")) from None
    build_name(request.subject)
    check_days(request.days)
    return request


def make_app(
    workspace: str | Path | None = None,
    *,
    handset_settings: Any = None,
    clock: Clock | None = None,
    server_options: dict[str, Any] | None = None,
) -> HandsetCAApp:
    """The app on ``workspace`` (default: --workspace rules); tests pass a temp folder."""
    from core.handset import Handset
    from core.locations import workspace_dir

    return HandsetCAApp(
        Path(workspace_dir(workspace)),
        handset=Handset(handset_settings),
        clock=clock,
        server_options=server_options,
    )


def run_app(workspace: str | None = None) -> int:
    app = make_app(workspace)
    try:
        app.run()
    finally:
        if app.server is not None:
            app.server.stop()
    return app.return_code or 0


def drills_app(workspace: str | Path | None = None, drill_id: str | None = None) -> App[Any]:
    """The app, opened on the drill picker (or straight into ``drill_id``)."""
    from core.locations import workspace_dir
    from tui.drills_screen import open_drills

    app = make_app(workspace)
    app.call_later(open_drills, app, Path(workspace_dir(workspace)), start=drill_id)
    return app


def run_drills_app(workspace: str | Path | None = None, drill_id: str | None = None) -> int:
    """`handset-ca drills run [ID]`."""
    app = drills_app(workspace, drill_id)
    app.run()
    return app.return_code or 0
