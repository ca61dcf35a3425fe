"""Drill results are kept private like the rest of the workspace (0700 folders)."""

from __future__ import annotations

import stat

import pytest

from core.drills.loader import find_drill
from core.drills.session import DrillSession
from tests.drills.keys import Trainee


@pytest.mark.parametrize("exists", [True, False])
async def test_the_results_folder_is_0700(tmp_path, clock, exists):
    workspace = tmp_path / "pki"
    if exists:
        workspace.mkdir(mode=0o700)
    with DrillSession(find_drill("fault-der-served"), workspace, clock=clock) as session:
        await Trainee(session).follow(session.environment.job_sheet)
        session.finish("der-served")
        md, js = session.save()
    for folder in (workspace, workspace / "drills"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    assert md.parent == js.parent == workspace / "drills"
