"""The checklist, wrong keys, wrong passwords, hints and the timer, on the real handset."""

from __future__ import annotations

import pytest

from core.drills.catalog import FAULT_INFO
from core.drills.loader import find_drill
from core.drills.session import DrillSession
from core.errors import UserError
from tests.drills.keys import Trainee, keys_from_idle, keys_to_open


@pytest.fixture
async def guided(tmp_path, clock):
    with DrillSession(find_drill("bulletin-guided"), tmp_path, clock=clock) as session:
        yield session


async def test_checklist_ticks_in_order_with_times(guided, clock):
    trainee = Trainee(guided)
    await trainee.keys(["soft1"])
    clock.advance(5)
    await trainee.keys(keys_to_open("settings"))
    items = guided.checklist
    assert [i.done for i in items[:3]] == [True, True, False]
    assert items[0].at_seconds == 0 and items[1].at_seconds == 5
    assert items[2].current and not items[1].current


async def test_reaching_a_later_screen_early_does_not_tick_it(guided):
    # The idle screen is the 15th step: seeing it at the start or after a detour
    # through Settings does not tick it before the steps before it.
    await Trainee(guided).keys(["soft1", "end"])
    assert guided.handset.screen.node_id == "idle"
    assert [i.done for i in guided.checklist] == [True] + [False] * 15


async def test_wrong_keys_are_counted(guided):
    trainee = Trainee(guided)
    await trainee.keys(["soft1"])
    await trainee.keys(keys_to_open("contacts"))  # not part of the rehearsal
    await trainee.keys(["up"])  # back to Settings: a right key
    await trainee.keys(["soft3"])  # no meaning on a menu: the phone ignores it
    assert guided.checker.wrong_keys == 2
    await trainee.keys(["select"])  # Settings
    await trainee.keys(keys_to_open("status"))  # off the job again
    assert guided.checker.wrong_keys == 3
    assert guided.checker.keys == 9
    summary = guided.finish()
    assert summary.wrong_keys == 3 and summary.keys_pressed == 9


async def test_wandering_into_another_menu_counts(guided):
    trainee = Trainee(guided)
    await trainee.log_in("456")
    await trainee.keys(keys_to_open("administration_settings"))
    await trainee.keys(keys_to_open("tls_security"))
    await trainee.keys(keys_to_open("custom_ca_certificates"))
    await trainee.keys(keys_to_open("custom_ca_list"))  # a screen no step needs
    assert guided.checker.off_route == ["custom_ca_list"]
    await trainee.keys(["back"])  # coming back is fine
    assert guided.checker.wrong_keys == 1


async def test_wrong_passwords_are_counted_and_step_waits(guided):
    trainee = Trainee(guided)
    assert not await trainee.log_in("654")
    # issue 12: the phone stays on the password entry after a wrong password
    assert trainee.node == "advanced.password"
    await trainee.keys(["1", "2", "3", "soft1"])
    assert guided.checker.wrong_passwords == 2
    assert not guided.checklist[3].done  # "Enter the Administrator's password"
    await trainee.keys(["4", "5", "6", "soft1"])
    assert guided.checklist[3].done
    assert guided.finish().wrong_passwords == 2


async def test_hints_quote_the_bulletin_and_are_counted_once_per_step(guided):
    first = guided.hint()
    assert "Menu soft key" in first
    assert guided.hint() == first and guided.hints_used == 1
    await Trainee(guided).keys(["soft1"])
    assert guided.hint() == 'Bulletin, step 1: "Select Settings>Advanced."'
    assert guided.hints_used == 2
    assert guided.finish().hints_used == 2


async def test_timed_drill_has_no_hints_and_fails_over_the_limit(tmp_path, clock):
    drill = find_drill("bulletin-timed")
    with DrillSession(drill, tmp_path, clock=clock) as session:
        with pytest.raises(UserError, match="no hints"):
            session.hint()
        assert session.time_left() == drill.time_limit
        await Trainee(session).follow(session.environment.job_sheet)
        clock.advance(drill.time_limit + 1)
        assert session.time_left() == -1
        summary = session.finish()
    assert session.steps_done
    assert not summary.passed
    assert summary.reasons == (f"over the time limit of {drill.time_limit} s",)


async def test_unfinished_drill_does_not_pass_and_says_why(guided, clock):
    await Trainee(guided).keys(keys_from_idle("advanced"))
    clock.advance(61)
    summary = guided.finish()
    assert not summary.passed
    assert summary.reasons == ("13 step(s) not reached",)
    assert summary.steps_reached == 3 and summary.elapsed_seconds == 61
    md, _ = guided.save()
    assert "NOT PASSED" in md.read_text() and "1:01" in md.read_text()
    with pytest.raises(UserError, match="finished"):
        await guided.press("soft1")


async def test_fault_drill_needs_a_cause_from_the_list(tmp_path, clock):
    with DrillSession(find_drill("fault-wrong-password"), tmp_path, clock=clock) as session:
        with pytest.raises(UserError, match="Pick the cause"):
            session.finish()
        with pytest.raises(UserError, match="not one of the causes"):
            session.finish("gremlins")
        assert len(session.causes()) == len(FAULT_INFO)


async def test_looking_around_is_allowed_in_a_fault_drill(tmp_path, clock):
    with DrillSession(find_drill("fault-stale-ca"), tmp_path, clock=clock) as session:
        trainee = Trainee(session)
        await trainee.log_in("456")
        await trainee.keys(keys_to_open("administration_settings"))
        await trainee.keys(keys_to_open("tls_security"))
        await trainee.keys(keys_to_open("configure_tls_profiles"))
        await trainee.keys(keys_to_open("profile_1"))
        await trainee.keys(keys_to_open("profile_1.ca_certificate"))
        await trainee.keys(["back", "back", "back"])
        await trainee.keys(keys_to_open("custom_ca_certificates", cursor=1))
        await trainee.keys(keys_to_open("custom_ca_list"))
        assert session.handset.screen.node_id == "custom_ca_list"
        assert session.checker.wrong_keys == 0
        await trainee.keys(["back", "back", "back"])
        assert session.handset.screen.node_id == "administration_settings"
        await trainee.keys(keys_to_open("network_configuration", cursor=1))  # not the job
        assert session.checker.wrong_keys == 1
