"""`handset-ca fleet simulate`: a boot storm of emulated handsets against a boot server."""

from __future__ import annotations

import argparse
import asyncio

from core.fetch import ConnectMap
from handset_ca.commands.common import add_connect_to, add_timeout


def add_simulate(fleet_sub: argparse._SubParsersAction) -> None:
    """Add `simulate` to the `fleet` group's subparsers."""
    parser = fleet_sub.add_parser(
        "simulate",
        help="boot many emulated handsets at once against a boot server (a boot storm)",
        description=(
            "N emulated handsets (distinct MACs) power on at once, as after a power cut; "
            "each does one whole boot (for an https:// URL the server's certificate first, "
            "then the master file and its CONFIG_FILES) through the handset's one runner; "
            "the server the files name is for the next boot, which is not made. "
            "Reports successes, failures by reason and p50/p99 boot time. "
            "Exit 0 when every boot succeeded, 1 otherwise. "
            "Only a server on this machine unless --i-own-this-server."
        ),
    )
    parser.add_argument("--boot", metavar="URL", required=True, help="provisioning server")
    parser.add_argument("--count", type=int, default=100, help="handsets (default 100)")
    parser.add_argument("--concurrency", type=int, default=50, help="boots at once (default 50)")
    parser.add_argument("--rate", type=float, help="at most this many boots started per second")
    add_connect_to(parser)
    add_timeout(parser, "seconds per download or connection")
    parser.add_argument(
        "--i-own-this-server",
        action="store_true",
        dest="owned",
        help="allow a server that is not on 127.0.0.1, ::1 or localhost",
    )
    parser.set_defaults(func=run_simulate)


def run_simulate(args: argparse.Namespace) -> int:
    from core.handset.storm import boot_storm, check_target

    connect_to = ConnectMap.parse(args.connect_to) if args.connect_to else None
    check_target(args.boot, connect_to, owned=args.owned)
    report = asyncio.run(
        boot_storm(
            args.boot,
            args.count,
            args.concurrency,
            rate=args.rate,
            connect_to=connect_to,
            timeout=args.timeout,
            owned=args.owned,
        )
    )
    for line in report.lines():
        print(line)
    return 0 if report.ok == report.count else 1
