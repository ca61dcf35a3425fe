"""The headless command `handset-ca`: the same core calls the TUI makes.

With no subcommand it opens the Textual app. Each group of subcommands lives
in its own module of handset_ca.commands with ``register(subparsers)``; each
parser sets ``func``.
"""

from __future__ import annotations

import argparse
import os
import sys

from core.errors import UsageError, UserError, unexpected_error_sentence
from handset_ca.commands import check, drills, fleet, lifecycle, pki, rehearse, serve, web

USAGE_ERROR = 2  # README "Exit codes": argparse's code, and ours for a rejected value

# lifecycle after pki: it adds `ca renew` and `ca rollover` to pki's `ca` group
COMMAND_MODULES = (pki, lifecycle, rehearse, serve, check, drills, fleet, web)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="handset-ca",
        description=(
            "Run a small private CA and rehearse installing its certificate on an "
            "emulated Spectralink 8400 handset. Without a command, opens the app."
        ),
    )
    parser.add_argument("--version", action="version", version=f"handset-ca {_version()}")
    parser.add_argument(
        "--workspace", help="workspace folder (default ./pki or $HANDSET_CA_WORKSPACE)"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("handset-ca")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "(not installed)"


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command is None:
            # Lazy: headless commands must not pay for (or need) Textual.
            from tui.app import run_app

            return run_app(workspace=args.workspace) or 0
        code = args.func(args) or 0
        sys.stdout.flush()  # a closed pipe shows here, inside the try, not at exit
        return code
    except BrokenPipeError:
        return broken_pipe()
    except UsageError as exc:  # the command line is wrong: 2, as argparse exits
        print(f"handset-ca: {exc}", file=sys.stderr)
        return USAGE_ERROR
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


BROKEN_PIPE = 141  # 128 + SIGPIPE: what a shell reports for a tool a closed pipe stopped


def broken_pipe() -> int:
    """Standard output was closed early (`handset-ca show ca.crt | head -3`): stop quietly,
    as Unix tools do. What is still buffered goes to /dev/null (Python's documented
    advice), so the interpreter's own flush at exit does not complain either."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no real stdout to redirect (a test's capture)
        pass
    return BROKEN_PIPE


def unexpected_error_line(exc: BaseException) -> str:
    """The CLI's line for a bug: core's sentence, lower-cased after "handset-ca: "."""
    sentence = unexpected_error_sentence(exc)
    return sentence[0].lower() + sentence[1:].removesuffix(".")


if __name__ == "__main__":
    sys.exit(main())
