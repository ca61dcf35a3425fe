"""A real terminal for tests: handset-ca in a tmux session, keys sent as over SSH;
and reading what a program shows on a pty."""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

HANDSET_CA = Path(sys.executable).with_name("handset-ca")


class Tmux:
    """One tmux server (its own socket) holding the session `session`."""

    def __init__(self, socket: str, session: str, timeout: float) -> None:
        self.socket = socket
        self.session = session
        self.timeout = timeout  # wait_for's default

    def __call__(self, *args: str) -> str:
        result = subprocess.run(
            ["tmux", "-L", self.socket, "-f", "/dev/null", *args],
            capture_output=True,
            text=True,
            check=True,
        )
        return result.stdout

    def screen(self) -> str:
        return self("capture-pane", "-p", "-t", self.session)

    def wait_for(self, text: str, timeout: float | None = None) -> str:
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            shown = self.screen()
            if text in shown:
                return shown
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} never appeared; the screen:\n{shown}")
            time.sleep(0.05)

    def keys(self, *keys: str) -> None:
        self("send-keys", "-t", self.session, *keys)

    def alive(self) -> bool:
        try:
            self("has-session", "-t", self.session)
        except subprocess.CalledProcessError:
            return False
        return True


@contextmanager
def tmux_session(
    command: str, *, session: str, socket_prefix: str, timeout: float
) -> Iterator[Tmux]:
    """Run `command` in a detached 80x24 tmux session; the tmux server dies afterwards.

    Skips the test when tmux is missing. The environment loses HANDSET_CA* and
    TMUX* variables, so neither the caller's workspace nor its tmux leak in.
    """
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed (.ci/run installs it)")
    assert HANDSET_CA.exists(), f"{HANDSET_CA} missing: pip install -e . first"
    t = Tmux(f"{socket_prefix}-{uuid.uuid4().hex[:8]}", session, timeout)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HANDSET_CA", "TMUX"))}
    tmux = ["tmux", "-L", t.socket, "-f", "/dev/null"]
    subprocess.run(
        [*tmux, "new-session", "-d", "-s", session, "-x", "80", "-y", "24", command],
        check=True,
        env=env,
    )
    try:
        yield t
    finally:
        subprocess.run(["tmux", "-L", t.socket, "kill-server"], capture_output=True)


def read_pty(leader: int, seconds: float, until: bytes | None = None) -> bytes:
    """What the pty shows within `seconds`: less when `until` appears or the pty closes."""
    shown = b""
    deadline = time.monotonic() + seconds
    while (until is None or until not in shown) and (left := deadline - time.monotonic()) > 0:
        if not select.select([leader], [], [], left)[0]:
            break
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    return shown
