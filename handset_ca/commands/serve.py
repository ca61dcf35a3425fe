"""`handset-ca serve`: the rehearsal boot server in the foreground until Ctrl+C."""

from __future__ import annotations

import argparse
import contextlib
import shlex
import signal
import sys
import threading
import time

from core.bootserver import (
    DEFAULT_BIND,
    DEFAULT_NAME,
    FTP_LOWER_CASE_REASON,
    BootServer,
    Request,
)
from core.locations import workspace_dir
from core.passphrase import read_passphrase
from handset_ca.commands.common import add_workspace

# Ctrl+C and a service manager's stop both end the server cleanly, with exit 0.
_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="serve ca.crt over HTTP, HTTPS and FTP for rehearsals",
        description=(
            "Run the rehearsal boot server: the workspace's ca.crt over HTTP (/ca.crt, and "
            "/ca.der to practise the DER mistake) and FTP, and HTTPS with the certificate "
            "issued for --name. Prints the URLs to type into a handset and logs each request; "
            "Ctrl+C stops it."
        ),
    )
    parser.add_argument(
        "--name",
        default=DEFAULT_NAME,
        help=f"boot server name the handsets are given (default {DEFAULT_NAME})",
    )
    parser.add_argument(
        "--http-port", type=int, default=0, metavar="N", help="default: a free port"
    )
    parser.add_argument(
        "--https-port", type=int, default=0, metavar="N", help="default: a free port"
    )
    parser.add_argument("--ftp-port", type=int, default=0, metavar="N", help="default: a free port")
    parser.add_argument(
        "--bind",
        default=DEFAULT_BIND,
        metavar="ADDR",
        help=f"address to listen on (default {DEFAULT_BIND}; 0.0.0.0 exposes it to the network)",
    )
    parser.add_argument(
        "--passphrase-file",
        metavar="FILE",
        help="file whose first line is the server key's passphrase, when it is encrypted",
    )
    parser.add_argument(
        "--dir",
        metavar="DIR",
        help=(
            "serve the regular files of DIR (e.g. from fleet build) instead of the "
            "workspace's ca.crt; HTTPS still uses the workspace's certificate for --name"
        ),
    )
    add_workspace(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    out = _Printer()
    server = BootServer(
        workspace_dir(args.workspace),
        name=args.name,
        bind=args.bind,
        http_port=args.http_port,
        https_port=args.https_port,
        ftp_port=args.ftp_port,
        log=lambda request: out.line(_log_line(request)),
        directory=args.dir,
    )
    if server.needs_key_passphrase():
        server.key_passphrase = read_passphrase(
            "key", passphrase_file=args.passphrase_file, file_option="--passphrase-file"
        )
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in _SIGNALS}
    try:
        server.start()
        for line in startup_text(server):
            out.line(line)
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    out.line("Boot server stopped.")
    return 0


def startup_text(server: BootServer) -> list[str]:
    """What `serve` prints once listening: addresses, URLs to type, matching options."""
    if server.directory is not None:
        return _directory_text(server)
    lines = [f"Rehearsal boot server for {server.name}, workspace {server.root}", ""]
    lines += [f"  {line}" for line in server.listening()]
    lines += ["", "Type into the handset (Configure CA Cert...):"]
    lines += [f"  {url}" for url in server.urls()]
    lines.append(f"  {server.der_url()}   (DER: the handset refuses it)")
    provisioning = server.provisioning_url()
    if provisioning:
        lines.append(f"Boot server for provisioning: {provisioning}")
    if server.ftp_port is not None:
        lines += ["", FTP_LOWER_CASE_REASON]
    for note in server.notes:
        lines += ["", note]
    connect = " ".join(f"--connect-to {spec}" for spec in server.connect_to())
    command = ["handset-ca", "rehearse", server.urls()[0]]
    if provisioning:
        command += ["--boot-server", provisioning]
    lines += [
        "",
        "No DNS needed: rehearse against it with",
        f"  {shlex.join(command)} {connect}",
        "",
        "Requests are logged below; press Ctrl+C to stop.",
    ]
    return lines


def _directory_text(server: BootServer) -> list[str]:
    """serve --dir: what is published, the boot URL, and the check to run against it."""
    lines = [f"Rehearsal boot server for {server.name}, folder {server.directory}", ""]
    lines += [f"  {line}" for line in server.listening()]
    boot = server.boot_urls()[0]
    lines += ["", "Boot server URL for the handsets (their provisioning server):"]
    lines += [f"  {url}" for url in server.boot_urls()]
    provisioning = server.provisioning_url()
    if provisioning:
        lines.append(f"  {provisioning}   (HTTPS, after the first boot installed the CA)")
    for note in server.notes:
        lines += ["", note]
    connect = " ".join(f"--connect-to {spec}" for spec in server.connect_to())
    lines += [
        "",
        "No DNS needed: check what each handset would fetch with",
        f"  handset-ca check --boot {boot} --from-inventory handsets.csv {connect}",
        "",
        "Requests are logged below; press Ctrl+C to stop.",
    ]
    return lines


def _log_line(request: Request) -> str:
    return f"{time.strftime('%H:%M:%S')} {request}"


class _Printer:
    """Lines from several server threads, whole and flushed (a pipe reads them at once)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def line(self, text: str) -> None:
        with self._lock, contextlib.suppress(BrokenPipeError, ValueError):
            print(text, file=sys.stdout, flush=True)
