"""A drill in a real terminal: tmux at 80x24, keys sent as over SSH, F-keys included."""

from __future__ import annotations

import json
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
        return self("capture-pane", "-p", "-t", "drill")

    def wait_for(self, text: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            shown = self.screen()
            if text in shown:
                return shown
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} never appeared; the screen:\n{shown}")
            time.sleep(0.05)

    def keys(self, *keys: str) -> None:
        self("send-keys", "-t", "drill", *keys)


@pytest.fixture
def drill_terminal(tmp_path: Path):
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed (.ci/run installs it)")
    assert HANDSET_CA.exists(), f"{HANDSET_CA} missing: pip install -e . first"
    t = Tmux(f"handset-ca-drill-{uuid.uuid4().hex[:8]}")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HANDSET_CA", "TMUX"))}
    # If the app stops, its last screen and exit status stay in the pane for the assertion.
    app = f"{HANDSET_CA} drills run fault-wrong-password --workspace {tmp_path}"
    command = f'{app}; echo "[exit $?]"; sleep 60'
    tmux = ["tmux", "-L", t.socket, "-f", "/dev/null"]
    subprocess.run(
        [*tmux, "new-session", "-d", "-s", "drill", "-x", "80", "-y", "24", command],
        check=True,
        env=env,
    )
    try:
        yield t
    finally:
        subprocess.run(["tmux", "-L", t.socket, "kill-server"], capture_output=True)


def test_fault_drill_in_a_real_terminal(drill_terminal, tmp_path):
    t = drill_terminal
    t.wait_for("Admin password: 654")
    t.keys("F2")  # soft key 1: Menu
    t.wait_for("Main Menu")
    t.keys("1", "2")  # Settings, Advanced: the password screen
    t.wait_for("[>] 2. Enter the job sheet's password")
    t.keys("6", "5", "4", "F2")  # the job sheet's password, Ok
    t.wait_for("Incorrect password")
    t.wait_for("then F8")
    t.keys("F8")
    t.wait_for("What made the phone fail?")
    t.keys("Up", "Enter")  # the last cause: the wrong password
    shown = t.wait_for("Saved as")
    assert "PASSED" in shown
    saved = list((tmp_path / "drills").glob("*.json"))
    assert len(saved) == 1
    result = json.loads(saved[0].read_text())
    assert result["passed"] and result["wrong_passwords"] == 1
    assert result["diagnosis"]["right"]
