"""Type-ahead through a real terminal (tmux at 80x24): keys sent as one burst, the way a
slow SSH link delivers them, do what they would have done had the user waited.

The causes these tests hold down: keys before the first frame (nothing focused yet),
an Enter typed before the terminal is in raw mode (it arrives as \\n, Ctrl+J), keys
after a form's last Enter (they went into the form while it was checked or the key
generated), keys during a download, Esc and a digit in one escape sequence, and the
handset's download before Publish had started the boot server.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.terminal import HANDSET_CA, tmux_session

pytestmark = pytest.mark.e2e

PASS = "correct horse battery"
NAME = "bootserver1.example.com"
CREATE_CA = [
    "c",
    *("US", "Enter", "Colorado", "Enter", "Boulder", "Enter", "Example Org", "Enter"),
    *("IT", "Enter", "Root CA", "Enter", "admin@example.com", "Enter"),
    *("Enter", "Enter"),  # key size, days: the defaults
    *(PASS, "Enter", PASS, "Enter"),
]
ISSUE = ["i", NAME, "Enter", "Enter", "Enter", "Enter", "Enter", PASS, "Enter"]
PUBLISH = ["p", "Enter"]  # the issued certificate is highlighted: Enter starts the server
# Tab to the handset; Menu; Settings > Advanced, password 456; Administration Settings >
# TLS Security > Custom CA Certificates > Install Custom CA Certs > Configure CA Cert...
INSTALL = ["Tab", "F2", "1", "2", "4", "5", "6", "Enter", "1", "2", "1", "1", "Enter"]
INSTALL += [f"{NAME}/ca.crt", "F2"]  # the URL after "http://", then the Enter soft key
# Close the result, back to TLS Security; Configure TLS Profiles > Platform Profile 1 >
# CA Certificate > All Certificates; End; Provision (soft key 2 on the idle screen).
PROFILE = ["Enter", "Escape", "Escape", "2", "1", "1", "2", "F6", "F3"]
BULLETIN = CREATE_CA + ISSUE + PUBLISH + INSTALL + PROFILE
PROVISIONED = "Provisioning succeeded"


def run(tmp_path: Path, name: str):
    command = f"{HANDSET_CA} --workspace {tmp_path / 'pki'}"
    return tmux_session(command, session=name, socket_prefix=f"handset-ca-{name}", timeout=60.0)


def phone(shown: str) -> str:
    """The handset's text as one line of words (it wraps inside its frame)."""
    words = []
    for line in shown.splitlines():
        if "│" in line:
            words += line.split("│")[-2].split()
    return " ".join(words)


def test_the_whole_bulletin_in_one_burst_ends_provisioned(tmp_path: Path) -> None:
    with run(tmp_path, "burst") as t:
        t.keys(*BULLETIN)  # at once, before the app has drawn its first frame
        shown = t.wait_for(PROVISIONED)
    assert f'matches Common Name "{NAME}"' in phone(shown), shown
    assert "Next: done" in shown
    pki = tmp_path / "pki"
    assert (pki / "ca.crt").exists() and (pki / "issued" / NAME / "server.crt").exists()


def test_the_same_keys_sent_slowly_end_the_same(tmp_path: Path) -> None:
    with run(tmp_path, "slow") as t:
        t.wait_for("CA workbench")
        marks = {len(CREATE_CA): "Created the CA", len(CREATE_CA) + len(ISSUE): "Issued in"}
        marks[len(CREATE_CA) + len(ISSUE) + len(PUBLISH)] = "Boot server started"
        marks[len(BULLETIN) - len(PROFILE)] = "installed"
        for n, key in enumerate(BULLETIN, start=1):
            t.keys(key)
            if n in marks:
                t.wait_for(marks[n])
            else:
                time.sleep(0.05)
        shown = t.wait_for(PROVISIONED)
    assert f'matches Common Name "{NAME}"' in phone(shown), shown


def test_keys_after_the_create_ca_enter_go_to_the_next_screen(tmp_path: Path) -> None:
    """The issue's reproduction: the form in one burst, then `Enter i bootserver1...`."""
    with run(tmp_path, "repro") as t:
        t.wait_for("CA workbench")
        t.keys(*CREATE_CA[:-1])
        t.keys("Enter", "i", NAME)
        shown = t.wait_for("Issue a boot server certificate")
        shown = t.wait_for(f"Boot server     {NAME}")
        assert "differ" not in shown
        assert (tmp_path / "pki" / "ca.crt").exists()
        t.keys("Escape")
        shown = t.wait_for("Created the CA")
        assert "Sign a CSR" not in shown


def test_a_select_and_a_list_in_one_burst_take_the_keys_in_order(tmp_path: Path) -> None:
    """The worst case: Space opens the key size's list a turn late (the Downs and Enter
    went past it), and in Inspect's list the Enter (a priority binding) overtook the Down.
    One burst: the CA at 4096 bits, then Inspect's second file, ca.key, with its passphrase."""
    create = [*CREATE_CA[:15], "Space", "Down", "Down", "Enter", *CREATE_CA[15:]]
    inspect = ["v", "Down", "Enter", PASS, "Enter"]
    with run(tmp_path, "select") as t:
        t.wait_for("CA workbench")
        t.keys(*create, *inspect)
        shown = t.wait_for("RSA 4096 bit", timeout=60.0)
    assert "ca.key" in shown, shown
