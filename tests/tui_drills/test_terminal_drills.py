"""A drill in a real terminal: tmux at 80x24, keys sent as over SSH, F-keys included."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.terminal import HANDSET_CA, tmux_session

pytestmark = pytest.mark.e2e


@pytest.fixture
def drill_terminal(tmp_path: Path):
    # If the app stops, its last screen and exit status stay in the pane for the assertion.
    app = f"{HANDSET_CA} drills run fault-wrong-password --workspace {tmp_path}"
    command = f'{app}; echo "[exit $?]"; sleep 60'
    with tmux_session(
        command, session="drill", socket_prefix="handset-ca-drill", timeout=20.0
    ) as t:
        yield t


def test_fault_drill_in_a_real_terminal(drill_terminal, tmp_path):
    t = drill_terminal
    t.wait_for("Who is doing the drills?")  # asked once, before the first drill
    t.keys("Alex Smith", "Enter")
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
    t.wait_for("Commit this cause?")
    t.keys("Enter")
    shown = t.wait_for("Saved as")
    assert "PASSED" in shown
    saved = list((tmp_path / "drills").glob("*.json"))
    assert len(saved) == 1
    result = json.loads(saved[0].read_text())
    assert result["passed"] and result["wrong_passwords"] == 1
    assert result["diagnosis"]["right"]
    assert result["trainee"] == "Alex Smith"
    t.keys("r")  # retry in place: the same fault, set up afresh, for the same trainee
    t.wait_for("Steps 0/")
    t.wait_for("Admin password: 654")
    t.keys("F10")
    t.wait_for("Leave this drill?")
    t.keys("Enter")
    shown = t.wait_for("Trainee: Alex Smith")  # the picker, with this trainee's best
    assert "best: pass" in shown


@pytest.fixture
def keypad_terminal(tmp_path: Path):
    # --trainee: the name given up front, so the picker does not ask (see the test above)
    app = f"{HANDSET_CA} drills run keypad-url --trainee Kim --workspace {tmp_path}"
    command = f'{app}; echo "[exit $?]"; sleep 60'
    with tmux_session(
        command, session="keypad", socket_prefix="handset-ca-keypad", timeout=20.0
    ) as t:
        yield t


def test_keypad_drill_types_the_url_in_a_real_terminal(keypad_terminal):
    """issue 12: the URL typed on the phone's keypad (multi-tap), keys as tmux sends them."""
    from core.handset.keypad import keypad_presses

    t = keypad_terminal
    t.wait_for("Admin password: 456")
    t.keys("F2")  # Menu
    t.wait_for("Main Menu")
    t.keys("1", "2")  # Settings, Advanced: the password screen
    t.wait_for("Administrator's password")
    t.keys("4", "5", "6", "F2")  # digits type digits in the password entry
    t.wait_for("Administration Settings")
    t.keys("1", "2", "1", "1", "1")  # ... > Install Custom CA Certs > Configure CA Cert...
    t.wait_for("Keypad abc")  # the keypad map is shown while the entry is open
    tmux_names = {"right": "Right"}
    presses = keypad_presses("bootserver1.example.com/ca.crt")
    t.keys(*[tmux_names.get(k, k) for k in presses])
    t.wait_for("http://bootserver1.example.com/ca.crt")
    t.keys("F2")  # the Enter soft key
    t.wait_for("custom CA slot 1.")
