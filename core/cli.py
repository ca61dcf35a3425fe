"""The headless command `handset-ca`: the same core calls the TUI makes.

With no subcommand it opens the Textual app. Each group of subcommands lives
in its own module with ``register(subparsers)``; each parser sets ``func``.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from core.errors import UserError

# Modules that add subcommands; imported only when the CLI is built.
COMMAND_MODULES = (
    "core.commands.pki",
    "core.commands.rehearse",
    "core.commands.serve",
    "core.commands.check",
    "core.commands.drills",
    "core.commands.web",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="handset-ca",
        description=(
            "Run a small private CA and rehearse installing its certificate on an "
            "emulated Spectralink 8400 handset. Without a command, opens the app."
        ),
    )
    parser.add_argument(
        "--workspace", help="workspace folder (default ./pki or $HANDSET_CA_WORKSPACE)"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue  # that command group has not been built yet
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command is None:
            app_module = importlib.import_module("tui.app")
            return app_module.run_app(workspace=args.workspace) or 0
        return args.func(args) or 0
    except UserError as exc:
        print(f"handset-ca: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as exc:
        if getattr(exc, "at_prompt", False):
            print(file=sys.stderr)  # the cursor is still after the prompt: end that line
        print("handset-ca: interrupted.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
