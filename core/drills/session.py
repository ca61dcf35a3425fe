"""One run of a drill: its environment, its handset, the checklist, hints, timer, summary.

The TUI, the tests and any script drive a session the same way::

    with DrillSession(drill, workspace) as session:
        await session.press("soft1")          # or drive session.handset yourself
        session.update()                      # ...then read its new events
        session.checklist, session.hint(), session.elapsed()
        summary = session.finish("der-served")  # the trainee's diagnosis, fault drills
        session.save()                        # drills/<date>-<drill>.md and .json
    again = session.retry()                   # the same drill, set up afresh

``trainee`` (core.drills.trainee) is written into the result.

Only handset keys count: the session reads the handset's event log.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from core.clock import Stopwatch, WallClock, monotonic, utc_now
from core.drills.catalog import FAULT_INFO
from core.drills.checker import StepChecker
from core.drills.environment import Environment
from core.drills.faults import build_environment
from core.drills.model import Drill
from core.drills.report import Diagnosis, StepResult, Summary, save_summary
from core.drills.trainee import validate_trainee
from core.errors import UserError
from core.handset import Handset, Screen
from core.handset.runner import drive
from core.rehearsal import Rehearsal


@dataclass(frozen=True)
class ChecklistItem:
    label: str
    done: bool
    current: bool  # the next step to reach
    at_seconds: float | None
    source: str


@dataclass(frozen=True)
class Cause:
    id: str
    text: str


class DrillSession:
    """A drill being done. ``environment`` is built for the drill unless given."""

    def __init__(
        self,
        drill: Drill,
        workspace: Path | str | None = None,
        *,
        clock: Stopwatch = monotonic,
        wall: WallClock = utc_now,
        environment: Environment | None = None,
        trainee: str | None = None,
    ) -> None:
        self.drill = drill
        self.trainee = validate_trainee(trainee) if trainee is not None else None
        self._wall = wall
        self.workspace = Path(workspace) if workspace is not None else None
        self.environment = environment or build_environment(drill.fault, setup=drill.setup)
        self.handset: Handset = self.environment.new_handset(keypad=drill.keypad)
        # The app's controller on this drill's phone and servers: the drill screen runs
        # the handset's effects through it, as the main screen does.
        self.rehearsal = Rehearsal(
            self.environment.workspace,
            handset=self.handset,
            connect_to=self.environment.connect_map,
        )
        self.clock = clock
        self.started_wall = wall().replace(microsecond=0)
        self.checker = StepChecker(drill, clock)
        self.hints_revealed: set[int] = set()
        self.summary: Summary | None = None
        self.saved: tuple[Path, Path] | None = None
        self._seen = 0
        self.update()

    # --- what the trainee reads -------------------------------------------------------
    @property
    def job_sheet(self) -> list[str]:
        return self.environment.job_sheet.lines()

    @property
    def checklist(self) -> list[ChecklistItem]:
        items = []
        for i, step in enumerate(self.drill.steps):
            at = self.checker.reached_at[i]
            items.append(
                ChecklistItem(
                    step.label, at is not None, i == self.checker.next_index, at, step.source
                )
            )
        return items

    @property
    def shows_checklist(self) -> bool:
        """False for a timed drill without hints: the steps are done from memory."""
        return not (self.drill.kind == "timed" and not self.drill.hints)

    @property
    def steps_done(self) -> bool:
        return self.checker.done

    @property
    def needs_diagnosis(self) -> bool:
        return self.drill.kind == "fault"

    @property
    def hints_used(self) -> int:
        return len(self.hints_revealed)

    def causes(self) -> list[Cause]:
        """The list the trainee picks the cause from (fault drills)."""
        return [Cause(c, FAULT_INFO[c].cause) for c in self.drill.choices]

    def hint(self) -> str:
        """The hint for the current step; the first look at each step's hint is counted."""
        if not self.drill.hints:
            raise UserError("This drill has no hints; do it from memory, or choose a guided drill.")
        if self.checker.done:
            return "Every step is done: finish the drill."
        index = self.checker.next_index
        self.hints_revealed.add(index)
        return self.drill.steps[index].hint

    def elapsed(self) -> float:
        if self.summary is not None:
            return self.summary.elapsed_seconds
        return self.checker.elapsed()

    def time_left(self) -> float | None:
        if self.drill.time_limit is None:
            return None
        return self.drill.time_limit - self.elapsed()

    # --- the handset ------------------------------------------------------------------
    def update(self) -> list[int]:
        """Read the handset's new events; returns the indexes of steps just reached."""
        events = self.handset.events
        new, self._seen = events[self._seen :], len(events)
        return self.checker.feed(new)

    async def press(self, key: str, *, timeout: float = 10.0) -> Screen:
        """Press a key on the session's handset, run what it starts, tick the checklist."""
        if self.summary is not None:
            raise UserError("This drill is finished; start it again to have another go.")
        screen = await drive(
            self.handset, key, connect_to=self.environment.connect_map, timeout=timeout
        )
        self.update()
        return screen

    # --- the end ----------------------------------------------------------------------
    def finish(self, diagnosis: str | None = None) -> Summary:
        """Stop the clock and score the drill; ``diagnosis`` is a fault id (fault drills)."""
        if self.summary is not None:
            return self.summary
        self.update()
        elapsed = self.checker.elapsed()
        reasons = []
        missing = len(self.drill.steps) - self.checker.next_index
        if missing:
            reasons.append(f"{missing} step(s) not reached")
        if self.drill.time_limit is not None and elapsed > self.drill.time_limit:
            reasons.append(f"over the time limit of {self.drill.time_limit} s")
        found = None
        if self.needs_diagnosis:
            if diagnosis is None:
                raise UserError("Pick the cause of the failure from the list before finishing.")
            if diagnosis not in self.drill.choices:
                raise UserError(
                    f"'{diagnosis}' is not one of the causes offered; pick one of them."
                )
            found = self._diagnosis(diagnosis)
            if not found.right:
                reasons.append("wrong cause picked")
        steps = tuple(
            StepResult(s.label, s.node or s.outcome, at is not None, at)
            for s, at in zip(self.drill.steps, self.checker.reached_at, strict=True)
        )
        self.summary = Summary(
            drill_id=self.drill.id,
            title=self.drill.title,
            kind=self.drill.kind,
            started=self.started_wall.isoformat(),
            elapsed_seconds=round(elapsed, 1),
            time_limit=self.drill.time_limit,
            steps=steps,
            wrong_keys=self.checker.wrong_keys,
            wrong_passwords=self.checker.wrong_passwords,
            hints_used=self.hints_used,
            keys_pressed=self.checker.keys,
            diagnosis=found,
            passed=not reasons,
            reasons=tuple(reasons),
            trainee=self.trainee,
        )
        return self.summary

    def _diagnosis(self, chosen: str) -> Diagnosis:
        from core.drills.faults import FAULTS

        actual = self.drill.fault
        assert actual is not None
        evidence = []
        said, why = self.checker.last_failure, self.checker.last_explanation
        if said:
            evidence.append(f'The phone said: "{said}"')
        if why and why not in said:  # the phone's words are short: the explanation is here
            evidence.append(f"Why: {why}")
        evidence += FAULTS[actual].evidence(self.environment, self.handset)
        return Diagnosis(
            chosen=chosen,
            chosen_cause=FAULT_INFO[chosen].cause,
            actual=actual,
            actual_cause=FAULT_INFO[actual].cause,
            right=chosen == actual,
            evidence=tuple(evidence),
            explanation=FAULT_INFO[actual].explanation,
        )

    def save(self) -> tuple[Path, Path]:
        """Write the summary under the workspace (finish() first); returns (.md, .json)."""
        if self.summary is None:
            raise UserError("Finish the drill before saving its result.")
        if self.workspace is None:
            raise UserError("No workspace is open; choose one with --workspace to keep results.")
        if self.saved is None:
            self.saved = save_summary(self.summary, self.workspace)
        return self.saved

    def retry(self) -> DrillSession:
        """A new session of the same drill for the same trainee: a fresh set-up of the same
        fault, its own servers and clock start. Blocking (keys, servers): not on an event
        loop. This session is left as it is; close it too."""
        return DrillSession(
            self.drill, self.workspace, clock=self.clock, wall=self._wall, trainee=self.trainee
        )

    def close(self) -> None:
        self.environment.close()

    def __enter__(self) -> DrillSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
