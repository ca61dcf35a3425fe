"""Snapshots of the main states at 80x24 and 120x40: fixed paths, frozen certificates and clock.

Update after an intended change: pytest tests/tui/test_snapshots.py --snapshot-update
"""

from __future__ import annotations

import pytest

from tests.tui.conftest import SERVER, build_app, finish_jobs
from tui.app import HandsetCAApp

SIZES = [(80, 24), (120, 40)]
# From the idle screen to Configure CA Cert... by digits: Menu, 1 Settings, 2 Advanced,
# password, 1 Administration Settings, 2 TLS Security, 1 Custom CA Certificates,
# 1 Install Custom CA Certs, 1 Configure CA Cert...
TO_URL_ENTRY = ["tab", "f2", "1", "2", "4", "5", "6", "enter", "1", "2", "1", "1", "1"]
URL_REST = list("bootserver1.example.com/ca.crt")


@pytest.mark.parametrize("size", SIZES)
def test_empty_workspace(snap_compare, empty_app: HandsetCAApp, size) -> None:
    assert snap_compare(empty_app, terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_ca_and_server_certificate(snap_compare, frozen_app: HandsetCAApp, size) -> None:
    assert snap_compare(frozen_app, terminal_size=size)


def test_create_ca_form(snap_compare, empty_app: HandsetCAApp) -> None:
    assert snap_compare(empty_app, press=["c"])


def test_issue_form_warns_about_an_ip(snap_compare, frozen_app: HandsetCAApp) -> None:
    assert snap_compare(frozen_app, press=["i", "_", *"10.0.0.5"])


@pytest.mark.parametrize("size", SIZES)
def test_handset_url_entry(snap_compare, frozen_app: HandsetCAApp, size) -> None:
    assert snap_compare(frozen_app, press=TO_URL_ENTRY + URL_REST, terminal_size=size)


def test_installed_from_boot_server(snap_compare, frozen_app: HandsetCAApp) -> None:
    async def publish_and_install(pilot) -> None:
        await pilot.pause()
        frozen_app.start_server(SERVER, None)
        await finish_jobs(pilot, frozen_app)
        await pilot.press(*TO_URL_ENTRY, *URL_REST, "f2")
        await finish_jobs(pilot, frozen_app)

    # 80x24: the wide layout would show the listeners' ports, which change run to run.
    assert snap_compare(frozen_app, run_before=publish_and_install, terminal_size=(80, 24))


def test_help(snap_compare, empty_app: HandsetCAApp) -> None:
    assert snap_compare(empty_app, press=["f1"])


def test_inspect_csr(snap_compare, frozen_app: HandsetCAApp) -> None:
    assert snap_compare(frozen_app, press=["v", "_", "down", "down", "down", "enter"])


def test_no_color(snap_compare, in_tmp, monkeypatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    assert snap_compare(build_app(), press=TO_URL_ENTRY)


def test_narrow_terminal_shows_one_pane(snap_compare, empty_app: HandsetCAApp) -> None:
    assert snap_compare(empty_app, press=["tab"], terminal_size=(60, 24))
