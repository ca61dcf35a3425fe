"""Options shared by subcommands."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any, TypeVar

from core.errors import UsageError, UserError

T = TypeVar("T")

WORKSPACE_HELP = "workspace folder (default ./pki or $HANDSET_CA_WORKSPACE)"


def add_workspace(parser: argparse.ArgumentParser) -> None:
    """Every command takes --workspace, after the command name too."""
    parser.add_argument("--workspace", default=argparse.SUPPRESS, help=WORKSPACE_HELP)


def add_connect_to(parser: argparse.ArgumentParser) -> None:
    """--connect-to, as curl's: a name's connections go elsewhere, the name is kept."""
    parser.add_argument(
        "--connect-to",
        metavar="HOST1:PORT1:HOST2:PORT2",
        action="append",
        default=[],
        help="reach HOST1:PORT1 at HOST2:PORT2 instead, keeping the name, as curl does "
        "(repeatable)",
    )


def add_timeout(parser: argparse.ArgumentParser, what: str) -> None:
    """--timeout: the whole deadline of one download or connection (core.fetch's)."""
    from core.fetch.results import DEFAULT_TIMEOUT  # no httpx: results is plain data

    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"{what} (default {DEFAULT_TIMEOUT:g})",
    )


def as_usage(check: Callable[..., T], *args: Any) -> T:
    """Run a validation of an option's value; its UserError becomes a UsageError (exit 2)."""
    try:
        return check(*args)
    except UsageError:
        raise
    except UserError as exc:
        raise UsageError(str(exc)) from None
