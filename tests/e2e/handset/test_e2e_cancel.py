"""issue 12: a download or provisioning against a server that never answers is cancelled at
once by End, Back or the Cancel soft key, through the one runner, and the fetch really stops
(its socket is closed), well before the 10 s timeout."""

from __future__ import annotations

import asyncio
import time

import pytest

from core.fetch import DEFAULT_TIMEOUT, ConnectMap
from core.handset import Cancel, Download, Handset, HandsetSettings, Outcome, Provision
from core.handset.runner import cancel, run_effect
from tests.handset.keys import to_url_entry, type_text
from tests.servers import SilentServer


async def until(condition, within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "the handset never reached the silent server"
        await asyncio.sleep(0.01)


@pytest.mark.parametrize("key", ["end", "back", "soft2"])
async def test_a_download_from_a_silent_server_is_cancelled_at_once(key):
    assert DEFAULT_TIMEOUT >= 10
    with SilentServer() as server:
        handset = Handset()
        to_url_entry(handset)
        type_text(handset, server.url().removeprefix("http://"))
        effect = handset.press("soft1", tick=time.monotonic())
        assert isinstance(effect, Download)
        task = asyncio.ensure_future(run_effect(handset, effect))
        await until(lambda: server.accepted() == 1)
        assert handset.busy and handset.screen.busy_since is not None

        started = time.monotonic()
        request = handset.press(key)
        assert isinstance(request, Cancel) and request.effect is effect
        await cancel(handset, request, task)
        took = time.monotonic() - started

        assert took < 1.0, took
        assert task.cancelled()
        assert server.closed_by_clients(within=1.0)  # the fetch really stopped
        assert not handset.busy
        assert handset.screen.message == "Cancelled. Stopped by the user."
        event = handset.log.last_outcome()
        assert event is not None and event.code is Outcome.CANCELLED
        assert event.reason == "download"
        handset.press("soft1")  # Ok: back to the URL, the cursor at its end
        screen = handset.screen
        assert screen.node_id == "configure_ca_cert" and screen.entry == server.url()
        assert screen.entry_cursor == len(screen.entry)


async def test_a_provision_to_a_silent_server_is_cancelled_at_once():
    with SilentServer() as server:
        name = "boot.example"
        handset = Handset(HandsetSettings(boot_server=f"https://{name}:443/"))
        effect = handset.press("soft2")
        assert isinstance(effect, Provision)
        connect_to = ConnectMap.parse([f"{name}:443:{server.host}:{server.port}"])
        task = asyncio.ensure_future(run_effect(handset, effect, connect_to=connect_to))
        await until(lambda: server.accepted() == 1)
        started = time.monotonic()
        request = handset.press("end")
        assert isinstance(request, Cancel)
        await cancel(handset, request, task)
        assert time.monotonic() - started < 1.0
        assert server.closed_by_clients(within=1.0)
        assert handset.log.outcomes()[-1] == "cancelled:provision"
