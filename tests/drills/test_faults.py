"""Each fault is real: the handset fails for that reason before the fix and succeeds after."""

from __future__ import annotations

import pytest

from core.drills.catalog import FAULT_INFO
from core.drills.faults import FAULTS, build_environment, fix_fault
from core.drills.loader import load_drills
from core.drills.session import DrillSession
from tests.drills.keys import Trainee

DRILL_FOR = {d.fault: d for d in load_drills(None) if d.kind == "fault"}

# What the phone's own words must show for each fault (its reason, not just "failed").
PHONE_SAYS = {
    # issue 12: the phone gives no remedy; the explanation goes to the diagnosis.
    "der-served": "Invalid certificate format.",
    "url-typo": "404",
    "server-down": "nothing is listening",
    "stale-ca": "does not trust",
    "cn-mismatch": 'does not match the certificate\'s Common Name "127.0.0.1"',
    "profile-choice": "Platform CAs Only",
    "ca-expired": "expired",
    "wrong-password": "Incorrect password",
    "ca-set-zero": "does not trust",
    "site-not-listed": "does not trust",
}


def test_catalogue_and_set_ups_match():
    assert set(FAULTS) == set(FAULT_INFO) == set(PHONE_SAYS)
    assert len(DRILL_FOR) >= 6
    assert set(DRILL_FOR) <= set(FAULTS)


@pytest.mark.parametrize("fault", sorted(FAULTS))
async def test_fault_fails_for_its_reason_then_fix_succeeds(fault):
    drill = DRILL_FOR.get(fault) or next(iter(DRILL_FOR.values()))
    env = build_environment(fault)
    try:
        before = DrillSession(drill, environment=env)
        outcome = await Trainee(before).follow(env.job_sheet)
        assert outcome == FAULTS[fault].failure
        assert PHONE_SAYS[fault].lower() in before.checker.last_failure.lower(), (
            before.checker.last_failure
        )
        assert not before.handset.last_provision or not before.handset.last_provision.ok
        if fault == "der-served":
            assert "PEM" in before.checker.last_explanation
            assert "openssl" not in before.checker.last_failure

        fix_fault(env)
        after = DrillSession(drill, environment=env)  # a phone fresh from the box
        outcome = await Trainee(after).follow(env.job_sheet)
        expected = "boot:ok" if env.job_sheet.boots else "provision:ok"
        assert outcome == expected, after.handset.last_message
        assert after.handset.custom_cas and after.handset.last_provision.ok
    finally:
        env.close()
    assert not env.root.exists()


async def test_healthy_environment_succeeds_and_closes():
    env = build_environment(None)
    server = env.boot_server
    try:
        session = DrillSession(next(iter(DRILL_FOR.values())), environment=env)
        assert await Trainee(session).follow(env.job_sheet) == "provision:ok"
    finally:
        env.close()
    assert not server.running and not env.root.exists()


def test_a_failed_set_up_stops_the_server_it_started(monkeypatch):
    import core.drills.environment as environment

    started = []

    def broken_map(server, name=None):
        started.append(server)
        raise RuntimeError("boom")

    monkeypatch.setattr(environment.BootServer, "connect_map", broken_map)
    with pytest.raises(RuntimeError):
        build_environment(None)
    (server,) = started
    assert not server.running
    assert not server.root.parent.exists()  # the drill's temp folder
