"""Placeholder until the Textual app lands: show the command's help."""

from __future__ import annotations


def run_app(workspace: str | None = None) -> int:
    from core.cli import build_parser

    build_parser().print_help()
    return 0
