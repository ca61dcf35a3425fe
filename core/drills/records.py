"""A trainer's records from the saved results: each trainee's best attempt at each drill.

The best attempt is the one that passed; among equals, the one with the right
diagnosis, then more steps reached, then fewer hints, then the shorter time.
The picker shows one trainee's best per drill; `handset-ca drills report
--class` prints every trainee by every drill the class tried.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from core.drills.report import PastResult, format_clock, markdown_text
from core.pki.names import printable

NO_NAME = "(no name)"  # results saved without a trainee's name
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CLASS_HEADERS = ("Trainee", "Drill", "Best", "Steps", "Time", "Hints", "Attempts")


def rank(result: PastResult) -> tuple[bool, bool, float, int, float]:
    """Higher is better (max() picks the best attempt)."""
    steps = result.steps_reached / result.steps_total if result.steps_total else 0.0
    return (
        result.passed,
        result.diagnosis_right is not False,
        steps,
        -result.hints_used,
        -result.elapsed_seconds,
    )


@dataclass(frozen=True)
class Best:
    """One trainee's best attempt at one drill, and how many attempts there were."""

    trainee: str | None
    drill_id: str
    result: PastResult
    attempts: int

    def cells(self) -> list[str]:
        """Best, Steps, Time, Hints, Attempts (CLASS_HEADERS after Trainee and Drill)."""
        r = self.result
        return [
            "pass" if r.passed else "FAIL",
            f"{r.steps_reached}/{r.steps_total}",
            format_clock(r.elapsed_seconds),
            str(r.hints_used),
            str(self.attempts),
        ]

    def short(self) -> str:
        """One line for the drill picker: 'best: pass 1:15, 0 hints (2 attempts)'."""
        r = self.result
        verdict = "pass" if r.passed else f"FAIL {r.steps_reached}/{r.steps_total}"
        hints = "1 hint" if r.hints_used == 1 else f"{r.hints_used} hints"
        tries = "1 attempt" if self.attempts == 1 else f"{self.attempts} attempts"
        return f"best: {verdict} {format_clock(r.elapsed_seconds)}, {hints} ({tries})"


def best_results(results: Iterable[PastResult]) -> dict[tuple[str | None, str], Best]:
    """(trainee, drill id) -> that trainee's best attempt; names compare case-insensitively."""
    groups: dict[tuple[str | None, str], list[PastResult]] = {}
    shown: dict[str, str] = {}  # folded name -> the spelling first seen
    for r in results:
        name = r.trainee
        if name is not None:
            name = shown.setdefault(name.casefold(), name)
        groups.setdefault((name, r.drill_id), []).append(r)
    return {
        key: Best(key[0], key[1], max(group, key=rank), len(group)) for key, group in groups.items()
    }


def best_for(results: Iterable[PastResult], trainee: str | None) -> dict[str, Best]:
    """Drill id -> ``trainee``'s best attempt (None: results saved without a name)."""
    folded = None if trainee is None else trainee.casefold()
    mine = [
        r
        for r in results
        if (r.trainee is None if folded is None else (r.trainee or "").casefold() == folded)
    ]
    return {drill: best for (_, drill), best in best_results(mine).items()}


def class_rows(results: Sequence[PastResult], drill_order: Sequence[str] = ()) -> list[list[str]]:
    """Every trainee by every drill anyone tried: [trainee, drill, best, steps, time, hints,
    attempts]; a drill a trainee has not tried has '-' cells and 0 attempts.

    Trainees sorted by name (results without a name last); drills in ``drill_order``
    (the catalogue's), then any others by id."""
    bests = best_results(results)
    trainees = sorted({t for t, _ in bests}, key=lambda t: (t is None, (t or "").casefold()))
    tried = {d for _, d in bests}
    order = {d: i for i, d in enumerate(drill_order)}
    drills = sorted(tried, key=lambda d: (order.get(d, len(order)), d))
    rows = []
    for trainee in trainees:
        for drill in drills:
            best = bests.get((trainee, drill))
            cells = best.cells() if best else ["-", "-", "-", "-", "0"]
            rows.append([trainee or NO_NAME, drill, *cells])
    return rows


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    def cell(text: str) -> str:
        return markdown_text(printable(text))  # no newline, no ESC: one row stays one row

    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(" --- " for _ in headers) + "|"]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def csv_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """CSV for a spreadsheet; a cell that a spreadsheet would run as a formula (a name
    typed as '=...') gets a leading apostrophe."""

    def cell(text: str) -> str:
        text = printable(text)  # a control character never reaches the file raw
        return "'" + text if text[:1] in FORMULA_STARTS and len(text) > 1 else text

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(headers)
    writer.writerows([cell(c) for c in row] for row in rows)
    return out.getvalue()
