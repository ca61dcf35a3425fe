"""The screen model any renderer draws, and a fixed-width text picture of it."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

WIDTH = 27  # characters inside the frame: four 6-character soft keys + 3 bars
ITEM_ROWS = 6  # item lines visible at once; the list scrolls with the cursor
MESSAGE_ROWS = 2  # at least; a longer message makes the picture taller


@dataclass(frozen=True)
class Screen:
    """What the handset shows now.

    kind: "idle" "menu" "entry" "password" "info" "busy".
    ``cursor`` is -1 when the items are plain lines (info screens).
    ``entry`` holds asterisks, never the password, when ``masked``.
    ``marked`` is the index of the chosen value in a choice list, else -1.
    ``item_sources`` says, per item, where it comes from (bulletin...).
    """

    node_id: str
    title: str
    kind: str
    items: tuple[str, ...] = ()
    cursor: int = -1
    entry: str | None = None
    entry_cursor: int = 0
    masked: bool = False
    message: str = ""
    softkeys: tuple[str, str, str, str] = ("", "", "", "")
    source: str = ""
    marked: int = -1
    item_sources: tuple[str, ...] = ()
    # Keypad mode, in an entry typed by multi-tap: the character before the cursor
    # is on show, not yet confirmed (``entry_pending``); ``keypad_mode`` "abc" or
    # "123" ("" when the entry is not typed by multi-tap); ``keypad``: each key and
    # what it types now, for the front end to show while the entry is open.
    entry_pending: bool = False
    keypad_mode: str = ""
    keypad: tuple[tuple[str, str], ...] = ()
    # While busy: the caller's tick when the wait began (Handset.press(tick=...)).
    busy_since: float | None = None


def _fit(text: str, width: int = WIDTH) -> str:
    return text[:width].ljust(width)


def _item_lines(screen: Screen) -> list[str]:
    if not screen.items:
        return []
    first = 0
    if screen.cursor >= ITEM_ROWS:
        first = screen.cursor - ITEM_ROWS + 1
    lines: list[str] = []
    for i in range(first, min(len(screen.items), first + ITEM_ROWS)):
        if screen.cursor < 0:  # plain lines (idle, info): wrap, never cut
            text = screen.items[i]
            lines.extend(text[k : k + WIDTH] for k in range(0, max(len(text), 1), WIDTH))
            continue
        pointer = ">" if i == screen.cursor else " "
        digit = str((i + 1) % 10) if i < 10 else " "  # "0" opens the 10th
        mark = "*" if i == screen.marked else " "
        lines.append(f"{pointer}{digit}{mark}{screen.items[i]}")
    return lines


def _entry_lines(screen: Screen) -> list[str]:
    text = screen.entry or ""
    # Show a window of the entry that holds the cursor, marked by "_" or "|".
    inner = WIDTH - 2
    start = max(0, screen.entry_cursor - inner + 1)
    shown = text[start : start + inner]
    pos = screen.entry_cursor - start
    caret = " " * pos + "^"
    lines = [f"[{shown.ljust(inner)}]", " " + caret]
    if screen.keypad:
        lines.extend(keypad_lines(screen, WIDTH))
    return lines


def keypad_lines(screen: Screen, width: int) -> list[str]:
    """The keypad map for the current mode, packed in lines of ``width`` ("2abc 3def ...")."""
    lines: list[str] = [f"Keypad {screen.keypad_mode}"]
    for key, chars in screen.keypad:
        cell = f"{key}{chars}" if len(key) == 1 else f"{'→' if key == 'right' else key}:{chars}"
        if len(lines) > 1 and len(lines[-1]) + 1 + len(cell) <= width:
            lines[-1] += " " + cell
        else:
            lines.append(cell)
    return lines


def _softkey_row(labels: tuple[str, str, str, str]) -> str:
    # Each soft key sits over its own 6-character cell; a long label may run
    # into the next cell when that one is empty (as "Provision" on idle).
    cell = (WIDTH - 3) // 4
    row = [" "] * WIDTH
    starts = [i * (cell + 1) for i in range(4)]
    for start in starts[1:]:
        row[start - 1] = "|"
    for i, label in enumerate(labels):
        limit = WIDTH
        for j in range(i + 1, 4):
            if labels[j]:
                limit = starts[j] - 1
                break
        for k, ch in enumerate(label[: limit - starts[i]]):
            row[starts[i] + k] = ch
    return "".join(row)


def render_text(screen: Screen) -> str:
    """A fixed-width picture of the handset screen (WIDTH + 2 columns).

    Title bar, items with the cursor ">" (and "*" on the chosen value), the
    entry with a caret, the message line and the four soft key labels.
    """
    bar = "+" + "-" * WIDTH + "+"
    body: list[str] = []
    if screen.kind in ("entry", "password"):
        body.extend(_entry_lines(screen))
    body.extend(_item_lines(screen))
    body = body[:ITEM_ROWS] + [""] * (ITEM_ROWS - len(body))
    # The message area grows rather than cut a reason short.
    message = textwrap.wrap(screen.message, WIDTH)
    message += [""] * (MESSAGE_ROWS - len(message))
    lines = [bar, "|" + _fit(screen.title.center(WIDTH)) + "|", bar]
    lines += ["|" + _fit(line) + "|" for line in body]
    lines.append(bar)
    lines += ["|" + _fit(line) + "|" for line in message]
    lines.append(bar)
    lines.append("|" + _softkey_row(screen.softkeys) + "|")
    lines.append(bar)
    return "\n".join(lines)
