"""The handset as a sans-IO state machine (as h11 is for HTTP).

``press(key)`` changes state and returns at most one effect (Download or
Provision); the caller runs it and hands the result to ``feed(result)``.
No I/O, no threads, no sleeps here: the TUI, the `rehearse` command and the
tests drive this very object.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes

from core.errors import UserError
from core.handset import accept as acceptmod
from core.handset import menu
from core.handset.events import Event, EventLog
from core.handset.menu import NODES, SOFTKEYS, RehearsalChoices
from core.handset.provision import ProvisionOutcome, check_provisioning, parse_boot_server
from core.handset.screen import Screen, render_text

# Keys the handset knows, besides single printable characters typed into entries.
NAMED_KEYS = frozenset(
    {"up", "down", "left", "right", "select", "back", "end", "backspace"}
    | {f"soft{i}" for i in range(1, 5)}
)


@dataclass(frozen=True)
class Download:
    """Effect: download the custom CA certificate at ``url``."""

    url: str


@dataclass(frozen=True)
class Provision:
    """Effect: open a TLS connection to the boot server with ``profile``'s trust."""

    url: str
    host: str
    port: int
    profile: int = 1


Effect = Download | Provision


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


@dataclass
class _Overlay:
    node_id: str  # an "info"/"busy" node of the menu data
    kind: str  # SOFTKEYS key: "result", "detail", "confirm", "busy"
    lines: tuple[str, ...] = ()
    message: str = ""
    title: str = ""
    on_close: str = "stay"  # "stay" | "pop" | "idle"
    slot: int = 0  # the custom CA a detail/confirm screen is about


class Handset:
    def __init__(self, settings: HandsetSettings | None = None) -> None:
        self.settings = settings or HandsetSettings()
        self.choices = self.settings.choices
        self.log = EventLog()
        self.custom_cas: list[InstalledCA] = []
        self.profiles: dict[int, TLSProfile] = {
            n: TLSProfile(n, NODES[f"profile_{n}"].label, self.choices.default_ca_choice)
            for n in range(1, menu.PLATFORM_PROFILES + 1)
        }
        self.last_acceptance: acceptmod.Acceptance | None = None
        self.last_provision: ProvisionOutcome | None = None
        self.last_message = ""  # the last result the phone reported (download/provision)
        self._stack: list[_Frame] = [_Frame("idle")]
        self._overlay: _Overlay | None = None
        self._pending: Effect | None = None
        self._last_fed: Any = None
        self._admin = False
        self._message = ""
        self._entry = ""
        self._entry_cursor = 0
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
        return self._admin

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
    def progress(self) -> str:
        """How far the rehearsal got, for a "next step" hint: "" (no custom CA yet),
        "installed", "profile" (the profile Provision uses trusts the custom CAs),
        "provisioned" or "provision_failed" (the last Provision's outcome)."""
        outcome = self.last_provision
        if outcome is not None:
            return "provisioned" if outcome.ok else "provision_failed"
        if not self.custom_cas:
            return ""
        if self.profile_trust(self.choices.provisioning_profile).custom:
            return "profile"
        return "installed"

    def press(self, key: str) -> Effect | None:
        """One key press; returns the effect the caller must run, if any."""
        node_id = self.screen.node_id
        masked = self.screen.masked and len(key) == 1
        self._message = ""
        handled, effect = self._dispatch(key)
        self.log.add("key", node_id, key="*" if masked else key, handled=handled)
        if effect is not None:
            self._pending = effect
            self.log.add("effect", node_id, detail=_effect_detail(effect))
        self._record_screen()
        return effect

    def feed(self, result: Any) -> Effect | None:
        """The result of the pending effect (a FetchResult or a TLSResult)."""
        effect = self._pending
        if effect is None:
            if result is not None and result is self._last_fed:
                # run_effect() already fed it; a caller feeding it again is harmless.
                return None
            raise RuntimeError("feed() called with no effect pending")
        self._pending = None
        self._last_fed = result
        if isinstance(effect, Download):
            self._downloaded(effect, result)
        else:
            self._provisioned(effect, result)
        self._record_screen()
        return None

    # ----- screen ---------------------------------------------------------
    def _top(self) -> _Frame:
        return self._stack[-1]

    def _build_screen(self) -> Screen:
        ov = self._overlay
        if ov is not None:
            node = NODES[ov.node_id]
            kind = "busy" if ov.kind == "busy" else "info"
            return Screen(
                node_id=node.id,
                title=ov.title or node.label,
                kind=kind,
                items=ov.lines,
                cursor=-1,
                message=self._message or ov.message,
                softkeys=SOFTKEYS[ov.kind],
                source=node.source,
            )
        frame = self._top()
        node = NODES[frame.node_id]
        if node.kind == "idle":
            boot = self.settings.boot_server or "(not set)"
            return Screen(
                node_id=node.id,
                title=node.label,
                kind="idle",
                items=("Boot server:", boot),
                message=self._message,
                softkeys=SOFTKEYS["idle"],
                source=node.source,
            )
        if node.kind in ("url_entry", "password"):
            masked = node.kind == "password"
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
        if node.kind == "choice":
            current = self._profile_of(node.id).ca_certificate
            labels = tuple(label for label, _ in menu.CA_CHOICES)
            sources = tuple(src for _, src in menu.CA_CHOICES)
            return labels, sources, labels.index(current), ""
        if node.kind == "ca_list":
            if not self.custom_cas:
                return (), (), -1, self.choices.messages["no_custom_cas"]
            ca = self.custom_cas[min(self._top().cursor, len(self.custom_cas) - 1)]
            hint = f"Exp {ca.not_after:%Y-%m-%d} {ca.short_fingerprint}"
            items = tuple(ca.cn for ca in self.custom_cas)
            return items, (menu.REHEARSAL,) * len(items), -1, hint
        kids = menu.children(node.id)
        hint = ""
        if node.id.startswith("profile_"):
            hint = f"CA Certificate: {self._profile_of(node.id).ca_certificate}"
        return (
            tuple(k.label for k in kids),
            tuple(k.source for k in kids),
            -1,
            hint,
        )

    def _profile_of(self, node_id: str) -> TLSProfile:
        return self.profiles[int(node_id.split(".")[0].removeprefix("profile_"))]

    def _record_screen(self) -> None:
        screen = self.screen
        if screen != self._last_screen:
            self._last_screen = screen
            self.log.add("screen", screen.node_id, detail=screen.message)

    def _say(self, code: str, **fields: object) -> str:
        return self.choices.messages[code].format(**fields)

    def _outcome(self, code: str, detail: str = "") -> None:
        self.log.add("outcome", self.screen.node_id, code=code, detail=detail)

    # ----- keys -----------------------------------------------------------
    def _dispatch(self, key: str) -> tuple[bool, Effect | None]:
        if key not in NAMED_KEYS and not (len(key) == 1 and key.isprintable()):
            return False, None
        if self._pending is not None:
            return False, None  # busy: the phone waits for the network
        if key == "end" and self.choices.end_goes_idle:
            at_idle = self._overlay is None and len(self._stack) == 1
            self._go_idle()
            return not at_idle, None
        if self._overlay is not None:
            return self._overlay_key(key), None
        node = NODES[self._top().node_id]
        if node.kind == "idle":
            return self._idle_key(key)
        if node.kind == "url_entry":
            return self._entry_key(key, lower=True)
        if node.kind == "password":
            return self._entry_key(key, lower=False)
        return self._list_key(node, key), None

    def _go_idle(self) -> None:
        self._stack = [self._stack[0]]
        self._overlay = None
        self._entry = ""
        self._entry_cursor = 0
        if self.choices.admin_access_until_idle:
            self._admin = False

    def _pop(self) -> None:
        self._stack.pop()
        if len(self._stack) == 1:
            self._go_idle()

    def _idle_key(self, key: str) -> tuple[bool, Effect | None]:
        if key in ("soft1", "select"):
            self._stack.append(_Frame("main_menu"))
            return True, None
        if key == "soft2":
            return True, self._start_provision()
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
        if node.kind == "choice":
            profile = self._profile_of(node.id)
            profile.ca_certificate = menu.CA_CHOICES[index][0]
            self._message = self._say("choice_set", choice=profile.ca_certificate)
            self._outcome(f"ca_choice:{profile.number}:{profile.ca_certificate}")
            return
        if node.kind == "ca_list":
            self._show_detail(self.custom_cas[index])
            return
        child = menu.children(node.id)[index]
        if child.kind == "unsupported":
            self._message = self._say("not_in_rehearsal", label=child.label)
            self._outcome("unsupported", child.id)
            return
        if child.gate and not self._admin:
            self._stack.append(_Frame(child.gate))
            self._entry, self._entry_cursor = "", 0
            return
        if child.kind == "url_entry":
            if len(self.custom_cas) >= self.choices.custom_ca_slots:
                self._message = self._say("slots_full", slots=self.choices.custom_ca_slots)
                return
            self._entry = menu.URL_PREFIX
            self._entry_cursor = len(self._entry)
        self._stack.append(_Frame(child.id))

    def _entry_key(self, key: str, *, lower: bool) -> tuple[bool, Effect | None]:
        text, pos = self._entry, self._entry_cursor
        confirm = ("soft1", "select") if self.choices.select_confirms_entry else ("soft1",)
        if key in confirm:
            return True, self._confirm_entry()
        if key in ("soft2", "back"):
            self._entry, self._entry_cursor = "", 0
            self._stack.pop()
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
        if len(key) == 1:
            ch = key.lower() if lower else key  # bulletin: all characters entered as lower case
            self._entry, self._entry_cursor = text[:pos] + ch + text[pos:], pos + 1
            return True, None
        return False, None

    def _confirm_entry(self) -> Effect | None:
        node_id = self._top().node_id
        if node_id == "advanced.password":
            typed, self._entry, self._entry_cursor = self._entry, "", 0
            self._stack.pop()
            if typed == self.settings.admin_password:
                self._admin = True
                self._outcome("admin_granted")
                self._stack.append(_Frame("advanced"))
            else:
                self._message = self._say("wrong_password")
                self._outcome("wrong_password")
            return None
        url = self._entry.strip()
        if not url or url == menu.URL_PREFIX:
            self._message = self._say("empty_url")
            return None
        self._overlay = _Overlay("configure_ca_cert.busy", "busy", (url,), self._say("downloading"))
        return Download(url)

    def _overlay_key(self, key: str) -> bool:
        ov = self._overlay
        assert ov is not None
        if ov.kind == "result":
            if key not in ("soft1", "select", "back"):
                return False
            self._overlay = None
            if ov.on_close == "pop":
                self._entry, self._entry_cursor = "", 0
                self._stack.pop()
            elif ov.on_close == "idle":
                self._go_idle()
            return True
        if ov.kind == "detail":
            if key == "soft1":
                ca = self._ca_of_overlay()
                self._overlay = _Overlay(
                    "custom_ca_list.confirm_remove",
                    "confirm",
                    ov.lines,
                    self._say("confirm_remove", cn=ca.cn),
                    slot=ca.slot,
                )
                return True
            if key in ("soft2", "back", "select"):
                self._overlay = None
                return True
            return False
        if ov.kind == "confirm":
            if key == "soft1":
                ca = self._ca_of_overlay()
                self.custom_cas.remove(ca)
                self._overlay = None
                top = self._top()
                top.cursor = max(0, min(top.cursor, len(self.custom_cas) - 1))
                self._message = self._say("removed", cn=ca.cn, slot=ca.slot)
                self._outcome("removed", ca.sha256)
                return True
            if key in ("soft2", "back"):
                self._show_detail(self._ca_of_overlay())
                return True
            return False
        return False

    def _show_detail(self, ca: InstalledCA) -> None:
        lines = (
            f"Slot {ca.slot}",
            ca.cn,
            f"Expires {ca.not_after:%Y-%m-%d}",
            "SHA-256",
            ca.sha256[:23],
            ca.sha256[24:47] + "...",
        )
        self._overlay = _Overlay(
            "custom_ca_list.detail", "detail", lines, title=ca.cn, slot=ca.slot
        )

    def _ca_of_overlay(self) -> InstalledCA:
        assert self._overlay is not None
        return next(ca for ca in self.custom_cas if ca.slot == self._overlay.slot)

    # ----- effects and their results ---------------------------------------
    def _start_provision(self) -> Effect | None:
        if not self.settings.boot_server:
            self._message = self._say("no_boot_server")
            return None
        try:
            server = parse_boot_server(self.settings.boot_server)
        except UserError as exc:
            self._message = str(exc)
            return None
        number = self.choices.provisioning_profile
        self._overlay = _Overlay("provision.busy", "busy", (server.url,), self._say("provisioning"))
        return Provision(server.url, server.host, server.port, number)

    def _result(self, node_id: str, message: str, on_close: str, lines=()) -> None:
        self.last_message = message
        self._overlay = _Overlay(node_id, "result", tuple(lines), message, on_close=on_close)

    def _downloaded(self, effect: Download, result: Any) -> None:
        self.last_acceptance = None
        if not result.ok:
            message = self._say("download_failed", reason=result.message)
            self._outcome(f"download_failed:{_name(result.failure)}", result.message)
            self._result("configure_ca_cert.result", message, "stay")
            return
        verdict = acceptmod.accept_certificate_file(result.data, now=self.settings.now())
        self.last_acceptance = verdict
        if not verdict.ok:
            self._outcome(f"refused:{verdict.code}", verdict.message)
            self._result("configure_ca_cert.result", verdict.message, "stay")
            return
        cert = verdict.cert
        assert cert is not None
        from core.pki.summary import colon_hex  # here: importing core.handset stays light

        sha = colon_hex(cert.fingerprint(hashes.SHA256()))
        for ca in self.custom_cas:
            if ca.sha256 == sha:
                self._outcome("already_installed", sha)
                self._result(
                    "configure_ca_cert.result",
                    self._say("already_installed", slot=ca.slot),
                    "pop",
                )
                return
        if len(self.custom_cas) >= self.choices.custom_ca_slots:
            self._outcome("slots_full")
            self._result(
                "configure_ca_cert.result",
                self._say("slots_full", slots=self.choices.custom_ca_slots),
                "pop",
            )
            return
        used = {ca.slot for ca in self.custom_cas}
        slot = next(n for n in range(1, self.choices.custom_ca_slots + 1) if n not in used)
        installed = InstalledCA(
            slot,
            cert,
            acceptmod.certificate_cn(cert) or "(no CN)",
            cert.not_valid_after_utc,
            sha,
            effect.url,
        )
        self.custom_cas.append(installed)
        self.custom_cas.sort(key=lambda ca: ca.slot)
        self._outcome("installed", sha)
        self._result(
            "configure_ca_cert.result",
            self._say("installed", slot=slot),
            "pop",
            (installed.cn,),
        )

    def _provisioned(self, effect: Provision, result: Any) -> None:
        profile = self.profiles[effect.profile]
        outcome = check_provisioning(
            result, effect.host, ca_choice=profile.ca_certificate, profile=profile.name
        )
        self.last_provision = outcome
        self._outcome(f"provision:{outcome.code}", outcome.message)
        self._result("provision.result", outcome.message, "idle", (effect.url,))


def _effect_detail(effect: Effect) -> str:
    """The effect for the event log, with an FTP password masked (the log is saved)."""
    if isinstance(effect, Download):
        from core.fetch.urls import mask_url

        return repr(Download(mask_url(effect.url)))
    return repr(effect)


def _name(failure: object) -> str:
    return str(getattr(failure, "name", failure) or "").lower()
