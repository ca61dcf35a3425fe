"""Drill files: shipped ones load; a mistake names the file and the field."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from core.drills.catalog import FAULT_INFO
from core.drills.loader import DATA_DIR, find_drill, load_drill_file, load_drills
from core.errors import UserError
from core.locations import DRILLS_ENV

GOOD = """
title = "Reach Settings"
goal = "Open the Settings menu."
kind = "guided"

[[steps]]
node = "settings"
label = "Open Settings"
hint = "Bulletin: Select Settings>Advanced."
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_good_file_loads(tmp_path):
    drill = load_drill_file(write(tmp_path, "reach.toml", GOOD))
    assert drill.id == "reach"
    assert drill.kind == "guided" and drill.hints is True
    assert [s.node for s in drill.steps] == ["settings"]
    assert drill.steps[0].source == "bulletin"


@pytest.mark.parametrize(
    ("edit", "field", "words"),
    [
        (lambda t: t.replace('title = "Reach Settings"\n', ""), "'title'", "missing"),
        (lambda t: t.replace('kind = "guided"', 'kind = "quiz"'), "'kind'", "quiz"),
        (lambda t: t.replace('node = "settings"\n', ""), "'steps[0].node'", "missing"),
        (lambda t: t.replace('node = "settings"', "node = 3"), "'steps[0].node'", "text"),
        (lambda t: t.replace("hint = ", "hnit = "), "'steps[0].hnit'", "spelling"),
        (lambda t: t + 'time_limit = "five"\n', "'steps[0].time_limit'", "not a drill"),
        (lambda t: t.replace('kind = "guided"', 'kind = "timed"'), "'time_limit'", "missing"),
        (
            lambda t: t.replace('kind = "guided"', 'kind = "timed"\ntime_limit = "five"'),
            "'time_limit'",
            "whole number",
        ),
        (lambda t: t.replace('kind = "guided"', 'kind = "fault"'), "'fault'", "missing"),
        (
            lambda t: t.replace('kind = "guided"', 'kind = "fault"\nfault = "gremlins"'),
            "'fault'",
            "gremlins",
        ),
        (
            lambda t: t.replace('kind = "guided"', 'kind = "guided"\nhints = "yes"'),
            "'hints'",
            "true or false",
        ),
        (lambda t: t.replace('hint = "Bulletin: Select Settings>Advanced."', ""), "hint", "one"),
        (lambda t: t.split("[[steps]]")[0], "'steps'", "missing"),
        (
            lambda t: t.replace('node = "settings"', 'outcome = "instaled"'),
            "'steps[0].outcome'",
            "instaled",
        ),
        (
            lambda t: t.replace('kind = "guided"', 'kind = "guided"\nsetup = "rolover"'),
            "'setup'",
            "rollover",
        ),
        (
            lambda t: t.replace(
                'kind = "guided"', 'kind = "fault"\nfault = "url-typo"\nsetup = "rollover"'
            ),
            "'setup'",
            "fault drill",
        ),
    ],
)
def test_mistake_names_file_and_field(tmp_path, edit, field, words):
    path = write(tmp_path, "broken.toml", edit(GOOD))
    with pytest.raises(UserError) as info:
        load_drill_file(path)
    message = str(info.value)
    assert str(path) in message
    assert field in message
    assert words in message
    assert message.count(". ") == 0 and message.endswith(".")  # one sentence


def test_syntax_error_names_file(tmp_path):
    path = write(tmp_path, "bad.toml", 'title = "unterminated\n')
    with pytest.raises(UserError, match=r"bad\.toml is not valid TOML"):
        load_drill_file(path)


def test_unknown_node_is_refused_when_nodes_known(tmp_path):
    path = write(tmp_path, "typo.toml", GOOD.replace('"settings"', '"setings"'))
    with pytest.raises(UserError, match=r"'steps\[0\]\.node' is 'setings'"):
        load_drill_file(path, known_nodes=["settings", "idle"])


def test_outcome_steps_need_no_node(tmp_path):
    text = GOOD.replace('node = "settings"', 'outcome = "refused:"')
    drill = load_drill_file(write(tmp_path, "o.toml", text))
    assert drill.steps[0].outcome == "refused:" and drill.steps[0].node == ""


def test_goal_lines_are_joined_into_paragraphs(tmp_path):
    text = GOOD.replace('goal = "Open the Settings menu."', 'goal = """\nOne\ntwo.\n\nThree."""')
    assert load_drill_file(write(tmp_path, "g.toml", text)).goal == "One two.\n\nThree."


def test_fault_choices_default_to_every_fault(tmp_path):
    text = GOOD.replace('kind = "guided"', 'kind = "fault"\nfault = "der-served"')
    drill = load_drill_file(write(tmp_path, "f.toml", text))
    assert drill.choices == tuple(FAULT_INFO)


def test_fault_choices_must_include_the_fault(tmp_path):
    text = GOOD.replace(
        'kind = "guided"',
        'kind = "fault"\nfault = "der-served"\nchoices = ["url-typo", "ca-expired"]',
    )
    with pytest.raises(UserError, match="'choices' leaves out the fault 'der-served'"):
        load_drill_file(write(tmp_path, "f.toml", text))


def test_shipped_drills_load_and_cover_the_issue():
    drills = load_drills(None)
    assert len(list(DATA_DIR.glob("*.toml"))) == len(drills)
    kinds = [d.kind for d in drills]
    assert "guided" in kinds and "timed" in kinds
    faults = {d.fault for d in drills if d.kind == "fault"}
    assert len(faults) >= 6
    guided = next(d for d in drills if d.kind == "guided")
    assert all("ulletin" in s.hint or s.source != "bulletin" for s in guided.steps)
    timed = next(d for d in drills if d.kind == "timed")
    assert not timed.hints and timed.time_limit


def test_trainer_folder_adds_and_replaces(tmp_path, monkeypatch):
    folder = tmp_path / "mine"
    folder.mkdir()
    write(folder, "reach.toml", GOOD)
    monkeypatch.setenv(DRILLS_ENV, str(folder))
    drills = {d.id: d for d in load_drills(None)}
    assert not drills["reach"].builtin
    assert find_drill("reach").title == "Reach Settings"
    with pytest.raises(UserError, match=r"There is no drill 'nope'; choose one of: .*reach"):
        find_drill("nope")


def test_workspace_drills_d_is_the_default_folder(tmp_path, monkeypatch):
    monkeypatch.delenv(DRILLS_ENV, raising=False)
    (tmp_path / "drills.d").mkdir()
    write(tmp_path / "drills.d", "reach.toml", GOOD)
    assert "reach" in {d.id for d in load_drills(tmp_path)}


def test_broken_trainer_file_stops_the_list_with_its_name(tmp_path, monkeypatch):
    monkeypatch.setenv(DRILLS_ENV, str(tmp_path))
    write(tmp_path, "oops.toml", GOOD.replace('label = "Open Settings"', 'label = ""'))
    with pytest.raises(UserError, match=r"oops\.toml: the field 'steps\[0\]\.label' is empty"):
        load_drills(None)


def _bulletin() -> str | None:
    here = Path(__file__).resolve()
    for folder in here.parents:
        path = folder / "shared" / "reference" / "custom-certificates-8400-bulletin.txt"
        if path.is_file():
            return path.read_text(encoding="utf-8")
    return None


def test_hints_quote_the_bulletin_word_for_word():
    import re

    text = _bulletin()
    if text is None:
        pytest.skip("the vendor bulletin (shared/reference) is not beside this checkout")
    plain = " ".join(text.replace("**", "").replace("`", "").split())
    quoted = 0
    for drill in load_drills(None):
        for step in drill.steps:
            if not step.hint.startswith("Bulletin"):
                continue
            for quote in re.findall(r'"([^"]+)"', step.hint):
                quote = quote.strip().rstrip(".")
                for part in quote.split("..."):  # an ellipsis leaves words out
                    assert " ".join(part.split()) in plain, (drill.id, part)
                quoted += 1
    assert quoted >= 20
