"""The workbench pane: what a trainee must type is shown whole, even at 80x24."""

from __future__ import annotations

import itertools

from tests.tui.conftest import SERVER, finish_jobs, screen_text, trust_all_certificates
from tui.app import HandsetCAApp
from tui.workbench import wrap_url


def test_a_long_url_breaks_after_a_slash_or_at_sign_never_mid_word() -> None:
    url = "ftp://plcmspip:plcmspip@bootserver1.example.com/ca.crt"
    assert wrap_url(url, 39) == [" ftp://plcmspip:plcmspip@", "   bootserver1.example.com/ca.crt"]
    assert wrap_url("http://bootserver1.example.com/ca.crt", 39) == [
        " http://bootserver1.example.com/ca.crt"
    ]
    long_host = "http://a-very-long-boot-server-name.site.example.com/ca.crt"
    lines = wrap_url(long_host, 30)
    assert "".join(line.strip() for line in lines) == long_host
    assert all(len(line) <= 30 for line in lines)
    for line, after in itertools.pairwise(lines):
        assert line[-1] in "/@:-" or after.strip().startswith(".")
    # Nothing to break after: before a dot.
    assert wrap_url("http://verylonghostname.example.com/", 30)[1] == "   .example.com/"


async def test_after_publishing_at_80x24_the_urls_and_next_step_show_whole(
    frozen_app: HandsetCAApp,
) -> None:
    app = frozen_app
    async with app.run_test(size=(80, 24)) as pilot:
        app.start_server(SERVER, None)
        await finish_jobs(pilot, app)
        scroll = app.workbench.query_one("#overview-scroll")
        assert scroll.max_scroll_y == 0  # nothing hidden below, no scrollbar over the text
        left = [line[1:44].rstrip() for line in screen_text(app).splitlines()]
        assert "  http://bootserver1.example.com/ca.crt" in left
        ftp = left.index("  ftp://plcmspip:plcmspip@")
        assert left[ftp + 1] == "    bootserver1.example.com/ca.crt"
        assert any(line.startswith(" Next:") for line in left)


def next_step_shown(app: HandsetCAApp) -> str:
    overview = str(app.workbench.query_one("#overview").render())
    return " ".join(overview.split("Next:", 1)[1].split())


async def test_the_next_step_follows_the_handset(frozen_app: HandsetCAApp) -> None:
    from tests.tui.test_snapshots import TO_URL_ENTRY, URL_REST

    app = frozen_app
    async with app.run_test(size=(120, 40)) as pilot:
        app.start_server(SERVER, None)
        await finish_jobs(pilot, app)
        assert "Settings > Advanced" in next_step_shown(app)
        await pilot.press(*TO_URL_ENTRY, *URL_REST, "f2")
        await finish_jobs(pilot, app)
        assert app.handset.custom_cas
        assert "Configure TLS Profiles" in next_step_shown(app)
        assert "Settings > Advanced" not in next_step_shown(app)

        await trust_all_certificates(pilot, app)
        assert "Provision (F3)" in next_step_shown(app)

        await pilot.press("f3")
        await finish_jobs(pilot, app)
        assert app.handset.last_provision is not None and app.handset.last_provision.ok
        assert next_step_shown(app).startswith("done")


async def test_with_no_https_published_the_next_step_says_the_phone_has_no_boot_server(
    frozen_app: HandsetCAApp,
) -> None:
    """Publish without HTTPS: Provision (F3) has nothing to contact, so the next step is
    not "Provision (F3)" nor "read the phone's reason... again"."""
    from tests.tui.test_snapshots import TO_URL_ENTRY

    app = frozen_app
    async with app.run_test(size=(120, 40)) as pilot:
        app.start_server(None, None)
        await finish_jobs(pilot, app)
        assert app.server is not None and not app.handset.settings.boot_server
        url = next(u for u in app.server.urls() if u.startswith("http://"))
        await pilot.press(*TO_URL_ENTRY, *url.removeprefix("http://"), "f2")
        await finish_jobs(pilot, app)
        assert app.handset.custom_cas, app.handset.screen
        await trust_all_certificates(pilot, app)
        shown = next_step_shown(app)
        assert "no boot server" in shown and "publish with HTTPS" in shown, shown
        assert "Provision (F3)" not in shown
        await pilot.press("f3")
        await finish_jobs(pilot, app)
        assert "publish with HTTPS" in next_step_shown(app)
