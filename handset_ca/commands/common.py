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


def as_usage(check: Callable[..., T], *args: Any) -> T:
    """Run a validation of an option's value; its UserError becomes a UsageError (exit 2)."""
    try:
        return check(*args)
    except UsageError:
        raise
    except UserError as exc:
        raise UsageError(str(exc)) from None
