"""Score a drill from the handset's event log (core.handset.events).

The checker only reads events: it never drives the phone. Feed it every new
event in order; it ticks steps in order, counts wrong keys (keys the phone
ignored, keys that took it to a screen off the drill's route or opened an item
that is not part of the rehearsal) and wrong
passwords (the phone's "wrong_password" outcome), and notes when each step
was reached on the injected clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from core.drills.clock import Clock
from core.drills.model import Drill, Step
from core.drills.nodes import outcome_node
from core.drills.nodes import parents as menu_parents

WRONG_PASSWORD = "wrong_password"
UNSUPPORTED = "unsupported"
IDLE_NODE = "idle"
# Screens the phone shows on its own after a key (waiting, results, password
# gate): part of the route when the screen they belong to is.
_SUB_SCREENS = (".busy", ".result", ".password")
# Pressing Provision on the idle screen is never a wander.
_ALWAYS = ("provision.busy", "provision.result")
FAILURE_PREFIXES = ("wrong_password", "download_failed:", "refused:", "provision:", "slots_full")


def is_failure(code: str) -> bool:
    return code.startswith(FAILURE_PREFIXES) and code != "provision:ok"


class EventLike(Protocol):
    kind: str
    node_id: str
    key: str
    handled: bool
    code: str
    detail: str


def route_nodes(drill: Drill, parents: dict[str, str] | None = None) -> frozenset[str]:
    """Every node a trainee may see while doing ``drill`` the right way.

    The steps' nodes (or the screen of a step's outcome) and the drill's
    ``allowed_nodes``, their ancestors up to the idle screen (``parents`` maps
    child id to parent id; the handset's menu by default), and their
    busy/result/password sub-screens.
    """
    parents = menu_parents() if parents is None else parents
    out = {IDLE_NODE, *_ALWAYS}
    targets = [step.node or outcome_node(step.outcome) or "" for step in drill.steps]
    for node in [*targets, *drill.allowed_nodes]:
        while node:
            out.add(node)
            node = parents.get(node, "")
    for node in list(out):
        out.update(node + suffix for suffix in _SUB_SCREENS)
    for node in list(out):  # a gate's password screen leads to the menu it guards
        if node.endswith(".password"):
            out.add(node.removesuffix(".password"))
    return frozenset(out)


def step_matches(step: Step, event: EventLike) -> bool:
    if step.outcome:
        if event.kind != "outcome":
            return False
        if step.outcome.endswith(":"):
            hit = event.code.startswith(step.outcome)
        else:
            hit = event.code == step.outcome
        return hit and (not step.node or event.node_id == step.node)
    if event.kind != "screen" or event.node_id != step.node:
        return False
    return step.message.lower() in event.detail.lower()


class StepChecker:
    """Ticks a drill's steps from handset events."""

    def __init__(
        self, drill: Drill, clock: Clock, *, parents: dict[str, str] | None = None
    ) -> None:
        self.drill = drill
        self.clock = clock
        self.started = clock()
        self.route = route_nodes(drill, parents)
        self.reached_at: list[float | None] = [None] * len(drill.steps)
        self.next_index = 0
        self.keys = 0
        self.wrong_keys = 0
        self.wrong_passwords = 0
        self.off_route: list[str] = []  # node ids visited off the route, in order
        self.last_failure = ""  # the last failure message the phone showed
        self._failure_pending = False
        self.outcomes: list[str] = []
        self._pending_key = False  # a handled key whose screen is not seen yet

    @property
    def done(self) -> bool:
        return self.next_index >= len(self.drill.steps)

    def elapsed(self) -> float:
        return self.clock() - self.started

    def feed(self, events: Iterable[EventLike]) -> list[int]:
        """Read new events; return the indexes of steps reached by them."""
        ticked = []
        for event in events:
            if event.kind == "key":
                self.keys += 1
                if not event.handled:
                    self.wrong_keys += 1
                    self._pending_key = False
                else:
                    self._pending_key = True
            elif event.kind == "screen":
                if self._pending_key and event.node_id not in self.route:
                    self.wrong_keys += 1
                    self.off_route.append(event.node_id)
                self._pending_key = False
                if self._failure_pending and event.detail:
                    self.last_failure = event.detail  # the words on the phone's screen
                    self._failure_pending = False
            elif event.kind == "outcome":
                self.outcomes.append(event.code)
                if event.code == WRONG_PASSWORD:
                    self.wrong_passwords += 1
                if event.code == UNSUPPORTED:
                    # Opened an item that is not part of the job (the phone logs this
                    # before the key itself, which then shows a screen on the route).
                    self.wrong_keys += 1
                    self.off_route.append(event.detail)
                if is_failure(event.code):
                    self.last_failure = event.detail
                    self._failure_pending = True
            if not self.done and step_matches(self.drill.steps[self.next_index], event):
                self.reached_at[self.next_index] = self.elapsed()
                ticked.append(self.next_index)
                self.next_index += 1
        return ticked
