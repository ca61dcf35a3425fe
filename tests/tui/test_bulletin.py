"""The whole bulletin through the UI, keys only: CA, server certificate, publish, handset."""

from __future__ import annotations

from tests.tui.conftest import (
    SERVER,
    choose,
    fill,
    finish_jobs,
    screen_text,
    trust_all_certificates,
)
from tui.app import HandsetCAApp
from tui.forms import CreateCAScreen, IssueScreen, PublishScreen
from tui.handset_pane import HandsetPane

CA_PASS = "correct horse battery"


async def test_bulletin_end_to_end(live_app: HandsetCAApp) -> None:
    app = live_app
    async with app.run_test(size=(80, 24)) as pilot:
        # Creating a Certificate Authority (bulletin steps 1-3).
        await pilot.press("c")
        assert isinstance(app.screen, CreateCAScreen)
        await fill(pilot, app, country="US", cn="Root CA", passphrase=CA_PASS)
        await fill(pilot, app, passphrase2=CA_PASS)
        await pilot.press("enter")  # Enter on the last field submits
        await finish_jobs(pilot, app)
        assert app.workspace.has_ca()
        assert "Created the CA" in screen_text(app)
        assert CA_PASS not in screen_text(app)

        # Issuing Certificates: the boot server's key, CSR and certificate.
        await pilot.press("i")
        assert isinstance(app.screen, IssueScreen)
        await fill(pilot, app, name=SERVER, ca_pass=CA_PASS)
        await pilot.press("enter")
        await finish_jobs(pilot, app)
        assert app.workspace.issued_names() == [SERVER]

        # Publish ca.crt on the rehearsal boot server.
        await pilot.press("p")
        assert isinstance(app.screen, PublishScreen)
        await pilot.press("enter")  # the issued name (its key has no passphrase): starts
        await finish_jobs(pilot, app)
        assert app.server is not None and app.server.running
        url = f"http://{SERVER}/ca.crt"
        assert url in screen_text(app)

        # Downloading CA Certificates to Phones: Tab to the handset.
        await pilot.press("tab")
        assert isinstance(app.focused, HandsetPane)
        await pilot.press("f2")  # soft key 1: Menu
        await choose(pilot, app, "Settings")
        await choose(pilot, app, "Advanced")
        assert app.handset.screen.kind == "password"
        await pilot.press("4", "5", "6")
        assert "456" not in screen_text(app)
        await pilot.press("enter")
        for label in (
            "Administration Settings",
            "TLS Security",
            "Custom CA Certificates",
            "Install Custom CA Certs",
            "Configure CA Cert...",
        ):
            await choose(pilot, app, label)
        screen = app.handset.screen
        assert screen.kind == "entry" and screen.entry == "http://"
        await pilot.press(*"BOOTSERVER1.example.com/ca.crt")  # the phone types lower case
        assert app.handset.screen.entry == url
        await pilot.press("f2")  # the Enter soft key
        await finish_jobs(pilot, app)
        assert len(app.handset.custom_cas) == 1, app.handset.screen.message
        assert "installed" in app.handset.screen.message
        assert "installed" in screen_text(app)

        # Configure TLS Profiles > profile > CA Certificate > All Certificates, End.
        await trust_all_certificates(pilot, app)
        assert app.handset.screen.kind == "idle"
        assert app.handset.profiles[1].ca_certificate == "All Certificates"

        # Beyond the bulletin: publishing gave the handset its boot server (as DHCP
        # would); Provision (soft key 2 on the idle screen) checks the server's HTTPS
        # certificate with the new trust, and the whole verdict is on screen.
        await pilot.press("f3")
        await finish_jobs(pilot, app)
        message = app.handset.screen.message
        assert message.startswith("Provisioning succeeded"), message
        shown = " ".join(app.handset_pane.render().plain.replace("│", " ").split())
        assert " ".join(message.split()) in shown

        # Issue 14: the phone boots (F5, the idle screen's Boot soft key) from the same
        # boot server: HTTPS checked with the new trust, then the files it publishes.
        await pilot.press("enter")  # the result screen's Ok
        assert app.handset.screen.kind == "idle"
        await pilot.press("f5")
        await finish_jobs(pilot, app)
        boot = [e for e in app.handset.events if e.kind == "outcome" and e.code == "boot"]
        assert boot and boot[-1].reason == "ok", app.handset.screen.message
        assert any(e.code == "file_read" for e in app.handset.events)
