"""A real terminal: tmux at 80x24 runs handset-ca and the keys go through tmux as from SSH."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e
HANDSET_CA = Path(sys.executable).with_name("handset-ca")


class Tmux:
    def __init__(self, socket: str) -> None:
        self.socket = socket

    def __call__(self, *args: str) -> str:
        result = subprocess.run(
            ["tmux", "-L", self.socket, "-f", "/dev/null", *args],
            capture_output=True,
            text=True,
            check=True,
        )
        return result.stdout

    def screen(self) -> str:
        return self("capture-pane", "-p", "-t", "hc")

    def wait_for(self, text: str, timeout: float = 15.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            shown = self.screen()
            if text in shown:
                return shown
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} never appeared; the screen:\n{shown}")
            time.sleep(0.05)

    def keys(self, *keys: str) -> None:
        self("send-keys", "-t", "hc", *keys)


@pytest.fixture
def tmux(tmp_path: Path):
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed (.ci/run installs it)")
    assert HANDSET_CA.exists(), f"{HANDSET_CA} missing: pip install -e . first"
    t = Tmux(f"handset-ca-test-{uuid.uuid4().hex[:8]}")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HANDSET_CA", "TMUX"))}
    command = f"{HANDSET_CA} --workspace {tmp_path / 'pki'}"
    size = ["-x", "80", "-y", "24"]
    subprocess.run(
        [
            "tmux",
            "-L",
            t.socket,
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            "hc",
            *size,
            command,
        ],
        check=True,
        env=env,
    )
    try:
        yield t
    finally:
        subprocess.run(["tmux", "-L", t.socket, "kill-server"], capture_output=True)


def test_handset_reaches_configure_ca_cert_through_tmux(tmux: Tmux) -> None:
    tmux.wait_for("CA workbench")
    tmux.keys("Tab")
    tmux.wait_for("Screen source: rehearsal choice")  # the handset has the focus
    tmux.keys("F2")  # soft key 1 = Menu, as an F-key escape sequence
    tmux.wait_for("Main Menu")
    tmux.keys("F3")  # soft key 2 = Back
    tmux.wait_for("Boot server:")
    tmux.keys("F2")
    tmux.wait_for("Main Menu")
    for key, title in (("1", "Settings"), ("2", "Administrator's password")):
        tmux.keys(key)
        tmux.wait_for(title)
    tmux.keys("4", "5", "6", "Enter")
    tmux.wait_for("1 Administration Settings")
    # Each digit opens an item; wait for something only the next screen shows.
    for key, shown_next in (
        ("1", "Network Configuration"),
        ("2", "Custom CA Certificates"),
        ("1", "Install Custom CA Certs"),
        ("1", "1 Configure CA Cert..."),
    ):
        tmux.keys(key)
        tmux.wait_for(shown_next)
    tmux.keys("Enter")
    shown = tmux.wait_for("http://")
    assert "Configure CA Cert..." in shown
    assert "Enter" in shown and "Cancel" in shown  # the soft keys of the URL entry
    tmux.keys("B", "S", "BSpace", "1")  # upper case arrives lower case; Backspace deletes
    tmux.wait_for("http://b1")
    tmux.keys("F6")  # End
    tmux.wait_for("Boot server:")
    tmux.keys("F1")
    tmux.wait_for("Keys (F1)")
    tmux.keys("F1")
    tmux.keys("C-q")
    deadline = time.monotonic() + 10
    while _alive(tmux):
        assert time.monotonic() < deadline, "the app did not quit on Ctrl+Q"
        time.sleep(0.1)


def _alive(tmux: Tmux) -> bool:
    try:
        tmux("has-session", "-t", "hc")
    except subprocess.CalledProcessError:
        return False
    return True
