"""A drill's route comes from the tree's fields (gates, unlocks, effect screens), not ids."""

from __future__ import annotations

from core.drills.checker import StepChecker, route_nodes
from core.drills.model import Drill, Step
from core.handset import Handset, HandsetSettings, RehearsalChoices
from tests.handset.keys import choose
from tests.handset.test_tree import trainer_tree

DRILL = Drill(
    id="t",
    title="Install",
    goal="Install the CA",
    kind="guided",
    steps=(
        Step(node="", label="Installed", outcome="installed"),
        Step(node="", label="Trust", outcome="ca_choice:9:All Certificates"),
    ),
)


def test_route_on_a_trainers_tree_follows_its_fields():
    tree = trainer_tree()
    route = route_nodes(DRILL, tree)
    expected = {"root", "home", "site", "site.pin", "lab", "lab.pin", "tools", "ca_url"}
    expected |= {"ca_url.busy", "ca_url.done", "p.busy", "p.done", "profiles", "p9", "p9.ca"}
    assert route == expected


def test_the_checker_ticks_outcomes_on_a_trainers_tree():
    tree = trainer_tree()
    settings = HandsetSettings(tree=tree, choices=RehearsalChoices(provisioning_profile=9))
    handset = Handset(settings)
    checker = StepChecker(DRILL, lambda: 0.0, tree=tree)
    handset.press("soft1")
    choose(handset, "TLS")
    choose(handset, "Other Profile")  # off the route: a wrong key
    handset.press("back")
    choose(handset, "Boot Profile")
    choose(handset, "Trust")
    choose(handset, "All Certificates")
    checker.feed(handset.events)
    assert checker.next_index == 0  # steps tick in order: nothing installed yet
    assert checker.off_route == ["p7"] and checker.wrong_keys == 1
