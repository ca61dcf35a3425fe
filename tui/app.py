"""The Textual app: CA workbench on the left, emulated handset on the right.

`make_app()` builds it on any workspace (tests, scripts); `run_app()` is what
`handset-ca` with no subcommand calls. Everything that is PKI or phone logic
is a core call; this module runs those calls in workers and draws the results.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import OptionList, Select
from textual.worker import Worker, WorkerState

from core.errors import error_sentence
from core.rehearsal import Overview, Rehearsal
from tui.handset_pane import HandsetPane
from tui.keybar import KeyBar
from tui.keys import END_KEY, escape_then
from tui.workbench import ACTIONS, WorkbenchPane

if TYPE_CHECKING:
    from core.bootserver import BootServer
    from core.clock import WallClock
    from core.handset import Effect, Handset, HandsetSettings
    from core.pki import Workspace
    from core.pki.workspace import Result
    from core.rehearsal import (
        CreateCARequest,
        IssueRequest,
        PublishRequest,
        SignRequest,
    )
NARROW = 76  # below this width one pane shows at a time; Tab switches
WIDE = 110  # from this width the handset pane grows
STOP_TIMEOUT = 10.0  # seconds on_unmount waits for a boot server to stop
# Keys that act at once, even while keys typed ahead wait: quitting must always work.
IMMEDIATE_KEYS = frozenset({"ctrl+q", "ctrl+c"})
FOCUS_KEYS = frozenset({"tab", "shift+tab"})
CANCEL_KEYS = frozenset({"escape", END_KEY})  # on the handset while it waits
REPLAY_INTERVAL = 0.05  # seconds between looks at whether waiting keys can go on
UNFOCUSED_GRACE = 1.0  # a screen that focuses nothing this long after mounting takes keys
# A key not seen through to the app this long no longer holds the next (its widget went).
KEY_GRACE = 1.0


def as_typed(event: events.Key) -> list[events.Key]:
    """The keys the user typed, where the terminal's bytes made Textual read others."""
    if event.key == "ctrl+j":
        # An Enter typed before the terminal was in raw mode: the tty turned its \r
        # into \n, which Textual reads as Ctrl+J. Nothing here is bound to Ctrl+J.
        return [events.Key("enter", "\r")]
    after = escape_then(event.key, event.character)
    if after is not None:  # Esc and the next key in one burst
        return [events.Key("escape", "\x1b"), events.Key(after, after)]
    return [event]


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
    """Draws core's Rehearsal (workspace, handset, boot server) and runs its jobs in
    thread workers, one at a time, with a progress bar."""

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

    def __init__(self, rehearsal: Rehearsal) -> None:
        super().__init__()
        self.rehearsal = rehearsal
        self.blink = True  # text cursors blink; tests and screenshots turn it off
        self._done: dict[Worker[Any], Callable[[Any], None]] = {}
        # Type-ahead (see on_event): keys that arrived while the screen they are meant
        # for was not there yet, in order.
        self._typeahead: list[events.Key] = []
        self._replay_timer: Any = None
        self._replaying = False
        self._forms: set[Any] = set()  # open forms (FormScreen) whose result is not handed over
        self._unfocused_since: dict[Screen[Any], float] = {}
        # The key handed to a widget and not yet through (see _follow): (token, since).
        self._in_flight: tuple[object, float] | None = None
        self._select_moving_since: float | None = None
        self._deferred_effects: list[Effect] = []
        self._effects: dict[Worker[Any], Effect] = {}  # the handset's, by the worker running it

    def get_default_screen(self) -> Screen[None]:
        return MainScreen()

    # What the rehearsal holds, as the screens and tests ask for it.
    @property
    def workspace(self) -> Workspace:
        return self.rehearsal.workspace

    @property
    def handset(self) -> Handset:
        return self.rehearsal.handset

    @property
    def server(self) -> BootServer | None:
        return self.rehearsal.server

    @property
    def workbench(self) -> WorkbenchPane:
        return self.screen_stack[0].query_one(WorkbenchPane)

    @property
    def handset_pane(self) -> HandsetPane:
        return self.screen_stack[0].query_one(HandsetPane)

    # ----- type-ahead: a key typed at any moment does what it would have done had the
    # user waited for the screen (a burst over SSH, a paste, a fast typist)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            for key in as_typed(event):
                if key.key not in IMMEDIATE_KEYS and (self._typeahead or self.holds(key.key)):
                    self._typeahead.append(key)
                    self._arm_replay()
                else:
                    await self._dispatch(key)
            return
        await super().on_event(event)

    async def _dispatch(self, key: events.Key) -> None:
        """Hand one key to Textual; if it went to a widget, the next waits until it is through.

        Textual runs a priority binding (the form's Enter, Tab, the workbench's letters)
        as the key arrives, but a key it forwards is handled later: by the focused
        widget, then (bubbling up) by the app, which runs the non-priority binding (an
        option list's Down, a Select's Space) of whatever has the focus *then*. So in a
        burst `Down Enter` the Enter ran before the Down, and a Tab moved the focus before
        the Down's binding was looked up."""
        await super().on_event(key)
        if key.is_forwarded:
            self._follow(self.focused or self.screen)

    def _follow(self, target: Any) -> None:
        """Hold the keys after the one just forwarded to ``target`` until it has been
        handled there and at every level it can bubble to, up to the app: a callback
        queued behind it at each level, one level at a time."""
        token = object()
        self._in_flight = (token, time.monotonic())

        def through() -> None:
            if self._in_flight is not None and self._in_flight[0] is token:
                self._in_flight = None
                # Queued: after what the key's action asked the app to do (a focus change).
                self.call_later(self.replay_typeahead)

        def after(node: Any) -> None:
            parent = node.parent
            if parent is None or parent is self:
                self.call_later(through)
            elif not parent.call_later(after, parent):  # closing: it handles nothing more
                after(parent)

        if not target.call_later(after, target):
            through()

    def holds(self, key: str) -> bool:
        """Must ``key`` wait? While the screen it is meant for is not there yet: before
        the first frame or a new screen's focus; while a submitted form is checked or
        handed over; while a job runs, for the workbench (its next action needs the
        job's result; the handset and Tab go on); while the handset waits for its effect.
        """
        try:
            screen = self.screen
            pane = self.handset_pane
        except Exception:  # no screen yet, or not composed: before the first frame
            return True
        if not screen.is_mounted or self._unfocused(screen):
            return True
        if self._in_flight is not None:
            if time.monotonic() - self._in_flight[1] < KEY_GRACE:
                return True  # the key before it is not through yet (_dispatch)
            self._in_flight = None
        if self._select_moving():
            return True
        if any(form.submitted for form in self._forms):
            return True
        on_handset = self.focused is pane
        if self._busy() and not on_handset and key not in FOCUS_KEYS:
            return True
        if pane.has_queued_keys:
            return True
        if self.handset.busy and on_handset:
            # End/Esc stop the phone's wait, when nothing typed ahead is waiting before
            # them; F1 and Tab answer at once; the rest is for the screen after the result.
            return key not in CANCEL_KEYS | FOCUS_KEYS | {"f1"}
        return False

    def _unfocused(self, screen: Screen[Any]) -> bool:
        """A screen that will focus a field has not done it yet (a short grace at most)."""
        if screen.focused is not None or not screen.focus_chain:
            self._unfocused_since.pop(screen, None)
            return False
        since = self._unfocused_since.setdefault(screen, time.monotonic())
        return time.monotonic() - since < UNFOCUSED_GRACE

    def _select_moving(self) -> bool:
        """A Select's list is opening (the Select is expanded, its list not focused yet) or
        closing (its list still focused): the keys after wait for the focus to land."""
        focused = self.focused
        moving = (isinstance(focused, Select) and focused.expanded) or (
            isinstance(focused, OptionList)
            and isinstance(focused.parent, Select)
            and not focused.parent.expanded
        )
        if not moving:
            self._select_moving_since = None
            return False
        if self._select_moving_since is None:
            self._select_moving_since = time.monotonic()
        return time.monotonic() - self._select_moving_since < UNFOCUSED_GRACE

    def _arm_replay(self) -> None:
        if self._replay_timer is None:
            self._replay_timer = self.set_interval(REPLAY_INTERVAL, self.replay_typeahead)

    async def replay_typeahead(self) -> None:
        """Hand the waiting keys on, in order, until one has to wait again."""
        if self._replaying:
            return
        self._replaying = True
        try:
            while self._typeahead and not self.holds(self._typeahead[0].key):
                await self._dispatch(self._typeahead.pop(0))
        finally:
            self._replaying = False
        if not self._typeahead and self._replay_timer is not None:
            self._replay_timer.stop()
            self._replay_timer = None

    def drop_typeahead(self) -> int:
        """Forget the keys typed ahead (a form refused what they followed); how many."""
        dropped = len(self._typeahead)
        self._typeahead.clear()
        return dropped

    def open_form(self, form: Any, submitted: Callable[[Any], None]) -> None:
        """Push a FormScreen; from its submit until ``submitted`` has run (and started
        the job), keys typed ahead wait for the screen that comes next."""
        self._forms.add(form)

        def closed(result: Any) -> None:
            try:
                submitted(result)
            finally:
                self._forms.discard(form)

        self.push_screen(form, closed)

    # ----- the workspace at a glance

    def overview(self) -> Overview:
        return self.rehearsal.view()

    def details(self) -> list[str]:
        return self.rehearsal.details()

    def refresh_handset_progress(self) -> None:
        """Redraw the next step when the handset moved on (no disk read)."""
        view = self.workbench.view
        progress = self.handset.progress
        boot_server = bool(self.handset.settings.boot_server)  # set on the phone, maybe
        if progress != view.handset or boot_server != view.boot_server:
            self.workbench.show(
                dataclasses.replace(view, handset=progress, boot_server=boot_server)
            )

    def refresh_overview(self) -> None:
        self.workbench.show(self.overview())
        self.refresh_details()

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
        # Effects the handset asked for while the job ran (Publish before a download).
        effects, self._deferred_effects = self._deferred_effects, []
        for effect in effects:
            self._start_effect(effect)

    def _result_done(self, verb: str) -> Callable[[Result], None]:
        def done(result: Result) -> None:
            self.say(self.rehearsal.result_lines(verb, result))

        return done

    # ----- workbench actions (keys, list, command palette)

    def action_create_ca(self) -> None:
        from tui.forms import CreateCAScreen

        refusal = self.rehearsal.existing_ca_sentence()
        if refusal:  # refuse now, not after the whole form is filled in
            self.say(refusal)
            return

        def submitted(request: CreateCARequest | None) -> None:
            if request is not None:
                self.run_job(
                    f"Generating the CA's {request.key_size}-bit RSA key…",
                    lambda: self.rehearsal.create_ca(request),
                    self._result_done("Created the CA"),
                )

        self.open_form(CreateCAScreen(self.rehearsal.check_new_ca), submitted)

    def action_issue(self) -> None:
        from tui.forms import IssueScreen

        def submitted(request: IssueRequest | None) -> None:
            if request is not None:
                self.run_job(
                    f"Generating {request.name}'s {request.key_size}-bit key, then signing…",
                    lambda: self.rehearsal.issue(request),
                    self._result_done("Issued"),
                )

        self.open_form(IssueScreen(self.rehearsal.check_issue), submitted)

    def action_sign_csr(self) -> None:
        from tui.forms import SignCSRScreen

        def submitted(request: SignRequest | None) -> None:
            if request is not None:
                self.run_job(
                    "Signing the CSR…",
                    lambda: self.rehearsal.sign(request),
                    self._result_done("Signed"),
                )

        self.open_form(SignCSRScreen(self.rehearsal.check_sign), submitted)

    def action_inspect(self) -> None:
        from tui.forms import InspectPickScreen, InspectScreen

        def chosen(result: tuple[str, str] | None) -> None:
            if result is not None:
                self.push_screen(InspectScreen(*result))

        files = self.rehearsal.files()
        self.open_form(
            InspectPickScreen(files, self.workspace.root, self.rehearsal.inspect), chosen
        )

    def action_publish(self) -> None:
        if self._busy():  # first: a server handed to a refused job would keep running
            self.say("Wait: the last job is still running.")
            return
        server = self.rehearsal.unpublish()
        if server is not None:
            self.handset_pane.show_state()  # the phone forgot the boot server publishing set
            self.run_job("Stopping the boot server…", server.stop, lambda _: self.say("Stopped."))
            return
        from tui.forms import PublishScreen

        try:
            names = self.workspace.issued_names()
        except Exception as exc:
            self.say(error_sentence(exc))
            return

        def submitted(request: PublishRequest | None) -> None:
            if request is not None:
                self.start_server(request.name, request.key_passphrase)

        self.open_form(PublishScreen(names, self.rehearsal.check_server_key), submitted)

    def start_server(self, name: str | None, key_passphrase: bytes | None) -> None:
        """Publish: start the boot server in a job; the handset then knows its address."""
        from core.rehearsal import PublishRequest

        def started(server: BootServer | None) -> None:
            sentence = self.rehearsal.adopt(server)
            if sentence:
                self.say(sentence)
                self.handset_pane.show_state()

        request = PublishRequest(name, key_passphrase)
        self.run_job(
            "Starting the boot server…", lambda: self.rehearsal.start_server(request), started
        )

    # ----- life after day one (tui/lifecycle.py): expiry, renewal, the CA's renewal/rollover

    def action_expiry(self) -> None:
        from tui.lifecycle import open_expiry

        open_expiry(self)

    def action_ca_renew(self) -> None:
        from tui.lifecycle import open_ca_form

        open_ca_form(self, "renew")

    def action_ca_rollover(self) -> None:
        from tui.lifecycle import open_ca_form

        open_ca_form(self, "rollover")

    def action_ca_rollover_finish(self) -> None:
        from tui.lifecycle import open_ca_form

        open_ca_form(self, "finish")

    def action_drills(self) -> None:
        """The training drills (tui/drills_screen.py), on this app's workspace."""
        from tui.drills_screen import open_drills

        open_drills(self)

    def action_check(self) -> None:
        """The Check view (tui/check_screen.py): core.check on URLs typed or from a file."""
        from tui.check_screen import CheckScreen

        self.push_screen(CheckScreen(self.rehearsal))

    # ----- the handset

    @on(HandsetPane.EffectRequested)
    def handset_effect(self, event: HandsetPane.EffectRequested) -> None:
        if self._busy():  # a job (Publish starting the boot server) first
            self._deferred_effects.append(event.effect)
            return
        self._start_effect(event.effect)

    def _start_effect(self, effect: Effect) -> None:
        self._effects[self._run_effect(effect)] = effect

    @on(HandsetPane.CancelRequested)
    def cancel_effect(self, event: HandsetPane.CancelRequested) -> None:
        """End/Esc while the phone waits: cancel the worker; core's runner then aborts
        the effect (the fetch stops, the phone says it was stopped)."""
        if event.control is not self.handset_pane:
            return  # another screen's handset (a drill) runs its own effects
        from core.handset.runner import STOPPED

        if self._deferred_effects:  # still waiting for Publish: never started
            self._deferred_effects.clear()
            if self.handset.busy:
                self.handset.abort(STOPPED)
            self.handset_pane.show_state()
            self.refresh_details()
        for worker in self.workers:
            if worker.group == "handset" and not worker.is_finished:
                worker.cancel()

    @on(Worker.StateChanged)
    def effect_finished(self, event: Worker.StateChanged) -> None:
        """A handset worker cancelled before it began never reached the runner: abort the
        phone's wait here, so it never stays busy."""
        if event.worker.group != "handset" or not event.worker.is_finished:
            return
        effect = self._effects.pop(event.worker, None)
        if event.state != WorkerState.CANCELLED:
            return
        from core.handset.runner import STOPPED

        if effect is not None and self.handset.pending is effect:
            self.handset.abort(STOPPED)
            self.handset_pane.show_state()
            self.refresh_details()

    @work(exit_on_error=False, group="handset")
    async def _run_effect(self, effect: Effect) -> None:
        """Run the effect the handset asked for through the rehearsal (core's one runner)."""
        pane = self.handset_pane
        try:
            error = await self.rehearsal.run_effect(effect)
            if error:  # a bug: the runner aborted the effect, the phone left its busy screen
                self.say(error)
        finally:
            pane.show_state()
            self.refresh_details()
            self.refresh_handset_progress()

    def action_reset_handset(self) -> None:
        self.handset_pane.handset = self.rehearsal.reset_handset()
        self.handset_pane.show_state()
        self.refresh_handset_progress()

    # ----- help and the command palette

    def action_help(self) -> None:
        from tui.help import HelpScreen, help_sections

        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss(None)
            return
        sections = help_sections(type(self), MainScreen)  # the real bindings
        self.push_screen(HelpScreen(self.handset_facts(), sections))

    def handset_facts(self) -> list[tuple[str, str]]:
        """(fact, source) for every behaviour, screen and setting of core's handset."""
        from core.handset.menu import help_facts

        return help_facts(self.handset.tree, self.handset.choices)

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
            "Renew the CA certificate", "ca renew: same key, a new date", self.action_ca_renew
        )
        yield SystemCommand(
            "Start a CA rollover",
            "ca rollover: a new CA key beside the current one",
            self.action_ca_rollover,
        )
        yield SystemCommand(
            "Finish the CA rollover",
            "ca rollover --finish: the next CA becomes current",
            self.action_ca_rollover_finish,
        )
        yield SystemCommand(
            "Keys (F1)", "Every key and the handset key it stands for", self.action_help
        )
        # Not Textual's own "Keys": its side panel squeezed the workbench to 14 columns
        # and neither Esc nor F1 closed it. F1 (above) is this app's list of keys.
        yield from (c for c in super().get_system_commands(screen) if c.title != "Keys")

    async def on_unmount(self) -> None:
        import asyncio
        import contextlib

        # Joins the servers' threads: not on the event loop, and bounded.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.to_thread(self.rehearsal.close), STOP_TIMEOUT)


def make_app(
    workspace: str | Path | None = None,
    *,
    handset_settings: HandsetSettings | None = None,
    clock: WallClock | None = None,
    server_options: dict[str, Any] | None = None,
) -> HandsetCAApp:
    """The app on ``workspace`` (default: --workspace rules); tests pass a temp folder."""
    from core.handset import Handset
    from core.locations import workspace_dir

    rehearsal = Rehearsal(
        Path(workspace_dir(workspace)),
        handset=Handset(handset_settings),
        clock=clock,
        server_options=server_options,
    )
    return HandsetCAApp(rehearsal)


def run_app(workspace: str | None = None) -> int:
    app = make_app(workspace)
    try:
        app.run()
    finally:
        app.rehearsal.close()
    return app.return_code or 0


def drills_app(
    workspace: str | Path | None = None, drill_id: str | None = None, *, trainee: str | None = None
) -> App[Any]:
    """The app, opened on the drill picker (or straight into ``drill_id``); with no
    ``trainee`` (a valid name) the picker asks for one."""
    from core.locations import workspace_dir
    from tui.drills_screen import open_drills

    app = make_app(workspace)
    app.call_later(
        open_drills, app, Path(workspace_dir(workspace)), start=drill_id, trainee=trainee
    )
    return app


def run_drills_app(
    workspace: str | Path | None = None, drill_id: str | None = None, *, trainee: str | None = None
) -> int:
    """`handset-ca drills run [ID] [--trainee NAME]`."""
    app = drills_app(workspace, drill_id, trainee=trainee)
    app.run()
    return app.return_code or 0
