"""issue 13 on the emulated handset, with the real runner and the rehearsal boot server:
a CA renewal keeps old phones trusting, and a CA rollover goes through the second slot."""

from __future__ import annotations

import ftplib

import pytest

from core.bootserver import FTP_PASSWORD, FTP_USER, BootServer
from core.handset import Handset, HandsetSettings
from core.handset.runner import drive
from core.pki import Subject, Workspace
from core.pki.renew import renew, renew_ca
from core.pki.rollover import finish_rollover, start_rollover
from tests.handset.keys import choose, set_all_certificates, to_url_entry, type_text

pytestmark = pytest.mark.e2e

NAME = "bootserver1.example.com"
PASS = b"ca-secret-7"


@pytest.fixture
def ws(tmp_path) -> Workspace:
    ws = Workspace(tmp_path / "pki")
    ws.create_ca(Subject(cn="Root CA", org="Example"), PASS)
    ws.issue(NAME, PASS)
    return ws


async def install(handset: Handset, server: BootServer, url: str) -> str:
    """Bulletin steps 1-5 with the real runner; returns the phone's message (result closed)."""
    to_url_entry(handset)
    for _ in range(len("http://")):
        handset.press("backspace")
    type_text(handset, url)
    screen = await drive(handset, "soft1", connect_to=server.connect_map())
    assert screen.node_id == "configure_ca_cert.result", screen
    return screen.message


async def provision(handset: Handset, server: BootServer) -> str:
    handset.press("end")
    screen = await drive(handset, "soft2", connect_to=server.connect_map())
    assert screen.node_id == "provision.result"
    outcome = handset.log.outcomes()[-1]
    handset.press("soft1")  # Ok: back to idle
    return outcome


async def test_a_phone_holding_the_old_ca_crt_trusts_a_certificate_issued_after_ca_renew(ws):
    handset = Handset(HandsetSettings(boot_server=NAME))
    with BootServer(ws, name=NAME) as server:
        await install(handset, server, f"http://{NAME}/ca.crt")
        set_all_certificates(handset)
        assert await provision(handset, server) == "provision:ok"
    old = handset.custom_cas[0].cert
    renewed = renew_ca(ws, PASS).cert
    assert renewed != old and renewed.public_key() == old.public_key()
    renew(ws, NAME, PASS)  # the boot server's certificate, signed after the renewal
    with BootServer(ws, name=NAME) as server:
        assert handset.custom_cas[0].cert == old  # the phone never got the new ca.crt
        assert await provision(handset, server) == "provision:ok"


async def test_a_ca_rollover_through_the_second_slot(ws):
    handset = Handset(HandsetSettings(boot_server=NAME))
    with BootServer(ws, name=NAME) as server:
        await install(handset, server, f"http://{NAME}/ca.crt")
        set_all_certificates(handset)
        assert await provision(handset, server) == "provision:ok"
    current = ws.ca_certificate()
    upcoming = start_rollover(ws, PASS).cert
    renew(ws, NAME, PASS, under_next=True)  # `renew NAME --next`

    with BootServer(ws, name=NAME) as server:
        # Both published during the overlap, over HTTP and FTP, and listed for the user.
        urls = server.urls()
        assert f"http://{NAME}/ca-next.crt" in urls
        assert f"ftp://{FTP_USER}:{FTP_PASSWORD}@{NAME}/ca-next.crt" in urls
        assert any("/ca-next.crt (the next CA)" in line for line in server.listening())
        ftp = ftplib.FTP()
        ftp.connect("127.0.0.1", server.ftp_port, timeout=5)
        ftp.login(FTP_USER, FTP_PASSWORD)
        listed = set(ftp.nlst())  # the boot files (000000000000.cfg, site.cfg) too
        assert {"ca-next.crt", "ca.crt", "ca.der"} <= listed
        ftp.quit()
        # The phone holds only the current CA: the re-issued certificate is not trusted.
        assert await provision(handset, server) == "provision:untrusted"
        message = await install(handset, server, f"http://{NAME}/ca-next.crt")
        assert message == "CA certificate installed in custom CA slot 2."
        handset.press("soft1")
        assert [(ca.slot, ca.cert) for ca in handset.custom_cas] == [
            (1, current),
            (2, upcoming),
        ]
        assert await provision(handset, server) == "provision:ok"

    finish_rollover(ws, PASS)  # `ca rollover --finish`
    assert ws.ca_certificate() == upcoming
    with BootServer(ws, name=NAME) as server:
        assert not any("ca-next" in url for url in server.urls())  # the overlap is over
        # The trainee removes the old CA from slot 1; the custom CA list names each slot.
        to_url_entry(handset)
        handset.press("back")  # Configure CA Cert... -> Install Custom CA Certs
        while "Custom CA List" not in handset.screen.items:
            handset.press("back")
        choose(handset, "Custom CA List")
        assert handset.screen.items == ("Slot 1 Root CA", "Slot 2 Root CA G2")
        handset.press("select")
        assert "Slot 1" in handset.screen.items
        handset.press("soft1")  # Remove
        handset.press("soft1")  # Yes
        assert handset.screen.message == "Removed Root CA from custom CA slot 1."
        assert [ca.slot for ca in handset.custom_cas] == [2]
        assert await provision(handset, server) == "provision:ok"
