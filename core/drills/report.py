"""A finished drill's summary, saved as Markdown and JSON under the workspace.

Files: ``<workspace>/drills/<date>-<drill>.md`` and ``.json`` (a second run
the same day gets ``-2``, ``-3`` ...). Both are written atomically and never
replace an earlier result.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from core.drills.trainee import validate_trainee
from core.errors import UserError
from core.fileio import FileKind, read_small_file, write_atomic

RESULTS_DIR_NAME = "drills"
FORMAT_VERSION = 1

RESULT_FILE = FileKind("the drill result ", "a drill result", 1024 * 1024)


@dataclass(frozen=True)
class StepResult:
    label: str
    node: str
    reached: bool
    at_seconds: float | None  # since the drill started


@dataclass(frozen=True)
class Diagnosis:
    chosen: str  # fault id the trainee picked
    chosen_cause: str
    actual: str
    actual_cause: str
    right: bool
    evidence: tuple[str, ...]  # what the handset and the servers showed
    explanation: str


@dataclass(frozen=True)
class Summary:
    drill_id: str
    title: str
    kind: str
    started: str  # ISO 8601, UTC, seconds
    elapsed_seconds: float
    time_limit: int | None
    steps: tuple[StepResult, ...]
    wrong_keys: int
    wrong_passwords: int
    hints_used: int
    keys_pressed: int
    diagnosis: Diagnosis | None
    passed: bool
    reasons: tuple[str, ...] = field(default=())  # why it did not pass
    trainee: str | None = None  # who did it (core.drills.trainee); None: not given

    @property
    def steps_reached(self) -> int:
        return sum(1 for s in self.steps if s.reached)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["format"] = FORMAT_VERSION
        data["steps_reached"] = self.steps_reached
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    def to_markdown(self) -> str:
        verdict = "PASSED" if self.passed else "NOT PASSED"
        limit = f" (limit {format_clock(self.time_limit)})" if self.time_limit else ""
        lines = [
            f"# Drill: {self.title}",
            "",
            f"- Trainee: {markdown_text(self.trainee) if self.trainee else '(not given)'}",
            f"- Drill: `{self.drill_id}` ({self.kind})",
            f"- Started: {self.started}",
            f"- Result: **{verdict}**",
            f"- Time: {format_clock(self.elapsed_seconds)}{limit}",
            f"- Steps reached: {self.steps_reached} of {len(self.steps)}",
            f"- Wrong keys: {self.wrong_keys}",
            f"- Wrong passwords: {self.wrong_passwords}",
            f"- Hints used: {self.hints_used}",
            f"- Keys pressed: {self.keys_pressed}",
        ]
        lines += [f"- Not passed because: {r}" for r in self.reasons]
        lines += ["", "## Steps", "", "| # | Step | Reached at |", "| --- | --- | --- |"]
        for i, step in enumerate(self.steps, 1):
            at = (
                format_clock(step.at_seconds)
                if step.reached and step.at_seconds is not None
                else "-"
            )
            lines.append(f"| {i} | {_cell(step.label)} | {at} |")
        if self.diagnosis is not None:
            d = self.diagnosis
            lines += [
                "",
                "## Diagnosis",
                "",
                f"- Picked: {d.chosen_cause}",
                f"- Actual cause: {d.actual_cause}",
                f"- Verdict: {'right' if d.right else 'wrong'}",
                f"- Why: {d.explanation}",
                "",
                "### Evidence",
                "",
            ]
            lines += [f"- {e}" for e in d.evidence] or ["- (none recorded)"]
        return "\n".join(lines) + "\n"


def format_clock(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def markdown_text(text: str) -> str:
    """Text typed by a user, shown as itself in Markdown (a name is not a link or markup)."""
    return "".join("\\" + c if c in "\\`*_[]<>#|!~" else c for c in text)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def results_dir(workspace: Path) -> Path:
    return Path(workspace) / RESULTS_DIR_NAME


def save_summary(summary: Summary, workspace: Path) -> tuple[Path, Path]:
    """Write the .md and .json of one result; returns their paths."""
    folder = results_dir(workspace)
    try:
        # 0700 like the workspace itself (and the workspace too when it is made here):
        # results name the trainee's mistakes. mkdir's parents= would make them 0755.
        for path in (folder.parent, folder):
            if not path.is_dir():
                path.mkdir(mode=0o700, parents=True)
                os.chmod(path, 0o700)  # whatever the umask
    except OSError as exc:
        raise UserError(
            f"Cannot create {folder} ({exc.strerror}); check the workspace folder's permissions."
        ) from None
    base = f"{summary.started[:10]}-{summary.drill_id}"
    n = 1
    while True:
        stem = base if n == 1 else f"{base}-{n}"
        md, js = folder / f"{stem}.md", folder / f"{stem}.json"
        if not md.exists() and not js.exists():
            break
        n += 1
    # JSON last: the report lists .json files, so a result appears only once complete.
    write_atomic(md, summary.to_markdown().encode("utf-8"))
    write_atomic(js, summary.to_json().encode("utf-8"))
    return md, js


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0


@dataclass(frozen=True)
class PastResult:
    path: Path
    drill_id: str
    title: str
    started: str
    elapsed_seconds: float
    steps_reached: int
    steps_total: int
    wrong_keys: int
    wrong_passwords: int
    hints_used: int
    diagnosis_right: bool | None
    passed: bool
    trainee: str | None = None


def result_cells(r: PastResult) -> list[str]:
    """A past result's table cells after its start time: drill, result, time, steps,
    wrong keys, wrong passwords, hints (the CLI's `drills report` and the app's table)."""
    return [
        r.drill_id,
        "pass" if r.passed else "FAIL",
        format_clock(r.elapsed_seconds),
        f"{r.steps_reached}/{r.steps_total}",
        str(r.wrong_keys),
        str(r.wrong_passwords),
        str(r.hints_used),
    ]


def past_results(workspace: Path) -> list[PastResult]:
    """Every saved result, oldest first; unreadable files are skipped (read_results names them)."""
    return read_results(workspace)[0]


def read_results(workspace: Path) -> tuple[list[PastResult], list[Path]]:
    """Every saved result, oldest first, and the .json files that could not be read."""
    folder = results_dir(workspace)
    if not folder.is_dir():
        return [], []
    out = []
    damaged = []
    for path in sorted(folder.glob("*.json")):
        try:
            out.append(_read_result(path))
        except (UserError, OSError, ValueError, RecursionError):
            # damaged (DamagedResult), a FIFO or a huge file named *.json, JSON nested
            # too deep: skipped and named, never waited on
            damaged.append(path)
    out.sort(key=lambda r: (r.started, _mtime(r.path), r.path.name))
    return out, damaged


MAX_TEXT = 200  # characters in a drill id, a title or a start time read back
MAX_COUNT = 10**9  # keys, passwords, hints
MAX_STEPS = 1000
MAX_ELAPSED = 366 * 86400.0  # a drill left open for a year is still a number


class DamagedResult(ValueError):
    """A saved result with a field that is missing, of the wrong type or out of range."""


def _refuse_constant(name: str) -> float:
    raise DamagedResult(f"{name} is not a number")  # NaN, Infinity, -Infinity


def _read_result(path: Path) -> PastResult:
    """One saved result, every field checked: a file edited by hand (or damaged) with a
    number out of range (1e400, NaN) or a control character in a text raises
    DamagedResult, and the report names it instead of failing as a whole."""
    data = json.loads(
        read_small_file(path, RESULT_FILE).decode("utf-8"), parse_constant=_refuse_constant
    )
    if not isinstance(data, dict):
        raise DamagedResult("not an object")
    steps = data.get("steps")
    if not isinstance(steps, list) or len(steps) > MAX_STEPS:
        raise DamagedResult("steps")
    diagnosis = data.get("diagnosis")
    if diagnosis is not None and not (
        isinstance(diagnosis, dict) and isinstance(diagnosis.get("right"), bool)
    ):
        raise DamagedResult("diagnosis")
    trainee = data.get("trainee")
    if trainee is not None:
        if not isinstance(trainee, str):
            raise DamagedResult("trainee")
        try:
            if validate_trainee(trainee) != trainee:
                raise DamagedResult("trainee")
        except UserError:
            raise DamagedResult("trainee") from None
    started = _text(data, "started")
    try:
        dt.datetime.fromisoformat(started)
    except ValueError:
        raise DamagedResult("started") from None
    return PastResult(
        path=path,
        drill_id=_text(data, "drill_id"),
        title=_text(data, "title"),
        started=started,
        elapsed_seconds=_number(data, "elapsed_seconds", MAX_ELAPSED),
        steps_reached=_count(data, "steps_reached", len(steps)),
        steps_total=len(steps),
        wrong_keys=_count(data, "wrong_keys"),
        wrong_passwords=_count(data, "wrong_passwords"),
        hints_used=_count(data, "hints_used"),
        diagnosis_right=None if diagnosis is None else diagnosis["right"],
        passed=_flag(data, "passed"),
        trainee=trainee,
    )


def _text(data: dict[str, Any], key: str) -> str:
    """Printable text of at most MAX_TEXT characters: nothing a terminal, a CSV or a
    Markdown table would run (no ESC, no newline, no tab)."""
    value = data.get(key)
    if not isinstance(value, str) or not value or len(value) > MAX_TEXT:
        raise DamagedResult(key)
    if not value.isprintable():
        raise DamagedResult(key)
    return value


def _number(data: dict[str, Any], key: str, limit: float) -> float:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DamagedResult(key)
    number = float(value)
    if not (math.isfinite(number) and 0 <= number <= limit):
        raise DamagedResult(key)
    return number


def _count(data: dict[str, Any], key: str, limit: int = MAX_COUNT) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= limit:
        raise DamagedResult(key)
    return value


def _flag(data: dict[str, Any], key: str) -> bool:
    value = data.get(key)
    if not isinstance(value, bool):
        raise DamagedResult(key)
    return value
