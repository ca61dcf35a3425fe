"""Training drills in the app: pick a drill, do it on the handset, diagnose, read the summary.

All scoring is core.drills.session.DrillSession; these screens draw its
checklist, hint, timer and summary, and hand the handset's keys to it. Open
the picker from the app with ``open_drills(app)``.
"""

from __future__ import annotations

import textwrap
import threading
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.markup import escape
from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Input, Markdown, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from core.errors import error_sentence
from tui.handset_pane import HandsetPane
from tui.keybar import KeyBar

if TYPE_CHECKING:
    from collections.abc import Callable

    from core.clock import Stopwatch
    from core.drills.model import Drill
    from core.drills.session import DrillSession
    from core.handset import Effect

NO_STEPS_TEXT = (
    "No step done yet: work through the job sheet on the handset until the phone fails "
    "(what it says is your evidence), then F8 to name the cause. F8 again: the causes now."
)
MEMORY_NOTE = "Against the clock, without hints: the steps are not shown. Do them from memory."
KIND_WORDS = {"guided": "guided, hints", "timed": "against the clock", "fault": "find the fault"}


def clock_text(seconds: float) -> str:
    whole = max(0, round(seconds))
    return f"{whole // 60}:{whole % 60:02d}"


# The trainee's name per running app, asked once (None: the trainee gave none).
_trainees: weakref.WeakKeyDictionary[App[Any], str | None] = weakref.WeakKeyDictionary()


def known_trainee(app: App[Any]) -> tuple[bool, str | None]:
    """(known, name): whether this app has its trainee's name yet, and the name."""
    if app in _trainees:
        return True, _trainees[app]
    return False, None


def remember_trainee(app: App[Any], name: str | None) -> None:
    _trainees[app] = name


def open_drills(
    app: App[Any],
    workspace: Path | None = None,
    *,
    start: str | None = None,
    trainee: str | None = None,
) -> None:
    """Push the drill picker; results are saved under ``workspace`` (default: the app's).

    With ``start`` (a drill id) that drill is set up at once. ``trainee`` (a valid
    name, from --trainee) is remembered for this app; without it the picker takes
    $HANDSET_CA_TRAINEE or asks once.
    """
    if workspace is None:
        ws = getattr(app, "workspace", None)
        workspace = Path(ws.root) if ws is not None else None
    if trainee is not None:
        remember_trainee(app, trainee)
    app.push_screen(DrillPickerScreen(workspace, start=start))


class StartsSessions(Screen[None]):
    """A screen that sets up a drill session in a thread worker (the picker; the summary,
    for a retry). A session set up after the screen has gone (Esc, quit) is closed."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._unclaimed: list[DrillSession] = []
        self._gone = False

    def _starting(self) -> bool:
        return any(w.group == "drill-start" and not w.is_finished for w in self.workers)

    def build_session(self, factory: Callable[[], DrillSession]) -> None:
        """Run ``factory`` off the event loop; session_ready() gets what it made."""
        if not self._starting():
            self._build(factory)

    @work(thread=True, exclusive=True, exit_on_error=False, group="drill-start")
    def _build(self, factory: Callable[[], DrillSession]) -> DrillSession | None:
        session = factory()
        with self._lock:
            if not self._gone:
                self._unclaimed.append(session)
                return session
        session.close()  # Esc (or quit) while it was set up: its servers and temp folder go
        return None

    @on(Worker.StateChanged)
    def built(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "drill-start":
            return
        if event.state == WorkerState.SUCCESS:
            session = event.worker.result
            with self._lock:
                if session not in self._unclaimed:
                    return
                self._unclaimed.remove(session)
            self.session_ready(session)
        elif event.state == WorkerState.ERROR:
            self.session_failed(error_sentence(event.worker.error))

    def session_ready(self, session: DrillSession) -> None:
        raise NotImplementedError

    def session_failed(self, sentence: str) -> None:
        raise NotImplementedError

    def on_unmount(self) -> None:
        with self._lock:
            self._gone = True
            sessions, self._unclaimed = self._unclaimed, []
        close_later(*sessions)


class DrillPickerScreen(StartsSessions):
    """The drills, with the goal of the highlighted one and this trainee's best result;
    Enter starts one. Before the first drill it asks the trainee's name (once per app)."""

    DEFAULT_CSS = """
    DrillPickerScreen { layout: vertical; }
    #drill-list { height: 1fr; border: round $primary; }
    #drill-goal { height: auto; max-height: 9; border: round $secondary; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "leave", "Back", id="drills_back", tooltip="Back", key_display="Esc"),
        Binding("r", "results", "Results", id="drills_results", tooltip="Past drill results"),
        Binding("t", "trainee", "Trainee", id="drills_trainee", tooltip="Change the name"),
    ]

    def __init__(
        self, workspace: Path | None, *, clock: Stopwatch | None = None, start: str | None = None
    ) -> None:
        super().__init__()
        self.workspace = workspace
        self.clock = clock
        self.start_id = start
        self.drills: list[Drill] = []
        self.error = ""
        self.trainee: str | None = None

    def compose(self) -> ComposeResult:
        from core.drills.loader import load_drills
        from core.errors import UserError

        try:
            self.drills = load_drills(self.workspace)
        except UserError as exc:
            self.error = str(exc)
        option_list = OptionList(*self._options(), id="drill-list")
        option_list.border_title = "Drills: Enter starts, Esc goes back"
        yield option_list
        yield Static(self.error, id="drill-goal")
        yield KeyBar()

    def _options(self) -> list[Option]:
        """One option per drill; under it, this trainee's best result if there is one."""
        from core.drills.records import best_for
        from core.drills.report import past_results

        results = past_results(self.workspace) if self.workspace is not None else []
        best = best_for(results, self.trainee)
        options = []
        for d in self.drills:
            prompt = Text(f"{d.title}  ({KIND_WORDS[d.kind]})")
            if d.id in best:
                prompt.append(f"\n  {best[d.id].short()}", style="dim")
            options.append(Option(prompt, id=d.id))
        return options

    def _show_options(self) -> None:
        option_list = self.query_one("#drill-list", OptionList)
        highlighted = option_list.highlighted
        option_list.set_options(self._options())
        if highlighted is not None and highlighted < len(self.drills):
            option_list.highlighted = highlighted
        who = escape(self.trainee) if self.trainee else "no name"  # a name is text, not markup
        option_list.border_subtitle = f"Trainee: {who} (t changes)"

    def on_mount(self) -> None:
        option_list = self.query_one("#drill-list", OptionList)
        option_list.focus()
        if self.drills:
            self._show_goal(self.drills[0])
        known, name = known_trainee(self.app)
        if known:
            self._have_trainee(name)
            return
        from core.drills.trainee import trainee_name
        from core.errors import UserError

        try:
            name = trainee_name()  # $HANDSET_CA_TRAINEE
        except UserError as exc:
            self.app.push_screen(TraineeScreen(str(exc)), self._named)
            return
        if name is not None:
            self._named(name)
        else:
            self.app.push_screen(TraineeScreen(), self._named)

    def _named(self, name: str | None) -> None:
        remember_trainee(self.app, name)
        self._have_trainee(name)

    def _have_trainee(self, name: str | None) -> None:
        self.trainee = name
        self._show_options()
        if self.start_id is not None:
            start, self.start_id = self.start_id, None
            ids = [d.id for d in self.drills]
            if start in ids:
                option_list = self.query_one("#drill-list", OptionList)
                option_list.highlighted = ids.index(start)
                option_list.action_select()

    def on_screen_resume(self) -> None:
        if self.is_mounted and known_trainee(self.app)[0]:
            self._show_options()  # a drill just finished: its result may be the best

    def action_trainee(self) -> None:
        def changed(name: str | None) -> None:
            if name is not None:  # Esc keeps the name there was
                self._named(name)

        self.app.push_screen(TraineeScreen(initial=self.trainee or ""), changed)

    def _drill(self, option_id: str | None) -> Drill | None:
        return next((d for d in self.drills if d.id == option_id), None)

    def _show_goal(self, drill: Drill) -> None:
        self.query_one("#drill-goal", Static).update(drill.goal)

    @on(OptionList.OptionHighlighted, "#drill-list")
    def highlighted(self, event: OptionList.OptionHighlighted) -> None:
        drill = self._drill(event.option.id)
        if drill is not None:
            self._show_goal(drill)

    @on(OptionList.OptionSelected, "#drill-list")
    def selected(self, event: OptionList.OptionSelected) -> None:
        drill = self._drill(event.option.id)
        if drill is None or self._starting():
            return
        self.query_one("#drill-goal", Static).update(
            f"Setting up {drill.title!r}: a CA, a boot server and a handset…"
        )
        self.build_session(lambda: self._new_session(drill))

    def _new_session(self, drill: Drill) -> DrillSession:
        from core.drills.session import DrillSession

        if self.clock is None:
            return DrillSession(drill, self.workspace, trainee=self.trainee)
        return DrillSession(drill, self.workspace, clock=self.clock, trainee=self.trainee)

    def session_ready(self, session: DrillSession) -> None:
        self._show_goal(session.drill)
        self.app.push_screen(DrillScreen(session))

    def session_failed(self, sentence: str) -> None:
        self.query_one("#drill-goal", Static).update(sentence)

    def action_leave(self) -> None:
        self.dismiss(None)

    def action_results(self) -> None:
        self.app.push_screen(ResultsScreen(self.workspace))


class ResultsScreen(Screen[None]):
    """Past results in this workspace, newest last (as `handset-ca drills report`)."""

    DEFAULT_CSS = """
    ResultsScreen #results { height: 1fr; border: round $primary; }
    ResultsScreen #results-note { height: auto; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Back", id="results_back", key_display="Esc"),
    ]

    def __init__(self, workspace: Path | None) -> None:
        super().__init__()
        self.workspace = workspace

    def compose(self) -> ComposeResult:
        from core.drills.report import past_results, result_cells, results_dir

        table: DataTable[str] = DataTable(id="results", cursor_type="row", zebra_stripes=True)
        table.add_columns(
            "Started", "Drill", "Result", "Time", "Steps", "Wrong", "Pwd", "Hints", "Name"
        )
        results = past_results(self.workspace) if self.workspace is not None else []
        for r in results:
            # month-day time: fits 80 columns; the trainee last, where it may be cut
            table.add_row(r.started[5:16].replace("T", " "), *result_cells(r), r.trainee or "-")
        yield table
        where = results_dir(self.workspace) if self.workspace is not None else "no workspace"
        passed = sum(1 for r in results if r.passed)
        yield Static(
            f"{len(results)} result(s), {passed} passed; files in {where}.", id="results-note"
        )
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#results", DataTable).focus()

    def action_close(self) -> None:
        self.dismiss(None)


class DrillHandsetPane(HandsetPane):
    """The app's handset pane, telling the drill screen after every key."""

    class Pressed(Message):
        """A handset key was pressed (the session reads the event log)."""

    def press(self, key: str) -> None:
        super().press(key)
        self.post_message(self.Pressed())


class Checklist(Static):
    """The drill's steps; drawn again when its room changes (a longer hint, a resize)."""

    def on_resize(self) -> None:
        screen = self.screen
        if isinstance(screen, DrillScreen):
            screen.refresh_checklist()


class DrillScreen(Screen[None]):
    """A drill in progress: job sheet, checklist, timer and hint beside the handset."""

    # Below 70 columns the side has ~22: its padding goes, so a long hint fits in 60x20.
    HORIZONTAL_BREAKPOINTS: list[tuple[int, str]] | None = [(0, "-narrow"), (70, "-normal")]  # noqa: RUF012

    DEFAULT_CSS = """
    DrillScreen #drill-panes { height: 1fr; }
    DrillScreen #drill-side { width: 1fr; border: round $primary; padding: 0 0 0 1; }
    DrillScreen #drill-title { text-style: bold; height: auto; }
    DrillScreen #drill-status { height: auto; padding: 0 1 0 0; }
    DrillScreen #drill-scroll { height: 1fr; min-height: 1; scrollbar-size-vertical: 1;
                                scrollbar-gutter: stable; }
    DrillScreen #drill-sheet { height: auto; margin: 1 0 0 0; }
    DrillScreen #drill-checklist { height: auto; margin: 1 0 0 0; }
    DrillScreen #drill-hint { height: auto; padding: 0 1 0 0; }
    DrillScreen.-narrow #drill-side { padding: 0; }
    DrillScreen.-narrow #drill-status { padding: 0; }
    DrillScreen.-narrow #drill-hint { padding: 0; }
    DrillScreen DrillHandsetPane { width: 34; height: 1fr; border: round $secondary; }
    DrillScreen DrillHandsetPane:focus { border: heavy $accent; }
    """
    # Priority: run as the key arrives, not after the handset's queued keys, so a key typed
    # right after F8 or F10 goes to the question they open, not to the phone underneath.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f7", "hint", "Hint", id="drill_hint", key_display="F7", tooltip="A hint"),
        Binding(
            "f8",
            "finish",
            "Finish",
            id="drill_finish",
            key_display="F8",
            tooltip="Summary",
            priority=True,
        ),
        Binding(
            "f9",
            "brief",
            "Goal",
            id="drill_goal",
            key_display="F9",
            tooltip="The goal",
            priority=True,
        ),
        Binding(
            "f10",
            "abandon",
            "Leave",
            id="drill_leave",
            key_display="F10",
            tooltip="Quit",
            priority=True,
        ),
    ]

    def __init__(self, session: DrillSession) -> None:
        super().__init__()
        self.session = session
        self.hint_text = ""
        self.hint_step: int | None = None  # the step whose hint is shown
        self._finishing = False
        self._told_first = False  # F8 before any step in a fault drill: told what to do

    def compose(self) -> ComposeResult:
        drill = self.session.drill
        with Horizontal(id="drill-panes"):
            with Vertical(id="drill-side") as side:
                side.border_title = f"Drill: {KIND_WORDS[drill.kind]}"
                if self.session.trainee:
                    side.border_subtitle = self.session.trainee
                # The timer and the hint stay in view; the rest scrolls (a small terminal,
                # a long drill), kept on the current step. Tab focuses it for the arrows.
                yield Static(id="drill-status")
                with VerticalScroll(id="drill-scroll"):
                    yield Static(drill.title, id="drill-title")  # wraps; a border title is cut
                    yield Static(id="drill-sheet")
                    yield Checklist(id="drill-checklist")
                yield Static(id="drill-hint")
            yield DrillHandsetPane(self.session.handset, id="drill-handset")
        yield KeyBar()

    def on_mount(self) -> None:
        from tui.scrollbars import whole_cell_scrollbars

        whole_cell_scrollbars(self.query_one("#drill-scroll"))
        self.query_one(DrillHandsetPane).focus()
        self.hint_text = self.no_hint_text()
        self.refresh_drill()
        self.set_interval(1.0, self.refresh_status)

    def on_unmount(self) -> None:
        close_later(self.session)  # stops servers, joins threads: off the event loop

    # --- drawing ------------------------------------------------------------------------
    def refresh_status(self) -> None:
        s = self.session
        done = sum(1 for item in s.checklist if item.done)
        timer = clock_text(s.elapsed())
        if s.drill.time_limit is not None:
            timer += f" of {clock_text(s.drill.time_limit)}"
            if s.elapsed() > s.drill.time_limit:
                timer += " OVER"
        parts = [timer, f"Steps {done}/{len(s.drill.steps)}"]
        if s.drill.hints:
            parts.append(f"Hints {s.hints_used}")
        wrong = f"Wrong keys {s.checker.wrong_keys} · wrong passwords {s.checker.wrong_passwords}"
        status = Text("  ".join(parts), style="bold").append("\n" + wrong)
        self.query_one("#drill-status", Static).update(status)

    def refresh_drill(self) -> None:
        self.refresh_status()
        self.query_one("#drill-sheet", Static).update("\n".join(self.session.job_sheet))
        self.refresh_checklist()
        self.query_one("#drill-hint", Static).update(Text(self.hint_text, style="italic"))

    def refresh_checklist(self) -> None:
        checklist = self.query_one("#drill-checklist", Static)
        if not self.session.shows_checklist:
            checklist.update(MEMORY_NOTE)
            return
        width = checklist.size.width
        checklist.update(self.checklist_text(width))
        self.call_after_refresh(self._show_current_step, width)

    def checklist_rows(self, width: int = 0) -> list[list[str]]:
        """Each step's lines, wrapped under its text (not cut) to ``width`` (0: no limit)."""
        items = self.session.checklist
        out: list[list[str]] = []
        for i, item in enumerate(items):
            head = f"{'[x]' if item.done else ('[>]' if item.current else '[ ]')} {i + 1}. "
            text = head + item.label
            if width <= len(head) + 8:
                out.append([text])
            else:
                out.append(textwrap.wrap(text, width, subsequent_indent=" " * len(head)) or [text])
        return out

    def checklist_text(self, width: int = 0) -> Text:
        """Every step, the current one bold, the done ones dim; the panel scrolls."""
        text = Text()
        for item, lines in zip(self.session.checklist, self.checklist_rows(width), strict=True):
            style = "bold" if item.current else ("dim" if item.done else "")
            text.append("\n".join(lines) + "\n", style=style)
        return text

    def _show_current_step(self, width: int) -> None:
        """Scroll the panel so the current step (or the last, when all are done) is in view."""
        from textual.geometry import Region

        if not self.is_attached or not self.session.shows_checklist:
            return
        items = self.session.checklist
        current = next((i for i, item in enumerate(items) if item.current), len(items) - 1)
        rows = self.checklist_rows(width)
        checklist = self.query("#drill-checklist")
        scrolls = self.query("#drill-scroll").results(VerticalScroll)
        scroll = next(iter(scrolls), None)
        if not checklist or scroll is None:  # the screen is closing: nothing to scroll
            return
        top = checklist.first().virtual_region.y + sum(map(len, rows[:current]))
        scroll.scroll_to_region(
            Region(0, top, 1, len(rows[current])), animate=False, immediate=True
        )

    # --- the handset ----------------------------------------------------------------------
    @on(DrillHandsetPane.Pressed)
    def pressed(self) -> None:
        self.after_handset()

    @on(HandsetPane.EffectRequested)
    def effect_requested(self, event: HandsetPane.EffectRequested) -> None:
        event.stop()  # this drill's handset, not the app's: run it against the drill's servers
        self._run_effect(event.effect)

    @on(HandsetPane.CancelRequested)
    def cancel_requested(self, event: HandsetPane.CancelRequested) -> None:
        """The phone already says it was cancelled: stop the fetch for real."""
        event.stop()
        for worker in self.workers:
            if worker.group == "drill-handset" and not worker.is_finished:
                worker.cancel()

    @work(exclusive=True, exit_on_error=False, group="drill-handset")
    async def _run_effect(self, effect: Effect) -> None:
        try:
            error = await self.session.rehearsal.run_effect(effect)
            if error:  # a bug: the runner aborted the effect, the phone left its busy screen
                self.hint_text = error
        finally:
            self.query_one(DrillHandsetPane).show_state()
            self.after_handset()

    def after_handset(self) -> None:
        s = self.session
        s.update()
        if self.hint_step is not None and s.checklist[self.hint_step].done:
            self.hint_step = None  # that step's hint has done its job
            self.hint_text = self.no_hint_text()
        elif self.hint_text == NO_STEPS_TEXT and any(item.done for item in s.checklist):
            self.hint_text = self.no_hint_text()  # the trainee did what it said
        if s.steps_done and not s.handset.busy and not self._finishing:
            if s.needs_diagnosis:  # leave the phone's words on screen: they are the evidence
                self.hint_text = "Every step is done: read what the phone says, then F8."
            else:
                self.action_finish()
        self.refresh_drill()

    # --- actions --------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # A drill without hints shows no Hint key.
        return not (action == "hint" and not self.session.drill.hints)

    def no_hint_text(self) -> str:
        return "F7 shows a hint (counted)." if self.session.drill.hints else ""

    def action_hint(self) -> None:
        from core.errors import UserError

        s = self.session
        try:
            self.hint_text = s.hint()
            self.hint_step = None if s.steps_done else s.checker.next_index
        except UserError as exc:
            self.hint_text = str(exc)
        self.refresh_drill()

    def action_brief(self) -> None:
        self.app.push_screen(BriefScreen(self.session.drill.goal))

    def action_finish(self) -> None:
        if self._finishing or self.session.summary is not None:
            return
        s = self.session
        if s.needs_diagnosis and not self._told_first and not any(i.done for i in s.checklist):
            # Nothing tried yet: say what to do first; the cause list only if asked again.
            # (A line, not a pop-up: keys typed after F8 still go to the phone.)
            self._told_first = True
            self.hint_text = NO_STEPS_TEXT
            self.refresh_drill()
            return
        self._finishing = True
        if s.needs_diagnosis:  # the cause list is the question; Esc goes back
            self.app.push_screen(DiagnosisScreen(s), self._diagnosed)
        elif not s.steps_done:  # F8 is next to F7 (Hint): ask before recording a failure
            done = sum(1 for item in s.checklist if item.done)
            self.app.push_screen(ConfirmFinishScreen(done, len(s.drill.steps)), self._confirmed)
        else:
            self._conclude(None)

    def _confirmed(self, finish: bool | None) -> None:
        if finish:
            self._conclude(None)
        else:
            self._finishing = False

    def _diagnosed(self, cause: str | None) -> None:
        if cause is None:  # back to the handset
            self._finishing = False
            return
        self._conclude(cause)

    def _conclude(self, cause: str | None) -> None:
        from core.errors import UserError

        summary = self.session.finish(cause)
        saved_note = ""
        try:
            md, _ = self.session.save()
            saved_note = f"Saved as {md} and .json."
        except UserError as exc:
            saved_note = str(exc)
        except OSError as exc:  # the disk is full, the folder went away, ...
            saved_note = (
                f"The result could not be saved ({exc.strerror or exc}); "
                "free some space or check the workspace folder, then run the drill again."
            )
        self.app.switch_screen(SummaryScreen(summary.to_markdown(), saved_note, self.session))

    def action_abandon(self) -> None:
        if self._finishing or self.session.summary is not None:
            return
        self.app.push_screen(ConfirmLeaveScreen(), self._leave)

    def _leave(self, leave: bool | None) -> None:
        if leave:
            self.dismiss(None)


class BriefScreen(ModalScreen[None]):
    """The drill's goal again."""

    DEFAULT_CSS = """
    BriefScreen { align: center middle; }
    BriefScreen #brief { width: 70; max-width: 100%; height: auto; border: heavy $accent;
        background: $surface; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter,f9", "close", "Close", id="brief_close", key_display="Esc"),
    ]

    def __init__(self, goal: str) -> None:
        super().__init__()
        self.goal = goal

    def compose(self) -> ComposeResult:
        yield Static(self.goal, id="brief")
        yield KeyBar()  # its own keys, not the drill's (which do nothing while it is open)

    def action_close(self) -> None:
        self.dismiss(None)


class Confirm(ModalScreen[bool]):
    """A yes/no question over the drill: ``action_yes`` dismisses True, ``action_back`` False.
    Subclasses give the question and their keys."""

    DEFAULT_CSS = """
    Confirm { align: center middle; }
    Confirm #confirm { width: 60; max-width: 100%; height: auto;
        border: heavy $accent; background: $surface; padding: 0 1; }
    """
    TITLE_TEXT = ""

    def question(self) -> str:
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        box = Static(self.question(), id="confirm")
        box.border_title = self.TITLE_TEXT
        yield box
        yield KeyBar()

    def action_yes(self) -> None:
        self.dismiss(True)

    def action_back(self) -> None:
        self.dismiss(False)


class ConfirmFinishScreen(Confirm):
    """F8 before every step is done: finish (NOT PASSED) or go back to the drill."""

    TITLE_TEXT = "Finish the drill?"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f8,enter,y", "yes", "Finish", id="confirm_finish", key_display="F8"),
        Binding("escape,n,f10", "back", "Back to the drill", id="confirm_back", key_display="Esc"),
    ]

    def __init__(self, done: int, total: int) -> None:
        super().__init__()
        self.done = done
        self.total = total

    def question(self) -> str:
        return (
            f"{self.done} of {self.total} steps done. Finish now? The drill is recorded as "
            "NOT PASSED.\n\nF8 again, Enter or y: finish.  Esc or n: back to the drill."
        )


class ConfirmLeaveScreen(Confirm):
    """F10: leave the drill without a result, or go back to it."""

    TITLE_TEXT = "Leave the drill?"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f10,enter,y", "yes", "Leave", id="leave_yes", key_display="F10"),
        Binding("escape,n", "back", "Back to the drill", id="leave_back", key_display="Esc"),
    ]

    def question(self) -> str:
        return (
            "Leave this drill? Nothing is recorded, and the set-up is thrown away.\n\n"
            "F10 again, Enter or y: leave.  Esc or n: back to the drill."
        )


class TraineeScreen(ModalScreen[str | None]):
    """The trainee's name, asked once before the first drill; Esc goes on without one."""

    DEFAULT_CSS = """
    TraineeScreen { align: center middle; }
    TraineeScreen #trainee-box { width: 60; max-width: 100%; height: auto;
        border: heavy $accent; background: $surface; padding: 0 1; }
    TraineeScreen #trainee-note { height: auto; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "skip", "Skip", id="trainee_skip", key_display="Esc"),
    ]

    def __init__(self, error: str = "", *, initial: str = "") -> None:
        super().__init__()
        self.error = error
        self.initial = initial

    def compose(self) -> ComposeResult:
        from core.drills.trainee import MAX_TRAINEE_LENGTH

        with Vertical(id="trainee-box") as box:
            box.border_title = "Who is doing the drills?"
            esc = f"keep {self.initial}" if self.initial else "no name"
            yield Static(
                "Your name goes into every drill result, for the trainer's records. "
                f"Enter to go on; Esc: {esc}.",
                id="trainee-intro",
            )
            yield Input(
                self.initial,
                placeholder="Your name",
                max_length=MAX_TRAINEE_LENGTH,
                id="trainee-name",
            )
            yield Static(self.error, id="trainee-note")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#trainee-name", Input).focus()

    @on(Input.Submitted, "#trainee-name")
    def submitted(self, event: Input.Submitted) -> None:
        from core.drills.trainee import validate_trainee
        from core.errors import UserError

        try:
            name = validate_trainee(event.value)
        except UserError as exc:
            self.query_one("#trainee-note", Static).update(Text(str(exc), style="bold"))
            return
        self.dismiss(name)

    def action_skip(self) -> None:
        self.dismiss(None)


class DiagnosisScreen(ModalScreen[str | None]):
    """What went wrong? Enter picks a cause, Enter again on it commits it (the drill ends);
    Esc takes the pick back, or goes back to the handset. The question is asked in this
    screen, not in another pop-up, so keys typed fast land in order."""

    DEFAULT_CSS = """
    DiagnosisScreen { align: center middle; }
    DiagnosisScreen #diagnosis { width: 76; max-width: 100%; height: auto; max-height: 100%;
        border: heavy $accent; background: $surface; }
    DiagnosisScreen #causes { height: auto; border: none; }
    DiagnosisScreen #diagnosis-ask { height: auto; padding: 0 1; text-style: bold; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="diagnosis_back", key_display="Esc"),
    ]

    def __init__(self, session: DrillSession) -> None:
        super().__init__()
        self.session = session
        self.pending: str | None = None  # picked once, not committed yet

    def compose(self) -> ComposeResult:
        with Vertical(id="diagnosis") as box:
            box.border_title = "What made the phone fail? Enter picks"
            yield OptionList(*(Option(c.text, id=c.id) for c in self.session.causes()), id="causes")
            yield Static(id="diagnosis-ask")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#causes", OptionList).focus()

    def _ask(self, text: str) -> None:
        self.query_one("#diagnosis-ask", Static).update(text)

    @on(OptionList.OptionSelected, "#causes")
    def picked(self, event: OptionList.OptionSelected) -> None:
        cause = event.option.id
        if cause is not None and cause == self.pending:
            self.dismiss(cause)
            return
        self.pending = cause
        self._ask(
            "Commit this cause? Enter again: yes, the drill ends and is scored. "
            "Esc or ↑↓: choose again."
        )

    @on(OptionList.OptionHighlighted, "#causes")
    def moved(self, event: OptionList.OptionHighlighted) -> None:
        if self.pending is not None and event.option.id != self.pending:
            self.pending = None
            self._ask("")

    def action_back(self) -> None:
        if self.pending is not None:  # take the pick back, stay on the list
            self.pending = None
            self._ask("")
            return
        self.dismiss(None)


class SummaryScreen(StartsSessions):
    """The result: time, steps, wrong keys, wrong passwords, hints, diagnosis and evidence.
    With the finished ``session``, r sets the same drill up afresh (a new session)."""

    DEFAULT_CSS = """
    SummaryScreen #summary-scroll { height: 1fr; border: round $primary; padding: 0 1; }
    SummaryScreen #summary-saved { height: auto; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter,f10", "close", "Close", id="summary_close", key_display="Esc"),
        Binding("r", "retry", "Retry", id="summary_retry", tooltip="The same drill, set up again"),
    ]

    def __init__(self, markdown: str, saved_note: str, session: DrillSession | None = None) -> None:
        super().__init__()
        self.markdown = markdown
        self.saved_note = saved_note
        self.session = session

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="summary-scroll"):
            yield Markdown(self.markdown, id="summary")
        yield Static(self.saved_note, id="summary-saved")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#summary-scroll").focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (action == "retry" and self.session is None)

    def action_close(self) -> None:
        self.dismiss(None)

    def action_retry(self) -> None:
        session = self.session
        if session is None or self._starting():
            return
        self.query_one("#summary-saved", Static).update(
            f"Setting up {session.drill.title!r} again: a CA, a boot server and a handset…"
        )
        self.build_session(session.retry)

    def session_ready(self, session: DrillSession) -> None:
        self.app.switch_screen(DrillScreen(session))

    def session_failed(self, sentence: str) -> None:
        self.query_one("#summary-saved", Static).update(sentence)


def close_later(*sessions: DrillSession) -> None:
    """Close drill sessions in a (non-daemon) thread: the UI goes on, Python waits for it
    at exit, so no server or temp folder is left behind."""

    def close_all() -> None:
        for session in sessions:
            session.close()

    if sessions:
        threading.Thread(target=close_all, name="drill-close").start()
