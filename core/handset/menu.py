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

from dataclasses import dataclass, field

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
}


@dataclass(frozen=True)
class Node:
    """One screen of the handset.

    kind: "idle", "menu", "password" (gate in front of a menu), "url_entry",
    "choice" (a setting's list of values), "ca_list", "info" (results,
    details, confirmations), "busy", "unsupported" (an item that only says it
    is not part of this rehearsal).
    """

    id: str
    label: str
    kind: str
    source: str
    children: tuple[str, ...] = ()
    gate: str | None = None  # id of a password node guarding this menu
    note: str = ""  # what the trainee may read in help: why this node is so


def _profile_nodes() -> list[Node]:
    nodes: list[Node] = []
    for n in range(1, PLATFORM_PROFILES + 1):
        nodes.append(
            Node(
                f"profile_{n}",
                f"Platform Profile {n}",
                "menu",
                VENDOR_DOC,
                (f"profile_{n}.ca_certificate", f"profile_{n}.device_certificate"),
                note="vendor doc: two platform profiles; the name on screen is a rehearsal choice",
            )
        )
        nodes.append(Node(f"profile_{n}.ca_certificate", "CA Certificate", "choice", BULLETIN))
        nodes.append(
            Node(f"profile_{n}.device_certificate", "Device Certificate", "unsupported", REHEARSAL)
        )
    for n in range(1, APPLICATION_PROFILES + 1):
        nodes.append(
            Node(f"app_profile_{n}", f"Application Profile {n}", "unsupported", VENDOR_DOC)
        )
    return nodes


_NODES: list[Node] = [
    Node("idle", "Spectralink 8400", "idle", REHEARSAL, ("main_menu",)),
    Node(
        "main_menu",
        "Main Menu",
        "menu",
        REHEARSAL,
        ("settings", "contacts", "call_history"),
        note="rehearsal choice: the idle screen's Menu soft key opens this list",
    ),
    Node("contacts", "Contacts", "unsupported", REHEARSAL),
    Node("call_history", "Call History", "unsupported", REHEARSAL),
    Node("settings", "Settings", "menu", BULLETIN, ("basic", "advanced", "status")),
    Node("basic", "Basic", "unsupported", REHEARSAL),
    Node("status", "Status", "unsupported", REHEARSAL),
    Node(
        "advanced",
        "Advanced",
        "menu",
        BULLETIN,
        ("administration_settings", "reset_to_defaults"),
        gate="advanced.password",
    ),
    Node(
        "advanced.password",
        "Administrator's password",
        "password",
        BULLETIN,
        note="bulletin: the default password is 456; masked as typed (rehearsal choice)",
    ),
    Node("reset_to_defaults", "Reset to Defaults", "unsupported", REHEARSAL),
    Node(
        "administration_settings",
        "Administration Settings",
        "menu",
        BULLETIN,
        ("network_configuration", "tls_security"),
    ),
    Node("network_configuration", "Network Configuration", "unsupported", REHEARSAL),
    Node(
        "tls_security",
        "TLS Security",
        "menu",
        BULLETIN,
        ("custom_ca_certificates", "configure_tls_profiles"),
    ),
    Node(
        "custom_ca_certificates",
        "Custom CA Certificates",
        "menu",
        BULLETIN,
        ("install_custom_ca_certs", "custom_ca_list"),
    ),
    Node(
        "install_custom_ca_certs",
        "Install Custom CA Certs",
        "menu",
        BULLETIN,
        ("configure_ca_cert",),
    ),
    Node(
        "configure_ca_cert",
        "Configure CA Cert...",
        "url_entry",
        BULLETIN,
        note="bulletin: enter the URL and press the Enter soft key; all lower case",
    ),
    Node("configure_ca_cert.busy", "Configure CA Cert...", "busy", REHEARSAL),
    Node("configure_ca_cert.result", "Configure CA Cert...", "info", REHEARSAL),
    Node(
        "custom_ca_list",
        "Custom CA List",
        "ca_list",
        REHEARSAL,
        note="rehearsal choice: CN, expiry and SHA-256 of each custom CA, with Remove",
    ),
    Node("custom_ca_list.detail", "Custom CA", "info", REHEARSAL),
    Node("custom_ca_list.confirm_remove", "Remove CA", "info", REHEARSAL),
    Node(
        "configure_tls_profiles",
        "Configure TLS Profiles",
        "menu",
        BULLETIN,
        tuple(f"profile_{n}" for n in range(1, PLATFORM_PROFILES + 1))
        + tuple(f"app_profile_{n}" for n in range(1, APPLICATION_PROFILES + 1)),
    ),
    *_profile_nodes(),
    Node("provision.busy", "Provisioning", "busy", REHEARSAL),
    Node(
        "provision.result",
        "Provisioning",
        "info",
        REHEARSAL,
        note="bulletin: the phone compares the boot server name with the certificate's "
        "Common Name by plain string comparison, no DNS lookup",
    ),
]

NODES: dict[str, Node] = {node.id: node for node in _NODES}

# Soft key labels per screen kind (vendor doc: soft keys are context functions
# along the bottom of the screen; which label sits where is a rehearsal choice).
SOFTKEYS: dict[str, tuple[str, str, str, str]] = {
    "idle": ("Menu", "Provision", "", ""),
    "menu": ("Select", "Back", "", ""),
    "choice": ("Select", "Back", "", ""),
    "ca_list": ("Select", "Back", "", ""),
    "url_entry": ("Enter", "Cancel", "", ""),  # bulletin: "press the Enter soft key"
    "password": ("Ok", "Cancel", "", ""),
    "result": ("Ok", "", "", ""),
    "detail": ("Remove", "Back", "", ""),
    "confirm": ("Yes", "No", "", ""),
    "busy": ("", "", "", ""),
}


def node(node_id: str) -> Node:
    """The node with this id (KeyError for a typo in code, not a user error)."""
    return NODES[node_id]


def children(node_id: str) -> tuple[Node, ...]:
    return tuple(NODES[c] for c in NODES[node_id].children)


def path_to(node_id: str) -> list[str]:
    """Ids from the idle screen down to ``node_id`` (for help and drills)."""
    parents = {c: n.id for n in _NODES for c in n.children}
    out = [node_id]
    while out[-1] in parents:
        out.append(parents[out[-1]])
    return out[::-1]


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
