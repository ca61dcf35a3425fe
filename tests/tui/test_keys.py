"""Terminal keys -> handset keys, and keys that must never be bound."""

from __future__ import annotations

import pytest
from textual.binding import Binding

from tests.tui.conftest import screen_text
from tui import app as app_module
from tui import forms, handset_pane, help, workbench
from tui.app import HandsetCAApp
from tui.keys import HANDSET_KEYS, handset_key


@pytest.mark.parametrize(
    ("key", "char", "kind", "expected"),
    [
        ("f2", None, "menu", "soft1"),
        ("f5", None, "entry", "soft4"),
        ("f6", None, "entry", "end"),
        ("enter", "\r", "menu", "select"),
        ("escape", "\x1b", "entry", "back"),
        ("backspace", "\x08", "menu", "back"),
        ("backspace", "\x08", "entry", "backspace"),
        ("backspace", "\x08", "password", "backspace"),
        ("left", None, "entry", "left"),
        ("7", "7", "menu", "7"),
        ("A", "A", "entry", "A"),  # the handset lower-cases, not the pane
        ("full_stop", ".", "entry", "."),
        ("f1", None, "menu", None),
        ("ctrl+x", "\x18", "entry", None),
    ],
)
def test_handset_key(key: str, char: str | None, kind: str, expected: str | None) -> None:
    assert handset_key(key, char, kind) == expected


def _bindings() -> list[tuple[str, Binding]]:
    classes = [
        app_module.HandsetCAApp,
        app_module.MainScreen,
        handset_pane.HandsetPane,
        workbench.WorkbenchPane,
        help.HelpScreen,
        forms.FormScreen,
        forms.InspectScreen,
    ]
    found = []
    for cls in classes:
        for binding in cls.BINDINGS:
            assert isinstance(binding, Binding)
            found += [
                (cls.__name__, Binding(key, binding.action)) for key in binding.key.split(",")
            ]
    return found


def test_no_binding_on_keys_terminals_send_as_others() -> None:
    for owner, binding in _bindings():
        assert binding.key not in {"ctrl+h", "ctrl+i", "ctrl+j", "ctrl+m"}, owner


def test_footer_shows_at_most_six_bindings_per_pane() -> None:
    shown = [b for b in workbench.WorkbenchPane.BINDINGS if isinstance(b, Binding) and b.show]
    shown_handset = [b for b in handset_pane.HandsetPane.BINDINGS if b.show]  # type: ignore[union-attr]
    everywhere = 2 + 1  # Tab, F1 and the command palette
    assert len(shown) + everywhere <= 6
    assert len(shown_handset) + everywhere <= 6


def test_help_names_every_soft_key_and_end() -> None:
    terminals = {k.terminal for k in HANDSET_KEYS}
    assert {"F2", "F3", "F4", "F5", "F6"} <= terminals


async def test_backspace_backs_out_of_menus_and_deletes_in_entries(
    frozen_app: HandsetCAApp,
) -> None:
    app = frozen_app
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("tab", "f2")
        assert app.handset.screen.title == "Main Menu"
        await pilot.press("backspace")
        assert app.handset.screen.kind == "idle"
        await pilot.press("f2", "1", "2", "4", "5", "6")
        assert app.handset.screen.entry == "***"
        await pilot.press("backspace")  # deletes in the password entry
        assert app.handset.screen.entry == "**"
        await pilot.press("6", "enter", "1", "2", "1", "1", "1", "x")
        assert app.handset.screen.entry == "http://x"
        await pilot.press("backspace")
        assert app.handset.screen.entry == "http://"
        await pilot.press("escape")  # Esc leaves the entry
        assert app.handset.screen.title == "Install Custom CA Certs"
        await pilot.press("f6")
        assert app.handset.screen.kind == "idle"
        assert "Spectralink 8400" in screen_text(app)


async def test_the_pane_names_the_source_of_the_screen_and_of_the_item(
    empty_app: HandsetCAApp,
) -> None:
    app = empty_app
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("tab", "f2")  # Main Menu (rehearsal choice), cursor on Settings
        shown = screen_text(app)
        assert "Screen source: rehearsal choice" in shown
        assert "Item source: bulletin" in shown
        await pilot.press("down")  # Contacts: not in any document
        assert "Item source: rehearsal choice" in screen_text(app)
