"""The handset's event log: every key pressed and every screen shown.

Training drills read it afterwards to check steps: was a node reached, how
many wrong passwords, how many keys did nothing.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Event:
    """One entry of the log.

    kind "key": ``key`` was pressed on ``node_id``; ``handled`` False when it
    did nothing. Keys typed into the password are logged as "*".
    kind "screen": the screen ``node_id`` was shown (``detail`` = its message).
    kind "effect": the phone asked the caller to do something (``detail``).
    kind "outcome": something the drill may count, named by ``code``
    (e.g. "wrong_password", "installed", "refused:der", "provision:ok").
    """

    seq: int
    kind: str
    node_id: str
    key: str = ""
    handled: bool = True
    code: str = ""
    detail: str = ""


class EventLog:
    """An append-only list of events with the questions drills ask."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def add(self, kind: str, node_id: str, **fields: object) -> Event:
        event = Event(len(self.events), kind, node_id, **fields)  # type: ignore[arg-type]
        self.events.append(event)
        return event

    def __iter__(self):
        return iter(self.events)

    def __len__(self) -> int:
        return len(self.events)

    def key_presses(self) -> list[Event]:
        return [e for e in self.events if e.kind == "key"]

    def screens(self) -> list[str]:
        """Node ids of the screens shown, in order."""
        return [e.node_id for e in self.events if e.kind == "screen"]

    def reached(self, node_id: str) -> bool:
        """Was the screen ``node_id`` ever shown?"""
        return any(e.kind == "screen" and e.node_id == node_id for e in self.events)

    def count(self, code: str) -> int:
        """How many outcomes named ``code`` (a trailing ":" matches a family)."""
        if code.endswith(":"):
            return sum(1 for e in self.events if e.kind == "outcome" and e.code.startswith(code))
        return sum(1 for e in self.events if e.kind == "outcome" and e.code == code)

    def wrong_passwords(self) -> int:
        return self.count("wrong_password")

    def ignored_keys(self) -> int:
        """Keys that did nothing (pressed where they have no meaning)."""
        return sum(1 for e in self.events if e.kind == "key" and not e.handled)

    def outcomes(self) -> list[str]:
        return [e.code for e in self.events if e.kind == "outcome"]
