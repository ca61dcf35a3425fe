"""Every key the help (F1) lists does what it says (issue 12).

The help is generated from the real bindings and the pane's key map; each row carries
probes (a key, the screen it is pressed on, what must happen). Table-driven: every
probe is pressed through Pilot on its screen, and the action it names (or the handset
key the pane presses, or the screen's method) is recorded instead of run.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from textual.binding import Binding
from textual.keys import _character_to_key

from core.locations import TRAINEE_ENV
from tests.tui.conftest import build_app, copy_frozen
from tests.tui.test_handset_pane import to_url_entry, use_handset
from tui.app import HandsetCAApp, MainScreen, drills_app
from tui.handset_pane import HandsetPane
from tui.help import Probe, help_renderable, help_sections
from tui.keys import FIXED, HANDSET_KEYS

SECTIONS = help_sections(HandsetCAApp, MainScreen)
PROBES: dict[str, list[Probe]] = defaultdict(list)
for _section in SECTIONS:
    for _row in _section.rows:
        for _probe in _row.probes:
            PROBES[_probe.context].append(_probe)


def test_every_row_of_the_help_has_a_probe() -> None:
    for section in SECTIONS:
        for row in section.rows:
            assert row.probes, (section.title, row.keys)


def test_every_handset_key_of_the_map_is_in_the_help() -> None:
    sampled = {terminal for k in HANDSET_KEYS for terminal, _ in k.samples}
    assert set(FIXED) <= sampled | {"enter"}, set(FIXED) - sampled


def test_every_binding_of_the_drill_and_check_screens_is_listed() -> None:
    from tui.check_screen import CheckScreen
    from tui.drills_screen import DrillPickerScreen, DrillScreen, SummaryScreen
    from tui.workbench import WorkbenchPane

    listed = {(p.key, p.expected) for probes in PROBES.values() for p in probes}
    from tui.lifecycle import ExpiryScreen

    screens = (CheckScreen, DrillPickerScreen, DrillScreen, SummaryScreen, WorkbenchPane)
    for cls in (*screens, ExpiryScreen):
        for binding in Binding.make_bindings(cls.BINDINGS):
            assert (binding.key, binding.action.rpartition(".")[2]) in listed, binding


def test_the_help_says_multi_tap_is_keypad_mode_only() -> None:
    from rich.console import Console

    console = Console(width=100, record=True)
    console.print(help_renderable(SECTIONS))
    text = " ".join(console.export_text().split())
    assert "keypad mode only (a trainer's setting): multi-tap" in text
    assert "Not in keypad mode" in text
    assert "guided and fault drills" in text


def pilot_key(key: str) -> str:
    return _character_to_key(key) if len(key) == 1 and not key.isalnum() else key


class Recorder:
    """Stands in for actions, the pane's press() and screen methods: records, runs nothing."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def install(self, app: Any, probes: list[Probe]) -> None:
        nodes: list[Any] = [app, app.screen]
        if app.focused is not None:
            nodes += list(app.focused.ancestors_with_self)
        for probe in probes:
            if probe.kind == "action":
                for node in nodes:
                    self._patch(node, f"action_{probe.expected}", ("action", probe.expected))
            elif probe.kind == "call":
                self._patch(app.screen, probe.expected, ("call", probe.expected))
        for node in nodes:
            if isinstance(node, HandsetPane):
                object.__setattr__(node, "press", lambda key: self.calls.append(("handset", key)))

    def _patch(self, node: Any, name: str, record: tuple[str, str]) -> None:
        def called(*args: Any, **kwargs: Any) -> None:
            self.calls.append(record)

        object.__setattr__(node, name, called)


async def setup(context: str, pilot, app: Any) -> None:
    """Bring ``app`` to the screen (and focus) the context names."""
    from core.handset.menu import RehearsalChoices
    from tui.check_screen import CheckScreen
    from tui.drills_screen import DrillPickerScreen, DrillScreen, SummaryScreen
    from tui.forms import CreateCAScreen

    await pilot.pause()
    if context == "handset":
        await pilot.press("tab")
    elif context == "entry":
        await to_url_entry(pilot, app)
    elif context == "keypad":
        use_handset(app, keypad=True, choices=RehearsalChoices(keypad_pause_seconds=0))
        await to_url_entry(pilot, app)
    elif context == "form":
        app.push_screen(CreateCAScreen())
        await pilot.pause()
        assert isinstance(app.screen, CreateCAScreen)
    elif context == "check":
        await pilot.press("k")
        await pilot.pause()
        assert isinstance(app.screen, CheckScreen)
        app.screen.query_one("#urls").focus()
    elif context == "expiry":
        from tui.lifecycle import ExpiryScreen

        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, ExpiryScreen)
    elif context == "picker":
        assert isinstance(app.screen, DrillPickerScreen)
    elif context in ("drill", "fault"):
        await app.screen.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, DrillScreen)
    elif context == "summary":
        finished: Any = object()  # a finished drill's session: r offers the retry
        app.push_screen(SummaryScreen("# Drill summary", "Saved.", finished))
        await pilot.pause()
    await pilot.pause()


def make(context: str, tmp_path: Path) -> Any:
    if context in ("picker", "drill", "fault"):
        drill = {"picker": None, "drill": "bulletin-guided", "fault": "fault-der-served"}[context]
        return drills_app(tmp_path / "ws", drill)
    copy_frozen(tmp_path / "pki")
    return build_app()


@pytest.mark.parametrize("context", sorted(PROBES))
async def test_every_key_the_help_lists_does_what_it_says(
    context: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(TRAINEE_ENV, "Alex Smith")
    if context == "check":  # F3 stops a check in progress (the key is dim without one)
        from tui.check_screen import CheckScreen

        monkeypatch.setattr(CheckScreen, "running", property(lambda self: True))
    app = make(context, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await setup(context, pilot, app)
        screen = app.screen
        recorder = Recorder()
        recorder.install(app, PROBES[context])
        for probe in PROBES[context]:
            recorder.calls.clear()
            await pilot.press(pilot_key(probe.key))
            await pilot.pause()
            assert (probe.kind, probe.expected) in recorder.calls, (probe, recorder.calls)
            assert app.screen is screen, probe  # nothing ran: still on the same screen
