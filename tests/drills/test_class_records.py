"""A class's records: the trainee's name in every result, each trainee's best attempt,
`drills report --class [--csv]`, and retrying a drill with a fresh set-up."""

from __future__ import annotations

import csv
import io
import json

import pytest

from core.drills.loader import find_drill
from core.drills.records import best_for, class_rows, csv_table
from core.drills.report import StepResult, Summary, read_results, save_summary
from core.drills.session import DrillSession
from core.drills.trainee import MAX_TRAINEE_LENGTH, trainee_name, validate_trainee
from core.errors import UserError
from core.locations import TRAINEE_ENV
from handset_ca.cli import main
from tests.drills.keys import Trainee


def summary(
    drill_id: str,
    trainee: str | None,
    *,
    passed: bool = True,
    reached: int = 2,
    elapsed: float = 60.0,
    hints: int = 0,
    started: str = "2026-03-01T09:00:00+00:00",
) -> Summary:
    steps = tuple(StepResult(f"step {i}", "n", i < reached, 1.0) for i in range(2))
    return Summary(
        drill_id=drill_id,
        title=drill_id.title(),
        kind="guided",
        started=started,
        elapsed_seconds=elapsed,
        time_limit=None,
        steps=steps,
        wrong_keys=0,
        wrong_passwords=0,
        hints_used=hints,
        keys_pressed=10,
        diagnosis=None,
        passed=passed,
        trainee=trainee,
    )


# --- the name -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("x" * (MAX_TRAINEE_LENGTH + 1), f"at most {MAX_TRAINEE_LENGTH}"),
        ("../etc", "cannot contain /"),
        ("a\\b", "cannot contain /"),
        ("Alex\x1b[31m", "control character"),
        ("Alex\nSmith", "control character"),
    ],
)
def test_an_unusable_name_is_one_sentence(name, words):
    with pytest.raises(UserError) as caught:
        validate_trainee(name)
    message = str(caught.value)
    assert words in message and "\n" not in message and message.endswith(".")


def test_a_name_is_stripped_and_may_be_any_language():
    assert validate_trainee("  Zoë O'Brien-Łukasz ") == "Zoë O'Brien-Łukasz"
    assert validate_trainee("x" * MAX_TRAINEE_LENGTH) == "x" * MAX_TRAINEE_LENGTH


def test_the_name_comes_from_the_option_then_the_environment(monkeypatch):
    monkeypatch.delenv(TRAINEE_ENV, raising=False)
    assert trainee_name() is None
    monkeypatch.setenv(TRAINEE_ENV, " Sam ")
    assert trainee_name() == "Sam"
    assert trainee_name("Kim") == "Kim"
    monkeypatch.setenv(TRAINEE_ENV, "a/b")
    with pytest.raises(UserError, match=rf"^\${TRAINEE_ENV}: .*cannot contain /"):
        trainee_name()


def test_the_name_is_in_both_result_files(tmp_path):
    md, js = save_summary(summary("bulletin-guided", "Alex Smith"), tmp_path)
    assert "- Trainee: Alex Smith" in md.read_text()
    assert json.loads(js.read_text())["trainee"] == "Alex Smith"
    md, js = save_summary(summary("bulletin-guided", None), tmp_path)
    assert "- Trainee: (not given)" in md.read_text()
    assert json.loads(js.read_text())["trainee"] is None


async def test_a_session_writes_its_trainee_and_refuses_a_bad_name(tmp_path, clock):
    drill = find_drill("fault-wrong-password")
    with pytest.raises(UserError, match="cannot contain"):
        DrillSession(drill, tmp_path, clock=clock, trainee="../x")  # before any set-up
    with DrillSession(drill, tmp_path, clock=clock, trainee="Kim") as session:
        await Trainee(session).follow(session.environment.job_sheet)
        session.finish("wrong-password")
        _, js = session.save()
    assert json.loads(js.read_text())["trainee"] == "Kim"


# --- retry ----------------------------------------------------------------------------


async def test_retry_is_a_fresh_set_up_of_the_same_fault(tmp_path, clock):
    drill = find_drill("fault-der-served")
    with DrillSession(drill, tmp_path, clock=clock, trainee="Kim") as first:
        await Trainee(first).follow(first.environment.job_sheet)
        first.hint()
        first.finish("url-typo")
        with first.retry() as again:
            assert again is not first and again.drill is drill
            assert again.trainee == "Kim" and again.workspace == first.workspace
            assert again.environment.root != first.environment.root  # its own set-up
            assert again.environment.fault == "der-served"
            assert again.summary is None and again.hints_used == 0
            assert not any(item.done for item in again.checklist)
            first.close()  # the old one's servers go; the new one's stay up
            assert again.environment.server_running
            await Trainee(again).follow(again.environment.job_sheet)
            assert again.finish("der-served").passed


def test_only_the_timed_drill_without_hints_hides_its_checklist(tmp_path):
    from core.drills.faults import build_environment

    shown = {}
    env = build_environment(None, start=False)
    try:
        for drill_id in ("bulletin-guided", "bulletin-timed"):
            session = DrillSession(find_drill(drill_id), tmp_path, environment=env)
            shown[drill_id] = session.shows_checklist
    finally:
        env.close()
    assert shown == {"bulletin-guided": True, "bulletin-timed": False}


# --- best results and the class table ---------------------------------------------------


def save_class(workspace) -> None:
    for s in [
        summary("bulletin-guided", "Alex", passed=False, reached=1, elapsed=50),
        summary("bulletin-guided", "alex", passed=True, elapsed=90, hints=2),  # same trainee
        summary("bulletin-guided", "Alex", passed=True, elapsed=80, hints=3),
        summary("fault-der-served", "Alex", passed=True, elapsed=70),
        summary("bulletin-guided", "Bo", passed=False, reached=0, elapsed=10),
        summary("bulletin-guided", None, passed=True, elapsed=30),
    ]:
        save_summary(s, workspace)


def test_the_best_attempt_passed_then_fewest_hints(tmp_path):
    save_class(tmp_path)
    results, damaged = read_results(tmp_path)
    assert damaged == []
    mine = best_for(results, "ALEX")
    assert set(mine) == {"bulletin-guided", "fault-der-served"}
    best = mine["bulletin-guided"]
    assert best.attempts == 3 and best.result.passed and best.result.hints_used == 2
    assert best.short() == "best: pass 1:30, 2 hints (3 attempts)"
    assert best_for(results, "Bo")["bulletin-guided"].short() == (
        "best: FAIL 0/2 0:10, 0 hints (1 attempt)"
    )
    assert best_for(results, None)["bulletin-guided"].result.elapsed_seconds == 30
    assert best_for(results, "Nobody") == {}


def test_class_rows_are_every_trainee_by_every_drill_tried(tmp_path):
    save_class(tmp_path)
    results, _ = read_results(tmp_path)
    rows = class_rows(results, ["fault-der-served", "bulletin-guided"])
    assert rows == [
        ["Alex", "fault-der-served", "pass", "2/2", "1:10", "0", "1"],
        ["Alex", "bulletin-guided", "pass", "2/2", "1:30", "2", "3"],
        ["Bo", "fault-der-served", "-", "-", "-", "-", "0"],
        ["Bo", "bulletin-guided", "FAIL", "0/2", "0:10", "0", "1"],
        ["(no name)", "fault-der-served", "-", "-", "-", "-", "0"],
        ["(no name)", "bulletin-guided", "pass", "2/2", "0:30", "0", "1"],
    ]


def test_csv_cells_a_spreadsheet_would_run_are_quoted_as_text():
    out = csv_table(["Trainee", "Best"], [["=HYPERLINK(1)", "-"], ["Kim, Lee", "pass"]])
    assert list(csv.reader(io.StringIO(out))) == [
        ["Trainee", "Best"],
        ["'=HYPERLINK(1)", "-"],
        ["Kim, Lee", "pass"],
    ]


def test_drills_report_class_markdown_and_csv(tmp_path, capsys):
    save_class(tmp_path)
    (tmp_path / "drills" / "2026-03-02-broken.json").write_text("{not json")
    (tmp_path / "drills" / "2026-03-03-partial.json").write_text('{"drill_id": "x"}')
    assert main(["drills", "report", "--class", "--workspace", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1  # one line for all the damaged files
    assert "skipped 2 damaged result file(s)" in captured.err
    assert "2026-03-02-broken.json" in captured.err and "2026-03-03-partial.json" in captured.err
    out = captured.out
    assert "| Trainee | Drill | Best | Steps | Time | Hints | Attempts |" in out
    # the catalogue's order: the guided drill before the fault drill
    assert "| Alex | bulletin-guided | pass | 2/2 | 1:30 | 2 | 3 |" in out
    assert out.index("| Alex | bulletin-guided") < out.index("| Alex | fault-der-served")
    assert "| Bo | fault-der-served | - | - | - | - | 0 |" in out
    assert "6 result(s)" in out and "3 trainee(s)" in out

    assert main(["drills", "report", "--class", "--csv", "--workspace", str(tmp_path)]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0] == ["Trainee", "Drill", "Best", "Steps", "Time", "Hints", "Attempts"]
    assert ["Alex", "bulletin-guided", "pass", "2/2", "1:30", "2", "3"] in rows
    assert len(rows) == 1 + 3 * 2


def test_drills_report_class_on_an_empty_workspace(tmp_path, capsys):
    assert main(["drills", "report", "--class", "--workspace", str(tmp_path)]) == 0
    assert "No finished drills yet" in capsys.readouterr().out
    assert main(["drills", "report", "--class", "--csv", "--workspace", str(tmp_path)]) == 0
    assert capsys.readouterr().out == "Trainee,Drill,Best,Steps,Time,Hints,Attempts\n"


def test_drills_report_names_the_trainee(tmp_path, capsys):
    save_summary(summary("bulletin-guided", "Alex Smith"), tmp_path)
    assert main(["drills", "report", "--workspace", str(tmp_path)]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if "bulletin-guided" in x)
    assert "Alex Smith" in line


def test_drills_run_refuses_a_bad_trainee_before_opening_the_app(capsys, monkeypatch):
    assert main(["drills", "run", "--trainee", "a/b"]) == 1
    err = capsys.readouterr().err
    assert "cannot contain /" in err and err.count("\n") == 1
    monkeypatch.setenv(TRAINEE_ENV, "x" * 100)
    assert main(["drills", "run"]) == 1
    assert f"${TRAINEE_ENV}: " in capsys.readouterr().err


def test_a_name_with_markdown_characters_stays_plain_text(tmp_path, capsys):
    # a name validate_trainee takes (no slash), as read_results checks every name read back
    md, _ = save_summary(summary("bulletin-guided", "[Kim](x:y) *bold*"), tmp_path)
    assert "- Trainee: \\[Kim\\](x:y) \\*bold\\*" in md.read_text()
    assert main(["drills", "report", "--class", "--workspace", str(tmp_path)]) == 0
    assert "| \\[Kim\\](x:y) \\*bold\\* | bulletin-guided |" in capsys.readouterr().out
