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
