"""Type-ahead and cancel through Pilot: what the tmux tests prove in a real terminal, and
what a terminal cannot easily stage (a server that never answers, a refused form)."""

from __future__ import annotations

import time

from textual import events
from textual.widgets import Input, Static

from tests.servers import SilentServer
from tests.tui.conftest import finish_jobs
from tui.app import HandsetCAApp, as_typed
from tui.forms import CreateCAScreen, IssueScreen


def burst(app: HandsetCAApp, *keys: str) -> None:
    """Keys as a terminal delivers a burst: all queued at once, none awaited."""
    for key in keys:
        char = key if len(key) == 1 else {"enter": "\r", "escape": "\x1b"}.get(key)
        app.post_message(events.Key(key, char))


TO_URL_ENTRY = ("tab", "f2", "1", "2", "4", "5", "6", "enter", "1", "2", "1", "1", "enter")


def test_an_enter_typed_before_raw_mode_is_an_enter() -> None:
    (key,) = as_typed(events.Key("ctrl+j", "\n"))
    assert key.key == "enter"


def test_esc_and_a_digit_in_one_burst_are_esc_then_the_digit() -> None:
    # "\x1b2" is one sequence to Textual: the character a Mac's Option+2 gives.
    keys = as_typed(events.Key("trade_mark_sign", "™"))
    assert [(k.key, k.character) for k in keys] == [("escape", "\x1b"), ("2", "2")]
    keys = as_typed(events.Key("alt+i", "i"))
    assert [k.key for k in keys] == ["escape", "i"]
    assert [k.key for k in as_typed(events.Key("a", "a"))] == ["a"]


async def test_keys_after_the_last_enter_wait_for_the_workbench(frozen_app: HandsetCAApp) -> None:
    """The Issue form submitted, then `v` at once: v opens Inspect after the job, and
    nothing typed after Enter reaches the CA passphrase field."""
    app = frozen_app
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("i", *"bootserver2.example.com", "enter", "enter", "enter")
        await pilot.press("enter", "enter", *"frozen-test-passphrase", "enter", "v")
        for _ in range(200):
            await finish_jobs(pilot, app)
            if type(app.screen).__name__ == "InspectPickScreen":
                break
        assert type(app.screen).__name__ == "InspectPickScreen"
        assert "bootserver2.example.com" in app.workspace.issued_names()


async def test_a_refused_form_drops_the_keys_typed_after_its_enter(
    empty_app: HandsetCAApp,
) -> None:
    app = empty_app
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("c", "enter", "enter", "enter", "enter", "enter", "enter", "enter")
        burst(app, "enter", "enter", "a", "enter", "b", "enter", *"ixyz")
        for _ in range(50):
            await pilot.pause(0.02)
        assert isinstance(app.screen, CreateCAScreen)
        assert not app.screen.submitted
        error = str(app.screen.query_one("#error", Static).render())
        assert "differ" in error, error
        assert "typed after Enter not used" in error, error
        assert app.screen.query_one("#passphrase2", Input).value == "b"
        assert not isinstance(app.screen, IssueScreen)


async def test_end_cancels_a_download_that_never_answers(empty_app: HandsetCAApp) -> None:
    app = empty_app
    with SilentServer() as silent:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press(*TO_URL_ENTRY)
            await pilot.press(*("backspace",) * 7, *silent.url(), "f2")
            for _ in range(100):
                await pilot.pause(0.02)
                if silent.accepted():
                    break
            assert app.handset.busy and silent.accepted() == 1
            await pilot.pause(1.2)
            shown = app.handset_pane.render().plain
            assert "waiting 1 s" in shown and "F6/Esc stops" in shown
            started = time.monotonic()
            await pilot.press("f6")
            await finish_jobs(pilot, app)
            assert time.monotonic() - started < 1.0
            assert not app.handset.busy
            assert "stopped" in " ".join(app.handset_pane.render().plain.split()).lower()
            assert silent.closed_by_clients(within=2.0)  # the fetch really stopped


async def test_esc_cancels_and_keys_typed_during_a_download_wait_their_turn(
    empty_app: HandsetCAApp,
) -> None:
    app = empty_app
    with SilentServer() as silent:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press(*TO_URL_ENTRY)
            burst(app, *("backspace",) * 7, *silent.url(), "f2", "enter", "escape")
            await pilot.pause(0.3)
            assert app.handset.busy  # Enter typed ahead: the Esc after it is not a cancel
            assert app.handset_pane.has_queued_keys or app._typeahead
            await pilot.press("f6")  # End with keys waiting: pressed in turn, not a cancel
            assert app.handset.busy
