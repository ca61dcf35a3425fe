"""Which terminal key stands for which handset key: one table for the pane, legend and help.

Soft keys sit on F2-F5 and End on F6: function keys arrive over SSH and tmux,
clash neither with F1 (help) nor with text typed into the handset's entries.
Nothing is bound to ctrl+h/ctrl+i/ctrl+j/ctrl+m: terminals send those as
backspace, tab, newline and enter.
"""

from __future__ import annotations

from dataclasses import dataclass

SOFT_KEYS: tuple[str, str, str, str] = ("f2", "f3", "f4", "f5")
END_KEY = "f6"

# Terminal key -> handset key, the same in every handset screen.
FIXED: dict[str, str] = {
    "up": "up",
    "down": "down",
    "left": "left",
    "right": "right",
    "enter": "select",
    "escape": "back",
    END_KEY: "end",
    **{key: f"soft{n}" for n, key in enumerate(SOFT_KEYS, start=1)},
}
# Esc followed at once by a digit (keys typed ahead in one burst, as over SSH) reaches
# the app as one escape sequence, which Textual reads as the character a Mac's Option
# key gives with that digit. Nothing in the app takes these characters, so they are
# read back as Esc and the digit (and "alt+x" as Esc and x, for the same reason).
ESC_DIGIT: dict[str, str] = {
    "¡": "1", "™": "2", "£": "3", "¢": "4", "∞": "5", "§": "6", "¶": "7", "•": "8",
    "ª": "9", "º": "0", "–": "-", "≠": "=",
}  # fmt: skip


def escape_then(key: str, character: str | None) -> str | None:
    """The character typed right after Esc, when ``key`` is really Esc and a key sent
    together (see ESC_DIGIT); else None."""
    if character in ESC_DIGIT:
        return ESC_DIGIT[character]
    if key.startswith("alt+") and character is not None and len(character) == 1:
        return character
    return None


# Screens where the handset takes text: there Backspace deletes, elsewhere it goes back.
ENTRY_KINDS = frozenset({"entry", "password"})


def handset_key(terminal_key: str, character: str | None, screen_kind: str) -> str | None:
    """The handset key for a terminal key press, or None when the handset has no such key."""
    if terminal_key in FIXED:
        return FIXED[terminal_key]
    if terminal_key == "backspace":
        return "backspace" if screen_kind in ENTRY_KINDS else "back"
    if character is not None and len(character) == 1 and character.isprintable():
        return character
    return None


@dataclass(frozen=True)
class KeyHelp:
    terminal: str
    handset: str
    what: str
    # (terminal key, the handset key the pane presses for it) on a menu screen: what the
    # help promises, pressed by tests/tui/test_help_keys.py.
    samples: tuple[tuple[str, str], ...] = ()


# What the help screen and the legend print, in order.
HANDSET_KEYS: tuple[KeyHelp, ...] = (
    KeyHelp(
        "↑ ↓", "navigation keys", "move the cursor in a menu", (("up", "up"), ("down", "down"))
    ),
    KeyHelp(
        "← →", "navigation keys", "move the cursor in an entry",
        (("left", "left"), ("right", "right")),
    ),
    KeyHelp(
        "Enter", "Select (centre key)", "open the item under the cursor; confirm an entry",
        (("enter", "select"),),
    ),
    KeyHelp(
        "0-9", "dial pad", "open the numbered item; in an entry, type the digit", (("3", "3"),)
    ),
    KeyHelp(
        "a-z . : / @ …",
        "keyboard",
        "type into an entry, letters directly; the phone keeps lower case. Not in keypad "
        "mode: there letters come from the digit keys (below)",
        (("a", "a"), (".", "."), ("/", "/")),
    ),
    KeyHelp("Esc", "Back", "go back one menu (also the soft key Back)", (("escape", "back"),)),
    KeyHelp(
        "Backspace", "Back / Delete", "back in a menu; delete a character in an entry",
        (("backspace", "back"),),
    ),
    *(
        KeyHelp(
            key.upper(), f"soft key {n}", "the label printed above it on the handset",
            ((key, f"soft{n}"),),
        )
        for n, key in enumerate(SOFT_KEYS, start=1)
    ),
    KeyHelp(
        END_KEY.upper(), "End (red key)", "leave the menus, back to the idle screen",
        ((END_KEY, "end"),),
    ),
)  # fmt: skip
