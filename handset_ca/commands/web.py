"""`handset-ca web`: the app in a browser for a classroom, through textual-serve.

textual-serve has no log-in, so it binds to 127.0.0.1 by default; a trainer
reaches it from elsewhere with `ssh -L 8000:127.0.0.1:8000 host`. tui/web.py puts a
guard in front of it: the server's own address only (no other web page in the
browser may drive it), a random token per run in the printed URL, a session cap,
and no passphrase in a session's environment.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from core.errors import UserError
from core.locations import workspace_dir
from handset_ca.commands.common import add_workspace
from tui.web_policy import DEFAULT_MAX_SESSIONS  # light: no aiohttp, no textual

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "web",
        help="serve the app to a browser (classroom; reach it over ssh -L)",
        description=(
            "Serve the app to a browser through textual-serve. It binds to 127.0.0.1 "
            "by default and prints a URL with a random token for this run; open that "
            "URL (from another machine, after `ssh -L 8000:127.0.0.1:8000 HOST`). "
            "Requests without the token, or from another web page, are refused."
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
        "--max-sessions",
        type=int,
        default=DEFAULT_MAX_SESSIONS,
        help=f"browser sessions at once, each an app process (default {DEFAULT_MAX_SESSIONS})",
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
    if args.max_sessions < 1:
        raise UserError(f"--max-sessions {args.max_sessions} allows no session; give 1 or more.")
    # Lazy: textual-serve is loaded only by the command that needs it.
    from tui.web import load_server_class

    server_class = load_server_class()
    workspace = workspace_dir(getattr(args, "workspace", None))
    command = app_command(workspace, drills=args.drills)
    server = server_class(
        command,
        host=args.host,
        port=args.port,
        title="handset-ca",
        max_sessions=args.max_sessions,
    )
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(
            f"handset-ca: warning: bound to {args.host}; anyone who reaches that "
            "address and sees the printed URL (its token) can use the app.",
            file=sys.stderr,
        )
    print(
        f"Serving handset-ca; open {server.url}\n"
        f"(from another machine: ssh -L {args.port}:127.0.0.1:{args.port} THIS-HOST, "
        "then the same URL; press Ctrl+C to stop)",
        flush=True,
    )
    server.serve()
    return 0
