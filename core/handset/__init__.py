"""The emulated Spectralink 8400 handset, headless and sans-IO.

Import the model from here; ``core.handset.runner`` (network) is imported
separately so the model stays free of I/O.
"""

from core.handset.accept import Acceptance, accept_certificate_file
from core.handset.events import Event, EventLog
from core.handset.machine import (
    Download,
    Effect,
    Handset,
    HandsetSettings,
    InstalledCA,
    Provision,
    TLSProfile,
    Trust,
)
from core.handset.menu import (
    ALL_CERTIFICATES,
    DEFAULT_ADMIN_PASSWORD,
    NODES,
    URL_PREFIX,
    Node,
    RehearsalChoices,
)
from core.handset.provision import ProvisionOutcome, check_provisioning, parse_boot_server
from core.handset.screen import Screen, render_text

__all__ = [
    "ALL_CERTIFICATES",
    "DEFAULT_ADMIN_PASSWORD",
    "NODES",
    "URL_PREFIX",
    "Acceptance",
    "Download",
    "Effect",
    "Event",
    "EventLog",
    "Handset",
    "HandsetSettings",
    "InstalledCA",
    "Node",
    "Provision",
    "ProvisionOutcome",
    "RehearsalChoices",
    "Screen",
    "TLSProfile",
    "Trust",
    "accept_certificate_file",
    "check_provisioning",
    "parse_boot_server",
    "render_text",
]
