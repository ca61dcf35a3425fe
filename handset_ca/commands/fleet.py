"""`handset-ca fleet ...`: a whole site's handsets. Here: `simulate` (a boot storm).

(`fleet build` is added by its own branch; merge its subcommand into this group.)
"""

from __future__ import annotations

import argparse

from handset_ca.commands.fleet_simulate import add_simulate


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("fleet", help="a site's handsets: simulate a boot storm")
    fleet_sub = parser.add_subparsers(dest="fleet_command", metavar="COMMAND", required=True)
    add_simulate(fleet_sub)
