"""The headless command `handset-ca`: the same core calls the TUI makes.

With no subcommand it opens the Textual app. Each group of subcommands lives
in its own module with ``register(subparsers)``; each parser sets ``func``.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import sys

from core.errors import UserError

_URL_PASSWORD = re.compile(r"(\w+://[^/\s:@]*:)[^@\s/]*@")

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
    except Exception as exc:  # a bug, not the user: one line, no traceback
        if os.environ.get("HANDSET_CA_DEBUG"):
            raise
        print(f"handset-ca: {unexpected_error_line(exc)}", file=sys.stderr)
        return 1


def unexpected_error_line(exc: BaseException) -> str:
    """One line for a bug: the exception's type and the first line of its message.

    The messages of what we raise never carry a passphrase; set $HANDSET_CA_DEBUG
    to see the traceback instead.
    """
    lines = str(exc).strip().splitlines()
    message = lines[0] if lines else ""
    if len(message) > 200:
        message = message[:197] + "..."
    message = _URL_PASSWORD.sub(r"\1***@", message)  # a URL's password, just in case
    detail = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    return f"unexpected error ({detail}); please report it"


if __name__ == "__main__":
    sys.exit(main())
