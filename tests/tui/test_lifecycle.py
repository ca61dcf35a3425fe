"""issue 13 in the app: expiry at a glance, renew from the list, the CA's renewal and rollover."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from textual.widgets import Input, OptionList, Select

from core.handset import HandsetSettings
from core.pki import Workspace
from core.pki.rollover import rollover_started
from tests.tui.conftest import FROZEN_PASSPHRASE, SERVER, copy_frozen, fill, finish_jobs, quiet
from tests.tui.conftest import screen_text as text_of
from tui.app import HandsetCAApp, make_app
from tui.lifecycle import CAScreen, ExpiryScreen, RenewScreen

WARN_DAY = dt.datetime(2026, 11, 15, 12, 0, tzinfo=dt.UTC)  # the server cert: 47 days left
EXPIRED_DAY = dt.datetime(2027, 2, 1, 12, 0, tzinfo=dt.UTC)


def app_at(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, when: dt.datetime) -> HandsetCAApp:
    monkeypatch.chdir(tmp_path)
    if not (tmp_path / "pki").exists():
        copy_frozen(tmp_path / "pki")
    settings = HandsetSettings(now=lambda: when)
    return quiet(make_app("pki", handset_settings=settings, clock=lambda: when))


def screen_text(app: HandsetCAApp) -> str:
    return text_of(app)


@pytest.mark.parametrize(
    ("when", "word"), [(WARN_DAY, "WARN"), (EXPIRED_DAY, "EXPIRED")], ids=["warn", "expired"]
)
async def test_the_next_expiry_is_in_sight_at_80x24_with_a_word_not_colour_alone(
    tmp_path, monkeypatch, when, word
):
    app = app_at(tmp_path, monkeypatch, when)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        # Compact at 80x24: the CA's days, then the issued certificate ending first with
        # its days and its word, above the URLs and the next step.
        lines = [line[1:44] for line in screen_text(app).splitlines()]
        issued = next(x for x in lines if x.startswith(" Issued"))
        assert issued.startswith(f" Issued {SERVER} ") and word in issued, issued
        assert any(x.startswith(" CA Root CA (") for x in lines)
        assert any(x.startswith(" Next:") for x in lines)
    app = app_at(tmp_path, monkeypatch, when)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        shown = screen_text(app)
        line = next(x for x in shown.splitlines() if "Next expiry" in x)
        assert word in line and "2027-01-01" in line, line


async def test_expiry_list_scrolls_every_certificate_and_renews_the_highlighted(
    tmp_path, monkeypatch
):
    app = app_at(tmp_path, monkeypatch, WARN_DAY)
    ws = Workspace(tmp_path / "pki")
    for n in range(30):  # more than 24 lines: the list scrolls
        ws.issue(f"host{n:02d}.example.com", FROZEN_PASSPHRASE.encode())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, ExpiryScreen)
        options = app.screen.query_one("#expiry-list", OptionList)
        assert options.option_count == 32  # the CA and 31 issued
        shown = screen_text(app)
        assert f"WARN    {SERVER}" in shown  # the warning one first, its word beside it
        assert "1 WARN" in shown
        await pilot.press("end")
        await pilot.pause()
        assert options.highlighted == 31 and options.scroll_offset.y > 0
        await pilot.press("home", "r")
        await pilot.pause()
        assert isinstance(app.screen, RenewScreen)
        assert app.screen.cert_name == SERVER
        # A wrong passphrase: one sentence, the form stays with what was typed.
        await fill(pilot, app, days="200", ca_pass="wrong")
        await pilot.press("enter")
        await finish_jobs(pilot, app)
        assert isinstance(app.screen, RenewScreen)
        assert "passphrase" in screen_text(app).lower()
        assert app.screen.query_one("#days", Input).value == "200"
        assert app.screen.query_one("#ca_pass", Input).value == ""
        app.screen.query_one("#new_key", Select).value = 1
        await fill(pilot, app, ca_pass=FROZEN_PASSPHRASE)
        await pilot.press("enter")
        await finish_jobs(pilot, app)
        assert not isinstance(app.screen, (RenewScreen, ExpiryScreen))
        assert f"Renewed {SERVER}" in screen_text(app)
    previous = list((tmp_path / "pki" / "issued" / SERVER / "previous").iterdir())
    assert {p.suffix for p in previous} == {".crt", ".key", ".csr"}


async def test_renewing_the_ca_line_says_how_instead(tmp_path, monkeypatch):
    app = app_at(tmp_path, monkeypatch, WARN_DAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("e")
        await pilot.pause()
        await pilot.press("end", "r")
        await pilot.pause()
        assert isinstance(app.screen, ExpiryScreen)
        assert "Renew the CA certificate" in screen_text(app)


async def test_a_ca_rollover_from_the_app_publishes_both_then_finishes(tmp_path, monkeypatch):
    app = app_at(tmp_path, monkeypatch, dt.datetime.now(dt.UTC))
    app.rehearsal.server_options = {"ftp_port": None}
    root = tmp_path / "pki"
    async with app.run_test(size=(100, 30)) as pilot:
        app.action_ca_rollover_finish()
        await pilot.pause()
        assert "No CA rollover was started" in screen_text(app)
        app.start_server(SERVER, None)
        await finish_jobs(pilot, app)
        app.action_ca_rollover()
        await pilot.pause()
        assert isinstance(app.screen, CAScreen)
        await fill(pilot, app, ca_pass="wrong")
        await pilot.press("enter")
        await finish_jobs(pilot, app)
        assert isinstance(app.screen, CAScreen) and not rollover_started(Workspace(root))
        await fill(pilot, app, ca_pass=FROZEN_PASSPHRASE)
        await pilot.press("enter")
        await finish_jobs(pilot, app)
        assert rollover_started(Workspace(root))
        shown = screen_text(app)
        assert "Started the CA rollover" in shown
        assert "ca-next.crt" in "".join(app.workbench.view.urls)  # the server restarted
        assert "rollover: next CA as ca-next.crt" in shown
        app.action_ca_rollover()
        await pilot.pause()
        assert not isinstance(app.screen, CAScreen)
        assert "rollover" in screen_text(app).lower()
        # The boot server's certificate under the next CA: the signer choice defaults to it.
        app.action_expiry()
        await pilot.pause()
        await pilot.press("r")
        await pilot.pause()
        assert app.screen.query_one("#signer", Select).value == 1
        await fill(pilot, app, ca_pass=FROZEN_PASSPHRASE)
        await pilot.press("enter")
        await finish_jobs(pilot, app)
        app.action_ca_rollover_finish()
        await pilot.pause()
        await fill(pilot, app, ca_pass=FROZEN_PASSPHRASE)
        await pilot.press("enter")
        await finish_jobs(pilot, app)
        assert "Finished the CA rollover" in screen_text(app)
        assert not rollover_started(Workspace(root))
        assert not any("ca-next" in u for u in app.workbench.view.urls)
    ws = Workspace(root)
    leaf = ws.issued_paths(SERVER)
    from cryptography import x509

    cert = x509.load_pem_x509_certificate(leaf.crt.read_bytes())
    assert cert.issuer == ws.ca_certificate().subject
