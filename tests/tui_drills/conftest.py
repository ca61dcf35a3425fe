"""Every drill screen test: shipped drills only, and a trainee's name already given
(the picker asks for one otherwise; tests of the question unset it)."""

from __future__ import annotations

import pytest

from core.locations import DRILLS_ENV, TRAINEE_ENV

TRAINEE = "Alex Smith"


@pytest.fixture(autouse=True)
def class_environment(monkeypatch):
    monkeypatch.delenv(DRILLS_ENV, raising=False)
    monkeypatch.setenv(TRAINEE_ENV, TRAINEE)
