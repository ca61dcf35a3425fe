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

from core.clock import Stopwatch
from core.drills.model import Drill, Step
from core.drills.nodes import outcome_node
from core.drills.nodes import parents as menu_parents
from core.handset.events import EventKind, Outcome, OutcomeSpec
from core.handset.menu import TREE, MenuTree


class EventLike(Protocol):
    """What the checker reads of an event (core.handset.events.Event); read-only."""

    @property
    def kind(self) -> EventKind: ...
    @property
    def node_id(self) -> str: ...
    @property
    def handled(self) -> bool: ...
    @property
    def code(self) -> Outcome | None: ...
    @property
    def reason(self) -> str: ...
    @property
    def detail(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def failure(self) -> bool: ...


def route_nodes(drill: Drill, tree: MenuTree = TREE) -> frozenset[str]:
    """Every node a trainee may see while doing ``drill`` the right way.

    The steps' nodes (or the screen of a step's outcome) and the drill's
    ``allowed_nodes``, their ancestors up to the idle screen (in ``tree``, the
    handset's menu by default), the screens they show on their own (a menu's
    password gate and what that gate unlocks, an effect's busy and result
    screens), and provisioning's screens (pressing Provision is never a wander).
    """
    parents = menu_parents(tree)
    root = tree.root
    screens = (root.busy, root.result, root.boot_busy, root.boot_result)
    out = {root.id, *(n for n in screens if n)}
    targets = [step.node or outcome_node(step.outcome, tree) or "" for step in drill.steps]
    for node in [*targets, *drill.allowed_nodes]:
        while node:
            out.add(node)
            node = parents.get(node, "")
    for node_id in list(out):
        found = tree.nodes.get(node_id)
        if found is not None:
            out.update(n for n in (found.gate, found.unlocks, found.busy, found.result) if n)
    return frozenset(out)


def step_matches(step: Step, event: EventLike) -> bool:
    if step.outcome:
        if event.kind is not EventKind.OUTCOME:
            return False
        spec = OutcomeSpec.parse(step.outcome)  # the loader checked it
        hit = event.code is spec.code and spec.reason in (None, event.reason)
        return hit and (not step.node or event.node_id == step.node)
    if event.kind is not EventKind.SCREEN or event.node_id != step.node:
        return False
    return step.message.lower() in event.detail.lower()


class StepChecker:
    """Ticks a drill's steps from handset events."""

    def __init__(self, drill: Drill, clock: Stopwatch, *, tree: MenuTree = TREE) -> None:
        self.drill = drill
        self.clock = clock
        self.started = clock()
        self.route = route_nodes(drill, tree)
        self.reached_at: list[float | None] = [None] * len(drill.steps)
        self.next_index = 0
        self.keys = 0
        self.wrong_keys = 0
        self.wrong_passwords = 0
        self.off_route: list[str] = []  # node ids visited off the route, in order
        self.last_failure = ""  # the last failure message the phone showed
        # The explanation logged with that failure (a refused certificate: what is wrong
        # and what to do), which the phone's short words leave out: for the diagnosis.
        self.last_explanation = ""
        self._failure_pending = False
        self.outcomes: list[str] = []  # in drill-file notation ("refused:der")
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
            if event.kind is EventKind.KEY:
                self.keys += 1
                if not event.handled:
                    self.wrong_keys += 1
                    self._pending_key = False
                else:
                    self._pending_key = True
            elif event.kind is EventKind.SCREEN:
                if self._pending_key and event.node_id not in self.route:
                    self.wrong_keys += 1
                    self.off_route.append(event.node_id)
                self._pending_key = False
                if self._failure_pending and event.detail:
                    self.last_failure = event.detail  # the words on the phone's screen
                    self._failure_pending = False
            elif event.kind is EventKind.OUTCOME:
                self.outcomes.append(event.label)
                if event.code is Outcome.WRONG_PASSWORD:
                    self.wrong_passwords += 1
                if event.code is Outcome.UNSUPPORTED:
                    # Opened an item that is not part of the job (the phone logs this
                    # before the key itself, which then shows a screen on the route).
                    self.wrong_keys += 1
                    self.off_route.append(event.detail)
                if event.failure:
                    self.last_failure = event.detail
                    self.last_explanation = event.detail
                    self._failure_pending = True
            if not self.done and step_matches(self.drill.steps[self.next_index], event):
                self.reached_at[self.next_index] = self.elapsed()
                ticked.append(self.next_index)
                self.next_index += 1
        return ticked
