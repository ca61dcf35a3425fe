"""What a drill is: plain frozen data, read from one TOML file each (see loader)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

KINDS = ("guided", "timed", "fault")
SOURCES = ("bulletin", "vendor doc", "rehearsal choice")


@dataclass(frozen=True)
class Step:
    """One state the trainee must bring the handset to, in order.

    Reached when the handset shows the screen ``node`` (a node id from its
    event log) and, if ``message`` is set, that screen's message contains it
    (case-insensitive). With ``outcome`` set instead, reached when the phone
    logs that outcome code ("installed", "provision:ok"; a trailing ":" matches
    a family such as "refused:"), on ``node`` if that is given too.
    """

    node: str
    label: str
    hint: str = ""
    message: str = ""
    outcome: str = ""
    source: str = "bulletin"


@dataclass(frozen=True)
class Drill:
    id: str  # the file name without .toml
    title: str
    goal: str
    kind: str  # one of KINDS
    steps: tuple[Step, ...]
    hints: bool = True  # may the trainee ask for hints
    time_limit: int | None = None  # seconds; a drill past it does not pass
    fault: str | None = None  # a key of core.drills.faults.FAULTS
    choices: tuple[str, ...] = ()  # fault ids offered as causes (fault drills)
    allowed_nodes: frozenset[str] = field(default_factory=frozenset)
    order: int = 100  # position in lists
    keypad: bool = False  # the URL is typed on the phone's keypad, by multi-tap
    setup: str | None = None  # a rehearsal other than day one (core.drills.faults.SETUPS)
    path: Path | None = None
    builtin: bool = True
