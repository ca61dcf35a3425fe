"""The emulated handset: draws core.handset's Screen and turns terminal keys into handset keys.

No phone logic here: the pane presses keys on the Handset and draws whatever
screen comes back. Effects (downloads) go up to the app in a message.

Cancel (issue 12): while the handset waits for the network, End (F6), Esc and
the busy screen's Cancel soft key go to the handset, which answers with a
``Cancel`` request. The pane aborts the handset at once (the phone says
"Cancelled.") and posts ``CancelRequested``; whoever runs the effect (the app,
the drill screen) must then stop it for real, e.g. in tui/app.py::

    @on(HandsetPane.CancelRequested)
    def handset_cancel(self, event: HandsetPane.CancelRequested) -> None:
        self.workers.cancel_group(self, "handset")  # the @work group of _run_effect

(the drill screen: its "drill-handset" group). core.handset.runner drops a
result that arrives after the abort, so nothing is shown twice; until the
worker is cancelled the socket stays open until the next effect or the timeout.

In an entry the terminal's Home and End keys move the cursor to the start and
end (handset keys ``line_start``/``line_end``); F6 stays the phone's End key.
In keypad mode the pane shows the keypad map under the phone and sends the
``timeout`` key after a pause (RehearsalChoices.keypad_pause_seconds).
"""

from __future__ import annotations

import textwrap
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widget import Widget

from core.handset import Download
from tui.keys import END_KEY, ENTRY_KINDS, SOFT_KEYS, handset_key

if TYPE_CHECKING:
    from core.handset import Cancel, Handset, Screen

MAX_PHONE_WIDTH = 36  # characters inside the phone's frame
MIN_BODY_ROWS = 3
MAX_BODY_ROWS = 12
MESSAGE_ROWS = 2  # at least; more when the body leaves room
FIXED_ROWS = 11  # frame, title, message (2), soft keys, key names, legend (2), sources (2)
SPINNER = "|/-\\"
# Terminal keys with another meaning inside an entry (handset keys of core.handset.machine).
# TODO(tui/keys.py owner): move into tui.keys beside FIXED once the app restructuring lands.
ENTRY_EDIT_KEYS: dict[str, str] = {"home": "line_start", "end": "line_end"}


def _cell(label: str, width: int) -> str:
    """``label`` centred in ``width`` columns, an odd space always on the right: str.center
    puts it left or right by the lengths' parity, so labels started in different columns."""
    label = label[:width]
    left = (width - len(label)) // 2
    return (" " * left + label).ljust(width)


def wrap_plain(line: str, width: int) -> list[str]:
    """A result or detail line in lines of ``width``: at spaces, and a word too long for a
    line (a URL) after a '/', '@' or ':' or before a '.', not in the middle of a name."""
    out: list[str] = []
    for wrapped in textwrap.wrap(line, width, break_long_words=False) or [""]:
        while len(wrapped) > width:
            head = wrapped[:width]
            cut = max((i + 1 for i, c in enumerate(head) if c in "/@:" and i >= 2), default=0)
            if not cut:  # no '/' to break after: before a dot, else where it must
                cut = max((i for i, c in enumerate(head) if c == "." and i > 0), default=width)
            out.append(wrapped[:cut])
            wrapped = wrapped[cut:]
        out.append(wrapped)
    return out


def _wrap_entry(entry: str, cursor: int, width: int) -> list[Text]:
    """The entry in lines of ``width``, the cursor drawn as a reverse cell."""
    lines: list[Text] = []
    padded = entry + " "  # room for the cursor after the last character
    for start in range(0, len(padded), width):
        chunk = padded[start : start + width]
        line = Text(chunk.ljust(width), style="underline")
        if start <= cursor < start + width:
            line.stylize("reverse", cursor - start, cursor - start + 1)
        lines.append(line)
    return lines


def phone_lines(
    screen: Screen, width: int, body_rows: int, spin: str = "", waited: int | None = None
) -> list[Text]:
    """The handset picture: frame, title bar, body, message, soft keys, key names.
    ``waited``: whole seconds the phone has waited for the network (busy screens)."""
    inner = width
    out: list[Text] = [Text("┌" + "─" * inner + "┐")]

    def row(content: Text | str, style: str = "") -> None:
        text = content if isinstance(content, Text) else Text(content)
        text.truncate(inner, pad=True)
        if style:
            text.stylize(style)
        out.append(Text("│") + text + Text("│"))

    row(" " + screen.title, "bold reverse")
    body: list[Text] = []
    if screen.kind in ENTRY_KINDS and screen.entry is not None:
        shown = "*" * len(screen.entry) if screen.masked else screen.entry
        for item in screen.items:
            body.append(Text(" " + item))
        lines = _wrap_entry(shown, screen.entry_cursor, inner - 2)
        if screen.entry_pending and screen.entry_cursor > 0:  # the letter on show: bold
            at = screen.entry_cursor - 1
            lines[at // (inner - 2)].stylize("bold", at % (inner - 2), at % (inner - 2) + 1)
        body.extend(Text(" ") + line for line in lines)
    elif screen.items and screen.cursor < 0:  # plain lines (results, details)
        for item in screen.items:
            body.extend(Text(" " + line) for line in wrap_plain(item, inner - 1))
    elif screen.items:
        marked = getattr(screen, "marked", -1)
        first = max(0, min(screen.cursor - body_rows // 2, len(screen.items) - body_rows))
        for index in range(first, min(len(screen.items), first + body_rows)):
            selected = index == screen.cursor
            pointer = "▶" if selected else " "
            digit = str(index + 1) if index < 9 else " "
            # On a choice screen the current choice is starred, a space before its text.
            mark = ("* " if index == marked else "  ") if marked >= 0 else ""
            line = Text(f"{pointer}{digit} {mark}{screen.items[index]}")
            if selected:
                line.truncate(inner, pad=True)
                line.stylize("reverse")
            body.append(line)
        if first > 0:
            body[0] = Text("  ▲ more")
        if first + body_rows < len(screen.items):
            body[-1] = Text("  ▼ more")
    if screen.kind == "busy" and spin:
        seconds = f" {waited} s" if waited is not None else ""
        body.append(Text(f" {spin} waiting{seconds}; {END_KEY.upper()}/Esc stops"))
    # Body and message share the rows: a long message (a reason for a failure)
    # takes the rows the body leaves empty rather than being cut short.
    body = body[:body_rows]
    message = wrap_plain(screen.message, inner - 1) if screen.message else [""]
    room = body_rows + MESSAGE_ROWS - len(body)
    if len(message) > room:
        message = [*message[: room - 1], message[room - 1][: inner - 2] + "…"]
    message += [""] * (MESSAGE_ROWS - len(message))
    for line in body:
        row(line)
    for _ in range(body_rows + MESSAGE_ROWS - len(body) - len(message)):
        row("")
    for said in message:
        row(Text(" " + said, style="italic"))
    cell = inner // 4
    soft = Text()
    labels = screen.softkeys
    skip = False
    for n, label in enumerate(labels):
        if skip:
            skip = False
            continue
        # A long label may use the next cell when that one is empty ("Provision").
        wide = len(label) > cell - 1 and n < 3 and not labels[n + 1]
        soft.append(_cell(label, cell * 2 if wide else cell), style="bold" if label else "")
        skip = wide
    row(soft)
    out.append(Text("└" + "─" * inner + "┘"))
    out.append(Text(" " + "".join(_cell(key.upper(), cell) for key in SOFT_KEYS), style="bold"))
    return out


def keypad_legend(screen: Screen, width: int) -> list[Text]:
    """The keypad map for the current mode, as a phone's 3-column grid (keypad mode only)."""
    if not screen.keypad:
        return []
    mode_key = next((k for k, v in screen.keypad if k == "#"), "#")
    other = next((v for k, v in screen.keypad if k == mode_key), "")
    keys = [(k, v) for k, v in screen.keypad if len(k) == 1 and k != mode_key]
    out = [Text(f"Keypad {screen.keypad_mode}: {mode_key} {other}  → next", style="bold")]
    cell = max(6, min(12, width // 3))
    for row in range(0, len(keys), 3):
        line = "".join(f"{k} {v}"[:cell].ljust(cell) for k, v in keys[row : row + 3])
        out.append(Text(line.rstrip()))
    return out


def legend_lines(screen: Screen, width: int = MAX_PHONE_WIDTH) -> list[Text]:
    """Which key is which, and where this screen and the item under the cursor come from;
    in keypad mode, the keypad map instead of the key names."""
    sources = getattr(screen, "item_sources", ())
    item = sources[screen.cursor] if 0 <= screen.cursor < len(sources) else ""
    keys = keypad_legend(screen, width) or [
        Text("↑↓ move  Enter select  Esc back"),
        Text(f"{END_KEY.upper()} End  0-9 item/type  F1 keys"),
    ]
    if screen.kind == "busy":
        keys = [Text(f"{END_KEY.upper()}/Esc cancel the wait")]
    return [
        *keys,
        Text(f"Screen source: {screen.source}", style="italic"),
        Text(f"Item source: {item}" if item else "", style="italic"),
    ]


class HandsetPane(Widget, can_focus=True):
    """The handset's screen, soft keys and key legend; keys pressed here go to the handset."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            END_KEY,
            "handset_end",
            "End",
            key_display=END_KEY.upper(),
            tooltip="The handset's End key",
        ),
        Binding("escape", "handset_back", "Back", key_display="Esc", tooltip="Back key"),
    ]

    @dataclass
    class EffectRequested(Message):
        """The handset wants something done (a download); the app runs it."""

        effect: Any

    class Changed(Message):
        """The handset's state may have changed (a key, a download): redraw what shows it."""

    @dataclass
    class CancelRequested(Message):
        """A key cancelled the running effect: the handset is already aborted (the phone
        says so); whoever runs ``request.effect`` must stop it (cancel its worker)."""

        pane: HandsetPane
        request: Cancel

        @property
        def control(self) -> HandsetPane:
            return self.pane

    def __init__(self, handset: Handset, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.handset = handset
        self.border_title = "Handset"
        self._spin = 0
        self._spinner_timer: Any = None
        self._pause_timer: Any = None
        # Handset keys typed while the phone waits: pressed in order after the result,
        # as they would have been had the user waited (a burst over SSH, a paste).
        self._queued: list[str] = []
        self._replaying = False

    @property
    def has_queued_keys(self) -> bool:
        return bool(self._queued)

    def render(self) -> Text:
        screen = self.handset.screen
        width = max(16, min(MAX_PHONE_WIDTH, self.content_size.width - 3)) // 4 * 4
        legend = legend_lines(screen, width)
        extra = len(legend) - 4  # FIXED_ROWS counts a 4-line legend
        rows = self.content_size.height - FIXED_ROWS - extra
        body_rows = max(MIN_BODY_ROWS, min(MAX_BODY_ROWS, rows))
        busy = self.handset.busy
        spin = SPINNER[self._spin % len(SPINNER)] if busy else ""
        waited = self.handset.elapsed(time.monotonic()) if busy else None
        lines = phone_lines(screen, width, body_rows, spin, waited) + legend
        # The phone centred in the pane (the pane's padding gives its first column).
        indent = max(0, (self.content_size.width + 1 - (width + 2)) // 2 - 1)
        if indent:
            lines = [Text(" " * indent) + line for line in lines]
        return Text("\n").join(lines)

    def press(self, key: str) -> None:
        """Press one handset key (as named by core.handset) and redraw. While the phone
        waits (or earlier keys still wait) the key waits its turn, except a key that
        cancels the running effect (End, Back, the busy screen's Cancel)."""
        from core.handset import Cancel

        waits = (self.handset.busy or self._queued) and not self._replaying
        cancels = self.handset.busy and not self._queued and self._may_cancel(key)
        if waits and not cancels:
            self._queued.append(key)
            return
        effect = self.handset.press(key, tick=time.monotonic())
        if isinstance(effect, Cancel):
            self.handset.abort(effect.reason)  # the phone says so now; late results are dropped
            self.post_message(self.CancelRequested(self, effect))
            effect = None
        self._arm_pause()
        self.show_state()
        self.post_message(self.Changed())
        if effect is not None:
            self.post_message(self.EffectRequested(effect))

    def _may_cancel(self, key: str) -> bool:
        """Keys that may cancel a wait: End, Back and a soft key the busy screen labels."""
        labels = self.handset.screen.softkeys
        if key.startswith("soft") and key[4:].isdigit():
            return bool(labels[int(key[4:]) - 1]) if 1 <= int(key[4:]) <= 4 else False
        return key in ("end", "back")

    def _arm_pause(self) -> None:
        """Keypad mode: after a pause with a letter on show, send the ``timeout`` key, as a
        phone confirms the letter by itself (the model has no timer)."""
        if self._pause_timer is not None:
            self._pause_timer.stop()
            self._pause_timer = None
        pause = self.handset.choices.keypad_pause_seconds
        if pause > 0 and self.handset.screen.entry_pending:
            self._pause_timer = self.set_timer(pause, self._paused)

    def _paused(self) -> None:
        self._pause_timer = None
        if self.handset.screen.entry_pending and not self.handset.busy:
            self.press("timeout")

    def show_state(self) -> None:
        """Redraw; spin while the handset waits for a download."""
        busy = self.handset.busy
        self.set_class(busy, "-busy")
        waited = f" {self.handset.elapsed(time.monotonic())} s" if busy else ""
        doing = "downloading" if isinstance(self.handset.pending, Download) else "connecting"
        self.border_subtitle = f"{doing}…{waited}" if busy else ""
        if busy and self._spinner_timer is None:
            self._spinner_timer = self.set_interval(0.15, self._tick)
        elif not busy and self._spinner_timer is not None:
            self._spinner_timer.stop()
            self._spinner_timer = None
        self.refresh()
        if not busy and self._queued:
            self.call_later(self._press_queued)

    def _press_queued(self) -> None:
        """The keys typed while the phone waited, in order, until one makes it wait again."""
        self._replaying = True
        try:
            while self._queued and not self.handset.busy:
                self.press(self._queued.pop(0))
        finally:
            self._replaying = False

    def _tick(self) -> None:
        self._spin += 1
        if self.handset.busy:  # the seconds waited, in the border too
            self.show_state()
        else:
            self.refresh()

    def action_handset_end(self) -> None:
        self._end_or_back("end")

    def action_handset_back(self) -> None:
        self._end_or_back("back")

    def _end_or_back(self, key: str) -> None:
        """End/Esc: while the phone waits and nothing typed ahead waits before them, the
        handset answers Cancel (press() stops the effect); otherwise they are keys."""
        self.press(key)

    def on_key(self, event: events.Key) -> None:
        if event.key in ("escape", END_KEY):
            # Here, not by the bindings (which run when the key has bubbled up to the
            # app): keys typed ahead after them would be pressed first.
            event.stop()
            event.prevent_default()
            self._end_or_back("back" if event.key == "escape" else "end")
            return
        if event.key in ("tab", "shift+tab") or event.key.startswith("ctrl+"):
            return  # bindings and focus keys
        kind = self.handset.screen.kind
        if kind in ENTRY_KINDS and event.key in ENTRY_EDIT_KEYS:
            key: str | None = ENTRY_EDIT_KEYS[event.key]
        else:
            key = handset_key(event.key, event.character, kind)
        if key is None:
            return
        event.stop()
        event.prevent_default()
        self.press(key)
