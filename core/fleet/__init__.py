"""The fleet: provisioning files that carry the CA to every handset of a site.

Public API::

    from core.fleet import build_fleet, read_inventory
    result = build_fleet(Workspace("pki"), "handsets.csv", "boot", boot_server="https://b/")

Modules: inventory (the CSV, strictly), params (parameter names and their
sources), writer (the bytes of each file: fleet build's folder and the rehearsal
boot server's files), build (the folder, whole or absent). The files are read back
with the handset's own parser, core.handset.bootfiles (parse_master, parse_config,
merge), and a MAC with its normalize_mac.
"""

from core.fleet.build import BuildResult, build_fleet
from core.fleet.inventory import (
    DEFAULT_MAC,
    Handset,
    InventoryError,
    mac_problem,
    normalize_mac,
    parse_inventory,
    read_inventory,
)

__all__ = [
    "DEFAULT_MAC",
    "BuildResult",
    "Handset",
    "InventoryError",
    "build_fleet",
    "mac_problem",
    "normalize_mac",
    "parse_inventory",
    "read_inventory",
]
