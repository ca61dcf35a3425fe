"""A real terminal: tmux at 80x24 runs handset-ca and the keys go through tmux as from SSH."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.terminal import HANDSET_CA, Tmux, tmux_session

pytestmark = pytest.mark.e2e


@pytest.fixture
def tmux(tmp_path: Path):
    command = f"{HANDSET_CA} --workspace {tmp_path / 'pki'}"
    with tmux_session(command, session="hc", socket_prefix="handset-ca-test", timeout=15.0) as t:
        yield t


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
    while tmux.alive():
        assert time.monotonic() < deadline, "the app did not quit on Ctrl+Q"
        time.sleep(0.1)


def test_urls_typed_in_one_burst_after_k_fill_the_check_views_rows(tmux: Tmux) -> None:
    """Issue 12: the Check view's URLs field is several rows; keys sent with k (one SSH
    packet) land in it, and Enter runs the check rather than breaking the line."""
    tmux.wait_for("CA workbench")
    urls = "http://a.invalid/ca.crt http://b.invalid/ca.crt http://c.invalid/CA.crt"
    tmux.keys("k", urls, "Enter")
    shown = tmux.wait_for("3 URLs checked")
    rows = shown.splitlines()
    first = next(i for i, row in enumerate(rows) if "URLs" in row and "a.invalid" in row)
    assert "c.invalid/CA.crt" in rows[first + 1]  # wrapped onto the field's second row
    assert "FAIL  http://c.invalid/CA.crt" in shown or "[upper-case]" in shown
