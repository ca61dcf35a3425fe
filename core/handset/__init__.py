"""The emulated Spectralink 8400 handset, headless and sans-IO.

Import the model from here; ``core.handset.runner`` (network) is imported
separately so the model stays free of I/O.
"""

from core.handset.accept import Acceptance, accept_certificate_file
from core.handset.events import Event, EventKind, EventLog, Outcome, OutcomeSpec
from core.handset.machine import (
    Cancel,
    Download,
    Effect,
    EffectError,
    FetchFile,
    Handset,
    HandsetSettings,
    InstalledCA,
    Progress,
    Provision,
    TLSProfile,
    Trust,
)
from core.handset.menu import (
    ALL_CERTIFICATES,
    DEFAULT_ADMIN_PASSWORD,
    NODES,
    TREE,
    URL_PREFIX,
    Case,
    Entry,
    KeypadMode,
    Kind,
    MenuTree,
    Node,
    Profile,
    RehearsalChoices,
    Role,
)
from core.handset.provision import ProvisionOutcome, check_provisioning, parse_boot_server
from core.handset.screen import Screen, render_text

__all__ = [
    "ALL_CERTIFICATES",
    "DEFAULT_ADMIN_PASSWORD",
    "NODES",
    "TREE",
    "URL_PREFIX",
    "Acceptance",
    "Cancel",
    "Case",
    "Download",
    "Effect",
    "EffectError",
    "Entry",
    "Event",
    "EventKind",
    "EventLog",
    "FetchFile",
    "Handset",
    "HandsetSettings",
    "InstalledCA",
    "KeypadMode",
    "Kind",
    "MenuTree",
    "Node",
    "Outcome",
    "OutcomeSpec",
    "Profile",
    "Progress",
    "Provision",
    "ProvisionOutcome",
    "RehearsalChoices",
    "Role",
    "Screen",
    "TLSProfile",
    "Trust",
    "accept_certificate_file",
    "check_provisioning",
    "parse_boot_server",
    "render_text",
]
