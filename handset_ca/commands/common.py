"""Options shared by subcommands."""

from __future__ import annotations

import argparse

WORKSPACE_HELP = "workspace folder (default ./pki or $HANDSET_CA_WORKSPACE)"


def add_workspace(parser: argparse.ArgumentParser) -> None:
    """Every command takes --workspace, after the command name too."""
    parser.add_argument("--workspace", default=argparse.SUPPRESS, help=WORKSPACE_HELP)
