"""Issue 11, cases 6 and 8 in the app: files typed into forms go through core's bounded
reader, and Create CA says core's sentence for each state of the workspace's CA."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
from textual.widgets import Input

from core.pki.workspace import CAState, ca_state_sentence
from tests.tui.conftest import FROZEN_PASSPHRASE, fill, finish_jobs, screen_text
from tui.app import HandsetCAApp
from tui.forms import CreateCAScreen, InspectScreen, SignCSRScreen

BAD = {
    "dev-zero": "is a character device, not a regular file",
    "fifo": "is a FIFO (named pipe), not a regular file",
    "folder": "is a folder, not a regular file",
}


def bad_path(kind: str, where: Path) -> Path:
    if kind == "dev-zero":
        return Path("/dev/zero")
    path = where / f"bad-{kind}"
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.mkdir()
    return path


@pytest.mark.parametrize("kind", list(BAD))
async def test_sign_form_refuses_what_is_not_a_regular_file(
    frozen_app: HandsetCAApp, in_tmp: Path, kind: str
) -> None:
    path = bad_path(kind, in_tmp)
    app = frozen_app
    before = app.workspace.issued_names()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, SignCSRScreen)
        await fill(pilot, app, path=str(path), ca_pass=FROZEN_PASSPHRASE)
        await asyncio.wait_for(pilot.press("enter"), 10)
        await finish_jobs(pilot, app)
        assert isinstance(app.screen, SignCSRScreen)  # the form stays open, what was typed kept
        error = str(app.screen.query_one("#error").render())
        assert BAD[kind] in error and str(path) in error and "\n" not in error
        assert "Traceback" not in screen_text(app)
    assert app.workspace.issued_names() == before


@pytest.mark.parametrize("kind", list(BAD))
async def test_inspect_form_refuses_what_is_not_a_regular_file(
    frozen_app: HandsetCAApp, in_tmp: Path, kind: str
) -> None:
    path = bad_path(kind, in_tmp)
    app = frozen_app
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("v")
        await pilot.pause()
        await fill(pilot, app, path=str(path))
        await asyncio.wait_for(pilot.press("enter", "enter"), 10)
        await pilot.pause()
        assert not isinstance(app.screen, InspectScreen)
        error = str(app.screen.query_one("#error").render())
        assert BAD[kind] in error and "\n" not in error


@pytest.mark.parametrize("kind", list(BAD))
async def test_check_view_refuses_a_url_list_that_is_not_a_regular_file(
    live_app: HandsetCAApp, in_tmp: Path, kind: str
) -> None:
    path = bad_path(kind, in_tmp)
    app = live_app
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("k")
        await pilot.pause()
        screen = app.screen
        screen.query_one("#urls").clear()
        field = screen.query_one("#file", Input)
        field.focus()
        field.value = str(path)
        await asyncio.wait_for(pilot.press("enter"), 10)
        await asyncio.wait_for(finish_jobs(pilot, app), 10)
        error = str(screen.query_one("#check-error").render())
        assert BAD[kind] in error and "\n" not in error
        assert not screen.running


@pytest.mark.parametrize("state", [CAState.COMPLETE, CAState.KEY_ONLY, CAState.CERT_ONLY])
async def test_create_ca_says_cores_sentence_for_each_state(
    frozen_app: HandsetCAApp, state: CAState
) -> None:
    ws = frozen_app.workspace
    if state is CAState.KEY_ONLY:
        ws.ca_crt_path.unlink()
    elif state is CAState.CERT_ONLY:
        ws.ca_key_path.unlink()
    app = frozen_app
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("c")
        await pilot.pause()
        assert not isinstance(app.screen, CreateCAScreen)
        status = " ".join(str(app.workbench.query_one("#status").render()).split())
        assert status == ca_state_sentence(ws.root, state)  # wrapped to the pane
        if state is not CAState.COMPLETE:  # the overview says it too, before any key
            assert ca_state_sentence(ws.root, state).split(";")[0] in " ".join(
                screen_text(app).split()
            )
