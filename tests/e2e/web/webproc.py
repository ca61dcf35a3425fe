"""`handset-ca web` as a real process on 127.0.0.1 and a free port, for the web tests."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.e2e.bulletin.serveproc import clean_env, console_script

WAIT = 20.0  # seconds for the server to answer
URL_LINE = re.compile(r"open (http://\S+/\?token=(\S+))")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Web:
    proc: subprocess.Popen
    port: int
    url: str  # the printed URL, token included
    token: str

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextlib.contextmanager
def running_web(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> Iterator[Web]:
    """The server, its printed URL read from its output; it and its sessions end after."""
    port = free_port()
    log_path = tmp_path / "web.log"
    log = log_path.open("w+")
    proc = subprocess.Popen(
        # In tmp_path with a relative workspace: the page (screenshots/web.png) shows "pki",
        # not a temp path.
        [console_script(), "web", "--port", str(port), "--workspace", "pki", *args],
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env=env or clean_env(),
        # Its own process group: the app each browser session starts goes with it.
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + WAIT
        while True:
            found = URL_LINE.search(log_path.read_text())
            if found:
                try:
                    if httpx.get(found.group(1), timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"`handset-ca web` did not answer:\n{log_path.read_text()}")
            time.sleep(0.2)
        yield Web(proc, port, found.group(1), found.group(2))
    finally:
        stop_group(proc)
        log.close()


def stop_group(proc: subprocess.Popen) -> None:
    """SIGTERM to the server's process group, SIGKILL if it lingers; bounded."""
    for sig, grace in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(timeout=grace)
            break
        except subprocess.TimeoutExpired:
            continue
    # The app sessions may outlive the server by a moment; none may be left.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
