"""The handset as a sans-IO state machine (as h11 is for HTTP).

The effect contract, the whole of it:

- ``press(key)`` changes state and returns at most one effect (``Download``,
  ``FetchFile`` or ``Provision``), or None. While an effect is pending the phone is busy: it
  ignores keys (each is logged as not handled), ``pending`` is that effect.
- Exactly one way to hand its result back: ``feed(result)`` (a core.fetch
  ``FetchResult`` for a Download or FetchFile, a ``TLSResult`` for a Provision).
  It shows the result and returns None, except inside a boot.
- A boot (power cycle: the ``power`` key, or the idle screen's Boot soft key) is a
  sequence of effects: for an https:// provisioning server a ``Provision`` (the
  server's chain and CN, as the bulletin's check), then ``FetchFile`` for the
  master file (``<mac>.cfg``, else ``000000000000.cfg``), then one per
  CONFIG_FILES file. ``feed`` of one step returns the next effect, already
  pending (the phone stays busy); the caller runs it as if ``press`` had
  returned it, and feeds it once, until ``feed`` returns None. An abort ends
  the whole boot.
- While busy, End, Back and the busy screen's Cancel soft key ask to cancel:
  ``press`` returns a ``Cancel`` (not an effect: nothing to run) and changes
  nothing else. The caller stops the running effect for real (``task.cancel()``)
  and calls ``abort(cancel.reason)``; ``runner.cancel`` does both, in the order
  that keeps the reason. Any other key while busy does nothing.
- ``abort(reason)`` ends an effect still running without a result (the user
  cancelled it, or running it failed unexpectedly): the phone shows a short
  cancelled message with ``reason`` and logs a CANCELLED outcome.
- ``press(key, tick=...)``: the caller's clock reading (any monotonic seconds);
  when the key starts an effect the busy screen carries it as ``busy_since`` so
  a front end can show the elapsed seconds. The model never reads a clock.
- Feeding or aborting with nothing pending (feeding twice, feeding after an
  abort) is a programming error: ``EffectError`` at once, nothing changes.

``core.handset.runner`` is the one runner every front end calls (the app, the
drill screen, ``rehearse``, drills, tests). No I/O, no threads, no sleeps
here. The machine dispatches on a node's ``Kind``; what a node needs (what a
gate unlocks, a profile's number, an entry's prefix and case) is in its fields
in ``menu.py``, and ``HandsetSettings.tree`` may carry another tree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, final

from cryptography import x509
from cryptography.hazmat.primitives import hashes

from core.errors import UserError
from core.handset import accept as acceptmod
from core.handset import bootfiles, menu
from core.handset.bootfiles import BootFileError, ParamLine, Verdict
from core.handset.events import BOOT_OK, Event, EventKind, EventLog, Outcome
from core.handset.menu import (
    KEYPAD_MODE_KEY,
    KEYPAD_NEXT_KEY,
    KEYPAD_TIMEOUT_KEY,
    SOFTKEYS,
    Case,
    KeypadMode,
    Kind,
    MenuTree,
    RehearsalChoices,
)
from core.handset.provision import (
    NAME_MISMATCH,
    NO_CN,
    ProvisionOutcome,
    check_provisioning,
    parse_boot_server,
)
from core.handset.provision import OK as PROVISION_OK
from core.handset.screen import Screen, render_text

if TYPE_CHECKING:
    from core.fetch.results import FetchResult, TLSResult

# Keys the handset knows, besides single printable characters typed into entries.
# "line_start"/"line_end" move an entry's cursor to its start/end (a front end maps
# the terminal's Home/End keys to them inside an entry; "end" stays the phone's red
# End key). "timeout" is a pause, sent by the caller in keypad mode (see menu.py).
LINE_START = "line_start"
LINE_END = "line_end"
NAMED_KEYS = frozenset(
    {"up", "down", "left", "right", "select", "back", "end", "backspace"}
    | {LINE_START, LINE_END, KEYPAD_TIMEOUT_KEY, "power"}
    | {f"soft{i}" for i in range(1, 5)}
)
# Soft keys of an entry, by position (labels in menu.SOFTKEYS): 1 confirms, 2 leaves,
# 3 clears.
CLEAR_SOFTKEY = "soft3"
# The power key: a power cycle, i.e. a boot (rehearsal choice: a named key; the idle
# screen's Boot soft key does the same).
POWER_KEY = "power"
BOOT_SOFTKEY = "soft4"
BOOT_TAIL = 3  # boot log lines the busy screen shows (the latest)


class EffectError(RuntimeError):
    """The effect contract was broken: feed/abort with nothing pending, or a wrong result."""


@final
class Progress(StrEnum):
    """How far the handset got through the bulletin."""

    NONE = ""  # no custom CA yet
    INSTALLED = "installed"  # a custom CA is installed
    PROFILE = "profile"  # the profile Provision uses trusts the custom CAs
    PROVISIONED = "provisioned"  # the last Provision passed
    PROVISION_FAILED = "provision_failed"  # the last Provision failed


@dataclass(frozen=True)
class Download:
    """Effect: download the custom CA certificate at ``url``; feed a FetchResult."""

    url: str


@final
@dataclass(frozen=True)
class Provision:
    """Effect: a TLS connection to the boot server with ``profile``'s trust; feed a TLSResult."""

    url: str
    host: str
    port: int
    profile: int = 1


@final
@dataclass(frozen=True)
class FetchFile:
    """Effect (boot): download the provisioning file ``name`` at ``url``; feed a
    FetchResult. ``profile``: over https, the platform profile whose trust the phone
    uses (the provisioning profile); None over ftp/http."""

    url: str
    name: str
    profile: int | None = None


Effect = Download | FetchFile | Provision


@final
@dataclass(frozen=True)
class Cancel:
    """Not an effect: a key asked to cancel the pending ``effect``.

    The caller stops the running effect for real (cancels its task, which closes
    the connection) and calls ``Handset.abort(reason)``; see ``runner.cancel``.
    """

    effect: Effect
    reason: str


@dataclass
class HandsetSettings:
    """What the rehearsal sets up before the trainee picks up the phone."""

    # Boot server, as DHCP or the phone's UI would give it: NAME, NAME:port or
    # https://NAME[:port]/. Empty: provisioning is not part of this rehearsal.
    boot_server: str = ""
    admin_password: str = menu.DEFAULT_ADMIN_PASSWORD
    choices: RehearsalChoices = field(default_factory=RehearsalChoices)
    # Clock for certificate dates; tests may pin it.
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    # The menus, gates and profiles (menu.py's tree unless a trainer or test gives another).
    tree: MenuTree = field(default_factory=lambda: menu.TREE)
    # Keypad mode (a trainer's setting): URLs are typed with the digit keys by multi-tap,
    # as on the phone, with RehearsalChoices.keypad_map; letters from a keyboard are
    # refused in such an entry. Off: keyboard letters type directly.
    keypad: bool = False
    # The handset's MAC: its master file at boot is <mac>.cfg (12 lower-case hex digits).
    mac: str = bootfiles.DEFAULT_MAC
    # What the phone already holds when the trainee picks it up (a CA rollover drill: the
    # current CA in slot 1, the provisioning profile on All Certificates): custom CAs in
    # slot order, and (profile number, CA Certificate choice) pairs.
    preinstalled: tuple[x509.Certificate, ...] = ()
    profile_choices: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True)
class InstalledCA:
    slot: int
    cert: x509.Certificate
    cn: str
    not_after: datetime
    sha256: str  # "AB:CD:..." upper-case colon hex, as openssl prints it
    url: str = ""

    @property
    def short_fingerprint(self) -> str:
        return self.sha256[:11]  # first four bytes: enough to tell CAs apart by eye


@dataclass
class TLSProfile:
    number: int
    name: str
    ca_certificate: str


@dataclass(frozen=True)
class Trust:
    """What a connection trusts: the built-in list and/or these custom CAs."""

    builtin: bool
    custom: tuple[x509.Certificate, ...]


@dataclass
class _Frame:
    node_id: str
    cursor: int = 0


class _Panel(StrEnum):
    """A screen laid over the menus (keys of SOFTKEYS)."""

    RESULT = "result"
    DETAIL = "detail"
    CONFIRM = "confirm"
    BUSY = "busy"


class _Close(StrEnum):
    """Where a result screen's Ok goes."""

    STAY = "stay"  # back to the screen under it
    POP = "pop"  # and leave that screen too
    IDLE = "idle"  # to the idle screen


@dataclass
class _Overlay:
    node_id: str  # an INFO/BUSY node of the menu data
    panel: _Panel
    lines: tuple[str, ...] = ()
    message: str = ""
    title: str = ""
    on_close: _Close = _Close.STAY
    slot: int = 0  # the custom CA a detail/confirm screen is about
    result: str = ""  # BUSY: the INFO node its result is shown on
    scroll: int = 0  # RESULT: the first line shown (a long boot log scrolls)


class _Stage(StrEnum):
    """Where a boot is."""

    CHECK = "check"  # https: the server's certificate (chain, then CN)
    MASTER = "master"  # <mac>.cfg
    DEFAULT = "default"  # 000000000000.cfg, the MAC's was missing
    CONFIG = "config"  # the CONFIG_FILES, in order


@dataclass
class _Boot:
    base: str  # the folder URL the files are read from
    profile: int | None  # https: the provisioning profile (its trust)
    stage: _Stage = _Stage.MASTER
    todo: list[str] = field(default_factory=list)
    files: list[dict[str, str]] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)


class Handset:
    """The emulated phone; see the module docstring for the effect contract."""

    def __init__(self, settings: HandsetSettings | None = None) -> None:
        self.settings = settings or HandsetSettings()
        self.choices = self.settings.choices
        self.tree = self.settings.tree
        self.log = EventLog()
        self.custom_cas: list[InstalledCA] = []
        self.profiles: dict[int, TLSProfile] = {
            number: TLSProfile(number, node.label, self.choices.default_ca_choice)
            for number, node in self.tree.profiles.items()
        }
        if self.choices.provisioning_profile not in self.profiles:
            raise ValueError(
                f"provisioning profile {self.choices.provisioning_profile} is no profile node"
            )
        for number, choice in self.settings.profile_choices:
            self.profiles[number].ca_certificate = choice
        for cert in self.settings.preinstalled[: self.choices.custom_ca_slots]:
            self._install(cert, "")
        self.last_provision: ProvisionOutcome | None = None
        self.last_message = ""  # the last result the phone reported (download/provision)
        # The last boot: its log (what the boot log screen listed) and how it ended.
        self.boot_log: tuple[str, ...] = ()
        self.last_boot: Event | None = None
        # device.sec.TLS.prov.strictCertCommonNameValidation (vendor doc); the bulletin's
        # CN comparison is on unless a provisioning file turns it off.
        self.strict_cn = True
        self._boot: _Boot | None = None
        for node in self.tree.nodes.values():
            if node.kind is Kind.SETTING_ENTRY and node.setting not in _SETTING_CHECKS:
                raise ValueError(f"menu node {node.id!r} edits {node.setting!r}, no setting")
        self._stack: list[_Frame] = [_Frame(self.tree.root.id)]
        self._overlay: _Overlay | None = None
        self._pending: Effect | None = None
        self._unlocked: set[str] = set()  # gates passed since the phone was last idle
        self._message = ""
        self._entry = ""
        self._entry_cursor = 0
        self._busy_since: float | None = None
        # Keypad mode: the key whose character is on show (not yet confirmed), its
        # index in that key's characters, and what the digit keys type now.
        self._tap: str | None = None
        self._tap_index = 0
        self._keypad_mode = KeypadMode.LETTERS
        self._last_screen: Screen | None = None
        self._record_screen()

    # ----- public surface -------------------------------------------------
    @property
    def events(self) -> list[Event]:
        return self.log.events

    @property
    def busy(self) -> bool:
        return self._pending is not None

    @property
    def pending(self) -> Effect | None:
        return self._pending

    @property
    def admin(self) -> bool:
        """Has a password gate been passed (admin access until the phone is idle again)?"""
        return bool(self._unlocked)

    @property
    def screen(self) -> Screen:
        return self._build_screen()

    def render_text(self) -> str:
        return render_text(self.screen)

    def download_trust(self) -> Trust:
        """https downloads trust the built-in list plus the custom CAs (rehearsal choice)."""
        return Trust(True, tuple(ca.cert for ca in self.custom_cas))

    def profile_trust(self, number: int) -> Trust:
        builtin, custom = menu.CA_CHOICE_TRUST[self.profiles[number].ca_certificate]
        return Trust(builtin, tuple(ca.cert for ca in self.custom_cas) if custom else ())

    @property
    def progress(self) -> Progress:
        """How far the rehearsal got, for a "next step" hint."""
        outcome = self.last_provision
        if outcome is not None:
            return Progress.PROVISIONED if outcome.ok else Progress.PROVISION_FAILED
        if not self.custom_cas:
            return Progress.NONE
        if self.profile_trust(self.choices.provisioning_profile).custom:
            return Progress.PROFILE
        return Progress.INSTALLED

    @property
    def busy_since(self) -> float | None:
        """The caller's tick when the pending effect started (None: not busy, or no tick)."""
        return self._busy_since if self.busy else None

    def elapsed(self, now: float) -> int:
        """Whole seconds the phone has waited for the network, by the caller's clock."""
        since = self.busy_since
        return max(0, int(now - since)) if since is not None else 0

    def press(self, key: str, *, tick: float | None = None) -> Effect | Cancel | None:
        """One key press; returns the effect the caller must run, if any (at most one),
        or, while busy, a ``Cancel`` request (see the module docstring). ``tick``: the
        caller's clock, kept as ``busy_since`` when the key starts an effect."""
        before = self.screen
        masked = before.masked and len(key) == 1
        if self._pending is None:
            self._message = ""
        handled, effect = self._dispatch(key)
        self.log.add(EventKind.KEY, before.node_id, key="*" if masked else key, handled=handled)
        if isinstance(effect, Cancel):
            return effect
        if effect is not None:
            self._pending = effect
            self._busy_since = tick
            self.log.add(EventKind.EFFECT, before.node_id, detail=_effect_detail(effect))
        self._record_screen()
        return effect

    def feed(self, result: FetchResult | TLSResult) -> Effect | None:
        """Hand back the result of the pending effect: a FetchResult for a Download or
        FetchFile, a TLSResult for a Provision. Inside a boot, returns the boot's next
        effect (already pending), else None. EffectError when nothing is pending."""
        from core.fetch.results import FetchResult, TLSResult  # here: the model stays light

        effect = self._pending
        if self._boot is not None and isinstance(effect, FetchFile | Provision):
            wanted = FetchResult if isinstance(effect, FetchFile) else TLSResult
            if not isinstance(result, wanted):
                raise EffectError(f"feed() got a {type(result).__name__} for {effect!r}")
            since = self._busy_since
            self._take_pending("feed")
            following = self._boot_step(effect, result)
            if following is not None:
                self._pending, self._busy_since = following, since
                self.log.add(
                    EventKind.EFFECT, self.screen.node_id, detail=_effect_detail(following)
                )
            self._record_screen()
            return following
        if isinstance(effect, Download) and isinstance(result, FetchResult):
            self._take_pending("feed")
            self._downloaded(effect, result)
        elif isinstance(effect, Provision) and isinstance(result, TLSResult):
            self._take_pending("feed")
            self._provisioned(effect, result)
        elif effect is None:
            self._take_pending("feed")  # raises
        else:
            raise EffectError(f"feed() got a {type(result).__name__} for {effect!r}")
        self._record_screen()
        return None

    def abort(self, reason: str) -> None:
        """End the pending effect without a result (cancelled, or it could not run):
        the phone shows a short cancelled message with ``reason``, and logs it.
        EffectError when nothing is pending."""
        effect = self._take_pending("abort")
        overlay = self._overlay
        assert overlay is not None and overlay.panel is _Panel.BUSY
        if self._boot is not None:
            self._outcome(Outcome.CANCELLED, "boot", reason)
            self._boot_end("cancelled", self._say("cancelled", reason=reason))
            self._record_screen()
            return
        what = "download" if isinstance(effect, Download) else "provision"
        self._outcome(Outcome.CANCELLED, what, reason)
        close = _Close.STAY if isinstance(effect, Download) else _Close.IDLE
        lines = (effect.url,) if isinstance(effect, Provision) else ()
        self._result(overlay.result, self._say("cancelled", reason=reason), close, lines)
        self._record_screen()

    def _take_pending(self, verb: str) -> Effect:
        effect = self._pending
        if effect is None:
            raise EffectError(f"{verb}() called with no effect pending (fed twice, or after abort)")
        self._pending = None
        self._busy_since = None
        return effect

    # ----- screen ---------------------------------------------------------
    def _top(self) -> _Frame:
        return self._stack[-1]

    def _node(self, node_id: str) -> menu.Node:
        return self.tree.nodes[node_id]

    def _build_screen(self) -> Screen:
        ov = self._overlay
        if ov is not None:
            node = self._node(ov.node_id)
            busy = ov.panel is _Panel.BUSY
            return Screen(
                node_id=node.id,
                title=ov.title or node.label,
                kind="busy" if busy else "info",
                items=ov.lines[ov.scroll :],
                cursor=-1,
                message=self._message or ov.message,
                softkeys=self._busy_softkeys() if busy else SOFTKEYS[ov.panel],
                source=node.source,
                busy_since=self._busy_since if busy else None,
            )
        frame = self._top()
        node = self._node(frame.node_id)
        if node.kind is Kind.IDLE:
            boot = self.settings.boot_server or "(not set)"
            return Screen(
                node_id=node.id,
                title=node.label,
                kind="idle",
                items=("Boot server:", boot),
                message=self._message,
                softkeys=SOFTKEYS[Kind.IDLE],
                source=node.source,
            )
        if node.entry is not None:
            masked = node.entry.masked
            return Screen(
                node_id=node.id,
                title=node.label,
                kind="password" if masked else "entry",
                entry="*" * len(self._entry) if masked else self._entry,
                entry_cursor=self._entry_cursor,
                masked=masked,
                message=self._message,
                softkeys=SOFTKEYS[node.kind],
                source=node.source,
                entry_pending=self._tap is not None,
                keypad_mode=str(self._keypad_mode) if self._multitap(node) else "",
                keypad=self._keypad_legend() if self._multitap(node) else (),
            )
        items, sources, marked, hint = self._list_items(node)
        return Screen(
            node_id=node.id,
            title=node.label,
            kind="menu",
            items=items,
            cursor=frame.cursor if items else -1,
            message=self._message or hint,
            softkeys=SOFTKEYS[node.kind],
            source=node.source,
            marked=marked,
            item_sources=sources,
        )

    def _list_items(self, node: menu.Node) -> tuple[tuple[str, ...], tuple[str, ...], int, str]:
        if node.kind is Kind.CHOICE:
            current = self._profile_of_choice(node).ca_certificate
            labels = tuple(label for label, _ in menu.CA_CHOICES)
            sources = tuple(src for _, src in menu.CA_CHOICES)
            return labels, sources, labels.index(current), ""
        if node.kind is Kind.CA_LIST:
            if not self.custom_cas:
                return (), (), -1, self.choices.messages["no_custom_cas"]
            ca = self.custom_cas[min(self._top().cursor, len(self.custom_cas) - 1)]
            hint = f"Exp {ca.not_after:%Y-%m-%d} {ca.short_fingerprint}"
            # The slot first: during a CA rollover two CAs may differ only by " G2".
            items = tuple(f"Slot {ca.slot} {ca.cn}" for ca in self.custom_cas)
            return items, (menu.REHEARSAL,) * len(items), -1, hint
        kids = self.tree.children(node.id)
        hint = ""
        if node.kind is Kind.PROFILE and node.profile is not None:
            hint = f"CA Certificate: {self.profiles[node.profile.number].ca_certificate}"
        return (
            tuple(k.label for k in kids),
            tuple(k.source for k in kids),
            -1,
            hint,
        )

    def _profile_of_choice(self, node: menu.Node) -> TLSProfile:
        return self.profiles[self.tree.choice_profile[node.id]]

    def _record_screen(self) -> None:
        screen = self.screen
        if screen != self._last_screen:
            self._last_screen = screen
            self.log.add(EventKind.SCREEN, screen.node_id, detail=screen.message)

    def _say(self, code: str, **fields: object) -> str:
        return self.choices.messages[code].format(**fields)

    def _outcome(self, code: Outcome, reason: str = "", detail: str = "") -> None:
        self.log.add(
            EventKind.OUTCOME, self.screen.node_id, code=code, reason=reason, detail=detail
        )

    def _busy_softkeys(self) -> tuple[str, str, str, str]:
        labels = SOFTKEYS[_Panel.BUSY]
        if self.choices.cancel_while_busy:
            return labels
        return ("", "", "", "")

    def _cancel_keys(self) -> frozenset[str]:
        if not self.choices.cancel_while_busy:
            return frozenset()
        soft = {f"soft{i}" for i, label in enumerate(self._busy_softkeys(), start=1) if label}
        return frozenset({"end", "back", *soft})

    def _multitap(self, node: menu.Node) -> bool:
        return self.settings.keypad and node.entry is not None and node.entry.multitap

    def _keypad_legend(self) -> tuple[tuple[str, str], ...]:
        """The keypad's keys and what each types now (the screen shows it in keypad mode)."""
        if self._keypad_mode is KeypadMode.DIGITS:
            keys = [(d, d) for d in "1234567890"]
            other = KeypadMode.LETTERS
        else:
            keys = [(k, v) for k, v in self.choices.keypad_map.items() if v]
            other = KeypadMode.DIGITS
        return (*keys, (KEYPAD_MODE_KEY, str(other)), (KEYPAD_NEXT_KEY, "next"))

    # ----- keys -----------------------------------------------------------
    def _dispatch(self, key: str) -> tuple[bool, Effect | Cancel | None]:
        if key not in NAMED_KEYS and not (len(key) == 1 and key.isprintable()):
            return False, None
        if self._pending is not None:  # busy: the phone waits for the network
            if key in self._cancel_keys():
                return True, Cancel(self._pending, self._say("cancelled_by_user"))
            return False, None
        if key == POWER_KEY:
            return True, self._power_cycle()
        if key == "end" and self.choices.end_goes_idle:
            at_idle = self._overlay is None and len(self._stack) == 1
            self._go_idle()
            return not at_idle, None
        if self._overlay is not None:
            return self._overlay_key(key), None
        node = self._node(self._top().node_id)
        if node.kind is Kind.IDLE:
            return self._idle_key(node, key)
        if node.entry is not None:
            return self._entry_key(node, key)
        return self._list_key(node, key), None

    def _go_idle(self) -> None:
        self._stack = [self._stack[0]]
        self._overlay = None
        self._clear_entry_state()
        if self.choices.admin_access_until_idle:
            self._unlocked.clear()

    def _pop(self) -> None:
        self._stack.pop()
        if len(self._stack) == 1:
            self._go_idle()

    def _idle_key(self, node: menu.Node, key: str) -> tuple[bool, Effect | None]:
        if key in ("soft1", "select"):
            self._stack.append(_Frame(node.children[0]))
            return True, None
        if key == "soft2":
            return True, self._start_provision(node)
        if key == BOOT_SOFTKEY:
            return True, self._power_cycle()
        return False, None

    def _list_key(self, node: menu.Node, key: str) -> bool:
        frame = self._top()
        count = len(self._list_items(node)[0])
        if key == "up" and frame.cursor > 0:
            frame.cursor -= 1
            return True
        if key == "down" and frame.cursor < count - 1:
            frame.cursor += 1
            return True
        if key in ("back", "soft2"):
            self._pop()
            return True
        if key.isdigit() and len(key) == 1:
            index = 9 if key == "0" else int(key) - 1
            if index >= count:
                return False
            frame.cursor = index
            key = "select"
        if key in ("select", "soft1") and count:
            self._open(node, frame.cursor)
            return True
        return False

    def _open(self, node: menu.Node, index: int) -> None:
        if node.kind is Kind.CHOICE:
            profile = self._profile_of_choice(node)
            profile.ca_certificate = menu.CA_CHOICES[index][0]
            self._message = self._say("choice_set", choice=profile.ca_certificate)
            self._outcome(Outcome.CA_CHOICE, f"{profile.number}:{profile.ca_certificate}")
            return
        if node.kind is Kind.CA_LIST:
            self._show_detail(node, self.custom_cas[index])
            return
        child = self.tree.children(node.id)[index]
        if child.kind is Kind.UNSUPPORTED:
            self._message = self._say("not_in_rehearsal", label=child.label)
            self._outcome(Outcome.UNSUPPORTED, detail=child.id)
            return
        if child.gate is not None and child.gate not in self._unlocked:
            self._enter(self._node(child.gate))
            return
        if child.kind is Kind.URL_ENTRY and len(self.custom_cas) >= self.choices.custom_ca_slots:
            self._message = self._say("slots_full", slots=self.choices.custom_ca_slots)
            return
        if child.entry is not None:
            self._enter(child)
            return
        self._stack.append(_Frame(child.id))

    def _clear_entry_state(self) -> None:
        self._entry, self._entry_cursor = "", 0
        self._tap = None
        self._keypad_mode = KeypadMode.LETTERS

    def _enter(self, node: menu.Node) -> None:
        assert node.entry is not None
        self._clear_entry_state()
        self._entry = node.entry.prefix
        if node.kind is Kind.SETTING_ENTRY and node.setting is not None:
            self._entry = getattr(self.settings, node.setting) or node.entry.prefix
        self._entry_cursor = len(self._entry)
        self._stack.append(_Frame(node.id))

    def _insert(self, node: menu.Node, ch: str) -> None:
        assert node.entry is not None
        ch = ch.lower() if node.entry.case is Case.LOWER else ch
        text, pos = self._entry, self._entry_cursor
        self._entry, self._entry_cursor = text[:pos] + ch + text[pos:], pos + 1

    def _entry_key(self, node: menu.Node, key: str) -> tuple[bool, Effect | None]:
        assert node.entry is not None
        if self._multitap(node):
            handled = self._keypad_key(node, key)
            if handled is not None:
                return handled, None
        self._tap = None  # any other key confirms the character on show first
        text, pos = self._entry, self._entry_cursor
        confirm = ("soft1", "select") if self.choices.select_confirms_entry else ("soft1",)
        if key in confirm:
            return True, self._confirm_entry(node)
        if key in ("soft2", "back"):
            self._clear_entry_state()
            self._stack.pop()
            return True, None
        if key == CLEAR_SOFTKEY:
            if text == ("" if self.choices.clear_empties_entry else node.entry.prefix):
                return False, None
            self._entry = "" if self.choices.clear_empties_entry else node.entry.prefix
            self._entry_cursor = len(self._entry)
            return True, None
        if key == LINE_START and pos > 0:
            self._entry_cursor = 0
            return True, None
        if key == LINE_END and pos < len(text):
            self._entry_cursor = len(text)
            return True, None
        if key == "backspace" and pos > 0:
            self._entry, self._entry_cursor = text[: pos - 1] + text[pos:], pos - 1
            return True, None
        if key == "left" and pos > 0:
            self._entry_cursor -= 1
            return True, None
        if key == "right" and pos < len(text):
            self._entry_cursor += 1
            return True, None
        if len(key) == 1 and not self._multitap(node):
            self._insert(node, key)
            return True, None
        return False, None

    def _keypad_key(self, node: menu.Node, key: str) -> bool | None:
        """A key in a multi-tap entry: True/False (handled or not), None for the usual
        entry keys (confirm, cancel, cursor, Backspace: they confirm a tap first)."""
        if key == KEYPAD_MODE_KEY:
            self._tap = None
            digits = self._keypad_mode is KeypadMode.DIGITS
            self._keypad_mode = KeypadMode.LETTERS if digits else KeypadMode.DIGITS
            return True
        if key == KEYPAD_TIMEOUT_KEY or (key == KEYPAD_NEXT_KEY and self._tap is not None):
            confirmed, self._tap = self._tap is not None, None
            return confirmed
        if len(key) != 1:
            return None
        if not key.isdigit():  # a keyboard's letter: a phone's keypad has only digits, * and #
            self._message = self._say("keypad_only")
            return False
        if self._keypad_mode is KeypadMode.DIGITS:
            self._tap = None
            self._insert(node, key)
            return True
        chars = self.choices.keypad_map.get(key, "")
        if not chars:
            return False
        if self._tap == key:  # the same key again: the next character, in place
            self._tap_index = (self._tap_index + 1) % len(chars)
            pos = self._entry_cursor
            self._entry_cursor -= 1
            self._entry = self._entry[: pos - 1] + self._entry[pos:]
        else:
            self._tap, self._tap_index = key, 0
        self._insert(node, chars[self._tap_index])
        return True

    def _confirm_entry(self, node: menu.Node) -> Effect | None:
        if node.kind is Kind.PASSWORD:
            self._check_password(node)
            return None
        if node.kind is Kind.SETTING_ENTRY:
            self._store_setting(node)
            return None
        assert node.entry is not None and node.busy is not None and node.result is not None
        url = self._entry.strip()
        if not url or url == node.entry.prefix:
            self._message = self._say("empty_url")
            return None
        self._overlay = _Overlay(
            node.busy, _Panel.BUSY, (url,), self._say("downloading"), result=node.result
        )
        return Download(url)

    def _check_password(self, gate: menu.Node) -> None:
        assert gate.unlocks is not None
        typed = self._entry
        self._clear_entry_state()
        if typed == self.settings.admin_password:
            self._stack.pop()
            self._unlocked.add(gate.id)
            self._outcome(Outcome.ADMIN_GRANTED)
            self._stack.append(_Frame(gate.unlocks))
        else:
            # Stay on the password entry, emptied, with the message (issue 12): the
            # technician types it again; Cancel or Back leaves (rehearsal choice).
            self._message = self._say("wrong_password")
            self._outcome(Outcome.WRONG_PASSWORD)

    def _overlay_key(self, key: str) -> bool:
        ov = self._overlay
        assert ov is not None
        if ov.panel is _Panel.RESULT:
            if key == "down" and ov.scroll < len(ov.lines) - 1:
                ov.scroll += 1
                return True
            if key == "up" and ov.scroll > 0:
                ov.scroll -= 1
                return True
            if key not in ("soft1", "select", "back"):
                return False
            self._overlay = None
            if ov.on_close is _Close.POP:
                self._clear_entry_state()
                self._stack.pop()
            elif ov.on_close is _Close.IDLE:
                self._go_idle()
            else:  # back to the entry (a failed download): the cursor at the end, to fix it
                self._entry_cursor = len(self._entry)
                self._tap = None
            return True
        list_node = self._node(self._top().node_id)
        if ov.panel is _Panel.DETAIL:
            if key == "soft1":
                ca = self._ca_of_overlay()
                assert list_node.confirm is not None
                self._overlay = _Overlay(
                    list_node.confirm,
                    _Panel.CONFIRM,
                    ov.lines,
                    self._say("confirm_remove", cn=ca.cn),
                    slot=ca.slot,
                )
                return True
            if key in ("soft2", "back", "select"):
                self._overlay = None
                return True
            return False
        if ov.panel is _Panel.CONFIRM:
            if key == "soft1":
                ca = self._ca_of_overlay()
                self.custom_cas.remove(ca)
                self._overlay = None
                top = self._top()
                top.cursor = max(0, min(top.cursor, len(self.custom_cas) - 1))
                self._message = self._say("removed", cn=ca.cn, slot=ca.slot)
                self._outcome(Outcome.REMOVED, detail=ca.sha256)
                return True
            if key in ("soft2", "back"):
                self._show_detail(list_node, self._ca_of_overlay())
                return True
            return False
        return False

    def _show_detail(self, list_node: menu.Node, ca: InstalledCA) -> None:
        assert list_node.detail is not None
        lines = (
            f"Slot {ca.slot}",
            ca.cn,
            f"Expires {ca.not_after:%Y-%m-%d}",
            "SHA-256",
            ca.sha256[:23],
            ca.sha256[24:47] + "...",
        )
        self._overlay = _Overlay(list_node.detail, _Panel.DETAIL, lines, title=ca.cn, slot=ca.slot)

    def _ca_of_overlay(self) -> InstalledCA:
        assert self._overlay is not None
        return next(ca for ca in self.custom_cas if ca.slot == self._overlay.slot)

    # ----- effects and their results ---------------------------------------
    def _start_provision(self, idle: menu.Node) -> Effect | None:
        if not self.settings.boot_server:
            self._message = self._say("no_boot_server")
            return None
        try:
            server = parse_boot_server(self.settings.boot_server)
        except UserError as exc:
            self._message = str(exc)
            return None
        assert idle.busy is not None and idle.result is not None
        number = self.choices.provisioning_profile
        self._overlay = _Overlay(
            idle.busy, _Panel.BUSY, (server.url,), self._say("provisioning"), result=idle.result
        )
        return Provision(server.url, server.host, server.port, number)

    def _result(
        self, node_id: str, message: str, on_close: _Close, lines: tuple[str, ...] = ()
    ) -> None:
        self.last_message = message
        self._overlay = _Overlay(node_id, _Panel.RESULT, lines, message, on_close=on_close)

    def _result_node(self) -> str:
        assert self._overlay is not None and self._overlay.panel is _Panel.BUSY
        return self._overlay.result

    def _downloaded(self, effect: Download, result: FetchResult) -> None:
        shown_on = self._result_node()
        if not result.ok:
            message = self._say("download_failed", reason=result.message)
            reason = result.failure.name.lower() if result.failure is not None else ""
            self._outcome(Outcome.DOWNLOAD_FAILED, reason, result.message)
            self._result(shown_on, message, _Close.STAY)
            return
        verdict = acceptmod.accept_certificate_file(result.data, now=self.settings.now())
        if not verdict.ok:
            # The outcome keeps the explanation (for the diagnosis); the screen says what a
            # phone would: short, no remedy.
            self._outcome(Outcome.REFUSED, str(verdict.code), verdict.explanation)
            phone = acceptmod.phone_message(verdict.code, self.choices.messages)
            self._result(shown_on, phone, _Close.STAY)
            return
        cert = verdict.cert
        assert cert is not None
        from core.pki.summary import colon_hex  # here: importing core.handset stays light

        sha = colon_hex(cert.fingerprint(hashes.SHA256()))
        for ca in self.custom_cas:
            if ca.sha256 == sha:
                self._outcome(Outcome.ALREADY_INSTALLED, detail=sha)
                self._result(shown_on, self._say("already_installed", slot=ca.slot), _Close.POP)
                return
        if len(self.custom_cas) >= self.choices.custom_ca_slots:
            self._outcome(Outcome.SLOTS_FULL)
            slots = self.choices.custom_ca_slots
            self._result(shown_on, self._say("slots_full", slots=slots), _Close.POP)
            return
        installed = self._install(cert, effect.url)
        self._outcome(Outcome.INSTALLED, detail=sha)
        message = self._say("installed", slot=installed.slot)
        self._result(shown_on, message, _Close.POP, (installed.cn,))

    def _install(self, cert: x509.Certificate, url: str) -> InstalledCA:
        """Put ``cert`` in the first free custom CA slot (the caller checked there is one)."""
        from core.pki.summary import colon_hex  # here: importing core.handset stays light

        used = {ca.slot for ca in self.custom_cas}
        slot = next(n for n in range(1, self.choices.custom_ca_slots + 1) if n not in used)
        installed = InstalledCA(
            slot,
            cert,
            acceptmod.certificate_cn(cert) or "(no CN)",
            cert.not_valid_after_utc,
            colon_hex(cert.fingerprint(hashes.SHA256())),
            url,
        )
        self.custom_cas.append(installed)
        self.custom_cas.sort(key=lambda ca: ca.slot)
        return installed

    def _provisioned(self, effect: Provision, result: TLSResult) -> None:
        shown_on = self._result_node()
        # The menu's own test of the server: the CN is always checked here.
        outcome = self._check_server(effect, result, honour_strict_cn=False)
        self._result(shown_on, outcome.message, _Close.IDLE, (effect.url,))

    # ----- the provisioning server setting, and a boot -------------------------
    def _store_setting(self, node: menu.Node) -> None:
        assert node.entry is not None and node.setting is not None
        value = self._entry.strip()
        if value == node.entry.prefix:
            value = ""
        if value:
            try:
                _SETTING_CHECKS[node.setting](value)
            except UserError as exc:
                self._message = str(exc)
                return
        setattr(self.settings, node.setting, value)
        self._clear_entry_state()
        self._stack.pop()
        shown = _masked(value) if value else "(not set)"
        self._message = self._say("server_set", server=shown)
        self._outcome(Outcome.SETTING, node.setting, shown)

    def _power_cycle(self) -> Effect | None:
        """Off and on: back to idle, admin access gone, installed CAs, profiles and
        settings kept (they are in the phone's flash); then the boot's first effect."""
        self._go_idle()
        self._unlocked.clear()
        idle = self.tree.root
        assert idle.boot_busy is not None and idle.boot_result is not None
        server = self.settings.boot_server
        self._overlay = _Overlay(
            idle.boot_busy, _Panel.BUSY, (), self._say("booting"), result=idle.boot_result
        )
        boot = _Boot("", None, lines=[f"MAC {self.settings.mac}"])
        self._boot = boot
        if not server:
            self._boot_end("no_server", self._say("boot_no_server"))
            return None
        try:
            boot.base = bootfiles.boot_base_url(server)
            https = parse_boot_server(boot.base) if boot.base.startswith("https://") else None
        except UserError as exc:
            self._boot_end("bad_server", str(exc))
            return None
        self._boot_line(f"Server {_masked(boot.base)}")
        if https is None:
            return self._fetch_master(boot)
        boot.stage = _Stage.CHECK
        boot.profile = self.choices.provisioning_profile
        return Provision(https.url, https.host, https.port, boot.profile)

    def _boot_line(self, line: str) -> None:
        boot = self._boot
        assert boot is not None
        boot.lines.append(line)
        ov = self._overlay
        if ov is not None and ov.panel is _Panel.BUSY:
            ov.lines = tuple(boot.lines[-BOOT_TAIL:])

    def _fetch_master(self, boot: _Boot, name: str = "") -> FetchFile:
        boot.stage = _Stage.DEFAULT if name else _Stage.MASTER
        name = name or bootfiles.master_name(self.settings.mac)
        return FetchFile(boot.base + name, name, boot.profile)

    def _boot_step(
        self, effect: FetchFile | Provision, result: FetchResult | TLSResult
    ) -> Effect | None:
        from core.fetch.results import FetchResult

        boot = self._boot
        assert boot is not None
        if isinstance(effect, Provision):
            assert not isinstance(result, FetchResult)
            outcome = self._check_server(effect, result)
            if not outcome.ok:
                self._boot_end(outcome.code, outcome.message)
                return None
            self._boot_line(f"Server trusted, CN {outcome.cn}")
            return self._fetch_master(boot)
        assert isinstance(result, FetchResult)
        if not result.ok:
            missing = result.failure == "not_found" or result.status == 404
            if boot.stage is _Stage.MASTER and missing:
                self._outcome(Outcome.FILE_MISSING, effect.name, result.message)
                self._boot_line(f"{effect.name}: not found")
                return self._fetch_master(boot, bootfiles.DEFAULT_MASTER)
            reason = str(result.failure or "failed")
            self._outcome(Outcome.FILE_FAILED, reason, f"{effect.name}: {result.message}")
            self._boot_line(f"{effect.name}: failed")
            self._boot_end(reason, f"{effect.name}: {result.message}")
            return None
        try:
            if boot.stage is _Stage.CONFIG:
                boot.files.append(bootfiles.parse_config(result.data, effect.name))
                names: list[str] = []
            else:
                names = bootfiles.parse_master(result.data, effect.name)
        except BootFileError as exc:
            self._outcome(Outcome.FILE_FAILED, "bad_xml", str(exc))
            self._boot_line(f"{effect.name}: refused")
            self._boot_end("bad_xml", str(exc))
            return None
        self._outcome(Outcome.FILE_READ, effect.name)
        if boot.stage is _Stage.CONFIG:
            self._boot_line(f"{effect.name}: {len(boot.files[-1])} parameters")
        else:
            listed = ", ".join(bootfiles.clip(n) for n in names) or "no files"
            self._boot_line(f"{effect.name}: lists {listed}")
            boot.stage, boot.todo = _Stage.CONFIG, names
        if boot.todo:
            name = boot.todo.pop(0)
            return FetchFile(boot.base + name, name, boot.profile)
        self._boot_end(BOOT_OK, self._apply_parameters(boot))
        return None

    def _check_server(
        self, effect: Provision, result: TLSResult, *, honour_strict_cn: bool = True
    ) -> ProvisionOutcome:
        """The handset's provisioning rule on ``result``, kept as last_provision and
        logged once; a boot (``honour_strict_cn``) skips the CN check when the files
        set strictCertCommonNameValidation to 0."""
        profile = self.profiles[effect.profile]
        outcome = check_provisioning(
            result,
            effect.host,
            ca_choice=profile.ca_certificate,
            profile=profile.name,
            custom_cas=len(self.custom_cas),
        )
        if honour_strict_cn and not self.strict_cn and outcome.code in (NAME_MISMATCH, NO_CN):
            outcome = ProvisionOutcome(
                True,
                PROVISION_OK,
                f"Provisioning succeeded: {effect.host} is trusted; the Common Name is not "
                "checked (strictCertCommonNameValidation is 0).",
                menu.VENDOR_DOC,
                effect.host,
                outcome.cn,
            )
        self.last_provision = outcome
        self._outcome(Outcome.PROVISION, outcome.code, outcome.message)
        return outcome

    def _boot_end(self, reason: str, message: str) -> None:
        boot = self._boot
        assert boot is not None
        self._boot = None
        ok = reason == BOOT_OK
        shown = (
            self._say("boot_ok", summary=message)
            if ok
            else self._say("boot_failed", reason=message)
        )
        self._outcome(Outcome.BOOT, reason, message)
        self.last_boot = self.log.events[-1]
        if not ok:
            boot.lines.append(f"Failed: {message}")
        self.boot_log = tuple(boot.lines)
        node = self.tree.root.boot_result
        assert node is not None
        self._result(node, shown, _Close.IDLE, self.boot_log)

    def _param(self, line: ParamLine) -> ParamLine:
        code = {
            Verdict.APPLIED: Outcome.PARAM_APPLIED,
            Verdict.IGNORED: Outcome.PARAM_IGNORED,
            Verdict.REFUSED: Outcome.PARAM_REFUSED,
        }[line.verdict]
        self._outcome(code, line.name, line.why)
        self._boot_line(line.text)
        return line

    def _apply_parameters(self, boot: _Boot) -> str:
        """Apply what the files say (the .set rule), each parameter logged; the summary."""
        params = bootfiles.merge(boot.files)
        done: list[ParamLine] = []
        next_server = ""
        for name, value in params.items():
            if bootfiles.is_flag(name):
                continue
            if not _modelled(name):
                done.append(self._param(ParamLine(name, Verdict.IGNORED, "not modelled")))
                continue
            applies, why = bootfiles.is_set(params, name)
            if not applies:
                done.append(self._param(ParamLine(name, Verdict.IGNORED, why)))
                continue
            line = self._apply_one(name, value, params)
            if name == bootfiles.SERVER_NAME and line.verdict is Verdict.APPLIED:
                next_server = self.settings.boot_server
            done.append(self._param(line))
        counts = {v: sum(1 for d in done if d.verdict is v) for v in Verdict}
        summary = ", ".join(f"{counts[v]} {v}" for v in Verdict)
        if next_server:
            summary += f"; next boot from {_masked(next_server)}"
        return summary + "."

    def _apply_one(self, name: str, value: str, params: dict[str, str]) -> ParamLine:
        ca = bootfiles.CUSTOM_CA.match(name)
        if ca is not None:
            return self._install_from_file(name, int(ca.group(1)), value)
        listed = bootfiles.PROFILE_CA_LIST.match(name)
        if listed is not None or name == bootfiles.OLD_CERT_LIST:
            number = int(listed.group(1)) if listed else self.choices.provisioning_profile
            choice = _CA_LIST_VALUES.get(value.strip().lower())
            if number not in self.profiles:
                return ParamLine(name, Verdict.REFUSED, f"no TLS profile {number}")
            if choice is None or (listed is None and choice != menu.ALL_CERTIFICATES):
                return ParamLine(name, Verdict.REFUSED, f"unknown value {value.strip()!r}")
            self.profiles[number].ca_certificate = choice
            self._outcome(Outcome.CA_CHOICE, f"{number}:{choice}")
            return ParamLine(name, Verdict.APPLIED, f"profile {number}: {choice}")
        if name == bootfiles.STRICT_CN:
            if value.strip() not in ("0", "1"):
                return ParamLine(name, Verdict.REFUSED, f"{value.strip()!r} is not 0 or 1")
            self.strict_cn = value.strip() == "1"
            return ParamLine(
                name, Verdict.APPLIED, "CN check " + ("on" if self.strict_cn else "off")
            )
        if name == bootfiles.SERVER_TYPE:
            return ParamLine(name, Verdict.APPLIED, f"{value.strip()} (with serverName)")
        # bootfiles.SERVER_NAME
        server_type = None
        if bootfiles.is_set(params, bootfiles.SERVER_TYPE)[0]:
            server_type = params.get(bootfiles.SERVER_TYPE)
        try:
            server = bootfiles.server_from_parameters(value, server_type)
        except UserError as exc:
            return ParamLine(name, Verdict.REFUSED, str(exc))
        self.settings.boot_server = server
        return ParamLine(name, Verdict.APPLIED, f"next boot from {_masked(server)}")

    def _install_from_file(self, name: str, slot: int, pem: str) -> ParamLine:
        if slot > self.choices.custom_ca_slots:
            return ParamLine(name, Verdict.REFUSED, f"the phone has no custom CA slot {slot}")
        verdict = acceptmod.accept_certificate_file(pem.encode(), now=self.settings.now())
        if not verdict.ok or verdict.cert is None:
            self._outcome(Outcome.REFUSED, str(verdict.code), verdict.explanation)
            return ParamLine(name, Verdict.REFUSED, verdict.explanation)
        from core.pki.summary import colon_hex  # here: importing core.handset stays light

        cert = verdict.cert
        sha = colon_hex(cert.fingerprint(hashes.SHA256()))
        held = next((ca for ca in self.custom_cas if ca.slot == slot), None)
        if held is not None and held.sha256 == sha:
            return ParamLine(name, Verdict.APPLIED, f"already in slot {slot}")
        if held is not None:
            self.custom_cas.remove(held)
        cn = acceptmod.certificate_cn(cert) or "(no CN)"
        self.custom_cas.append(InstalledCA(slot, cert, cn, cert.not_valid_after_utc, sha, name))
        self.custom_cas.sort(key=lambda ca: ca.slot)
        self._outcome(Outcome.INSTALLED, detail=sha)
        return ParamLine(name, Verdict.APPLIED, f"{cn} in slot {slot}")


# vendor doc values of a profile's CA list (Polycom: "All" and its older "all"); the
# other spellings are rehearsal choices mapping to our names for the other choices.
_CA_LIST_VALUES: dict[str, str] = {
    "all": menu.ALL_CERTIFICATES,
    "all certificates": menu.ALL_CERTIFICATES,
    "builtin": menu.PLATFORM_CAS_ONLY,
    "platform cas only": menu.PLATFORM_CAS_ONLY,
    "custom": menu.CUSTOM_CAS_ONLY,
    "custom cas only": menu.CUSTOM_CAS_ONLY,
}

# What a SETTING_ENTRY may edit, and the check of a typed value (UserError).
_SETTING_CHECKS: dict[str, Callable[[str], object]] = {"boot_server": bootfiles.boot_base_url}


def _modelled(name: str) -> bool:
    return bool(
        bootfiles.CUSTOM_CA.match(name)
        or bootfiles.PROFILE_CA_LIST.match(name)
        or name
        in (
            bootfiles.OLD_CERT_LIST,
            bootfiles.STRICT_CN,
            bootfiles.SERVER_NAME,
            bootfiles.SERVER_TYPE,
        )
    )


def _masked(url: str) -> str:
    from core.fetch.urls import mask_url  # here: the model stays light

    return mask_url(url)


def _effect_detail(effect: Effect) -> str:
    """The effect for the event log, with an FTP password masked (the log is saved)."""
    if isinstance(effect, Download):
        return repr(Download(_masked(effect.url)))
    if isinstance(effect, FetchFile):
        return repr(FetchFile(_masked(effect.url), effect.name, effect.profile))
    return repr(effect)
