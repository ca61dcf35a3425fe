"""Typing ahead in a form through a real terminal (tmux): one send-keys, as a paste or SSH."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.terminal import HANDSET_CA, tmux_session

pytestmark = pytest.mark.e2e


def test_keys_sent_at_once_land_in_their_fields(tmp_path: Path) -> None:
    command = f"{HANDSET_CA} --workspace {tmp_path / 'pki'}"
    with tmux_session(command, session="hf", socket_prefix="handset-ca-form", timeout=15.0) as t:
        t.wait_for("CA workbench")
        # The letter, then three fields with Enter between them, in one burst.
        t.keys("c", "US", "Enter", "Colorado", "Enter", "Boulder")
        shown = t.wait_for("Locality        Boulder")  # not the placeholder "e.g. Boulder"
        lines = [line.strip("┃ ") for line in shown.splitlines()]
        assert "Country         US" in lines, shown
        assert "State/Province  Colorado" in lines, shown
        assert "Locality        Boulder" in lines, shown
        t.keys("Escape")
        t.wait_for("CA workbench")
