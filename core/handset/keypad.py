"""Typing text on the phone's keypad: the key presses that type it, by multi-tap.

Pure: the map is menu.KEYPAD_MAP (or a trainer's RehearsalChoices.keypad_map).
The presses start where an entry opens in keypad mode: letters (abc), nothing on
show. ``rehearse --keypad`` and the drills type URLs with these presses; the
machine (machine.py) reads them back key by key.
"""

from __future__ import annotations

from collections.abc import Mapping

from core.errors import UserError
from core.handset.menu import KEYPAD_MAP, KEYPAD_MODE_KEY, KEYPAD_NEXT_KEY, KeypadMode


def keypad_presses(
    text: str,
    keypad_map: Mapping[str, str] = KEYPAD_MAP,
    *,
    mode: KeypadMode = KeypadMode.LETTERS,
) -> list[str]:
    """The handset keys that type ``text`` on the keypad, from ``mode`` with nothing on show.

    A letter is its key pressed once per place in the key's list ("c" is 2 2 2); before
    another character of the same key, the next key (right arrow) confirms the one on show;
    digits are typed in 123 mode (``#`` toggles). UserError for a character the map lacks.
    """
    where: dict[str, tuple[str, int]] = {}
    for key, chars in keypad_map.items():
        for index, ch in enumerate(chars):
            where.setdefault(ch, (key, index))
    presses: list[str] = []
    on_show: str | None = None  # the key whose character is not confirmed yet
    for ch in text:
        if ch.isdigit() and len(ch.encode()) == 1:
            if mode is not KeypadMode.DIGITS:
                presses.append(KEYPAD_MODE_KEY)
                mode = KeypadMode.DIGITS
            presses.append(ch)
            on_show = None
            continue
        found = where.get(ch) or where.get(ch.lower())
        if found is None:
            raise UserError(
                f"The phone's keypad has no key for {ch!r}: type it with the keyboard instead "
                "(without --keypad), or add it to the keypad map."
            )
        key, index = found
        if mode is not KeypadMode.LETTERS:
            presses.append(KEYPAD_MODE_KEY)
            mode = KeypadMode.LETTERS
            on_show = None
        if on_show == key:
            presses.append(KEYPAD_NEXT_KEY)
        presses.extend([key] * (index + 1))
        on_show = key
    return presses
