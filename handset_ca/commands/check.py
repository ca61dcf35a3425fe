"""`handset-ca check`: validate certificate URLs before visiting phones (docs/check.md)."""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import shutil
import sys
import time
from collections import Counter
from collections.abc import AsyncGenerator, Callable, Iterator
from typing import TextIO

from core.check import (
    DEFAULT_CONCURRENCY,
    CheckOptions,
    Level,
    boot_server_option,
    check_urls,
    format_verdict,
    in_input_order,
    summary_line,
)
from core.check.runner import Progress
from core.check.sources import count_urls, load_ca_file, open_url_file, url_lines
from core.check.verdict import Verdict
from core.errors import UserError
from core.fetch import ConnectMap
from handset_ca.commands.common import add_connect_to, add_timeout, add_workspace

USAGE_ERROR = 2
BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a tool killed by it
MAX_CONCURRENCY = 1000
NO_URLS = "Give at least one URL, or --from FILE with one URL a line (# starts a comment)."


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "check",
        help="check that certificate URLs serve what a handset will accept",
        description=(
            "Download each URL as the handset would and check the certificate it serves: "
            "PASS, WARN or FAIL with every reason. Exit 0 when nothing fails, 1 when "
            "anything fails, 2 for a usage error. Field names of --json: docs/check.md."
        ),
    )
    p.add_argument("urls", nargs="*", metavar="URL", help="URL a technician will type")
    p.add_argument(
        "--boot",
        metavar="URL",
        help=(
            "instead of URLs: the boot server folder the handsets provision from; fetch what "
            "each handset (--mac, --from-inventory; default: any handset) would fetch"
        ),
    )
    p.add_argument(
        "--mac",
        action="append",
        default=[],
        metavar="MAC",
        help="with --boot: a handset's MAC address (repeatable)",
    )
    p.add_argument(
        "--from-inventory",
        metavar="FILE",
        help="with --boot: the handsets of a fleet build inventory (CSV with a mac column)",
    )
    p.add_argument(
        "--from",
        dest="from_file",
        metavar="FILE",
        help="read URLs from FILE, one a line, # comments ('-' = standard input)",
    )
    p.add_argument("--ca", metavar="FILE", help="the local ca.crt every URL should serve")
    p.add_argument(
        "--boot-server",
        action="append",
        default=[],
        metavar="https://NAME/",
        help="boot server whose HTTPS certificate must pass the handset's check (repeatable)",
    )
    add_connect_to(p)
    p.add_argument("--json", action="store_true", help="one JSON object per line per URL")
    p.add_argument(
        "--concurrency",
        type=int,
        default=DEFAULT_CONCURRENCY,
        metavar="N",
        help=f"URLs checked at once (default {DEFAULT_CONCURRENCY})",
    )
    add_timeout(p, "total time for one download or handshake")
    add_workspace(p)
    p.set_defaults(func=run)


def build_options(args: argparse.Namespace) -> CheckOptions:
    """The run's options from the command line; UserError for anything unusable."""
    if not 1 <= args.concurrency <= MAX_CONCURRENCY:
        raise UserError(f"--concurrency must be from 1 to {MAX_CONCURRENCY}; pick another.")
    if not 0 < args.timeout <= 600:
        raise UserError("--timeout must be more than 0 and at most 600 seconds; pick another.")
    options = CheckOptions(
        boot_servers=[boot_server_option(spec) for spec in args.boot_server],
        connect_to=ConnectMap.parse(args.connect_to) if args.connect_to else None,
        timeout=args.timeout,
        concurrency=args.concurrency,
    )
    if args.ca:
        options.ca = load_ca_file(args.ca)
        options.ca_path = args.ca
    return options


def run(args: argparse.Namespace) -> int:
    if args.boot is not None or args.mac or args.from_inventory:
        return run_boot(args)
    try:
        options = build_options(args)
        if not args.urls and not args.from_file:
            raise UserError(NO_URLS)
        stream: TextIO | None = None
        total: int | None = len(args.urls)
        if args.from_file == "-":
            stream, total = sys.stdin, None
        elif args.from_file:
            total = len(args.urls) + count_urls(args.from_file)
            if not total:
                raise UserError(NO_URLS)
            stream = open_url_file(args.from_file)
    except UserError as exc:
        print(f"handset-ca: {exc}", file=sys.stderr)
        return USAGE_ERROR
    try:
        urls: Iterator[str] = iter(args.urls)
        if stream is not None:
            urls = itertools.chain(urls, url_lines(stream))
        return asyncio.run(_run(urls, options, total, as_json=args.json))
    except BrokenPipeError:  # e.g. `handset-ca check ... | head`: stop quietly, as Unix tools do
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return BROKEN_PIPE
    except OSError as exc:  # the URL list became unreadable part-way
        print(
            f"handset-ca: reading the URL list failed ({exc.strerror or exc}); "
            f"check the file and run the check again.",
            file=sys.stderr,
        )
        return USAGE_ERROR
    finally:
        if stream is not None and stream is not sys.stdin:
            stream.close()


def boot_macs(args: argparse.Namespace) -> list[str]:
    """The MACs of check --boot, in order, each once (UserError for a bad one)."""
    from core.fleet import DEFAULT_MAC, mac_problem, normalize_mac, read_inventory

    macs: list[str] = []
    for text in args.mac:
        problem = mac_problem(text)
        if problem is not None and normalize_mac(text) != DEFAULT_MAC:
            raise UserError(f"--mac {text}: {problem}")
        macs.append(normalize_mac(text) or DEFAULT_MAC)
    if args.from_inventory:
        macs += [handset.mac for handset in read_inventory(args.from_inventory)]
    return list(dict.fromkeys(macs)) or [DEFAULT_MAC]


def run_boot(args: argparse.Namespace) -> int:
    """check --boot URL: each handset's master file, its files, the CA in them."""
    from core.check.boot import boot_url_option, check_boot

    try:
        if args.boot is None:
            raise UserError("--mac and --from-inventory go with --boot URL; give --boot.")
        if args.urls or args.from_file:
            raise UserError("Give either URLs (or --from) or --boot URL, not both; run two checks.")
        options = build_options(args)
        base = boot_url_option(args.boot)
        macs = boot_macs(args)
    except UserError as exc:
        print(f"handset-ca: {exc}", file=sys.stderr)
        return USAGE_ERROR

    def verdicts(progress: Progress | None) -> AsyncGenerator[Verdict, None]:
        return check_boot(base, macs, options, progress=progress, total=len(macs))

    try:
        return asyncio.run(_report(verdicts, len(macs), as_json=args.json, noun="handset"))
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return BROKEN_PIPE


async def _run(
    urls: Iterator[str], options: CheckOptions, total: int | None, *, as_json: bool
) -> int:
    def verdicts(progress: Progress | None) -> AsyncGenerator[Verdict, None]:
        return check_urls(urls, options, progress=progress, total=total)

    return await _report(verdicts, total, as_json=as_json)


async def _report(
    make: Callable[[Progress | None], AsyncGenerator[Verdict, None]],
    total: int | None,
    *,
    as_json: bool,
    noun: str = "URL",
) -> int:
    counts: Counter[Level] = Counter()
    out = sys.stdout
    bar = ProgressBar(sys.stderr, noun) if _wants_progress() else None
    if bar:
        bar.start(total)  # at once: a silent server may keep the first answer --timeout away
    width = shutil.get_terminal_size((80, 24)).columns
    verdicts = make(bar.update if bar else None)
    if not as_json:
        verdicts = in_input_order(verdicts)
    try:
        # Rows and the bar share the screen only when stdout is that terminal too.
        shared = bar is not None and _isatty(out)
        async for verdict in verdicts:
            counts[verdict.level] += 1
            text = verdict.to_json() if as_json else "\n".join(format_verdict(verdict, width))
            if shared and bar is not None:
                bar.clear()
            out.write(text + "\n")
            if shared and bar is not None:
                out.flush()
                bar.draw()
    finally:
        await verdicts.aclose()
        if bar:
            bar.clear()
    if not counts:
        print(f"handset-ca: {NO_URLS}", file=sys.stderr)
        return USAGE_ERROR
    if not as_json:
        out.write(summary_line(counts, noun) + "\n")
    out.flush()  # here, so a closed pipe is handled in run(), not at interpreter exit
    return 1 if counts[Level.FAIL] else 0


def _wants_progress() -> bool:
    return _isatty(sys.stderr) and os.environ.get("TERM") != "dumb"


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class ProgressBar:
    """One line on a terminal's standard error, redrawn at most ten times a second."""

    def __init__(self, stream: TextIO, noun: str = "URL") -> None:
        self.stream = stream
        self.noun = noun
        self.done = 0
        self.total: int | None = None
        self._last = 0.0
        self._shown = False
        self._line = ""

    def start(self, total: int | None) -> None:
        """Say what is being checked before the first URL finishes."""
        self.total = total
        noun = self.noun
        what = f"{noun}s" if total is None else f"{total} {noun}" + ("" if total == 1 else "s")
        self._line = f"checking {what}..."
        self.stream.write("\r" + self._line[: shutil.get_terminal_size((80, 24)).columns - 1])
        self.stream.flush()
        self._shown = True

    def update(self, done: int, total: int | None) -> None:
        self.done, self.total = done, total
        now = time.monotonic()
        if now - self._last >= 0.1 or (total is not None and done >= total):
            self._last = now
            self.draw()

    def draw(self) -> None:
        width = shutil.get_terminal_size((80, 24)).columns - 1
        if self._line and not self.done:
            line = self._line  # nothing finished yet: keep saying what is being checked
        elif self.total:
            count = f" {self.done}/{self.total} {self.noun}s"
            room = max(10, width - len(count) - 2)
            filled = room * self.done // self.total
            line = "[" + "#" * filled + "-" * (room - filled) + "]" + count
        else:
            line = f"checked {self.done} {self.noun}s"
        self.stream.write("\r" + line[:width])
        self.stream.flush()
        self._shown = True

    def clear(self) -> None:
        if self._shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._shown = False
