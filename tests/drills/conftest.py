"""Fixtures for drill tests: a clean trainer folder and a manual clock."""

from __future__ import annotations

import pytest

from core.clock import ManualClock
from core.locations import DRILLS_ENV


@pytest.fixture(autouse=True)
def no_trainer_drills(monkeypatch):
    """Only shipped drills unless a test says otherwise."""
    monkeypatch.delenv(DRILLS_ENV, raising=False)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(1000.0)
