"""The handset's event log: every key pressed and every screen shown.

Training drills read it afterwards to check steps: was a node reached, how
many wrong passwords, how many keys did nothing.

An outcome is a closed ``Outcome`` code plus a ``reason`` that tells cases of
the same code apart ("der" for a refused DER file, "ok" for a provisioning
that worked). Drill files and tests write them as one string, ``code``,
``code:`` (any reason) or ``code:reason``; ``OutcomeSpec.parse`` reads that
notation once and matching is then on the fields, never on string prefixes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

from core.handset.provision import OK as PROVISION_OK


class EventKind(StrEnum):
    KEY = "key"
    SCREEN = "screen"
    EFFECT = "effect"
    OUTCOME = "outcome"


class Outcome(StrEnum):
    """Something the phone did that a drill may count."""

    ADMIN_GRANTED = "admin_granted"  # a gate's password was right
    WRONG_PASSWORD = "wrong_password"
    UNSUPPORTED = "unsupported"  # opened an item outside the rehearsal (detail: its id)
    CA_CHOICE = "ca_choice"  # reason "<profile number>:<choice>"
    INSTALLED = "installed"  # detail: the SHA-256 of the CA
    ALREADY_INSTALLED = "already_installed"
    SLOTS_FULL = "slots_full"
    REMOVED = "removed"
    DOWNLOAD_FAILED = "download_failed"  # reason: core.fetch's Failure, lower case
    REFUSED = "refused"  # reason: core.handset.accept's code
    PROVISION = "provision"  # reason: core.handset.provision's code ("ok" when it worked)
    CANCELLED = "cancelled"  # an effect was aborted; reason: "download", "provision" or "boot"
    SETTING = "setting"  # a setting entry stored a value; reason: the setting's name
    # A boot (power cycle): each file, each parameter, and how it ended.
    FILE_READ = "file_read"  # detail: the file name
    FILE_MISSING = "file_missing"  # the MAC's master file is missing: the default is read
    FILE_FAILED = "file_failed"  # reason: core.fetch's Failure or "bad_xml"; detail: why
    PARAM_APPLIED = "param_applied"  # reason: the parameter; detail: what it did
    PARAM_IGNORED = "param_ignored"  # reason: the parameter; detail: why (.set not 1...)
    PARAM_REFUSED = "param_refused"  # reason: the parameter; detail: why (not PEM...)
    BOOT = "boot"  # reason "ok", or why it stopped: a file's failure or a provision code


# Outcomes that mean the phone showed a failure (PROVISION only when its reason is not OK).
FAILURES = frozenset(
    {
        Outcome.WRONG_PASSWORD,
        Outcome.DOWNLOAD_FAILED,
        Outcome.REFUSED,
        Outcome.PROVISION,
        Outcome.SLOTS_FULL,
        Outcome.CANCELLED,
        Outcome.FILE_FAILED,
        Outcome.PARAM_REFUSED,
        Outcome.BOOT,
    }
)
BOOT_OK = "ok"


@dataclass(frozen=True)
class Event:
    """One entry of the log.

    kind KEY: ``key`` was pressed on ``node_id``; ``handled`` False when it
    did nothing. Keys typed into a masked entry are logged as "*".
    kind SCREEN: the screen ``node_id`` was shown (``detail`` = its message).
    kind EFFECT: the phone asked the caller to do something (``detail``).
    kind OUTCOME: ``code`` (an Outcome), ``reason`` and ``detail`` (the message
    or what it is about).
    """

    seq: int
    kind: EventKind
    node_id: str
    key: str = ""
    handled: bool = True
    code: Outcome | None = None
    reason: str = ""
    detail: str = ""

    @property
    def label(self) -> str:
        """The outcome in drill-file notation: "code" or "code:reason" ("" if no outcome)."""
        if self.code is None:
            return ""
        return f"{self.code}:{self.reason}" if self.reason else str(self.code)

    @property
    def failure(self) -> bool:
        """Is this an outcome the phone shows as a failure?"""
        if self.code not in FAILURES:
            return False
        if self.code is Outcome.PROVISION and self.reason == PROVISION_OK:
            return False
        return not (self.code is Outcome.BOOT and self.reason == BOOT_OK)


@dataclass(frozen=True)
class OutcomeSpec:
    """An outcome a drill step or a test names: a code, and a reason or None for any."""

    code: Outcome
    reason: str | None = None

    @classmethod
    def parse(cls, text: str) -> OutcomeSpec:
        """Read "code", "code:" or "code:reason" (ValueError for an unknown code)."""
        code, colon, reason = text.partition(":")
        return cls(Outcome(code), reason if colon and reason else None)

    def matches(self, event: Event) -> bool:
        if event.kind is not EventKind.OUTCOME or event.code is not self.code:
            return False
        return self.reason is None or event.reason == self.reason


class EventLog:
    """An append-only list of events with the questions drills ask."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def add(
        self,
        kind: EventKind,
        node_id: str,
        *,
        key: str = "",
        handled: bool = True,
        code: Outcome | None = None,
        reason: str = "",
        detail: str = "",
    ) -> Event:
        event = Event(len(self.events), kind, node_id, key, handled, code, reason, detail)
        self.events.append(event)
        return event

    def __iter__(self) -> Iterator[Event]:
        return iter(self.events)

    def __len__(self) -> int:
        return len(self.events)

    def key_presses(self) -> list[Event]:
        return [e for e in self.events if e.kind is EventKind.KEY]

    def screens(self) -> list[str]:
        """Node ids of the screens shown, in order."""
        return [e.node_id for e in self.events if e.kind is EventKind.SCREEN]

    def reached(self, node_id: str) -> bool:
        """Was the screen ``node_id`` ever shown?"""
        return any(e.kind is EventKind.SCREEN and e.node_id == node_id for e in self.events)

    def count(self, outcome: str | OutcomeSpec) -> int:
        """How many outcomes match ``outcome`` ("code", "code:" for any reason, "code:reason")."""
        spec = outcome if isinstance(outcome, OutcomeSpec) else OutcomeSpec.parse(outcome)
        return sum(1 for e in self.events if spec.matches(e))

    def wrong_passwords(self) -> int:
        return self.count(OutcomeSpec(Outcome.WRONG_PASSWORD))

    def ignored_keys(self) -> int:
        """Keys that did nothing (pressed where they have no meaning)."""
        return sum(1 for e in self.events if e.kind is EventKind.KEY and not e.handled)

    def outcome_events(self) -> list[Event]:
        return [e for e in self.events if e.kind is EventKind.OUTCOME]

    def outcomes(self) -> list[str]:
        """The outcomes in drill-file notation ("installed", "refused:der", ...)."""
        return [e.label for e in self.outcome_events()]

    def last_outcome(self) -> Event | None:
        found = self.outcome_events()
        return found[-1] if found else None
