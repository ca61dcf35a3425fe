"""Audit finding 6: one result file edited by hand (a number out of range, a control
character in a name) is skipped and named; the report of the others still prints, and
nothing from the file reaches the terminal, the CSV or the Markdown raw."""

from __future__ import annotations

import csv
import io
import json

import pytest

from core.drills.report import read_results, save_summary
from handset_ca.cli import main
from tests.drills.test_class_records import summary

# (file stem, what the audit or a careless edit put in one field)
DAMAGE = {
    "overflow": ('"elapsed_seconds": 60.0', '"elapsed_seconds": 1e400'),
    "nan": ('"elapsed_seconds": 60.0', '"elapsed_seconds": NaN'),
    "negative-time": ('"elapsed_seconds": 60.0', '"elapsed_seconds": -5'),
    "escape-trainee": ('"trainee": "Kim"', '"trainee": "\\u001b[2J\\u001b[31mPWNED"'),
    "forged-row": ('"trainee": "Kim"', '"trainee": "Ann\\nEve,1,2"'),
    "escape-drill": ('"drill_id": "bulletin-guided"', '"drill_id": "\\u001b]0;title\\u0007"'),
    "tab-title": ('"title": "Bulletin-Guided"', '"title": "a\\tb"'),
    "huge-count": ('"hints_used": 0', '"hints_used": 1' + "0" * 30),
    "bool-count": ('"wrong_keys": 0', '"wrong_keys": true'),
    "text-count": ('"wrong_keys": 0', '"wrong_keys": "3"'),
    "too-many-reached": ('"steps_reached": 2', '"steps_reached": 99'),
    "bad-start": ('"started": "2026-03-01T09:00:00+00:00"', '"started": "yesterday"'),
    "bad-passed": ('"passed": true', '"passed": "yes"'),
    "bad-diagnosis": ('"diagnosis": null', '"diagnosis": {"right": 1}'),
}


@pytest.fixture
def workspace(tmp_path):
    good = summary("bulletin-guided", "Alex", elapsed=75)
    save_summary(good, tmp_path)
    template = summary("bulletin-guided", "Kim").to_json()
    folder = tmp_path / "drills"
    for stem, (before, after) in DAMAGE.items():
        assert before in template, before
        (folder / f"2026-03-02-{stem}.json").write_text(template.replace(before, after))
    (folder / "2026-03-03-deep.json").write_text("[" * 100_000 + "]" * 100_000)
    (folder / "2026-03-03-list.json").write_text("[1, 2]")
    (folder / "2026-03-04-\x1b[2Jname.json").write_text("{}")
    return tmp_path


def test_read_results_keeps_the_good_one_and_names_every_damaged_file(workspace):
    results, damaged = read_results(workspace)
    assert [r.trainee for r in results] == ["Alex"]
    assert len(damaged) == len(DAMAGE) + 3


def clean(text: str) -> None:
    assert all(ch == "\n" or ch.isprintable() for ch in text), repr(text)


@pytest.mark.parametrize("extra", [[], ["--csv"], ["--class"], ["--class", "--csv"]])
def test_drills_report_prints_the_rest_and_one_line_naming_the_damaged(workspace, capsys, extra):
    assert main(["drills", "report", "--workspace", str(workspace), *extra]) == 0
    out, err = capsys.readouterr()
    clean(out + err)
    assert "Traceback" not in err and "unexpected error" not in err
    assert err.count("\n") == 1
    assert f"skipped {len(DAMAGE) + 3} damaged result file(s)" in err
    for stem in DAMAGE:
        assert f"2026-03-02-{stem}.json" in err
    assert "2026-03-04-\\x1b[2Jname.json" in err  # the file name itself, escaped
    assert "Alex" in out and "1:15" in out
    assert "Kim" not in out and "PWNED" not in out and "Eve" not in out
    if "--csv" in extra:
        rows = list(csv.reader(io.StringIO(out)))
        assert len(rows) == 2 and "Alex" in rows[1]


def test_tables_escape_a_control_character_that_got_past_the_checks():
    """The second line of defence, for a value built in memory."""
    from core.drills.records import csv_table, markdown_table
    from handset_ca.commands.drills import table

    row = [["Ann\nEve,1,2", "\x1b[2J"]]
    for text, lines in (
        (table(["A", "B"], row), 3),
        (markdown_table(["A", "B"], row), 3),
        (csv_table(["A", "B"], row), 2),
    ):
        clean(text)
        assert "nEve,1,2" in text and len(text.strip("\n").split("\n")) == lines


def test_a_saved_result_round_trips(tmp_path):
    s = summary("fault-der-served", "Zoë Ünal", elapsed=12.5, hints=3)
    _, js = save_summary(s, tmp_path)
    [back], damaged = read_results(tmp_path)
    assert damaged == [] and back.trainee == "Zoë Ünal" and back.elapsed_seconds == 12.5
    assert json.loads(js.read_text())["hints_used"] == back.hints_used == 3
