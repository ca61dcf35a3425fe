"""`handset-ca drills list` and `handset-ca drills report`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from core.drills.catalog import FAULT_INFO
from core.drills.loader import find_drill, load_drills, trainer_dir
from core.drills.records import CLASS_HEADERS, class_rows, csv_table, markdown_table
from core.drills.report import (
    PastResult,
    format_clock,
    read_results,
    result_cells,
    results_dir,
)
from core.drills.trainee import MAX_TRAINEE_LENGTH, trainee_name
from core.errors import UserError
from core.locations import DRILLS_ENV, TRAINEE_ENV, workspace_dir
from core.pki.names import printable
from handset_ca.commands.common import add_workspace


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "drills",
        help="training drills: list them, report past results",
        description=(
            "Training drills for the handset procedure. Shipped drills plus a trainer's "
            f"own from ${DRILLS_ENV} or <workspace>/drills.d (see docs/drills.md)."
        ),
    )
    add_workspace(parser)
    sub = parser.add_subparsers(dest="drills_command", metavar="ACTION", required=True)
    p_list = sub.add_parser("list", help="show the drills one can run")
    add_workspace(p_list)
    p_list.set_defaults(func=run_list)
    p_show = sub.add_parser("show", help="one drill: goal, steps and hints (a handout)")
    p_show.add_argument("drill", help="the drill's id, as `drills list` shows it")
    add_workspace(p_show)
    p_show.set_defaults(func=run_show)
    p_run = sub.add_parser("run", help="open the app on the drills (or straight into one)")
    p_run.add_argument("drill", nargs="?", help="a drill id to start at once")
    p_run.add_argument(
        "--trainee",
        metavar="NAME",
        help=(
            f"the trainee's name, written into every result (default ${TRAINEE_ENV}; "
            f"else the app asks; at most {MAX_TRAINEE_LENGTH} characters)"
        ),
    )
    add_workspace(p_run)
    p_run.set_defaults(func=run_run)
    p_report = sub.add_parser(
        "report",
        help="table of finished drills in this workspace (--class: trainees by drills)",
    )
    p_report.add_argument(
        "--class",
        dest="by_class",
        action="store_true",
        help="one table for the trainer's records: each trainee's best attempt at each drill "
        "(best result, steps, time, hints used, attempts), as Markdown",
    )
    p_report.add_argument("--csv", action="store_true", help="CSV instead (for a spreadsheet)")
    add_workspace(p_report)
    p_report.set_defaults(func=run_report)


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Plain fixed-width columns, readable in an 80-column terminal and in a log; a
    non-printable character is shown escaped, never sent to the terminal."""
    rows = [[printable(c) for c in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    return "\n".join(lines)


def run_list(args: argparse.Namespace) -> int:
    workspace = workspace_dir(getattr(args, "workspace", None))
    drills = load_drills(workspace)
    rows = []
    for d in drills:
        detail = d.fault if d.fault else ("hints" if d.hints else "no hints")
        if d.time_limit:
            detail += f", {format_clock(d.time_limit)} limit"
        rows.append([d.id, d.kind, detail, d.title, "shipped" if d.builtin else "trainer"])
    print(table(["DRILL", "KIND", "DETAIL", "TITLE", "FROM"], rows))
    folder = trainer_dir(workspace)
    print(f"\nTrainer's drills are read from {folder} (set ${DRILLS_ENV} to change).")
    print(f"Fault causes a drill can set up: {', '.join(FAULT_INFO)}.")
    return 0


def run_show(args: argparse.Namespace) -> int:
    workspace = workspace_dir(getattr(args, "workspace", None))
    d = find_drill(args.drill, workspace)
    print(f"{d.title}\n{'=' * len(d.title)}")
    facts = [f"Drill: {d.id} ({d.kind}, {'with' if d.hints else 'no'} hints)"]
    if d.time_limit:
        facts.append(f"Time limit: {format_clock(d.time_limit)}")
    if d.fault:
        facts.append(f"Causes offered: {len(d.choices)}")
    facts.append(f"File: {d.path}")
    print("\n".join(facts) + "\n\n" + d.goal + "\n\nSteps:")
    for i, step in enumerate(d.steps, 1):
        print(f"{i:2}. {step.label}  [{step.source}]")
        if step.hint:
            print(f"    hint: {step.hint}")
    return 0


def run_run(args: argparse.Namespace) -> int:
    workspace = workspace_dir(getattr(args, "workspace", None))
    # A wrong id or name is one sentence here, not in the app.
    trainee = trainee_name(getattr(args, "trainee", None))
    if args.drill is not None:
        find_drill(args.drill, workspace)
    from tui.app import run_drills_app  # the app, only when asked for

    return run_drills_app(workspace, args.drill, trainee=trainee)


def run_report(args: argparse.Namespace) -> int:
    workspace = workspace_dir(getattr(args, "workspace", None))
    results, damaged = read_results(workspace)
    if damaged:  # one line, whatever the number: the table is what the trainer wants
        names = ", ".join(printable(p.name) for p in damaged)  # a file name is any bytes
        print(
            f"handset-ca: warning: skipped {len(damaged)} damaged result file(s) in "
            f"{results_dir(workspace)}: {names}",
            file=sys.stderr,
        )
    if getattr(args, "by_class", False):
        return _class_report(workspace, results, as_csv=args.csv)
    headers = ["STARTED", "TRAINEE", "DRILL", "RESULT", "TIME", "STEPS", "WRONG", "PWD"]
    headers += ["HINTS", "CAUSE"]
    rows = []
    for r in results:
        diagnosis = (
            "-" if r.diagnosis_right is None else ("right" if r.diagnosis_right else "wrong")
        )
        started = r.started[:16].replace("T", " ")
        rows.append([started, r.trainee or "-", *result_cells(r), diagnosis])
    if args.csv:
        print(csv_table(headers, rows), end="")
        return 0
    if not results:
        print(f"No finished drills yet in {results_dir(workspace)}.")
        return 0
    print(table(headers, rows))
    passed = sum(1 for r in results if r.passed)
    print(f"\n{len(results)} result(s), {passed} passed; files in {results_dir(workspace)}.")
    return 0


def _class_report(workspace: Path, results: Sequence[PastResult], *, as_csv: bool) -> int:
    try:
        order = [d.id for d in load_drills(workspace)]
    except UserError:  # a broken trainer drill file must not hide the class's results
        order = []
    rows = class_rows(results, order)
    if as_csv:
        print(csv_table(CLASS_HEADERS, rows), end="")
        return 0
    if not rows:
        print(f"No finished drills yet in {results_dir(workspace)}.")
        return 0
    trainees = len({row[0] for row in rows})
    print(
        f"# Drill results by trainee\n\n"
        f"From {len(results)} result(s) in {results_dir(workspace)}, {trainees} trainee(s).\n"
        "Best: the attempt that passed, then the right diagnosis, most steps, fewest hints,\n"
        "shortest time.\n"
    )
    print(markdown_table(CLASS_HEADERS, rows), end="")
    return 0
