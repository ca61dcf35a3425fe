"""`handset-ca web`'s guard, against the real server on 127.0.0.1: the audit's cases.

Any page in the trainer's browser could open the WebSocket (read the screen, send
keys), anyone could open as many sessions (app processes) as they liked, and each
session's app process inherited the passphrases of the shell that started `web`.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import aiohttp
import httpx
import pytest

from tests.e2e.bulletin.serveproc import clean_env
from tests.e2e.web.webproc import running_web

pytestmark = pytest.mark.e2e

WS_QUERY = "width=80&height=24"
TIMEOUT = aiohttp.ClientTimeout(total=20)  # bounds each handshake


def sentence(text: str) -> str:
    """The body is one sentence and no traceback."""
    assert "Traceback" not in text
    lines = text.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Refused: ") and lines[0].endswith("."), text
    return lines[0]


async def ws_status(url: str, headers: dict[str, str] | None = None) -> int:
    """101 when the WebSocket opens (closed at once); else the refusal's HTTP status."""
    async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
        try:
            async with session.ws_connect(url, headers=headers or {}):
                return 101
        except aiohttp.WSServerHandshakeError as error:
            return error.status


def test_a_foreign_origin_or_host_is_refused(tmp_path: Path) -> None:
    with running_web(tmp_path) as web:
        ws = f"{web.base}/ws?token={web.token}&{WS_QUERY}"
        # The audit's case, with the token even: another site's page may not open it.
        assert asyncio.run(ws_status(ws, {"Origin": "http://evil.example"})) == 403
        assert asyncio.run(ws_status(ws, {"Origin": "null"})) == 403
        page = httpx.get(web.url, headers={"Origin": "http://evil.example"})
        assert page.status_code == 403
        assert "http://evil.example" in sentence(page.text)
        # DNS rebinding: evil.example resolving to 127.0.0.1 sends its own Host.
        rebound = httpx.get(web.url, headers={"Host": f"evil.example:{web.port}"})
        assert rebound.status_code == 403
        assert f"http://127.0.0.1:{web.port}/" in sentence(rebound.text)
        # The server's own pages, by either name, are served.
        own = {"Origin": f"http://localhost:{web.port}"}
        page = httpx.get(web.url.replace("127.0.0.1", "localhost"), headers=own)
        assert page.status_code == 200
        assert f"ws://localhost:{web.port}/ws" in page.text
        own = {"Origin": f"http://127.0.0.1:{web.port}"}
        assert asyncio.run(ws_status(ws, own)) == 101


def test_a_missing_or_wrong_token_is_refused(tmp_path: Path) -> None:
    with running_web(tmp_path) as web:
        own = {"Origin": web.base}
        for query in ("", "?token=", "?token=wrong", f"?token={web.token}x"):
            page = httpx.get(f"{web.base}/{query}")
            assert page.status_code == 403, query
            assert "?token=" in sentence(page.text)
            ws = f"{web.base}/ws{query or '?'}&{WS_QUERY}"
            assert asyncio.run(ws_status(ws, own)) == 403, query
        assert httpx.get(f"{web.base}/static/js/textual.js").status_code == 403
        # The first valid visit sets a cookie; the page's scripts and WebSocket carry it.
        with httpx.Client() as browser:
            page = browser.get(web.url)
            assert page.status_code == 200
            cookie = page.headers["set-cookie"].lower()
            assert "httponly" in cookie and "samesite=strict" in cookie
            assert browser.get(f"{web.base}/static/js/textual.js").status_code == 200
            cookies = dict(browser.cookies)
        assert web.token not in str(page.text)  # the page itself does not repeat it
        with_cookie = {**own, "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
        assert asyncio.run(ws_status(f"{web.base}/ws?{WS_QUERY}", with_cookie)) == 101


async def hold_sessions(url: str, origin: str, count: int) -> tuple[int, str, int]:
    """Open count sessions and hold them; then one more (status, body); then, one closed, again."""
    async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
        held = [await session.ws_connect(url, headers={"Origin": origin}) for _ in range(count)]
        try:
            try:
                async with session.ws_connect(url, headers={"Origin": origin}):
                    over = (101, "")
            except aiohttp.WSServerHandshakeError as error:
                over = (error.status, "")
            async with session.get(url.replace("/ws", "/"), headers={"Origin": origin}) as page:
                body = await page.text()
                assert page.status == over[0] == 503, (page.status, over)
            await held.pop().close()
            for _ in range(50):  # the server sees the close within moments; bounded
                try:
                    async with session.ws_connect(url, headers={"Origin": origin}):
                        return over[0], body, 101
                except aiohttp.WSServerHandshakeError as error:
                    if error.status != 503:
                        return over[0], body, error.status
                await asyncio.sleep(0.1)
            return over[0], body, 503
        finally:
            for ws in held:
                await ws.close()


def test_sessions_beyond_the_cap_are_refused(tmp_path: Path) -> None:
    with running_web(tmp_path, "--max-sessions", "2") as web:
        url = f"{web.base}/ws?token={web.token}&{WS_QUERY}"
        over, body, after = asyncio.run(hold_sessions(url, web.base, 2))
        assert over == 503
        assert "all 2 sessions are in use" in sentence(body)
        assert after == 101  # a session closed makes room


def descendants(pid: int) -> list[int]:
    """The processes below pid, from /proc (the shell and the app of each session)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


async def environments_of_session(web_base: str, url: str, server_pid: int) -> list[dict[str, str]]:
    """Open a session and read the environment of the app process it starts."""
    async with (
        aiohttp.ClientSession(timeout=TIMEOUT) as session,
        session.ws_connect(url, headers={"Origin": web_base}),
    ):
        for _ in range(100):  # bounded: 10 s for the app process to appear
            envs = []
            for pid in descendants(server_pid):
                try:
                    cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
                    raw = Path(f"/proc/{pid}/environ").read_bytes()
                except OSError:
                    continue
                if b"handset_ca.cli" in cmdline:
                    pairs = (item.split(b"=", 1) for item in raw.split(b"\0") if b"=" in item)
                    envs.append({k.decode(): v.decode() for k, v in pairs})
            if envs:
                return envs
            await asyncio.sleep(0.1)
    raise AssertionError("no app process started for the session")


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="reads /proc")
def test_a_session_gets_no_passphrase(tmp_path: Path) -> None:
    secrets = {
        "HANDSET_CA_PASSPHRASE": "ca-secret",
        "HANDSET_CA_KEY_PASSPHRASE": "key-secret",
        "HANDSET_CA_EXPORT_PASSPHRASE": "export-secret",
        "HANDSET_CA_PASSPHRASE_FILE": str(tmp_path / "pass.txt"),
    }
    env = clean_env(**secrets, HANDSET_CA_MARKER="kept")
    with running_web(tmp_path, env=env) as web:
        url = f"{web.base}/ws?token={web.token}&{WS_QUERY}"
        envs = asyncio.run(environments_of_session(web.base, url, web.proc.pid))
    for app_env in envs:
        assert app_env.get("HANDSET_CA_MARKER") == "kept"  # the environment is this run's
        assert not [name for name in app_env if "PASSPHRASE" in name]
        assert not set(secrets.values()) & set(app_env.values())
    assert os.environ.get("HANDSET_CA_MARKER") is None
