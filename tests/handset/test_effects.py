"""The effect contract: one result back by feed(), abort() for a running effect, one runner."""

from __future__ import annotations

import asyncio
import socket

import pytest

import core.handset.runner as runner
from core.handset import Download, EffectError, Handset, HandsetSettings, Outcome, Provision
from core.handset.runner import drive, drive_sync, run_effect, run_effect_sync
from tests.handset.certs import pem
from tests.handset.keys import to_url_entry, type_text
from tests.handset.results import Failure, Fetched, Handshake

URL = "http://bootserver1.example.com/ca.crt"


def download(handset: Handset, url: str = URL) -> Download:
    to_url_entry(handset)
    type_text(handset, url.removeprefix("http://"))
    effect = handset.press("soft1")
    assert isinstance(effect, Download)
    return effect


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_abort_shows_a_short_cancelled_message_and_logs_it():
    handset = Handset()
    download(handset)
    handset.abort("Stopped by the user.")
    assert not handset.busy and handset.pending is None
    assert handset.screen.node_id == "configure_ca_cert.result"
    assert handset.screen.message == "Cancelled. Stopped by the user."
    event = handset.log.last_outcome()
    assert event is not None and event.code is Outcome.CANCELLED
    assert event.reason == "download" and event.detail == "Stopped by the user."
    handset.press("soft1")  # Ok: back to the URL, as after a failed download
    assert handset.screen.node_id == "configure_ca_cert" and handset.screen.entry == URL


def test_abort_a_provision_returns_to_idle_after_ok():
    handset = Handset(HandsetSettings(boot_server="boot.example"))
    assert isinstance(handset.press("soft2"), Provision)
    handset.abort("Stopped.")
    assert handset.screen.node_id == "provision.result"
    assert handset.log.outcomes()[-1] == "cancelled:provision"
    handset.press("soft1")
    assert handset.screen.kind == "idle"


def test_feed_or_abort_with_nothing_pending_raises_and_changes_nothing(ca):
    handset = Handset()
    with pytest.raises(EffectError):
        handset.abort("x")
    download(handset)
    handset.abort("Stopped.")
    before = list(handset.events)
    with pytest.raises(EffectError):
        handset.feed(Fetched(URL, True, pem(ca.cert)))  # too late: it was aborted
    with pytest.raises(EffectError):
        handset.abort("again")
    assert handset.events == before and handset.custom_cas == []


def test_feeding_the_wrong_kind_of_result_raises():
    handset = Handset()
    download(handset)
    with pytest.raises(EffectError):
        handset.feed(Handshake(True, None, ""))
    assert handset.busy  # still waiting for its FetchResult
    handset.feed(Fetched(URL, False, failure=Failure.REFUSED, message="Nothing listens."))
    assert not handset.busy


def test_the_runner_feeds_the_result_once():
    handset = Handset()
    port = closed_port()
    effect = download(handset, f"http://127.0.0.1:{port}/ca.crt")
    assert run_effect_sync(handset, effect, timeout=5) == ""
    assert not handset.busy
    assert handset.log.outcomes()[-1] == "download_failed:refused"
    with pytest.raises(EffectError):  # not pending any more
        run_effect_sync(handset, effect)


def test_drive_sync_presses_and_runs():
    handset = Handset()
    port = closed_port()
    to_url_entry(handset)
    type_text(handset, f"127.0.0.1:{port}/ca.crt")
    screen = drive_sync(handset, "soft1", timeout=5)
    assert screen.node_id == "configure_ca_cert.result" and not handset.busy
    assert handset.log.count("download_failed:") == 1


def test_an_unexpected_error_aborts_the_effect_with_one_sentence(monkeypatch):
    async def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(runner, "perform", boom)
    handset = Handset()
    effect = download(handset)
    sentence = run_effect_sync(handset, effect)
    assert sentence == "Unexpected error (RuntimeError: boom); please report it."
    assert not handset.busy
    assert sentence in handset.screen.message
    assert handset.log.outcomes()[-1] == "cancelled:download"


def test_a_result_after_the_front_end_aborted_is_dropped(monkeypatch, ca):
    async def slow(handset: Handset, effect: Download, **kw: object) -> Fetched:
        handset.abort("Stopped by the user.")  # the app cancels while the download runs
        return Fetched(effect.url, True, pem(ca.cert))

    monkeypatch.setattr(runner, "perform", slow)
    handset = Handset()
    effect = download(handset)
    assert run_effect_sync(handset, effect) == ""
    assert handset.custom_cas == [] and handset.log.outcomes()[-1] == "cancelled:download"


def test_a_cancelled_task_aborts_its_effect(monkeypatch):
    started = asyncio.Event()

    async def forever(*args: object, **kw: object) -> None:
        started.set()
        await asyncio.sleep(3600)

    monkeypatch.setattr(runner, "perform", forever)

    async def scenario() -> Handset:
        handset = Handset()
        assert (await drive(handset, "soft1")).node_id == "main_menu"  # nothing to run
        handset.press("back")
        effect = download(handset)
        task = asyncio.ensure_future(run_effect(handset, effect))
        await started.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return handset

    handset = asyncio.run(scenario())
    assert not handset.busy
    assert handset.screen.message == f"Cancelled. {runner.STOPPED}"
