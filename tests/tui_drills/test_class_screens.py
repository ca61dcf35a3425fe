"""The drill screens for a class: the trainee's name asked once, retry in place, the
checklist a timed drill hides, hints that go when their step is done, best results."""

from __future__ import annotations

from core.clock import ManualClock
from core.drills.records import NO_NAME
from core.drills.report import save_summary
from core.locations import TRAINEE_ENV
from tests.drills.test_class_records import summary
from tests.tui_drills.test_drills_screen import TERMINAL, closed, screen_text, start_drill
from tui.app import drills_app, make_app
from tui.drills_screen import (
    MEMORY_NOTE,
    DrillPickerScreen,
    DrillScreen,
    SummaryScreen,
    TraineeScreen,
    open_drills,
)


async def test_the_name_is_asked_once_and_checked(tmp_path, monkeypatch):
    monkeypatch.delenv(TRAINEE_ENV, raising=False)
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        open_drills(app)
        await pilot.pause()
        assert isinstance(app.screen, TraineeScreen)
        assert "Who is doing the drills?" in screen_text(app)
        await pilot.press(*"a/b", "enter")
        await pilot.pause()
        assert isinstance(app.screen, TraineeScreen)  # still asking, and says why
        assert "cannot contain /" in screen_text(app)
        await pilot.press("backspace", "backspace", "backspace", *"Kim Lee", "enter")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, DrillPickerScreen) and picker.trainee == "Kim Lee"
        assert "Trainee: Kim Lee" in screen_text(app)
        await pilot.press("escape")  # out of the drills and back in: not asked again
        await pilot.pause()
        open_drills(app)
        await pilot.pause()
        assert isinstance(app.screen, DrillPickerScreen) and app.screen.trainee == "Kim Lee"
        await pilot.press("t")  # a new trainee at this keyboard
        await pilot.pause()
        assert isinstance(app.screen, TraineeScreen) and "Esc: keep Kim Lee" in screen_text(app)
        await pilot.press("escape")  # changed their mind: the name stays
        await pilot.pause()
        assert app.screen.trainee == "Kim Lee"
        await pilot.press("t", *["backspace"] * 7, *"Bo", "enter")
        await pilot.pause()
        assert app.screen.trainee == "Bo" and "Trainee: Bo" in screen_text(app)
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        open_drills(app)
        await pilot.pause()
        await pilot.press("escape")  # no name at all: asked no more in this session
        await pilot.pause()
        assert app.screen.trainee is None and "Trainee: no name" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        open_drills(app)
        await pilot.pause()
        assert isinstance(app.screen, DrillPickerScreen)


async def test_a_name_from_the_command_line_or_the_environment_is_not_asked(tmp_path, monkeypatch):
    monkeypatch.setenv(TRAINEE_ENV, "From Env")
    app = drills_app(tmp_path, trainee="From Option")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, DrillPickerScreen) and app.screen.trainee == "From Option"
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        open_drills(app)
        await pilot.pause()
        assert isinstance(app.screen, DrillPickerScreen) and app.screen.trainee == "From Env"


async def test_drills_run_with_a_drill_asks_the_name_then_starts_it(tmp_path, monkeypatch):
    monkeypatch.delenv(TRAINEE_ENV, raising=False)
    app = drills_app(tmp_path, "fault-ca-expired")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, TraineeScreen)
        await pilot.press(*"Kim", "enter")
        await pilot.pause()
        await app.screen.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, DrillScreen)
        assert app.screen.session.trainee == "Kim"


async def test_retry_after_the_summary_sets_the_drill_up_again(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_drill(app, pilot, "fault-der-served", tmp_path, ManualClock())
        first = screen.session
        await pilot.press("f8", "f8", "enter", "enter")  # a cause, any cause, committed
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
        assert "r Retry" in screen_text(app).splitlines()[-1]
        await closed(pilot, first.environment)  # the old set-up goes, off the event loop
        await pilot.press("r")
        await pilot.pause()
        await app.screen.workers.wait_for_complete()
        await pilot.pause()
        again = app.screen
        assert isinstance(again, DrillScreen) and again.session is not first
        assert again.session.drill is first.drill and again.session.trainee == first.trainee
        assert again.session.environment.server_running and again.session.summary is None
        await pilot.press("f10", "f10")  # leave: back to the picker, not to the summary
        await pilot.pause()
        assert isinstance(app.screen, DrillPickerScreen)
        await closed(pilot, again.session.environment)


async def test_the_timed_drill_without_hints_hides_its_steps(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_drill(app, pilot, "bulletin-timed", tmp_path, ManualClock())
        text = screen_text(app)
        assert "[>] 1." not in text and "[ ] 2." not in text
        assert MEMORY_NOTE.split(":")[0] in text
        await pilot.press(TERMINAL["soft1"])  # still scored
        assert screen.session.checklist[0].done
        assert "[x] 1." not in screen_text(app)


async def test_a_hint_goes_away_when_its_step_is_done(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_drill(app, pilot, "bulletin-guided", tmp_path, ManualClock())
        hint = screen.session.drill.steps[0].hint

        def shown() -> str:
            return str(screen.query_one("#drill-hint").render())

        await pilot.press("f7")
        await pilot.pause()
        assert hint in shown()
        await pilot.press("escape")  # the step is not done: the hint stays
        await pilot.pause()
        assert not screen.session.checklist[0].done and hint in shown()
        await pilot.press(TERMINAL["soft1"])  # the Main Menu: step 1 done
        await pilot.pause()
        assert hint not in shown() and "F7 shows a hint" in shown()
        assert screen.session.hints_used == 1


async def test_the_picker_shows_this_trainees_best_result(tmp_path, monkeypatch):
    monkeypatch.setenv(TRAINEE_ENV, "Alex")
    save_summary(summary("bulletin-guided", "Alex", passed=False, reached=1), tmp_path)
    save_summary(summary("bulletin-guided", "Alex", elapsed=75, hints=1), tmp_path)
    save_summary(summary("fault-der-served", "Bo"), tmp_path)  # someone else's
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        open_drills(app)
        await pilot.pause()
        text = screen_text(app)
        assert "best: pass 1:15, 1 hint (2 attempts)" in text
        assert text.count("best:") == 1
        assert NO_NAME not in text


async def burst(app, pilot, *keys: str) -> None:
    """Keys as a slow SSH link delivers them: all queued before any is handled."""
    from textual import events

    for key in keys:
        app.post_message(events.Key(key, "\r" if key == "enter" else None))
    await pilot.pause(0.3)


async def test_keys_typed_right_after_f10_and_f8_answer_their_question(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_drill(app, pilot, "fault-wrong-password", tmp_path, ManualClock())
        handset = screen.session.handset
        await burst(app, pilot, "f10", "escape")  # asked, and answered "back"
        assert app.screen is screen and handset.screen.node_id == "idle"
        assert screen.session.checker.keys == 0  # nothing reached the phone
        await pilot.press(TERMINAL["soft1"], "1", "2")  # the password screen: a step done
        assert screen.session.checklist[0].done
        await burst(app, pilot, "f8", "up", "enter", "enter")  # the last cause, committed
        assert isinstance(app.screen, SummaryScreen), app.screen_stack
        assert screen.session.summary.diagnosis.chosen == "wrong-password"
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_drill(app, pilot, "bulletin-guided", tmp_path, ManualClock())
        await burst(app, pilot, "f10", "enter")  # leave, at once
        assert isinstance(app.screen, DrillPickerScreen)
        assert screen.session.checker.keys == 0


async def test_the_no_step_note_goes_once_a_step_is_done(tmp_path):
    from tui.drills_screen import NO_STEPS_TEXT

    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_drill(app, pilot, "fault-wrong-password", tmp_path, ManualClock())
        await pilot.press("f8")
        assert str(screen.query_one("#drill-hint").render()) == NO_STEPS_TEXT
        await pilot.press(TERMINAL["soft1"], "1", "2")  # the password screen: step 1
        await pilot.pause()
        assert "No step done yet" not in str(screen.query_one("#drill-hint").render())
