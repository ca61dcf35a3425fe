"""The Check view (k): core.check on URLs typed or from a file, against real servers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual import events
from textual.widgets import Checkbox, Input, ProgressBar, RichLog

from tests.servers import HTTPServer, SilentServer, cert_pem, issue_server, make_ca
from tests.tui.conftest import SERVER, finish_jobs, screen_text
from tui.app import HandsetCAApp
from tui.check_screen import CheckScreen, UrlsArea


@pytest.fixture(scope="module")
def served() -> Iterator[HTTPServer]:
    """/ca.crt a good root (PASS), /leaf.crt a server certificate (FAIL: not a CA),
    /CA.crt the good root again (the handset types /ca.crt: WARN for the upper case)."""
    ca, ca_key = make_ca("Check Root CA", days=400)
    leaf, _ = issue_server(ca, ca_key, "leaf.example.com", ())
    routes = {"/ca.crt": cert_pem(ca), "/leaf.crt": cert_pem(leaf), "/CA.crt": cert_pem(ca)}
    with HTTPServer(routes) as server:
        yield server


def results(app: HandsetCAApp) -> str:
    """The verdicts as written, one line each, as plain text."""
    return "\n".join(line.text.rstrip() for line in app.screen.query_one(RichLog).lines)


def ticked(app: HandsetCAApp) -> str:
    """The checkbox's line as shown."""
    return next(line for line in screen_text(app).splitlines() if "Compare with" in line)


async def open_check(pilot, app: HandsetCAApp) -> CheckScreen:
    await pilot.pause()
    await pilot.press("k")
    await pilot.pause()
    assert isinstance(app.screen, CheckScreen)
    return app.screen


async def type_urls(pilot, screen: CheckScreen, *urls: str) -> None:
    """Type into the URLs field key by key, as a technician would."""
    field = screen.query_one("#urls", UrlsArea)
    field.focus()
    field.clear()
    await pilot.pause()
    keys: list[str] = []
    for url in urls:
        keys += [*(["space"] if keys else []), *url]
    await pilot.press(*keys)
    assert field.value == " ".join(urls)


async def test_two_typed_urls_give_one_pass_and_one_fail_with_its_reason(
    live_app: HandsetCAApp, served: HTTPServer
) -> None:
    app = live_app
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_check(pilot, app)
        assert screen.query_one("#use-ca", Checkbox).disabled  # no ca.crt in this workspace
        good, leaf = served.url("/ca.crt"), served.url("/leaf.crt")
        await type_urls(pilot, screen, good, leaf)
        await pilot.press("enter")
        await finish_jobs(pilot, app)
        shown = results(app)
        assert f"PASS  {good}" in shown
        assert f"FAIL  {leaf}" in shown
        assert "[not-ca]" in shown and "CN leaf.example.com" in shown
        assert "SHA-256" in shown and "days left" in shown
        assert shown.index(good) < shown.index(leaf)  # input order
        assert "2 URLs checked: 1 PASS, 0 WARN, 1 FAIL." in screen_text(app)


async def test_keys_typed_right_after_k_go_to_the_urls_field_and_enter_runs(
    live_app: HandsetCAApp, served: HTTPServer
) -> None:
    app = live_app
    url = served.url("/ca.crt")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.action_check()
        screen = app.screen
        assert isinstance(screen, CheckScreen) and screen.focused is None  # not drawn yet
        # What the app does with keys while nothing has the focus: the screen gets them.
        for key, char in [*((c, c) for c in url + "x"), ("backspace", None), ("enter", "\r")]:
            screen._forward_event(events.Key(key, char))
        await pilot.pause()
        await finish_jobs(pilot, app)
        assert screen.query_one("#urls", UrlsArea).value == url
        assert f"PASS  {url}" in results(app)


async def test_a_typed_url_keeps_its_upper_case_and_warns_for_it(
    live_app: HandsetCAApp, served: HTTPServer
) -> None:
    app = live_app
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_check(pilot, app)
        url = served.url("/CA.crt")
        await type_urls(pilot, screen, url)
        assert screen.query_one("#urls", UrlsArea).value == url  # not lower-cased
        await pilot.press("f2")
        await finish_jobs(pilot, app)
        shown = results(app)
        assert f"WARN  {url}" in shown
        assert "[upper-case]" in shown and "lower case" in shown
        assert "[fetch-" not in shown  # the file itself was fine


async def test_urls_from_a_file_with_comments(
    live_app: HandsetCAApp, served: HTTPServer, in_tmp: Path
) -> None:
    listing = in_tmp / "site-urls.txt"
    listing.write_text(
        f"# the clinic's phones\n\n{served.url('/ca.crt')}\n{served.url('/leaf.crt')}\n"
    )
    app = live_app
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_check(pilot, app)
        screen.query_one("#urls", UrlsArea).clear()
        file_field = screen.query_one("#file", Input)
        file_field.focus()
        file_field.value = str(listing)  # as pasted: typing it key by key takes seconds
        await pilot.press("enter")
        await finish_jobs(pilot, app)
        assert sum(screen.counts.values()) == 2
        assert "2 URLs checked: 1 PASS, 0 WARN, 1 FAIL." in screen_text(app)

        # A path that cannot be read: one sentence in the view, nothing run.
        file_field.value = str(in_tmp / "missing.txt")
        await pilot.press("enter")
        await finish_jobs(pilot, app)
        error = str(screen.query_one("#check-error").render())
        assert "missing.txt" in error and "\n" not in error
        assert "Traceback" not in screen_text(app)


@pytest.mark.parametrize(
    ("typed", "boot", "words"),
    [
        ("", "", "at least one URL"),
        ("http://a.example/ca.crt", "http://boot.example.com/", "https://"),
    ],
)
async def test_user_errors_are_one_sentence(
    live_app: HandsetCAApp, typed: str, boot: str, words: str
) -> None:
    app = live_app
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_check(pilot, app)
        screen.query_one("#urls", UrlsArea).value = typed
        screen.query_one("#boot", Input).value = boot
        await pilot.press("f2")
        await pilot.pause()
        error = str(screen.query_one("#check-error").render())
        assert words in error and "\n" not in error
        assert not screen.running


@pytest.mark.parametrize("key", ["f3", "escape"])
async def test_stopping_cancels_the_work(live_app: HandsetCAApp, key: str) -> None:
    app = live_app
    with SilentServer() as silent:
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_check(pilot, app)
            await type_urls(pilot, screen, silent.url())
            await pilot.press("enter")
            for _ in range(100):  # the request is in flight
                await pilot.pause(0.02)
                if silent.accepted():
                    break
            assert silent.accepted() and screen.running
            assert screen.query_one(ProgressBar).display
            await pilot.press("f2")  # a second run waits for this one
            assert "F3 stops it" in screen_text(app)
            await pilot.press(key)
            await finish_jobs(pilot, app)
            assert not screen.running
            assert app.screen is screen  # Esc stopped the check; it did not close the view
            assert "Stopped: 0 of 1 URLs checked." in screen_text(app)
            assert not screen.query_one(ProgressBar).display
            assert silent.closed_by_clients(within=2.0)  # the connection was dropped
            await pilot.press("escape")
            assert not isinstance(app.screen, CheckScreen)


async def test_check_opens_from_the_palette_and_help_names_its_key(
    empty_app: HandsetCAApp,
) -> None:
    from tui.app import MainScreen
    from tui.help import help_renderable, help_sections

    app = empty_app
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        commands["Check certificate URLs (k)"].callback()
        await pilot.pause()
        assert isinstance(app.screen, CheckScreen)
        assert app.screen.query_one("#urls", UrlsArea).value == ""  # nothing published
        await pilot.press("escape")
        assert not isinstance(app.screen, CheckScreen)
    tables = [
        getattr(part, "title", "")
        for part in help_renderable(help_sections(HandsetCAApp, MainScreen)).renderables
    ]
    assert "Check view (k)" in tables


async def test_published_boot_server_is_prefilled_and_checked_without_dns(
    frozen_app: HandsetCAApp,
) -> None:
    app = frozen_app
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.start_server(SERVER, None)
        await finish_jobs(pilot, app)
        screen = await open_check(pilot, app)
        assert screen.query_one("#urls", UrlsArea).value.startswith(f"http://{SERVER}/ca.crt")
        assert screen.query_one("#boot", Input).value == f"https://{SERVER}/"
        assert screen.query_one("#use-ca", Checkbox).value  # the workspace's ca.crt
        assert "X" in ticked(app).split("Compare")[0]
        assert "this workspace's CA (pki/ca.crt)" in ticked(app)
        await pilot.press("f2")
        await finish_jobs(pilot, app)
        assert screen.counts == {"PASS": 2}, results(app)

        # Unticked, the X goes (its state must not rest on colour alone, NO_COLOR).
        screen.query_one("#use-ca", Checkbox).focus()
        await pilot.press("space")
        assert not screen.query_one("#use-ca", Checkbox).value
        assert "X" not in ticked(app).split("Compare")[0]


def test_snapshot_check_view_with_results(snap_compare, frozen_app: HandsetCAApp) -> None:
    """Published boot server (names, never ports, on screen), one URL with upper case."""

    async def publish_and_check(pilot) -> None:
        await pilot.pause()
        frozen_app.start_server(SERVER, None)
        await finish_jobs(pilot, frozen_app)
        await pilot.press("k")
        await pilot.pause()
        await pilot.press("end", "space", *f"http://{SERVER}/CA.crt", "enter")
        await finish_jobs(pilot, frozen_app)

    assert snap_compare(frozen_app, run_before=publish_and_check, terminal_size=(80, 24))


async def test_a_pasted_list_keeps_every_line_and_its_case(empty_app: HandsetCAApp) -> None:
    from textual import events

    app = empty_app
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_check(pilot, app)
        field = screen.query_one("#urls", UrlsArea)
        field.post_message(events.Paste("http://a.example/ca.crt\nHTTP://B.example/CA.crt\n"))
        await pilot.pause()
        assert field.value.split() == ["http://a.example/ca.crt", "HTTP://B.example/CA.crt"]


async def test_the_url_file_is_counted_off_the_event_loop(
    live_app: HandsetCAApp, in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """count_urls reads the whole file (a FIFO or a huge list): never on the UI's thread."""
    import threading

    import core.check.sources

    threads: list[threading.Thread] = []

    def count(path: str) -> int:
        threads.append(threading.current_thread())
        return 0

    monkeypatch.setattr(core.check.sources, "count_urls", count)
    listing = in_tmp / "empty.txt"
    listing.write_text("# nothing yet\n")
    app = live_app
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_check(pilot, app)
        screen.query_one("#urls", UrlsArea).clear()
        file_field = screen.query_one("#file", Input)
        file_field.focus()
        file_field.value = str(listing)
        await pilot.press("enter")
        await finish_jobs(pilot, app)
        assert threads and threads[0] is not threading.main_thread()
        assert "at least one URL" in str(screen.query_one("#check-error").render())


async def test_the_urls_field_shows_several_urls_and_enter_still_runs(
    live_app: HandsetCAApp, served: HTTPServer
) -> None:
    """Issue 12: the URLs field was one line; now several URLs show at once at 80x24."""
    app = live_app
    urls = [served.url(path) for path in ("/ca.crt", "/leaf.crt", "/CA.crt")]
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_check(pilot, app)
        field = screen.query_one("#urls", UrlsArea)
        assert field.size.height >= 3
        await type_urls(pilot, screen, *urls)
        shown = screen_text(app)
        assert all(url in shown for url in urls)  # each on its own row, none scrolled away
        await pilot.press("enter")  # runs the check; no line break goes into the field
        await finish_jobs(pilot, app)
        assert field.value == " ".join(urls)
        assert sum(screen.counts.values()) == 3, results(app)  # one verdict per URL
