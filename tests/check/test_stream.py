"""check_urls: bounded streaming, progress, early close, FTP and --connect-to."""

from __future__ import annotations

import asyncio
import os
import pty
import subprocess
import sys
import time
from pathlib import Path

from core.check import CheckOptions, Level, check_urls, in_input_order
from core.fetch import ConnectMap
from tests.check.certs import pem
from tests.servers import FTPServer
from tests.terminal import read_pty


async def test_the_url_source_is_read_only_as_fast_as_workers_free_up(site):
    taken = 0

    def urls():
        nonlocal taken
        for _ in range(2000):
            taken += 1
            yield site.url("/ca.crt")

    stream = check_urls(urls(), CheckOptions(concurrency=5, timeout=2))
    first = await anext(stream)
    assert first.level == Level.PASS
    assert taken <= 5 * 3 + 2, taken  # workers + queue, never the whole list
    await stream.aclose()


async def test_progress_counts_every_url_and_knows_the_total(site):
    calls: list[tuple[int, int | None]] = []
    urls = [site.url("/ca.crt"), site.url("/404"), site.url("/empty")]
    verdicts = [
        v
        async for v in in_input_order(
            check_urls(urls, CheckOptions(timeout=2), progress=lambda d, t: calls.append((d, t)))
        )
    ]
    assert [v.index for v in verdicts] == [0, 1, 2]
    assert [v.level for v in verdicts] == [Level.PASS, Level.FAIL, Level.FAIL]
    assert calls == [(1, 3), (2, 3), (3, 3)]


async def test_closing_early_cancels_slow_work_at_once(site):
    stream = check_urls(
        [site.url("/ca.crt")] + [site.url("/hang")] * 20, CheckOptions(concurrency=10, timeout=5)
    )
    started = time.monotonic()
    assert (await anext(stream)).level == Level.PASS
    await asyncio.wait_for(stream.aclose(), 2)
    assert time.monotonic() - started < 2


async def test_ftp_bulletin_case_credentials_are_sent_in_lower_case_as_typed(tmp_path, pki):
    (tmp_path / "ca.crt").write_bytes(pem(pki.ca))
    with FTPServer(tmp_path, user="plcmspip", password="plcmspip", anonymous=False) as ftp:
        good = ftp.url(user="plcmspip", password="plcmspip")
        bulletin = ftp.url(user="PlcmSpIp", password="PlcmSpIp")
        verdicts = [
            v async for v in in_input_order(check_urls([good, bulletin], CheckOptions(timeout=3)))
        ]
    assert verdicts[0].level == Level.PASS, verdicts[0].reasons
    # The handset logs in as plcmspip/plcmspip, which this server takes: a warning only.
    assert [r.code for r in verdicts[1].reasons] == ["upper-case"]
    assert verdicts[1].level == Level.WARN and verdicts[1].handset_accepts is True


async def test_connect_to_keeps_the_typed_name(site):
    options = CheckOptions(
        timeout=2, connect_to=ConnectMap.parse([f"boot.example.test:80:127.0.0.1:{site.port}"])
    )
    (verdict,) = [v async for v in check_urls(["http://boot.example.test/ca.crt"], options)]
    assert verdict.level == Level.PASS, verdict.reasons
    assert site.requests[-1].headers["host"] == "boot.example.test"


def test_progress_bar_only_on_a_terminal(site):
    script = Path(sys.executable).parent / "handset-ca"
    urls = [site.url("/ca.crt")] * 3
    leader, follower = pty.openpty()
    try:
        done = subprocess.run(
            [str(script), "check", "--timeout", "2", *urls],
            stdout=subprocess.PIPE,
            stderr=follower,
            timeout=30,
            env={**os.environ, "TERM": "xterm", "COLUMNS": "60"},
        )
        os.close(follower)
        follower = -1
        shown = read_pty(leader, 30)  # all of it: the program has ended
    finally:
        if follower != -1:
            os.close(follower)
        os.close(leader)
    assert done.returncode == 0
    assert b"3/3 URLs" in shown and b"[####" in shown
    assert b"\x1b[K" in shown  # the bar is cleared before rows and at the end
    assert b"URLs" not in done.stdout.split(b"\n")[0] and b"\r" not in done.stdout


def test_a_silent_server_shows_progress_at_once_even_for_one_url():
    from tests.servers import SilentServer

    script = Path(sys.executable).parent / "handset-ca"
    with SilentServer() as silent:
        url = f"http://127.0.0.1:{silent.port}/ca.crt"
        leader, follower = pty.openpty()
        proc = subprocess.Popen(
            [str(script), "check", "--timeout", "5", url],
            stdout=subprocess.PIPE,
            stderr=follower,
            env={**os.environ, "TERM": "xterm", "COLUMNS": "60"},
        )
        os.close(follower)
        try:
            early = read_pty(leader, 3)  # well before the 5 s timeout
            assert b"checking 1 URL..." in early, early
            proc.wait(timeout=30)
            late = read_pty(leader, 1)
        finally:
            proc.kill()
            proc.wait()
            os.close(leader)
    assert proc.returncode == 1
    assert (early + late).endswith(b"\r\x1b[K")  # cleared when done
    assert b"checking" not in proc.stdout.read()
