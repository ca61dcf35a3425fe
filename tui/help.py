"""F1: every key, the handset key it stands for, and where each handset fact comes from.

The key lists are generated, never written twice: from the real bindings (the app's,
the main screen's, the workbench's and the handset pane's, the forms', the Check
view's and the drill screens'), from the handset pane's key map (tui/keys.py) and
from core.handset.menu's data (the entry's soft keys, the keypad). Each row carries
probes, a key pressed on a named screen and what it must do, so a test presses every
key the help lists (tests/tui/test_help_keys.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from tui.check_screen import CheckScreen
from tui.drills_screen import DrillPickerScreen, DrillScreen, SummaryScreen
from tui.forms import FormScreen
from tui.handset_pane import ENTRY_EDIT_KEYS, HandsetPane
from tui.keys import END_KEY, HANDSET_KEYS, SOFT_KEYS
from tui.lifecycle import ExpiryScreen
from tui.scrollbars import whole_cell_scrollbars
from tui.workbench import ACTIONS, WorkbenchPane

# Where a probe presses its key (tests/tui/test_help_keys.py sets each one up):
# main: the workbench has the focus; handset: the pane, idle screen; entry: the pane,
# the URL entry; keypad: the same in keypad mode; form: the Create CA form; check: the
# Check view, URLs focused; expiry: the expiry list (e); picker, drill (guided), fault,
# summary: the drill screens.
Context = Literal[
    "main",
    "handset",
    "entry",
    "keypad",
    "form",
    "check",
    "expiry",
    "picker",
    "drill",
    "fault",
    "summary",
]
# action: the key runs action_<name> (a binding, or the screen's own call); handset: the
# pane presses that handset key; call: the screen's method of that name runs.
ProbeKind = Literal["action", "handset", "call"]


@dataclass(frozen=True)
class Probe:
    context: Context
    key: str  # the terminal key, as Pilot names it
    kind: ProbeKind
    expected: str


@dataclass(frozen=True)
class HelpRow:
    keys: str
    does: str
    probes: tuple[Probe, ...]
    handset: str = ""  # the handset key it stands for (handset tables)


@dataclass(frozen=True)
class HelpSection:
    title: str
    rows: tuple[HelpRow, ...]
    handset_column: bool = False


# What each bound action does, in the help's words; a binding with no entry here shows
# its tooltip (or its description).
DOES: dict[str, str] = {
    "help": "this help (Esc or F1 closes it)",
    "quit": "quit (the boot server stops)",
    "command_palette": "command palette: every action by name",
    "switch_pane": "move between the workbench and the handset",
    **{name: label for name, _key, label, _short in ACTIONS},
    "handset_end": "End (red key): leave the menus; while the phone waits, cancel",
    "handset_back": "Back: one menu back; while the phone waits, cancel",
    "cancel": "cancel; nothing is written",
    "next_field": "next field; on the last field, submit",
    "focus_next": "next field",
    "focus_previous": "previous field",
    "run": "run the check: a verdict per URL, PASS, WARN or FAIL with every reason",
    "stop": "stop the check in progress",
    "close": "stop the check in progress; when none runs, back to the workbench",
    "leave": "back to the workbench",
    "results": "past drill results",
    "trainee": "change the trainee's name (Esc keeps it)",
    "hint": "a hint for the current step (counted); guided and fault drills, not timed ones",
    "finish": "finish: the summary; asks first while steps are left; a fault drill asks the cause",
    "brief": "the drill's goal again",
    "abandon": "leave the drill without a result (asks first)",
    "retry": "the same drill again, set up afresh (a new attempt)",
}
SUMMARY_DOES = {"close": "close the summary, back to the drill picker"}
EXPIRY_DOES = {
    "close": "close the list",
    "renew": "renew the highlighted certificate (opens the renewal form)",
}

SOURCES: tuple[tuple[str, str], ...] = (
    ("bulletin", "the vendor's technical bulletin on custom certificates for the 8400"),
    ("vendor doc", "other Spectralink/Polycom documents (PEM only, TLS profiles, soft keys)"),
    ("rehearsal choice", "our assumption where no document says; a trainer can change it"),
)

NAMED_KEYS = {
    "escape": "Esc",
    "enter": "Enter",
    "tab": "Tab",
    "shift+tab": "Shift+Tab",
    "up": "↑",
    "down": "↓",
    "left": "←",
    "right": "→",
    "home": "Home",
    "end": "End",
    "backspace": "Backspace",
}


def key_name(key: str) -> str:
    """A terminal key as the help prints it: F7, Esc, Ctrl+P, r."""
    if key in NAMED_KEYS:
        return NAMED_KEYS[key]
    if key[:1] == "f" and key[1:].isdigit():
        return key.upper()
    if "+" in key:
        return "+".join(part.title() for part in key.split("+"))
    return key


def binding_rows(
    bindings: Iterable[BindingType],
    contexts: tuple[Context, ...],
    does: Mapping[str, str] = DOES,
    *,
    skip: Iterable[str] = (),
) -> list[HelpRow]:
    """One row per action (its keys together), with a probe per key and context."""
    grouped: dict[str, list[Binding]] = {}
    for binding in Binding.make_bindings(bindings):
        if binding.system or binding.action in skip:
            continue
        grouped.setdefault(binding.action, []).append(binding)
    rows = []
    for action, group in grouped.items():
        name = action.rpartition(".")[2]  # "app.issue": the app's action_issue
        first = group[0]
        text = does.get(name) or DOES.get(name) or first.tooltip or first.description
        keys = [b.key for b in group]
        probes = tuple(Probe(c, key, "action", name) for c in contexts for key in keys)
        rows.append(HelpRow(" / ".join(key_name(k) for k in keys), text, probes))
    return rows


def _app_bindings(app_class: type[App[Any]]) -> list[BindingType]:
    """The app's own bindings and the ones it inherits (Ctrl+Q), then the palette's key."""
    found: list[BindingType] = []
    for cls in reversed(app_class.__mro__):
        found += list(cls.__dict__.get("BINDINGS", []))
    if app_class.ENABLE_COMMAND_PALETTE:
        found.append(Binding(app_class.COMMAND_PALETTE_BINDING, "command_palette"))
    return found


def handset_rows() -> list[HelpRow]:
    """The pane's key map (tui/keys.py), then any pane binding the map does not name."""
    rows = [
        HelpRow(
            k.terminal,
            k.what,
            tuple(Probe("handset", t, "handset", h) for t, h in k.samples),
            k.handset,
        )
        for k in HANDSET_KEYS
    ]
    mapped = {t for k in HANDSET_KEYS for t, _ in k.samples}
    extra = [b for b in Binding.make_bindings(HandsetPane.BINDINGS) if b.key not in mapped]
    rows += [
        HelpRow(r.keys, r.does, r.probes, "")
        for r in binding_rows(extra, ("handset",), skip=("handset_end", "handset_back"))
    ]
    return rows


def entry_and_keypad_rows() -> list[HelpRow]:
    """Entry editing, cancel and keypad-mode keys, from the pane's table and menu.py's data."""
    from core.handset.menu import KEYPAD_MAP, KEYPAD_MODE_KEY, KEYPAD_NEXT_KEY, SOFTKEYS, Kind

    clear = SOFT_KEYS[SOFTKEYS[Kind.URL_ENTRY].index("Clear")]
    cancel = SOFT_KEYS[SOFTKEYS[Kind.BUSY].index("Cancel")]
    letters = "  ".join(f"{k} {v}" for k, v in KEYPAD_MAP.items() if v)
    return [
        HelpRow(
            " / ".join(key_name(k) for k in ENTRY_EDIT_KEYS),
            "in an entry: cursor to the start / the end",
            tuple(Probe("entry", t, "handset", h) for t, h in ENTRY_EDIT_KEYS.items()),
            " / ".join(ENTRY_EDIT_KEYS.values()),
        ),
        HelpRow(
            key_name(clear),
            "in an entry: empty the field",
            (Probe("entry", clear, "handset", f"soft{SOFT_KEYS.index(clear) + 1}"),),
            "soft key Clear",
        ),
        HelpRow(
            f"{key_name(END_KEY)} Esc {key_name(cancel)}",
            "while the phone waits: cancel the download or provisioning",
            (
                Probe("entry", END_KEY, "handset", "end"),
                Probe("entry", "escape", "handset", "back"),
                Probe("entry", cancel, "handset", f"soft{SOFT_KEYS.index(cancel) + 1}"),
            ),
            "End / Back / Cancel",
        ),
        HelpRow(
            "0-9",
            f"keypad mode only (a trainer's setting): multi-tap {letters}",
            (Probe("keypad", "2", "handset", "2"), Probe("keypad", "7", "handset", "7")),
            "keypad",
        ),
        HelpRow(
            KEYPAD_MODE_KEY,
            "keypad mode: toggle letters (abc) and digits (123)",
            (Probe("keypad", KEYPAD_MODE_KEY, "handset", KEYPAD_MODE_KEY),),
            "keypad",
        ),
        HelpRow(
            key_name(KEYPAD_NEXT_KEY),
            "keypad mode: confirm the letter on show (or wait), before the same key again",
            (Probe("keypad", KEYPAD_NEXT_KEY, "handset", KEYPAD_NEXT_KEY),),
            KEYPAD_NEXT_KEY,
        ),
    ]


def help_sections(app_class: type[App[Any]], main_screen: type[Screen[Any]]) -> list[HelpSection]:
    """Every key the app answers, by where it works (the app passes its own classes:
    tui.app imports this module, so it cannot import tui.app)."""
    first_action = ACTIONS[0][0]
    choose = Probe("main", "enter", "action", first_action)  # the first is highlighted
    workbench = [
        HelpRow("↑ ↓ Enter", "choose an action from the list", (choose,)),
        *binding_rows(WorkbenchPane.BINDINGS, ("main",)),
    ]
    form_focus = [
        Binding("tab", "focus_next"),
        Binding("shift+tab", "focus_previous"),
    ]
    check_enter = HelpRow(
        "Enter", "in a field: run the check", (Probe("check", "enter", "action", "run"),)
    )
    start = Probe("picker", "enter", "call", "build_session")
    picker_enter = HelpRow("↑ ↓ Enter", "choose a drill and start it", (start,))
    return [
        HelpSection(
            "Everywhere",
            tuple(
                binding_rows(_app_bindings(app_class), ("main",))
                + binding_rows(main_screen.BINDINGS, ("main",))
            ),
        ),
        HelpSection("Workbench (left)", tuple(workbench)),
        HelpSection("Handset (right)", tuple(handset_rows()), handset_column=True),
        HelpSection(
            "Handset entry, wait and keypad mode (rehearsal choices)",
            tuple(entry_and_keypad_rows()),
            handset_column=True,
        ),
        HelpSection("Forms", tuple(binding_rows([*form_focus, *FormScreen.BINDINGS], ("form",)))),
        HelpSection(
            "Check view (k)",
            (check_enter, *binding_rows(CheckScreen.BINDINGS, ("check",))),
        ),
        HelpSection(
            "Expiry list (e)",
            tuple(binding_rows(ExpiryScreen.BINDINGS, ("expiry",), EXPIRY_DOES)),
        ),
        HelpSection(
            "Drills (d): the picker",
            (picker_enter, *binding_rows(DrillPickerScreen.BINDINGS, ("picker",))),
        ),
        HelpSection(
            "Drills: in a drill",
            tuple(
                [
                    *binding_rows(
                        [b for b in DrillScreen.BINDINGS if getattr(b, "action", "") == "hint"],
                        ("drill", "fault"),
                    ),
                    *binding_rows(DrillScreen.BINDINGS, ("drill",), skip=("hint",)),
                ]
            ),
        ),
        HelpSection(
            "Drills: the summary",
            tuple(binding_rows(SummaryScreen.BINDINGS, ("summary",), SUMMARY_DOES)),
        ),
    ]


def _table(title: str, headers: tuple[str, ...], rows: Iterable[tuple[str, ...]]) -> Table:
    table = Table(
        title=title,
        title_justify="left",
        title_style="bold",
        expand=True,
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
    )
    for header in headers:
        table.add_column(header, overflow="fold")
    for row in rows:
        table.add_row(*row)
    return table


def help_renderable(
    sections: Iterable[HelpSection], facts: Iterable[tuple[str, str]] = ()
) -> Group:
    """The help page; ``facts`` are (handset fact, source label) pairs from core.handset."""
    parts: list[Table | Text] = []
    for section in sections:
        if section.handset_column:
            rows = ((r.keys, r.handset, r.does) for r in section.rows)
            parts.append(_table(section.title, ("Key", "Handset key", "Does"), rows))
        else:
            parts.append(
                _table(section.title, ("Key", "Does"), ((r.keys, r.does) for r in section.rows))
            )
    parts.append(_table("Where handset facts come from", ("Label", "Means"), SOURCES))
    facts = list(facts)
    if facts:
        parts.append(_table("Handset facts", ("Fact", "Source"), facts))
    return Group(*parts)


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1", "close", "Close"),
        Binding("q", "close", "Close", show=False),
    ]

    def __init__(
        self, facts: Iterable[tuple[str, str]] = (), sections: Iterable[HelpSection] = ()
    ) -> None:
        super().__init__()
        self.facts = list(facts)
        self.sections = list(sections)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help", classes="form") as view:
            view.border_title = "Keys (F1)"
            view.border_subtitle = "↑↓ PgUp PgDn scroll · F1 or Esc closes"
            yield Static(help_renderable(self.sections, self.facts))

    def on_mount(self) -> None:
        view = self.query_one("#help")
        whole_cell_scrollbars(view)
        view.focus()

    def action_close(self) -> None:
        self.dismiss(None)
