"""Every shipped drill solved through Pilot key presses in the app, to a passing summary."""

from __future__ import annotations

import json

import pytest

from core.clock import ManualClock
from core.drills.faults import FAULTS
from core.drills.loader import load_drills
from core.locations import DRILLS_ENV
from tests.drills.keys import Trainee
from tests.tui_drills.conftest import TRAINEE
from tui.app import make_app
from tui.drills_screen import (
    NO_STEPS_TEXT,
    ConfirmLeaveScreen,
    DiagnosisScreen,
    DrillPickerScreen,
    DrillScreen,
    SummaryScreen,
    open_drills,
)
from tui.keys import END_KEY, SOFT_KEYS

DRILLS = load_drills(None)
TERMINAL = {
    "select": "enter",
    "back": "escape",
    "end": END_KEY,
    **{f"soft{n}": key for n, key in enumerate(SOFT_KEYS, start=1)},
}


async def start_drill(app, pilot, drill_id: str, workspace, clock) -> DrillScreen:
    app.push_screen(DrillPickerScreen(workspace, clock=clock))
    await pilot.pause()
    picker = app.screen
    index = [d.id for d in picker.drills].index(drill_id)
    await pilot.press(*["down"] * index, "enter")
    await app.workers.wait_for_complete()
    await pilot.pause()
    assert isinstance(app.screen, DrillScreen), app.screen
    return app.screen


async def closed(pilot, env, timeout: float = 20.0) -> None:
    """Wait until the drill's servers are stopped and its temp folder is gone (the screen
    closes its session in a thread, off the event loop)."""
    import time

    deadline = time.monotonic() + timeout
    while env.server_running or env.root.exists():
        assert time.monotonic() < deadline, "the drill's session was not closed"
        await pilot.pause(0.02)


def pilot_trainee(app, pilot, screen: DrillScreen) -> Trainee:
    async def press(key: str) -> None:
        await pilot.press(TERMINAL.get(key, key))
        if screen.session.handset.busy:
            await screen.workers.wait_for_complete()
            await pilot.pause()

    # Menu items by their number, as a quick trainee does: fewer keys, a faster test.
    return Trainee(screen.session, press, digits=True)


# Every drill is solved headless in tests/drills/test_solve.py; through Pilot, one guided
# drill and one fault drill show the screen drives the same session.
PILOT_DRILLS = [d for d in DRILLS if d.id in ("bulletin-guided", "fault-der-served")]


@pytest.mark.parametrize("drill", PILOT_DRILLS, ids=[d.id for d in PILOT_DRILLS])
async def test_drill_solved_through_pilot(drill, tmp_path):
    clock = ManualClock()
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_drill(app, pilot, drill.id, tmp_path, clock)
        session = screen.session
        await pilot.press("f7")
        if drill.hints:
            assert session.hints_used == 1
            assert drill.steps[0].hint in str(screen.query_one("#drill-hint").render())
        else:  # no Hint key at all
            assert session.hints_used == 0
            assert "F7" not in str(screen.query_one("#drill-hint").render())
        clock.advance(42)
        outcome = await pilot_trainee(app, pilot, screen).follow(session.environment.job_sheet)
        await pilot.pause()
        if drill.kind == "fault":
            assert outcome == FAULTS[drill.fault].failure
            assert app.screen is screen  # the phone's message stays in view
            assert "F8" in str(screen.query_one("#drill-hint").render())
            await pilot.press("f8")
            assert isinstance(app.screen, DiagnosisScreen)
            index = [c.id for c in session.causes()].index(drill.fault)
            await pilot.press(*["down"] * index, "enter")
            await pilot.pause()
            assert isinstance(app.screen, DiagnosisScreen)  # picked, not committed
            assert "Commit this cause?" in screen_text(app)
            await pilot.press("enter")  # commit it
            await pilot.pause()
        else:
            assert outcome == "provision:ok"
        assert isinstance(app.screen, SummaryScreen)
        summary = session.summary
        assert summary.passed, summary.reasons
        assert summary.elapsed_seconds == 42
        assert summary.hints_used == (1 if drill.hints else 0)
        assert "PASSED" in app.screen.markdown
        await closed(pilot, session.environment)  # servers stopped, files removed
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DrillPickerScreen)
    saved = sorted((tmp_path / "drills").glob("*.json"))
    result = json.loads(saved[0].read_text())
    assert len(saved) == 1 and result["drill_id"] == drill.id
    assert result["trainee"] == TRAINEE
    assert f"- Trainee: {TRAINEE}" in saved[0].with_suffix(".md").read_text()


async def test_f8_asks_before_finishing_a_drill_with_steps_left(tmp_path):
    from tui.drills_screen import ConfirmFinishScreen

    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_drill(app, pilot, "bulletin-guided", tmp_path, ManualClock())
        await pilot.press("f8")
        assert isinstance(app.screen, ConfirmFinishScreen)
        assert "0 of 16 steps done" in screen_text(app) and "NOT PASSED" in screen_text(app)
        await pilot.press("escape")  # back: nothing recorded
        await pilot.pause()
        assert app.screen is screen and screen.session.summary is None
        await pilot.press("f8", "f8")  # F8 twice finishes
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
        assert not screen.session.summary.passed
        assert "Esc Close" in screen_text(app)  # spelt as every other footer, not "esc"


async def test_the_drill_popups_show_their_own_keys_not_the_drills(tmp_path):
    from tui.drills_screen import BriefScreen, ConfirmFinishScreen

    def footer(app) -> str:
        return screen_text(app).splitlines()[-1]

    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await start_drill(app, pilot, "bulletin-guided", tmp_path, ManualClock())
        assert "F7 Hint" in footer(app)
        for key, popup, shown in [
            ("f9", BriefScreen, "Esc Close"),
            ("f8", ConfirmFinishScreen, "F8 Finish  Esc Back to the drill"),
        ]:
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, popup)
            assert shown in footer(app) and "F7 Hint" not in footer(app), footer(app)
            await pilot.press("escape")
            await pilot.pause()
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await start_drill(app, pilot, "fault-url-typo", tmp_path, ManualClock())
        await pilot.press("f8", "f8")  # no step done: it says what to do first
        await pilot.pause()
        assert isinstance(app.screen, DiagnosisScreen)
        assert "Esc Back" in footer(app) and "F7" not in footer(app), footer(app)


async def test_the_drill_header_counts_wrong_passwords(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_drill(app, pilot, "bulletin-guided", tmp_path, ManualClock())
        await pilot.press(TERMINAL["soft1"], "1", "2", "1", "1", "1", "enter")  # not 456
        await pilot.pause()
        assert screen.session.checker.wrong_passwords == 1
        assert "wrong passwords 1" in screen_text(app)


async def test_wrong_cause_and_leaving_the_diagnosis(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_drill(app, pilot, "fault-url-typo", tmp_path, ManualClock())
        await pilot.press("f8")  # no step done: it says what to do first, on the drill
        assert app.screen is screen
        assert str(screen.query_one("#drill-hint").render()) == NO_STEPS_TEXT
        await pilot.press("f8")  # asked again: the cause list opens
        assert isinstance(app.screen, DiagnosisScreen)
        await pilot.press("escape")  # back to the handset, nothing decided
        assert app.screen is screen and screen.session.summary is None
        await pilot.press("f8", "enter")  # the first cause: not the typo; picked only
        assert isinstance(app.screen, DiagnosisScreen) and screen.session.summary is None
        assert "Commit this cause?" in screen_text(app)
        await pilot.press("escape")  # not sure: the pick is taken back, the list stays
        assert isinstance(app.screen, DiagnosisScreen) and "Commit" not in screen_text(app)
        await pilot.press("enter", "down")  # picked, then another highlighted: not committed
        assert "Commit" not in screen_text(app)
        await pilot.press("up", "enter", "enter")  # the first cause, committed
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
        summary = screen.session.summary
        assert not summary.passed
        assert summary.diagnosis.actual == "url-typo" and not summary.diagnosis.right
        assert "Verdict: wrong" in app.screen.markdown


async def test_handset_keys_in_a_drill_do_not_touch_the_apps_handset(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_drill(app, pilot, "bulletin-guided", tmp_path, ManualClock())
        before = len(app.handset.events)
        await pilot.press(TERMINAL["soft1"], "enter")
        assert screen.session.handset.screen.node_id == "settings"
        assert len(app.handset.events) == before
        assert screen.session.checklist[1].done
        await pilot.press("f10")  # leave without a result: it asks first
        await pilot.pause()
        assert isinstance(app.screen, ConfirmLeaveScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen  # still in the drill
        await pilot.press("f10", "f10")  # F10 twice leaves
        await pilot.pause()
        assert isinstance(app.screen, DrillPickerScreen)
        await closed(pilot, screen.session.environment)
    assert not (tmp_path / "drills").exists()


async def test_open_drills_uses_the_apps_workspace(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        open_drills(app)
        await pilot.pause()
        assert isinstance(app.screen, DrillPickerScreen)
        assert app.screen.workspace == tmp_path
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, DrillPickerScreen)


async def test_a_broken_trainer_drill_is_named_in_the_picker(tmp_path, monkeypatch):
    monkeypatch.setenv(DRILLS_ENV, str(tmp_path))
    (tmp_path / "mine.toml").write_text('title = "x"\ngoal = "y"\nkind = "quiz"\n')
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        open_drills(app)
        await pilot.pause()
        shown = str(app.screen.query_one("#drill-goal").render())
        assert "mine.toml" in shown and "'kind'" in shown and "quiz" in shown
        assert app.screen.drills == []


async def test_drills_run_opens_straight_into_a_drill(tmp_path):
    from tui.app import drills_app

    app = drills_app(tmp_path, "fault-ca-expired")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await app.screen.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, DrillScreen)
        assert app.screen.session.drill.id == "fault-ca-expired"
        assert app.screen.session.workspace == tmp_path
        await pilot.press("f10")
        await pilot.pause()


def screen_text(app) -> str:
    """What the terminal shows now, as plain text."""
    return "\n".join(strip.text.rstrip() for strip in app.screen._compositor.render_strips())


async def test_drill_screen_fits_80x24(tmp_path):
    clock = ManualClock()
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_drill(app, pilot, "bulletin-guided", tmp_path, clock)
        await pilot.press("f7")
        clock.advance(65)
        screen.refresh_status()
        await pilot.pause()
        text = screen_text(app)
        for line in (
            "Install the CA certificate: the bulletin,",  # the title, wrapped, not cut
            "1:05  Steps 0/16  Hints 1",
            "Wrong keys 0 · wrong passwords 0",
            "[ ] 3. Select Advanced (it asks for the",  # a long step wraps under its text
            "        password)",
            "Admin password: 456",
            "URL: http://bootserver1.example.com/ca.crt",
            "[>] 1. Open the Main Menu (Menu soft key)",
            "Rehearsal choice: on the idle screen the",  # the hint, wrapped, on screen
            "F7 Hint",
            "F8 Finish",
            "F10 Leave",
            "Spectralink 8400",  # the handset beside it
        ):
            assert line in text, line
        assert len(text.splitlines()) == 24


async def test_timed_drill_shows_the_limit_and_when_it_is_over(tmp_path):
    clock = ManualClock()
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_drill(app, pilot, "bulletin-timed", tmp_path, clock)
        assert "0:00 of 5:00  Steps 0/16" in screen_text(app)
        assert "F7 Hint" not in screen_text(app)
        clock.advance(301)
        screen.refresh_status()
        await pilot.pause()
        assert "5:01 of 5:00 OVER" in screen_text(app)


async def test_results_screen_lists_past_drills(tmp_path):
    from tui.drills_screen import ResultsScreen

    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_drill(app, pilot, "fault-wrong-password", tmp_path, ManualClock())
        await pilot_trainee(app, pilot, screen).follow(screen.session.environment.job_sheet)
        await pilot.press("f8", "up", "enter", "enter")  # the last cause: the right one
        await pilot.pause()
        await pilot.press("enter")  # close the summary: back to the picker
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, ResultsScreen)
        text = screen_text(app)
        assert "fault-wrong-password" in text and "pass" in text
        assert "1 result(s), 1 passed" in text
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, DrillPickerScreen)


async def test_d_in_the_app_opens_the_drills(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, DrillPickerScreen)
        assert app.screen.workspace == tmp_path


async def test_an_unexpected_error_in_a_drill_download_leaves_busy(tmp_path, monkeypatch):
    import core.handset.runner

    async def broken(*args, **kwargs):
        raise RuntimeError("boom")

    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_drill(app, pilot, DRILLS[0].id, tmp_path, ManualClock())
        monkeypatch.setattr(core.handset.runner, "perform", broken)
        handset = screen.session.handset
        for key in ("soft1", "1", "2", "4", "5", "6", "select", "1", "2", "1", "1", "1"):
            handset.press(key)
        for ch in "ca.example.com/ca.crt":
            handset.press(ch)
        effect = handset.press("soft1")  # Download
        assert effect is not None and handset.busy
        screen._run_effect(effect)
        await screen.workers.wait_for_complete()
        await pilot.pause()
        assert not handset.busy
        assert "RuntimeError: boom" in str(screen.query_one("#drill-hint").render())


async def test_esc_while_a_drill_is_set_up_closes_its_session(tmp_path, monkeypatch):
    import threading
    import time

    import core.drills.session

    release = threading.Event()
    made = []
    real = core.drills.session.DrillSession

    class SlowSession(real):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self)
            release.wait(20)

    monkeypatch.setattr(core.drills.session, "DrillSession", SlowSession)
    app = make_app(tmp_path)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            app.push_screen(DrillPickerScreen(tmp_path, clock=ManualClock()))
            await pilot.pause()
            await pilot.press("enter")
            deadline = time.monotonic() + 20
            while not made:
                assert time.monotonic() < deadline
                await pilot.pause(0.02)
            await pilot.press("escape")
            assert not isinstance(app.screen, DrillPickerScreen)
            release.set()
            await closed(pilot, made[0].environment)
            assert not isinstance(app.screen, DrillScreen)
    finally:
        release.set()


async def test_a_full_disk_when_saving_the_result_is_one_sentence(tmp_path, monkeypatch):
    import errno

    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_drill(app, pilot, "bulletin-guided", tmp_path, ManualClock())

        def full() -> None:
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(screen.session, "save", full)
        await pilot.press("f8", "f8")
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
        note = str(app.screen.query_one("#summary-saved").render())
        assert "No space left on device" in note and "\n" not in note.strip()


def words_in_order(text: str, wanted: str) -> bool:
    """Every word of ``wanted`` on screen, in order (wrapping moves them across lines)."""
    shown = " ".join(text.replace("│", " ").replace("┃", " ").split())
    at = 0
    for word in wanted.split():
        at = shown.find(word, at)
        if at < 0:
            return False
        at += len(word)
    return True


@pytest.mark.parametrize("size", [(60, 20), (80, 24)], ids=["60x20", "80x24"])
async def test_the_f7_hint_is_whole_and_the_checklist_scrolls(tmp_path, size):
    """Issue 12: at 60x20 the steps filled the panel and the hint was never seen; at 80x24
    fault-der-served's step-1 hint was cut by a 6-line cap."""
    from textual.containers import VerticalScroll

    clock = ManualClock()
    app = make_app(tmp_path)
    async with app.run_test(size=size) as pilot:
        screen = await start_drill(app, pilot, "fault-der-served", tmp_path, clock)
        await pilot.press("f7")
        await pilot.pause()
        hint = screen.session.drill.steps[0].hint
        assert words_in_order(screen_text(app), hint), screen_text(app)
        assert "[>] 1." in screen_text(app)  # the current step stays in view

    app = make_app(tmp_path / "guided")
    async with app.run_test(size=size) as pilot:
        screen = await start_drill(app, pilot, "bulletin-guided", tmp_path / "guided", clock)
        scroll = screen.query_one("#drill-scroll", VerticalScroll)
        if size == (60, 20):
            assert scroll.max_scroll_y > 0  # more steps than room: it scrolls
        scroll.scroll_end(animate=False, immediate=True)
        await pilot.pause()
        last = len(screen.session.drill.steps)
        assert f"[ ] {last}." in screen_text(app)  # the last step can be reached


@pytest.mark.parametrize("size", [(60, 20), (80, 24)], ids=["60x20", "80x24"])
async def test_every_shipped_hint_fits_whole_beside_the_handset(tmp_path, size):
    """Any step's hint, in any shipped drill with hints, is shown whole at 60x20 and up."""
    clock = ManualClock()
    for drill in [d for d in DRILLS if d.hints]:
        app = make_app(tmp_path / drill.id)
        async with app.run_test(size=size) as pilot:
            screen = await start_drill(app, pilot, drill.id, tmp_path / drill.id, clock)
            for step in drill.steps:
                screen.hint_text = step.hint
                screen.refresh_drill()
                await pilot.pause()
                assert words_in_order(screen_text(app), step.hint), (drill.id, step.hint)
            await pilot.press("f10", "enter")
            await pilot.pause()
