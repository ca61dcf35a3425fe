"""Type-ahead and cancel through Pilot: what the tmux tests prove in a real terminal, and
what a terminal cannot easily stage (a server that never answers, a refused form)."""

from __future__ import annotations

import time

from textual import events
from textual.widgets import Input, OptionList, Select, Static

from tests.servers import SilentServer
from tests.tui.conftest import finish_jobs
from tui.app import HandsetCAApp, as_typed
from tui.forms import CreateCAScreen, InspectScreen, IssueScreen


def burst(app: HandsetCAApp, *keys: str) -> None:
    """Keys as a terminal delivers a burst: all queued at once, none awaited."""
    for key in keys:
        char = key if len(key) == 1 else {"enter": "\r", "escape": "\x1b", "space": " "}.get(key)
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


async def settle(pilot, app: HandsetCAApp, done) -> None:
    for _ in range(100):
        await pilot.pause(0.02)
        if done():
            return


async def test_downs_then_enter_in_a_burst_open_the_item_they_reach(
    frozen_app: HandsetCAApp,
) -> None:
    """Inspect: the Downs went to the list (a binding run when the key comes back to the
    app) after Enter (the form's priority binding, run as it arrived) opened item one."""
    app = frozen_app
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("v")
        burst(app, "down", "down", "enter")
        await settle(pilot, app, lambda: isinstance(app.screen, InspectScreen))
        assert isinstance(app.screen, InspectScreen)
        assert app.screen.title_text == "issued/bootserver1.example.com/server.crt"


async def test_the_letter_and_the_list_keys_in_one_burst(frozen_app: HandsetCAApp) -> None:
    app = frozen_app
    async with app.run_test(size=(80, 24)) as pilot:
        burst(app, "v", "down", "down", "enter")
        await settle(pilot, app, lambda: isinstance(app.screen, InspectScreen))
        assert isinstance(app.screen, InspectScreen)
        assert app.screen.title_text == "issued/bootserver1.example.com/server.crt"


async def test_publish_down_enter_in_a_burst_starts_without_https(
    frozen_app: HandsetCAApp,
) -> None:
    app = frozen_app
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("p")
        burst(app, "down", "enter")
        await settle(pilot, app, lambda: app.server is not None)
        await finish_jobs(pilot, app)
        assert app.server is not None and app.server.running
        assert app.server.https_port is None  # "no HTTPS", the item the Down reached


CREATE_WITH_4096 = (
    *("c", "enter", "enter", "enter", "enter", "enter", *"Burst CA", "enter", "enter"),
    *("space", "down", "down", "enter"),  # the key size's list: 2048 → 3072 → 4096
    *("enter", "enter", *"pw12", "enter", *"pw12"),  # Days, Passphrase, Again
)


async def test_a_select_opened_in_a_burst_gets_the_keys_typed_after_it(
    live_app: HandsetCAApp,
) -> None:
    """Space opened the list a turn late (its focus is a callback): the Downs went to the
    closed Select and the Enter past it, so every field after took the wrong keys."""
    app = live_app
    async with app.run_test(size=(80, 24)) as pilot:
        burst(app, *CREATE_WITH_4096)
        await settle(
            pilot, app, lambda: app.screen.focused is app.screen.query("#passphrase2").first()
        )
        assert isinstance(app.screen, CreateCAScreen)
        await pilot.pause(0.1)
        form = app.screen
        assert form.query_one("#key_size", Select).value == 4096
        assert form.query_one("#days", Input).value == "2555"
        assert form.query_one("#passphrase", Input).value == "pw12"
        assert form.query_one("#passphrase2", Input).value == "pw12"


async def test_esc_on_an_open_list_in_a_burst_closes_only_the_list(
    empty_app: HandsetCAApp,
) -> None:
    app = empty_app
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("c")
        app.screen.set_focus(app.screen.query_one("#key_size", Select))
        burst(app, "space", "down", "escape", "enter", "backspace", "9")
        await settle(pilot, app, lambda: app.screen.query_one("#days", Input).value == "9")
        form = app.screen
        assert isinstance(form, CreateCAScreen)  # Esc closed the list, not the form
        assert form.query_one("#key_size", Select).value == 2048
        assert form.query_one("#days", Input).value == "9"


async def test_a_down_before_tab_moves_the_list_it_was_typed_in(empty_app: HandsetCAApp) -> None:
    """The Down's binding was looked up when the key came back to the app: after the Tab
    (priority, at once) had moved the focus to the handset."""
    app = empty_app
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        actions = app.screen.query_one("#actions", OptionList)
        before = actions.highlighted or 0
        burst(app, "down", "tab")
        await settle(pilot, app, lambda: app.focused is app.handset_pane)
        await pilot.pause(0.1)
        assert app.focused is app.handset_pane
        assert actions.highlighted == before + 1
