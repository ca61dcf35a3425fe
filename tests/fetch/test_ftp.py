"""ftp:// downloads from a real pyftpdlib server, the bulletin's second URL form."""

from __future__ import annotations

import asyncio
import time

import pytest

from core.fetch import ConnectMap, Failure, fetch
from tests.fetch.conftest import SLACK, TIMEOUT
from tests.servers import FTPServer, TrickleFTPServer, free_port

PASSWORD = "s3cr@t:pw"  # what conftest's ftp server expects; %-encoded in URLs
ENCODED = "s3cr%40t%3Apw"


async def test_anonymous_download(ftp, ca_pem):
    result = await fetch(ftp.url("/ca.crt"), timeout=2)
    assert result.ok, result.message
    assert result.data == ca_pem and result.status is None


async def test_user_and_percent_encoded_password(ftp, ca_pem):
    url = ftp.url("/ca.crt", user="plcmspip", password=ENCODED)
    result = await fetch(url, timeout=2)
    assert result.ok, result.message
    assert result.data == ca_pem
    assert result.final_url == ftp.url("/ca.crt", user="plcmspip", password="***")


async def test_wrong_password_is_ftp_login_and_the_password_is_not_shown(ftp):
    url = ftp.url("/ca.crt", user="plcmspip", password="hunter2")
    result = await fetch(url, timeout=2)
    assert result.failure is Failure.FTP_LOGIN
    assert "'plcmspip'" in result.message and "530" in result.message
    assert "hunter2" not in result.message and "hunter2" not in result.final_url


async def test_anonymous_refused_when_the_server_wants_a_user(ftp_root):
    with FTPServer(ftp_root, user="u", password="p", anonymous=False) as server:
        result = await fetch(server.url("/ca.crt"), timeout=2)
    assert result.failure is Failure.FTP_LOGIN
    assert "'anonymous'" in result.message


async def test_missing_file_is_not_found(ftp):
    result = await fetch(ftp.url("/nope.crt", user="plcmspip", password=ENCODED), timeout=2)
    assert result.failure is Failure.NOT_FOUND
    assert "/nope.crt" in result.message and "550" in result.message


async def test_a_folder_is_not_a_file(ftp, ftp_root):
    (ftp_root / "certs").mkdir()
    result = await fetch(ftp.url("/certs"), timeout=2)
    assert result.failure is Failure.NOT_FOUND


async def test_file_in_a_subfolder(ftp, ftp_root, ca_pem):
    (ftp_root / "certs").mkdir()
    (ftp_root / "certs" / "ca.crt").write_bytes(ca_pem)
    result = await fetch(ftp.url("/certs/ca.crt"), timeout=2)
    assert result.ok and result.data == ca_pem


async def test_big_file_is_cut_at_the_cap(ftp):
    result = await fetch(ftp.url("/big.bin"), timeout=30)
    assert result.failure is Failure.TOO_LARGE  # the cap stopped it, not the deadline
    assert "64 KiB" in result.message


async def test_connect_to_maps_the_ftp_server(ftp, ca_pem):
    cmap = ConnectMap.parse([f"bootserver1.spectralink.com:21:127.0.0.1:{ftp.port}"])
    url = f"ftp://plcmspip:{ENCODED}@bootserver1.spectralink.com/ca.crt"
    result = await fetch(url, connect_to=cmap, timeout=2)
    assert result.ok, result.message
    assert result.data == ca_pem


async def test_nothing_listening_is_refused():
    result = await fetch(f"ftp://127.0.0.1:{free_port()}/ca.crt", timeout=TIMEOUT)
    assert result.failure is Failure.REFUSED


async def test_unknown_name_is_not_resolved():
    result = await fetch("ftp://no-such-host.invalid/ca.crt", timeout=2)
    assert result.failure is Failure.NOT_RESOLVED


async def test_silent_server_times_out(silent):
    start = time.monotonic()
    result = await fetch(silent.url("ftp"), timeout=TIMEOUT)
    assert result.failure is Failure.TIMEOUT
    assert time.monotonic() - start < TIMEOUT + SLACK


async def test_cancelling_a_fetch_stops_its_ftp_worker_at_once(silent):
    # The worker thread blocks in ftplib; cancellation must close its socket, not leave
    # it waiting for its own 10 s deadline.
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(fetch(silent.url("ftp"), timeout=10), 0.3)
    assert silent.accepted() == 1
    assert silent.closed_by_clients(within=5.0)  # long before the fetch's own 10 s


async def test_http_server_is_not_an_ftp_server(web):
    result = await fetch(f"ftp://127.0.0.1:{web.port}/ca.crt", timeout=TIMEOUT)
    assert result.failure is Failure.TIMEOUT  # no FTP banner ever comes


async def test_ftp_trickle_is_stopped_by_the_total_deadline():
    with TrickleFTPServer(interval=0.1) as server:
        start = time.monotonic()
        result = await fetch(server.url(), timeout=TIMEOUT)
        elapsed = time.monotonic() - start
    assert result.failure is Failure.TIMEOUT
    assert "did not finish within 1 s" in result.message
    assert TIMEOUT - 0.1 < elapsed < TIMEOUT + SLACK


async def test_endless_ftp_greeting_is_cut_short():
    with TrickleFTPServer(flood_banner=True) as server:
        start = time.monotonic()
        result = await fetch(server.url(), timeout=30)
    assert result.failure is Failure.NETWORK  # the reply cap stopped it, not the deadline
    assert "not FTP" in result.message
    assert time.monotonic() - start < 15


async def test_many_stuck_ftp_downloads_stay_bounded_and_free_their_workers(silent, ftp, ca_pem):
    # More than the FTP worker pool holds, each with a long deadline, cancelled from
    # outside: every worker must be freed at once, or the next download would queue.
    stuck = asyncio.gather(*(fetch(silent.url("ftp"), timeout=30) for _ in range(40)))
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(stuck, 0.5)
    start = time.monotonic()
    ok = await fetch(ftp.url("/ca.crt"), timeout=20)
    assert ok.ok and ok.data == ca_pem, ok.message
    assert time.monotonic() - start < 10  # not held until the stuck ones' 30 s


async def test_many_stuck_ftp_fetches_do_not_make_a_good_one_time_out(ftp, ca_pem):
    """40 downloads stuck on a trickling server (more than any fixed pool) and one good
    one at once: the good one never waits behind them and eats its own deadline."""
    with TrickleFTPServer(interval=0.2) as trickle:
        stuck = [asyncio.ensure_future(fetch(trickle.url(), timeout=4)) for _ in range(40)]
        await asyncio.sleep(0.5)  # they are all connected and stuck in the body now
        good = await fetch(ftp.url("/ca.crt"), timeout=3)
        still_stuck = sum(not f.done() for f in stuck)
        results = await asyncio.gather(*stuck)
    assert good.ok, good.message
    assert good.data == ca_pem
    assert still_stuck == 40  # the good one finished while every stuck one still ran
    assert all(r.failure == Failure.TIMEOUT for r in results)
