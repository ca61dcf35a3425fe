"""Every shipped drill solved by key presses on the real handset, to a passing summary."""

from __future__ import annotations

import json

import pytest

from core.drills.faults import FAULTS
from core.drills.loader import load_drills
from core.drills.report import past_results
from core.drills.session import DrillSession
from tests.drills.keys import Trainee

DRILLS = {d.id: d for d in load_drills(None)}
FAULT_DRILLS = sorted(d.id for d in DRILLS.values() if d.kind == "fault")
PROCEDURE_DRILLS = sorted(d.id for d in DRILLS.values() if d.kind != "fault")


@pytest.mark.parametrize("drill_id", PROCEDURE_DRILLS)
async def test_procedure_drill_solved(drill_id, tmp_path, clock):
    drill = DRILLS[drill_id]
    with DrillSession(drill, tmp_path, clock=clock) as session:
        trainee = Trainee(session)
        assert not any(item.done for item in session.checklist)
        assert session.checklist[0].current
        clock.advance(20)
        outcome = await trainee.follow(session.environment.job_sheet)
        assert outcome == "provision:ok"
        assert session.steps_done
        summary = session.finish()
        md, js = session.save()
    assert summary.passed, summary.reasons
    assert summary.steps_reached == len(drill.steps)
    assert summary.wrong_keys == 0 and summary.wrong_passwords == 0
    assert summary.hints_used == 0
    assert summary.elapsed_seconds == 20
    assert summary.keys_pressed > 30
    assert md.name == f"{summary.started[:10]}-{drill_id}.md"
    data = json.loads(js.read_text())
    assert data["passed"] is True and data["drill_id"] == drill_id
    assert [r.drill_id for r in past_results(tmp_path)] == [drill_id]


@pytest.mark.parametrize("drill_id", FAULT_DRILLS)
async def test_fault_drill_solved_with_the_right_cause(drill_id, tmp_path, clock):
    drill = DRILLS[drill_id]
    with DrillSession(drill, tmp_path, clock=clock) as session:
        outcome = await Trainee(session).follow(session.environment.job_sheet)
        # The handset really failed, and for this fault's reason.
        assert outcome == FAULTS[drill.fault].failure
        assert session.steps_done, [i.label for i in session.checklist if not i.done]
        assert drill.fault in [c.id for c in session.causes()]
        summary = session.finish(drill.fault)
        session.save()
    assert summary.passed, summary.reasons
    assert summary.diagnosis is not None and summary.diagnosis.right
    assert summary.diagnosis.evidence
    assert summary.diagnosis.evidence[0].startswith("The phone said:")
    if drill.fault == "wrong-password":
        assert summary.wrong_passwords == 1
    else:
        assert summary.wrong_passwords == 0


async def test_fault_drill_with_the_wrong_cause_does_not_pass(tmp_path, clock):
    drill = DRILLS["fault-der-served"]
    with DrillSession(drill, tmp_path, clock=clock) as session:
        await Trainee(session).follow(session.environment.job_sheet)
        summary = session.finish("url-typo")
        md, _ = session.save()
    assert not summary.passed
    assert summary.reasons == ("wrong cause picked",)
    assert summary.diagnosis.chosen == "url-typo" and summary.diagnosis.actual == "der-served"
    text = md.read_text()
    assert "Verdict: wrong" in text and "DER" in text


async def test_the_keypad_drill_types_the_url_by_multi_tap(tmp_path, clock):
    """issue 12: a drill file's keypad = true puts the handset in keypad mode."""
    from core.handset.keypad import keypad_presses

    drill = DRILLS["keypad-url"]
    assert drill.keypad and not DRILLS["bulletin-guided"].keypad
    with DrillSession(drill, tmp_path, clock=clock) as session:
        assert session.handset.settings.keypad
        outcome = await Trainee(session).follow(session.environment.job_sheet)
        assert outcome == "provision:ok"
        url = session.environment.job_sheet.url.removeprefix("http://")
        typed = [e.key for e in session.handset.log.key_presses()]
        presses = keypad_presses(url)
        assert any(typed[i : i + len(presses)] == presses for i in range(len(typed)))
        assert not set(url) & {k for k in typed if k.isalpha() and len(k) == 1}
        assert session.finish().passed


async def test_the_rollover_drill_walks_both_slots_with_real_servers(tmp_path, clock):
    """issue 13: the phone holds the current CA in slot 1; the boot server's certificate is
    re-issued under the next CA, so it fails until the next CA is in slot 2, passes with
    both, and still passes once slot 1 is removed."""
    from core.pki.rollover import publish_ca_certificates

    drill = DRILLS["rollover"]
    assert drill.setup == "rollover" and drill.kind == "guided"
    with DrillSession(drill, tmp_path, clock=clock) as session:
        env = session.environment
        current, upcoming = (p.cert for p in publish_ca_certificates(env.workspace))
        handset = session.handset
        assert [(ca.slot, ca.cert) for ca in handset.custom_cas] == [(1, current)]
        assert env.job_sheet.url.endswith("/ca-next.crt")
        assert "Custom CA List: remove slot 1 (the old CA)" in env.job_sheet.lines()
        trainee = Trainee(session)
        # Before the next CA is installed the phone does not trust the re-issued certificate.
        assert await trainee.provision() == "provision:untrusted"
        await trainee.keys(["soft1"])
        assert await trainee.follow(env.job_sheet) == "provision:ok"
        assert [(ca.slot, ca.cert) for ca in handset.custom_cas] == [(2, upcoming)]
        assert handset.log.outcomes()[-4:] == [
            "provision:ok",
            "admin_granted",
            "removed",
            "provision:ok",
        ]
        served = [r.path for r in env.requests]
        assert "/ca-next.crt" in served
        summary = session.finish()
    assert summary.passed, summary.reasons
