"""The TUI test harness: the real app on a temp workspace, with a fixed clock for snapshots."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest

from tui.app import HandsetCAApp, make_app

DATA = Path(__file__).parent / "data"
FROZEN = DATA / "frozen"
FROZEN_PASSPHRASE = "frozen-test-passphrase"
FROZEN_NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
SERVER = "bootserver1.example.com"


def quiet(app: HandsetCAApp) -> HandsetCAApp:
    """No animation and no cursor blink: the same frame on every run."""
    app.animation_level = "none"
    app.blink = False
    return app


def copy_frozen(dest: Path) -> Path:
    """A workspace with the frozen CA and one issued server certificate."""
    shutil.copytree(FROZEN, dest)
    os.chmod(dest / "ca.key", 0o600)
    return dest


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """cwd = tmp_path, so the workspace shows as the fixed relative path "pki"."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def build_app(*, frozen: bool = True) -> HandsetCAApp:
    """The app on ./pki; ``frozen``: the clock of the frozen certificates, else the real one."""
    from core.handset import HandsetSettings

    if not frozen:
        return quiet(make_app("pki"))
    settings = HandsetSettings(now=lambda: FROZEN_NOW)
    return quiet(make_app("pki", handset_settings=settings, clock=lambda: FROZEN_NOW))


@pytest.fixture
def empty_app(in_tmp: Path) -> HandsetCAApp:
    return build_app()


@pytest.fixture
def live_app(in_tmp: Path) -> HandsetCAApp:
    """An empty workspace and the real clock: for certificates made during the test."""
    return build_app(frozen=False)


@pytest.fixture
def frozen_app(in_tmp: Path) -> HandsetCAApp:
    copy_frozen(in_tmp / "pki")
    return build_app()


def screen_text(app: HandsetCAApp) -> str:
    """What the terminal shows now, as plain text (the top screen, composited)."""
    strips = app.screen._compositor.render_strips()
    return "\n".join(strip.text.rstrip() for strip in strips)


async def fill(pilot, app: HandsetCAApp, **values: str) -> None:
    """Put text in form fields by id as a user pasting it would (focus, clear, paste)."""
    from textual import events
    from textual.widgets import Input

    for field_id, value in values.items():
        field = app.screen.query_one(f"#{field_id}", Input)
        field.focus()
        field.clear()
        field.post_message(events.Paste(value))
        await pilot.pause()
        assert field.value == value


async def finish_jobs(pilot, app: HandsetCAApp) -> None:
    """Wait for thread workers (key generation) and async ones (downloads), then redraw."""
    await app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()


async def choose(pilot, app: HandsetCAApp, label: str) -> None:
    """On the handset: move the cursor to ``label`` with the arrow keys, then Enter."""
    screen = app.handset.screen
    assert label in screen.items, f"{label!r} not on {screen.title}: {screen.items}"
    target = screen.items.index(label)
    step = "down" if target > screen.cursor else "up"
    await pilot.press(*[step] * abs(target - screen.cursor))
    assert app.handset.screen.cursor == target
    await pilot.press("enter")
    await pilot.pause()


async def trust_all_certificates(pilot, app: HandsetCAApp) -> None:
    """Bulletin steps 6-7 after an install: close the result, back to TLS Security,
    Configure TLS Profiles > Platform Profile 1 > CA Certificate > All Certificates, End."""
    await pilot.press("enter")  # close the result
    while app.handset.screen.title != "TLS Security":
        await pilot.press("escape")
    for label in ("Configure TLS Profiles", "Platform Profile 1", "CA Certificate"):
        await choose(pilot, app, label)
    await choose(pilot, app, "All Certificates")
    await pilot.press("f6")  # End
