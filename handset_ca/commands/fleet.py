"""`handset-ca fleet build|simulate`: a whole site's handsets: the boot server's
provisioning files, and a boot storm against a boot server."""

from __future__ import annotations

import argparse

from core.fleet import build_fleet
from core.locations import workspace_dir
from core.pki import Workspace
from handset_ca.commands.common import add_workspace
from handset_ca.commands.fleet_simulate import add_simulate


def register(subparsers: argparse._SubParsersAction) -> None:
    fleet = subparsers.add_parser(
        "fleet",
        help="provisioning files that carry the CA to every handset of a site",
        description="Provisioning files for a whole site, built from the workspace's CA.",
    )
    sub = fleet.add_subparsers(dest="fleet_command", metavar="COMMAND", required=True)
    build = sub.add_parser(
        "build",
        help="write the boot server's files for every handset of an inventory",
        description=(
            "Write DIR for the boot server: ca.crt, site.cfg (the custom CA, the "
            "provisioning profile's CA list, strict Common Name checking), a master file "
            "<mac>.cfg and a per-handset file <mac>-ext.cfg for each handset, and the "
            "default 000000000000.cfg. Every parameter is labelled with its source. DIR is "
            "written whole or not at all. The inventory is CSV with a header row: mac "
            "(required), extension, label; other columns are ignored."
        ),
    )
    build.add_argument("--inventory", required=True, metavar="FILE", help="handsets as CSV")
    build.add_argument("--out", required=True, metavar="DIR", help="folder to create")
    build.add_argument(
        "--boot-server",
        metavar="https://NAME/",
        help="provisioning server the handsets switch to (HTTPS, CN checked against NAME)",
    )
    build.add_argument(
        "--replace",
        action="store_true",
        help="swap an existing DIR that fleet build made for the new files, whole",
    )
    add_workspace(build)
    build.set_defaults(func=run_build)
    add_simulate(sub)


def run_build(args: argparse.Namespace) -> int:
    ws = Workspace(workspace_dir(args.workspace))
    result = build_fleet(
        ws, args.inventory, args.out, boot_server=args.boot_server, replace=args.replace
    )
    noun = "handset" if result.handsets == 1 else "handsets"
    verb = "Replaced" if result.replaced else "Wrote"
    print(f"{verb} {result.out}: {result.files} files for {result.handsets} {noun}.")
    for line in result.cas:
        print(f"  {line}")
    print("Serve it from the boot server's root (README: nginx, IIS), or rehearse with")
    print(f"  handset-ca serve --dir {result.out}")
    return 0
