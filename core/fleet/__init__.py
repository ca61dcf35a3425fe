"""The fleet: provisioning files that carry the CA to every handset of a site.

Public API::

    from core.fleet import build_fleet, read_inventory, parse_master, parse_config
    result = build_fleet(Workspace("pki"), "handsets.csv", "boot", boot_server="https://b/")

Modules: inventory (the CSV, strictly), params (parameter names and their
sources), writer (the bytes of each file), build (the folder, whole or absent),
reader (a small, strict reading of the files for `check --boot`).
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
from core.fleet.reader import ConfigError, MasterFile, merge_params, parse_config, parse_master

__all__ = [
    "DEFAULT_MAC",
    "BuildResult",
    "ConfigError",
    "Handset",
    "InventoryError",
    "MasterFile",
    "build_fleet",
    "mac_problem",
    "merge_params",
    "normalize_mac",
    "parse_config",
    "parse_inventory",
    "parse_master",
    "read_inventory",
]
