"""F1: every key, the handset key it stands for, and where each handset fact comes from."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.scrollbar import ScrollBarRender
from textual.widget import Widget
from textual.widgets import Static

from tui.handset_pane import ENTRY_EDIT_KEYS
from tui.keys import END_KEY, HANDSET_KEYS, SOFT_KEYS
from tui.workbench import ACTIONS

APP_KEYS: tuple[tuple[str, str], ...] = (
    ("F1", "this help (Esc or F1 closes it)"),
    ("Tab", "move between the workbench and the handset"),
    ("Ctrl+P", "command palette: every action by name"),
    ("Ctrl+Q", "quit (the boot server stops)"),
)
FORM_KEYS: tuple[tuple[str, str], ...] = (
    ("Tab / Shift+Tab", "next / previous field"),
    ("Enter", "next field; on the last field, submit"),
    ("Esc", "cancel; nothing is written"),
)
CHECK_KEYS: tuple[tuple[str, str], ...] = (
    ("k", "from the workbench: open the Check view (also in Ctrl+P)"),
    ("Tab / Shift+Tab", "URLs, URL file, boot server, compare with this CA, results"),
    ("Enter or F2", "run the check: a verdict per URL, PASS, WARN or FAIL with every reason"),
    ("F3", "stop the check in progress"),
    ("Esc", "stop the check in progress; when none runs, back to the workbench"),
)
DRILL_KEYS: tuple[tuple[str, str], ...] = (
    ("d", "from the workbench: the drill picker (Enter starts, r past results)"),
    ("F7", "a hint for the current step (counted; guided drills only)"),
    ("F8", "finish: the summary; asks first while steps are left; a fault drill asks the cause"),
    ("F9", "the drill's goal again"),
    ("F10", "leave the drill without a result"),
)
SOURCES: tuple[tuple[str, str], ...] = (
    ("bulletin", "the vendor's technical bulletin on custom certificates for the 8400"),
    ("vendor doc", "other Spectralink/Polycom documents (PEM only, TLS profiles, soft keys)"),
    ("rehearsal choice", "our assumption where no document says; a trainer can change it"),
)


class WholeCellScrollBarRender(ScrollBarRender):
    """A scroll bar whose thumb fills whole cells: no '▁▂▃' eighth-block glyphs at its ends,
    which show as stray marks beside the text in 16 colours, NO_COLOR and some fonts."""

    VERTICAL_BARS: ClassVar[list[str]] = [" "] * 8
    HORIZONTAL_BARS: ClassVar[list[str]] = [" "] * 8


def whole_cell_scrollbars(widget: Widget) -> None:
    """Draw ``widget``'s scroll bars with WholeCellScrollBarRender."""
    # Textual declares renderer a ClassVar, yet reads it from the instance: set per widget.
    widget.vertical_scrollbar.renderer = WholeCellScrollBarRender  # type: ignore[misc]
    widget.horizontal_scrollbar.renderer = WholeCellScrollBarRender  # type: ignore[misc]


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


def entry_and_keypad_keys() -> list[tuple[str, str, str]]:
    """Entry editing, cancel and keypad-mode keys, from the pane's table and menu.py's data."""
    from core.handset.menu import KEYPAD_MAP, KEYPAD_MODE_KEY, KEYPAD_NEXT_KEY, SOFTKEYS, Kind

    clear = SOFTKEYS[Kind.URL_ENTRY].index("Clear")
    cancel = SOFTKEYS[Kind.BUSY].index("Cancel")
    rows = [
        (
            " / ".join(k.title() for k in ENTRY_EDIT_KEYS),
            " / ".join(ENTRY_EDIT_KEYS.values()),
            "in an entry: cursor to the start / the end",
        ),
        (SOFT_KEYS[clear].upper(), "soft key Clear", "in an entry: empty the field"),
        (
            f"{END_KEY.upper()} Esc {SOFT_KEYS[cancel].upper()}",
            "End / Back / Cancel",
            "while the phone waits: cancel the download or provisioning",
        ),
    ]
    letters = "  ".join(f"{k} {v}" for k, v in KEYPAD_MAP.items() if v)
    rows += [
        ("0-9", "keypad (keypad mode)", f"multi-tap: {letters}"),
        (KEYPAD_MODE_KEY, "keypad", "toggle letters (abc) and digits (123)"),
        ("→", KEYPAD_NEXT_KEY, "confirm the letter on show (or wait), before the same key again"),
    ]
    return rows


def help_renderable(facts: Iterable[tuple[str, str]] = ()) -> Group:
    """The help page; ``facts`` are (handset fact, source label) pairs from core.handset."""
    parts: list[Table | Text] = [
        _table("Everywhere", ("Key", "Does"), APP_KEYS),
        _table(
            "Workbench (left)",
            ("Key", "Does"),
            [("↑ ↓ Enter", "choose an action from the list")]
            + [(key, label) for _, key, label, _ in ACTIONS],
        ),
        _table(
            "Handset (right)",
            ("Key", "Handset key", "Does"),
            ((k.terminal, k.handset, k.what) for k in HANDSET_KEYS),
        ),
        _table(
            "Handset entry, wait and keypad mode (rehearsal choices)",
            ("Key", "Handset key", "Does"),
            entry_and_keypad_keys(),
        ),
        _table("Forms", ("Key", "Does"), FORM_KEYS),
        _table("Check view (k)", ("Key", "Does"), CHECK_KEYS),
        _table("Drills (d)", ("Key", "Does"), DRILL_KEYS),
        _table("Where handset facts come from", ("Label", "Means"), SOURCES),
    ]
    facts = list(facts)
    if facts:
        parts.append(_table("Handset facts", ("Fact", "Source"), facts))
    return Group(*parts)


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1", "close", "Close"),
        Binding("q", "close", "Close", show=False),
    ]

    def __init__(self, facts: Iterable[tuple[str, str]] = ()) -> None:
        super().__init__()
        self.facts = list(facts)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help", classes="form") as view:
            view.border_title = "Keys (F1)"
            view.border_subtitle = "↑↓ PgUp PgDn scroll · F1 or Esc closes"
            yield Static(help_renderable(self.facts))

    def on_mount(self) -> None:
        view = self.query_one("#help")
        whole_cell_scrollbars(view)
        view.focus()

    def action_close(self) -> None:
        self.dismiss(None)
