"""The handset's menu tree and every rehearsal choice, as data.

This is the one place a trainer edits: labels, messages, how many custom CA
slots the phone has, what the End key does, how long admin access lasts.
Every node says where it comes from:

- "bulletin": the vendor bulletin (shared/reference/...-8400-bulletin.txt),
  labels written exactly as it writes them;
- "vendor doc": other vendor documents (listed in DESIGN.md);
- "rehearsal choice": our assumption, shown as such to the trainee.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from enum import StrEnum

BULLETIN = "bulletin"
VENDOR_DOC = "vendor doc"
REHEARSAL = "rehearsal choice"
SOURCES = (BULLETIN, VENDOR_DOC, REHEARSAL)

# bulletin: "The default password is 456."
DEFAULT_ADMIN_PASSWORD = "456"

# bulletin: the URL field starts as 'http://' and that part can be edited.
URL_PREFIX = "http://"

# The CA Certificate choices of a TLS profile.
ALL_CERTIFICATES = "All Certificates"  # bulletin
PLATFORM_CAS_ONLY = "Platform CAs Only"  # rehearsal choice: the built-in list only
CUSTOM_CAS_ONLY = "Custom CAs Only"  # rehearsal choice: installed custom CAs only
CA_CHOICES: tuple[tuple[str, str], ...] = (
    (PLATFORM_CAS_ONLY, REHEARSAL),
    (ALL_CERTIFICATES, BULLETIN),
    (CUSTOM_CAS_ONLY, REHEARSAL),
)
# What each choice trusts: (built-in Mozilla list?, installed custom CAs?).
CA_CHOICE_TRUST: dict[str, tuple[bool, bool]] = {
    PLATFORM_CAS_ONLY: (True, False),
    ALL_CERTIFICATES: (True, True),  # bulletin: "includes the custom certificates"
    CUSTOM_CAS_ONLY: (False, True),
}

# The phone's keypad (multi-tap), used when a rehearsal types with the digit keys
# (HandsetSettings.keypad). vendor doc: number keys type letters by multi-tap on
# real phones. The letters on 2-9 follow ITU-T E.161 (2 abc ... 7 pqrs ... 9 wxyz);
# the punctuation on 1 and 0 is a rehearsal choice: no vendor document gives the
# 8400's map. Each key cycles through its characters, in this order; a trainer may
# edit the map (RehearsalChoices.keypad_map).
KEYPAD_MAP: dict[str, str] = {
    "1": "./:@-_",  # rehearsal choice: what a URL needs most, most frequent first
    "2": "abc",
    "3": "def",
    "4": "ghi",
    "5": "jkl",
    "6": "mno",
    "7": "pqrs",
    "8": "tuv",
    "9": "wxyz",
    "0": "?=&%+~",  # rehearsal choice: the rest of a URL's punctuation
}
# Handset keys of the keypad (rehearsal choices):
KEYPAD_MODE_KEY = "#"  # toggles letters (abc) and digits (123)
KEYPAD_NEXT_KEY = "right"  # confirms the letter on show, before another on the same key
# The caller sends this key after a pause (the model has no timer): it confirms the
# letter on show, as a real phone does after a second or so.
KEYPAD_TIMEOUT_KEY = "timeout"


class KeypadMode(StrEnum):
    """What the digit keys type in an entry, in keypad mode; ``#`` toggles."""

    LETTERS = "abc"
    DIGITS = "123"


# vendor doc: two platform TLS profiles (the provisioning connection uses one)
# and six application profiles. Their on-screen names are a rehearsal choice.
PLATFORM_PROFILES = 2
APPLICATION_PROFILES = 6


@dataclass(frozen=True)
class RehearsalChoices:
    """Behaviour no document we found describes; a trainer may change it."""

    # How many custom CA certificates the phone can hold.
    custom_ca_slots: int = 2
    # End key: back to the idle screen from anywhere; an URL being typed is
    # dropped, settings already chosen are kept.
    end_goes_idle: bool = True
    # Admin access lasts until the phone is back on the idle screen (End key,
    # or backing out of the menus); then Advanced asks for the password again.
    admin_access_until_idle: bool = True
    # The select key confirms an entry like its first soft key (Enter / Ok).
    select_confirms_entry: bool = True
    # Every profile starts on this CA Certificate choice.
    default_ca_choice: str = PLATFORM_CAS_ONLY
    # The platform profile the provisioning connection uses.
    provisioning_profile: int = 1
    # Phone messages, by code. Texts with {fields} are formatted by the machine.
    messages: dict[str, str] = field(default_factory=lambda: dict(MESSAGES))
    # The multi-tap map of the keypad (see KEYPAD_MAP), used in keypad mode.
    keypad_map: dict[str, str] = field(default_factory=lambda: dict(KEYPAD_MAP))
    # Keypad mode: a front end sends the "timeout" key after this many seconds with no
    # key, confirming the letter on show as a real phone does (0: only the right arrow
    # confirms). The model has no timer: this is for the caller.
    keypad_pause_seconds: float = 1.2
    # While the phone waits for the network, End, Back and the busy screen's Cancel
    # soft key cancel the download or provisioning.
    cancel_while_busy: bool = True
    # An entry's Clear soft key empties the whole field (the http:// too), instead of
    # a Backspace per character.
    clear_empties_entry: bool = True


# Every phone message is a rehearsal choice (no document gives the wording).
MESSAGES: dict[str, str] = {
    "wrong_password": "Incorrect password. Try again.",
    "not_in_rehearsal": "{label} is not part of this rehearsal.",
    "downloading": "Downloading...",
    "download_failed": "Download failed. {reason}",
    "installed": "CA certificate installed in custom CA slot {slot}.",
    "already_installed": "This certificate is already in custom CA slot {slot}.",
    "slots_full": "All {slots} custom CA slots are in use: remove one under Custom CA List.",
    "empty_url": "Enter the URL of the CA certificate.",
    "choice_set": "CA Certificate: {choice}.",
    "no_custom_cas": "No custom CA certificates installed.",
    "removed": "Removed {cn} from custom CA slot {slot}.",
    "confirm_remove": "Remove {cn}?",
    "no_boot_server": "No boot server is set for this rehearsal.",
    "provisioning": "Contacting the boot server...",
    "idle": "Ready.",
    "cancelled": "Cancelled. {reason}",
    "cancelled_by_user": "Stopped by the user.",
    "keypad_only": "Type with the number keys: 2 abc ... 9 wxyz, # for digits.",
    # Boot (power cycle) and the provisioning server setting.
    "server_set": "Provisioning server: {server}.",
    "booting": "Booting...",
    "boot_ok": "Boot complete: {summary}",
    "boot_failed": "Boot failed: {reason}",
    "boot_no_server": "No provisioning server is set: set one under Network Configuration.",
    # A refused certificate: what the phone shows is short and gives no remedy (a real
    # phone does not explain); the long explanation is for the drill's diagnosis and
    # `check` (core.handset.accept). One per refusal code, "refused" for any other.
    "refused": "Invalid certificate.",
    "refused_empty": "Invalid certificate format.",
    "refused_html": "Invalid certificate format.",
    "refused_der": "Invalid certificate format.",
    "refused_private_key": "Invalid certificate format.",
    "refused_csr": "Invalid certificate format.",
    "refused_not_a_certificate": "Invalid certificate format.",
    "refused_damaged": "Invalid certificate.",
    "refused_several": "Invalid certificate.",
    "refused_not_ca": "Not a CA certificate.",
    "refused_not_root": "Not a root CA certificate.",
    "refused_expired": "Certificate expired.",
    "refused_not_yet_valid": "Certificate not yet valid.",
}


class Kind(StrEnum):
    """What a node is; the machine's behaviour follows this, never a node's id."""

    IDLE = "idle"  # the root: Menu soft key opens its first child, Provision starts provisioning
    MENU = "menu"  # a list of children
    PASSWORD = "password"  # a gate: the password opens the menu named by ``unlocks``
    URL_ENTRY = "url_entry"  # type the custom CA's URL; Enter downloads it
    PROFILE = "profile"  # a TLS profile's menu: shows its CA Certificate choice
    CHOICE = "choice"  # the CA Certificate choices of the profile above it
    CA_LIST = "ca_list"  # the installed custom CAs, each with details and Remove
    INFO = "info"  # a result, detail or confirmation screen
    BUSY = "busy"  # the phone waits for the network
    UNSUPPORTED = "unsupported"  # an item that only says it is not part of this rehearsal
    # A text setting of the handset (``setting`` names the HandsetSettings field); Enter
    # stores what was typed, after the machine checks it.
    SETTING_ENTRY = "setting_entry"


class Case(StrEnum):
    """How an entry stores typed letters."""

    LOWER = "lower"  # bulletin: all characters are entered as lower case
    AS_TYPED = "as typed"


class Role(StrEnum):
    """vendor doc: platform profiles (provisioning, 802.1X) and application profiles."""

    PLATFORM = "platform"
    APPLICATION = "application"


@dataclass(frozen=True)
class Entry:
    """How a PASSWORD or URL_ENTRY node takes typed text."""

    prefix: str = ""  # what the field holds when it opens (editable)
    case: Case = Case.AS_TYPED
    masked: bool = False  # shown as asterisks, logged as "*"
    # In keypad mode, the digit keys type letters by multi-tap (else they type digits).
    multitap: bool = False


@dataclass(frozen=True)
class Profile:
    """A TLS profile a node stands for."""

    number: int
    role: Role


@dataclass(frozen=True)
class Node:
    """One screen of the handset; ``kind`` says how it behaves, the fields what it needs.

    ``gate``: on a menu, the id of the PASSWORD node guarding it; that node's
    ``unlocks`` names the menu back. ``entry``: typing rules of a PASSWORD or
    URL_ENTRY node. ``profile``: the TLS profile of a PROFILE node (or of an
    UNSUPPORTED one standing for a profile the rehearsal does not model).
    ``busy``/``result``: the screens a URL_ENTRY (download) or the IDLE node
    (provisioning) shows while its effect runs and after. ``detail``/``confirm``:
    a CA_LIST's detail and remove-confirmation screens.
    """

    id: str
    label: str
    kind: Kind
    source: str
    children: tuple[str, ...] = ()
    gate: str | None = None
    unlocks: str | None = None
    entry: Entry | None = None
    profile: Profile | None = None
    busy: str | None = None
    result: str | None = None
    detail: str | None = None
    confirm: str | None = None
    # IDLE: the screens a boot (power cycle) shows while it runs and after.
    boot_busy: str | None = None
    boot_result: str | None = None
    # SETTING_ENTRY: the HandsetSettings field it edits.
    setting: str | None = None
    note: str = ""  # what the trainee may read in help: why this node is so


class MenuTree:
    """The nodes, checked once: a broken tree raises ValueError naming the node.

    A trainer edits the node list in this module (or builds another tree and
    hands it to ``HandsetSettings(tree=...)``); the machine needs no change.
    """

    def __init__(self, nodes: Iterable[Node]) -> None:
        self.nodes: dict[str, Node] = {}
        for n in nodes:
            if n.id in self.nodes:
                raise ValueError(f"menu node {n.id!r} is defined twice")
            self.nodes[n.id] = n
        self.parents: dict[str, str] = {c: n.id for n in self.nodes.values() for c in n.children}
        roots = [n for n in self.nodes.values() if n.kind is Kind.IDLE]
        if len(roots) != 1 or not roots[0].children:
            raise ValueError("the menu needs exactly one idle node, with a menu under it")
        self.root: Node = roots[0]
        for n in self.nodes.values():
            self._check(n)
        # PROFILE nodes by number; a CHOICE node belongs to the profile above it.
        self.profiles: dict[int, Node] = {}
        for n in self.nodes.values():
            if n.kind is Kind.PROFILE:
                assert n.profile is not None
                if n.profile.number in self.profiles:
                    raise ValueError(f"two profile nodes have number {n.profile.number}")
                self.profiles[n.profile.number] = n
        self.choice_profile: dict[str, int] = {}
        for n in self.nodes.values():
            if n.kind is Kind.CHOICE:
                above = self._profile_above(n.id)
                if above is None:
                    raise ValueError(f"choice node {n.id!r} is not under a profile node")
                self.choice_profile[n.id] = above

    def _fail(self, n: Node, what: str) -> ValueError:
        return ValueError(f"menu node {n.id!r} ({n.kind}): {what}")

    def _check(self, n: Node) -> None:
        refs = (n.gate, n.unlocks, n.busy, n.result, n.detail, n.confirm, n.boot_busy)
        for ref in (*n.children, *refs, n.boot_result):
            if ref is not None and ref not in self.nodes:
                raise self._fail(n, f"names {ref!r}, which is no node")
        if n.gate is not None:
            gate = self.nodes[n.gate]
            if gate.kind is not Kind.PASSWORD or gate.unlocks != n.id:
                raise self._fail(n, f"its gate {n.gate!r} must be a password node unlocking it")
        if n.kind is Kind.PASSWORD and (n.unlocks is None or self.nodes[n.unlocks].gate != n.id):
            raise self._fail(n, "must unlock a menu whose gate it is")
        if (n.kind is Kind.SETTING_ENTRY) != (n.setting is not None):
            raise self._fail(n, "a setting entry names its setting, and only it does")
        if (n.kind in (Kind.PASSWORD, Kind.URL_ENTRY, Kind.SETTING_ENTRY)) != (n.entry is not None):
            raise self._fail(n, "entry rules belong to password and URL entry nodes, and only")
        if n.unlocks is not None and n.kind is not Kind.PASSWORD:
            raise self._fail(n, "only a password node unlocks a menu")
        if n.kind is Kind.PROFILE and n.profile is None:
            raise self._fail(n, "needs its profile number and role")
        if n.kind in (Kind.URL_ENTRY, Kind.IDLE) and (n.busy is None or n.result is None):
            raise self._fail(n, "needs its busy and result screens")
        if n.kind is Kind.CA_LIST and (n.detail is None or n.confirm is None):
            raise self._fail(n, "needs its detail and confirm screens")

    def _profile_above(self, node_id: str) -> int | None:
        current: str | None = node_id
        while current is not None:
            found = self.nodes[current]
            if found.kind is Kind.PROFILE and found.profile is not None:
                return found.profile.number
            current = self.parents.get(current)
        return None

    def children(self, node_id: str) -> tuple[Node, ...]:
        return tuple(self.nodes[c] for c in self.nodes[node_id].children)

    def path_to(self, node_id: str) -> list[str]:
        """Ids from the idle screen down to ``node_id`` (for help and drills)."""
        out = [node_id]
        while out[-1] in self.parents:
            out.append(self.parents[out[-1]])
        return out[::-1]

    def choice_of_profile(self, number: int) -> str | None:
        """The CHOICE node of profile ``number`` (where a ca_choice outcome is logged)."""
        return next((c for c, n in self.choice_profile.items() if n == number), None)


def _profile_nodes() -> list[Node]:
    nodes: list[Node] = []
    for n in range(1, PLATFORM_PROFILES + 1):
        nodes.append(
            Node(
                f"profile_{n}",
                f"Platform Profile {n}",
                Kind.PROFILE,
                VENDOR_DOC,
                (f"profile_{n}.ca_certificate", f"profile_{n}.device_certificate"),
                profile=Profile(n, Role.PLATFORM),
                note="vendor doc: two platform profiles; the name on screen is a rehearsal choice",
            )
        )
        nodes.append(Node(f"profile_{n}.ca_certificate", "CA Certificate", Kind.CHOICE, BULLETIN))
        nodes.append(
            Node(
                f"profile_{n}.device_certificate",
                "Device Certificate",
                Kind.UNSUPPORTED,
                REHEARSAL,
            )
        )
    for n in range(1, APPLICATION_PROFILES + 1):
        nodes.append(
            Node(
                f"app_profile_{n}",
                f"Application Profile {n}",
                Kind.UNSUPPORTED,
                VENDOR_DOC,
                profile=Profile(n, Role.APPLICATION),
            )
        )
    return nodes


_NODES: list[Node] = [
    Node(
        "idle",
        "Spectralink 8400",
        Kind.IDLE,
        REHEARSAL,
        ("main_menu",),
        busy="provision.busy",
        result="provision.result",
        boot_busy="boot.busy",
        boot_result="boot.result",
    ),
    Node(
        "main_menu",
        "Main Menu",
        Kind.MENU,
        REHEARSAL,
        ("settings", "contacts", "call_history"),
        note="rehearsal choice: the idle screen's Menu soft key opens this list",
    ),
    Node("contacts", "Contacts", Kind.UNSUPPORTED, REHEARSAL),
    Node("call_history", "Call History", Kind.UNSUPPORTED, REHEARSAL),
    Node("settings", "Settings", Kind.MENU, BULLETIN, ("basic", "advanced", "status")),
    Node("basic", "Basic", Kind.UNSUPPORTED, REHEARSAL),
    Node("status", "Status", Kind.UNSUPPORTED, REHEARSAL),
    Node(
        "advanced",
        "Advanced",
        Kind.MENU,
        BULLETIN,
        ("administration_settings", "reset_to_defaults"),
        gate="advanced.password",
    ),
    Node(
        "advanced.password",
        "Administrator's password",
        Kind.PASSWORD,
        BULLETIN,
        unlocks="advanced",
        entry=Entry(masked=True),
        note="bulletin: the default password is 456; masked as typed (rehearsal choice)",
    ),
    Node("reset_to_defaults", "Reset to Defaults", Kind.UNSUPPORTED, REHEARSAL),
    Node(
        "administration_settings",
        "Administration Settings",
        Kind.MENU,
        BULLETIN,
        ("network_configuration", "tls_security"),
    ),
    Node(
        "network_configuration",
        "Network Configuration",
        Kind.MENU,
        REHEARSAL,
        ("provisioning_server",),
        note="rehearsal choice: where the provisioning server setting sits in the menus",
    ),
    Node(
        "provisioning_server",
        "Provisioning Server",
        Kind.SETTING_ENTRY,
        REHEARSAL,
        entry=Entry(prefix=URL_PREFIX, case=Case.LOWER, multitap=True),
        setting="boot_server",
        note="vendor doc: the server the handset reads its files from at boot "
        "(device.prov.serverName); ftp://, http:// or https://, user:password@ allowed; "
        "the entry itself is a rehearsal choice",
    ),
    Node(
        "tls_security",
        "TLS Security",
        Kind.MENU,
        BULLETIN,
        ("custom_ca_certificates", "configure_tls_profiles"),
    ),
    Node(
        "custom_ca_certificates",
        "Custom CA Certificates",
        Kind.MENU,
        BULLETIN,
        ("install_custom_ca_certs", "custom_ca_list"),
    ),
    Node(
        "install_custom_ca_certs",
        "Install Custom CA Certs",
        Kind.MENU,
        BULLETIN,
        ("configure_ca_cert",),
    ),
    Node(
        "configure_ca_cert",
        "Configure CA Cert...",
        Kind.URL_ENTRY,
        BULLETIN,
        entry=Entry(prefix=URL_PREFIX, case=Case.LOWER, multitap=True),
        busy="configure_ca_cert.busy",
        result="configure_ca_cert.result",
        note="bulletin: enter the URL and press the Enter soft key; all lower case",
    ),
    Node("configure_ca_cert.busy", "Configure CA Cert...", Kind.BUSY, REHEARSAL),
    Node("configure_ca_cert.result", "Configure CA Cert...", Kind.INFO, REHEARSAL),
    Node(
        "custom_ca_list",
        "Custom CA List",
        Kind.CA_LIST,
        REHEARSAL,
        detail="custom_ca_list.detail",
        confirm="custom_ca_list.confirm_remove",
        note="rehearsal choice: CN, expiry and SHA-256 of each custom CA, with Remove",
    ),
    Node("custom_ca_list.detail", "Custom CA", Kind.INFO, REHEARSAL),
    Node("custom_ca_list.confirm_remove", "Remove CA", Kind.INFO, REHEARSAL),
    Node(
        "configure_tls_profiles",
        "Configure TLS Profiles",
        Kind.MENU,
        BULLETIN,
        tuple(f"profile_{n}" for n in range(1, PLATFORM_PROFILES + 1))
        + tuple(f"app_profile_{n}" for n in range(1, APPLICATION_PROFILES + 1)),
    ),
    *_profile_nodes(),
    Node("provision.busy", "Provisioning", Kind.BUSY, REHEARSAL),
    Node("boot.busy", "Booting", Kind.BUSY, REHEARSAL),
    Node(
        "boot.result",
        "Boot log",
        Kind.INFO,
        REHEARSAL,
        note="rehearsal choice: every file, parameter applied or ignored and refusal of "
        "the last boot, scrolled with the arrow keys",
    ),
    Node(
        "provision.result",
        "Provisioning",
        Kind.INFO,
        REHEARSAL,
        note="bulletin: the phone compares the boot server name with the certificate's "
        "Common Name by plain string comparison, no DNS lookup",
    ),
]

TREE = MenuTree(_NODES)
NODES: dict[str, Node] = TREE.nodes

# Soft key labels per node kind and per overlay screen (vendor doc: soft keys are
# context functions along the bottom of the screen; which label sits where is a
# rehearsal choice).
SOFTKEYS: dict[str, tuple[str, str, str, str]] = {
    Kind.IDLE: ("Menu", "Provision", "", "Boot"),  # Boot: a power cycle (rehearsal choice)
    Kind.MENU: ("Select", "Back", "", ""),
    Kind.PROFILE: ("Select", "Back", "", ""),
    Kind.CHOICE: ("Select", "Back", "", ""),
    Kind.CA_LIST: ("Select", "Back", "", ""),
    # bulletin: "press the Enter soft key"; Clear (empty the field) is a rehearsal choice
    Kind.URL_ENTRY: ("Enter", "Cancel", "Clear", ""),
    Kind.PASSWORD: ("Ok", "Cancel", "Clear", ""),
    Kind.SETTING_ENTRY: ("Ok", "Cancel", "Clear", ""),
    "result": ("Ok", "", "", ""),
    "detail": ("Remove", "Back", "", ""),
    "confirm": ("Yes", "No", "", ""),
    Kind.BUSY: ("", "Cancel", "", ""),  # rehearsal choice: as End and Back, cancels
}


def children(node_id: str) -> tuple[Node, ...]:
    return TREE.children(node_id)


def path_to(node_id: str) -> list[str]:
    """Ids from the idle screen down to ``node_id`` (for help and drills)."""
    return TREE.path_to(node_id)


def facts(choices: RehearsalChoices | None = None) -> list[tuple[str, str]]:
    """(behaviour, source) pairs for the app's help: what the rehearsal models, and why."""
    c = choices or RehearsalChoices()
    on_off = "asks again" if c.admin_access_until_idle else "does not ask again"
    return [
        ("Settings > Advanced asks for the Administrator's password; default 456.", BULLETIN),
        (
            "The URL starts as http://, that part can be edited; all characters are entered "
            "in lower case; ftp://user:pass@host/ca.crt is allowed.",
            BULLETIN,
        ),
        ("The Enter soft key downloads the certificate; Cancel leaves.", BULLETIN),
        ("All Certificates = the built-in (widely recognized) CAs plus the custom CAs.", BULLETIN),
        (
            "The boot server name must equal the certificate's Common Name by plain string "
            "comparison, without any DNS lookup.",
            BULLETIN,
        ),
        ("A certificate must be Base 64 (PEM); load only the root CA.", VENDOR_DOC),
        (
            "Two platform TLS profiles and six application profiles; provisioning uses a "
            "platform profile.",
            VENDOR_DOC,
        ),
        ("Soft keys are context functions along the bottom of the screen.", VENDOR_DOC),
        ("The built-in CA list is Mozilla's, as shipped by certifi.", REHEARSAL),
        (
            "At boot the handset reads <mac>.cfg (000000000000.cfg when it is missing), then "
            "each CONFIG_FILES file in order; a device.* parameter applies only when its .set "
            "is 1; an https:// provisioning server is checked (chain, then CN) first.",
            VENDOR_DOC,
        ),
        (
            "The Boot soft key (or the power key) power-cycles the phone; the boot log lists "
            "every file and parameter; Network Configuration > Provisioning Server sets "
            "where it boots from.",
            REHEARSAL,
        ),
        (
            f"Provisioning uses Platform Profile {c.provisioning_profile} and starts from the "
            "idle screen's Provision soft key.",
            REHEARSAL,
        ),
        (
            f"Profiles start on {c.default_ca_choice}; {PLATFORM_CAS_ONLY} and {CUSTOM_CAS_ONLY} "
            "are our names for the other choices.",
            REHEARSAL,
        ),
        (
            "The Common Name comparison is case-sensitive; subjectAltNames and wildcards are "
            "ignored.",
            REHEARSAL,
        ),
        (f"The phone holds {c.custom_ca_slots} custom CA certificates.", REHEARSAL),
        (
            "The End key returns to the idle screen from anywhere, keeping chosen settings and "
            "dropping an URL being typed.",
            REHEARSAL,
        ),
        (
            "While the phone waits for the network, End, Back or the Cancel soft key cancel "
            "the download at once; a wrong password leaves you on the password entry.",
            REHEARSAL,
        ),
        (
            "In an entry, Home and End move to the start and end of the text and the Clear soft "
            "key empties it; after a failed download the URL comes back, cursor at its end.",
            REHEARSAL,
        ),
        (
            "Keypad mode: 2-9 type letters by multi-tap (ITU E.161: 2 abc ... 7 pqrs ... 9 wxyz); "
            "1 and 0 type a URL's punctuation (our map); # toggles abc/123; the right arrow "
            "(or a pause) confirms a letter before the next on the same key.",
            REHEARSAL,
        ),
        (
            f"Admin access ends on the idle screen: Advanced then {on_off} for the password.",
            REHEARSAL,
        ),
        (
            "Files with a private key, several certificates, a non-CA, intermediate, expired or "
            "not yet valid certificate are refused, each with its own message.",
            REHEARSAL,
        ),
        ("Menu items other than the bulletin's, and every message, are our wording.", REHEARSAL),
    ]


def help_facts(
    tree: MenuTree | None = None, choices: RehearsalChoices | None = None
) -> list[tuple[str, str]]:
    """Everything the app's help says about the handset, each with its source: the
    behaviours (``facts``), every screen of ``tree`` with its note, and the trainer's
    settings in ``choices``."""
    tree = tree or TREE
    c = choices or RehearsalChoices()
    out = facts(c)
    out += [
        (f"{node.label}: {node.note}" if node.note else node.label, node.source)
        for node in tree.nodes.values()
    ]
    out += [
        (f"{f.name.replace('_', ' ')} = {getattr(c, f.name)}", REHEARSAL)
        for f in fields(c)
        if f.name != "messages"
    ]
    out.append(("the phone's messages (wording of results and errors)", REHEARSAL))
    return out
