"""`handset-ca web`: the app in a browser for a classroom, through textual-serve.

textual-serve has no log-in, so it binds to 127.0.0.1 by default; a trainer
reaches it from elsewhere with `ssh -L 8000:127.0.0.1:8000 host`.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from core.errors import UserError
from core.locations import workspace_dir
from handset_ca.commands.common import add_workspace

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "web",
        help="serve the app to a browser (classroom; reach it over ssh -L)",
        description=(
            "Serve the app to a browser through textual-serve. It has no log-in: it "
            "binds to 127.0.0.1 by default; reach it from another machine with "
            "`ssh -L 8000:127.0.0.1:8000 HOST` and open http://127.0.0.1:8000."
        ),
    )
    add_workspace(parser)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (default 8000)")
    parser.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help="address to bind (default 127.0.0.1; anything else exposes the app without log-in)",
    )
    parser.add_argument(
        "--drills",
        action="store_true",
        help="open each browser session on the training drills (a classroom)",
    )
    parser.set_defaults(func=run)


def app_command(workspace: Path, *, drills: bool = False) -> str:
    """The shell command textual-serve runs for each browser session."""
    # As given: textual-serve runs each session's shell in this process's working folder,
    # so a relative path still names the same folder, and the page shows it as typed.
    argv = [sys.executable, "-m", "handset_ca.cli", "--workspace", str(workspace)]
    if drills:
        argv += ["drills", "run"]
    return shlex.join(argv)


def run(args: argparse.Namespace) -> int:
    if not 0 < args.port < 65536:
        raise UserError(f"The port {args.port} is not usable; give a number from 1 to 65535.")
    # Lazy: textual-serve is loaded only by the command that needs it.
    from tui.web import load_server_class

    server_class = load_server_class()
    workspace = workspace_dir(getattr(args, "workspace", None))
    command = app_command(workspace, drills=args.drills)
    server = server_class(command, host=args.host, port=args.port, title="handset-ca")
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(
            f"handset-ca: warning: bound to {args.host}; the app has no log-in, "
            "so anyone who reaches that address can use it.",
            file=sys.stderr,
        )
    print(
        f"Serving handset-ca on http://{args.host}:{args.port}  "
        f"(from another machine: ssh -L {args.port}:127.0.0.1:{args.port} THIS-HOST)"
    )
    server.serve()
    return 0
