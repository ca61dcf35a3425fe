"""How the handset pane draws the phone: choice marks, and the phone centred in its pane."""

from __future__ import annotations

from tests.tui.conftest import choose
from tui.app import HandsetCAApp

TO_TLS_SECURITY = ["tab", "f2", "1", "2", "4", "5", "6", "enter", "1", "2"]


def pane_lines(app: HandsetCAApp) -> list[str]:
    return app.handset_pane.render().plain.splitlines()


async def test_the_chosen_value_has_a_space_after_its_star(empty_app: HandsetCAApp) -> None:
    app = empty_app
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*TO_TLS_SECURITY)
        for label in ("Configure TLS Profiles", "Platform Profile 1", "CA Certificate"):
            await choose(pilot, app, label)
        shown = "\n".join(pane_lines(app))
        assert "1 * Platform CAs Only" in shown
        assert "2   All Certificates" in shown
        assert "1*" not in shown


async def test_menus_without_a_choice_are_drawn_as_before(empty_app: HandsetCAApp) -> None:
    app = empty_app
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("tab", "f2")
        assert "▶1 Settings" in "\n".join(pane_lines(app))


async def test_the_phone_is_centred_in_a_wide_pane(empty_app: HandsetCAApp) -> None:
    app = empty_app
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        pane = app.handset_pane
        top = pane_lines(app)[0]
        left = len(top) - len(top.lstrip()) + 1  # + the pane's padding
        right = pane.content_size.width - len(top.rstrip())
        assert abs(left - right) <= 1, (left, right)


def test_a_url_on_the_phone_breaks_after_a_slash() -> None:
    from tui.handset_pane import wrap_plain

    assert wrap_plain("https://bootserver1.example.com/", 27) == [
        "https://",
        "bootserver1.example.com/",
    ]
    assert wrap_plain("Boot server: x", 27) == ["Boot server: x"]


async def test_the_idle_screen_shows_the_boot_server_url_unbroken(
    frozen_app: HandsetCAApp,
) -> None:
    from tests.tui.conftest import SERVER, finish_jobs

    app = frozen_app
    async with app.run_test(size=(80, 24)) as pilot:
        app.start_server(SERVER, None)
        await finish_jobs(pilot, app)
        lines = [line.strip("│ ") for line in pane_lines(app)]
        at = lines.index("https://")
        assert lines[at + 1] == "bootserver1.example.com/"


# ----- issue 12: keypad map, Home/End in an entry, cancel and the seconds waited ---------


def use_handset(app: HandsetCAApp, **settings: object) -> None:
    from core.handset import Handset, HandsetSettings

    app.rehearsal.handset = Handset(HandsetSettings(**settings))
    app.handset_pane.handset = app.handset
    app.handset_pane.show_state()


async def to_url_entry(pilot, app: HandsetCAApp) -> None:
    await pilot.press(*TO_TLS_SECURITY)
    for label in ("Custom CA Certificates", "Install Custom CA Certs", "Configure CA Cert..."):
        await choose(pilot, app, label)
    assert app.handset.screen.node_id == "configure_ca_cert"


async def test_keypad_mode_shows_the_map_and_types_by_multi_tap(empty_app: HandsetCAApp) -> None:
    from core.handset.menu import RehearsalChoices

    app = empty_app
    async with app.run_test(size=(80, 24)) as pilot:
        use_handset(app, keypad=True, choices=RehearsalChoices(keypad_pause_seconds=0))
        await to_url_entry(pilot, app)
        shown = "\n".join(pane_lines(app))
        assert "Keypad abc: # 123" in shown
        assert "2 abc" in shown and "7 pqrs" in shown and "1 ./:@-_" in shown
        await pilot.press("2", "2", "right", "2", "a")  # "ba"; a keyboard letter does nothing
        assert app.handset.screen.entry == "http://ba"
        await pilot.press("number_sign", "4")
        assert app.handset.screen.entry == "http://ba4"
        assert "Keypad 123: # abc" in "\n".join(pane_lines(app))
        await pilot.press("end")  # the map goes when the phone leaves the entry (F6: End)
        await pilot.press("f6")
        assert app.handset.screen.kind == "idle"
        assert "Keypad" not in "\n".join(pane_lines(app))


async def test_a_pause_confirms_the_letter_on_show(empty_app: HandsetCAApp) -> None:
    from core.handset.menu import RehearsalChoices

    app = empty_app
    async with app.run_test(size=(80, 24)) as pilot:
        use_handset(app, keypad=True, choices=RehearsalChoices(keypad_pause_seconds=0.5))
        await to_url_entry(pilot, app)
        await pilot.press("2")
        assert app.handset.screen.entry_pending
        await pilot.pause(1.0)
        assert not app.handset.screen.entry_pending
        await pilot.press("2")
        assert app.handset.screen.entry.endswith("aa")


async def test_home_and_end_move_in_the_entry_and_f6_stays_the_phones_end(
    empty_app: HandsetCAApp,
) -> None:
    app = empty_app
    async with app.run_test(size=(80, 24)) as pilot:
        await to_url_entry(pilot, app)
        await pilot.press("h", "o", "s", "t")
        await pilot.press("home")
        assert app.handset.screen.entry_cursor == 0
        await pilot.press("end")
        assert app.handset.screen.entry_cursor == len("http://host")
        assert app.handset.screen.node_id == "configure_ca_cert"
        await pilot.press("f4")  # the Clear soft key
        assert app.handset.screen.entry == ""
        await pilot.press("f6")
        assert app.handset.screen.kind == "idle"


async def test_esc_cancels_a_download_at_once_and_the_wait_shows_seconds(
    empty_app: HandsetCAApp,
) -> None:
    import time

    from tests.servers import SilentServer

    app = empty_app
    with SilentServer() as server:
        async with app.run_test(size=(80, 24)) as pilot:
            await to_url_entry(pilot, app)
            await pilot.press(*server.url().removeprefix("http://"))
            cancels: list[object] = []
            original = app.handset_pane.post_message

            def spy(message):
                if isinstance(message, app.handset_pane.CancelRequested):
                    cancels.append(message.request)
                return original(message)

            app.handset_pane.post_message = spy  # type: ignore[method-assign]
            await pilot.press("f2")  # the Enter soft key
            deadline = time.monotonic() + 5
            while server.accepted() < 1:
                assert time.monotonic() < deadline
                await pilot.pause(0.02)
            assert app.handset.busy
            assert "waiting 0 s" in "\n".join(pane_lines(app))
            assert "cancel" in "\n".join(pane_lines(app))
            started = time.monotonic()
            await pilot.press("escape")
            assert time.monotonic() - started < 1.0
            assert not app.handset.busy
            assert app.handset.screen.message == "Cancelled. Stopped by the user."
            assert len(cancels) == 1
            app.workers.cancel_group(app, "handset")  # what tui/app.py must do on the message
            await pilot.pause()
            assert server.closed_by_clients(within=1.0)
            await pilot.press("f2")  # Ok: the URL is back, the cursor at its end
            screen = app.handset.screen
            assert screen.entry == server.url() and screen.entry_cursor == len(screen.entry)


def test_help_lists_the_entry_cancel_and_keypad_keys_from_the_data() -> None:
    from core.handset.menu import KEYPAD_MAP
    from tui.help import entry_and_keypad_rows

    rows = [(r.keys, r.handset, r.does) for r in entry_and_keypad_rows()]
    assert rows[0][:2] == ("Home / End", "line_start / line_end")
    assert rows[1][:2] == ("F4", "soft key Clear")
    assert rows[2][0] == "F6 Esc F3"
    assert all(f"{k} {v}" in rows[3][2] for k, v in KEYPAD_MAP.items())
