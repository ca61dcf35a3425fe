"""Training drills: drill files, real fault set-ups, step checking, scored results.

Start here: ``load_drills(workspace)`` lists the drills, ``DrillSession``
runs one (see core/drills/session.py), ``past_results(workspace)`` reads the
saved results. docs/drills.md describes the drill file format for trainers.
"""

from core.clock import ManualClock
from core.drills.catalog import FAULT_INFO, FaultInfo
from core.drills.loader import find_drill, load_drill_file, load_drills, trainer_dir
from core.drills.model import Drill, Step
from core.drills.report import PastResult, Summary, past_results, save_summary

__all__ = [
    "FAULT_INFO",
    "Drill",
    "FaultInfo",
    "ManualClock",
    "PastResult",
    "Step",
    "Summary",
    "find_drill",
    "load_drill_file",
    "load_drills",
    "past_results",
    "save_summary",
    "trainer_dir",
]
