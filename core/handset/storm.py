"""A boot storm: many emulated handsets booting at once (`fleet simulate`).

Each handset does the whole boot through the one runner (core.handset.runner),
as after a power cut: its own MAC, its own state. Concurrency is bounded; the
start rate can be capped, since this is also how an administrator load-tests a
site's real boot server. Only loopback servers unless the caller owns the server:
check_target refuses a first URL elsewhere, and in the storm itself every address
a handset connects to (each redirect, each config file, the https provisioning
server), after --connect-to, goes past ``loopback_only`` first.
"""

from __future__ import annotations

import asyncio
import ipaddress
import time
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from core.errors import UserError
from core.fetch import DEFAULT_PORTS, DEFAULT_TIMEOUT, ConnectMap
from core.handset.bootfiles import DEFAULT_MAC, boot_base_url
from core.handset.events import BOOT_OK
from core.handset.machine import POWER_KEY, Handset, HandsetSettings
from core.handset.runner import drive

MAX_COUNT = 100_000
MAX_CONCURRENCY = 2_000
LOOPBACK_NAMES = ("localhost",)


@dataclass
class StormReport:
    count: int
    concurrency: int
    rate: float | None
    seconds: float = 0.0
    ok: int = 0
    failures: Counter[str] = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)  # reason -> one message
    times: list[float] = field(default_factory=list)  # seconds per boot, sorted

    def percentile(self, p: float) -> float:
        if not self.times:
            return 0.0
        index = min(len(self.times) - 1, max(0, round(p / 100 * len(self.times)) - 1))
        return self.times[index]

    def lines(self) -> list[str]:
        out = [
            f"{self.count} handsets booted, {self.concurrency} at a time"
            + (f", at most {self.rate:g}/s" if self.rate else "")
            + f", in {self.seconds:.2f} s",
            f"ok: {self.ok}",
            f"failed: {sum(self.failures.values())}",
        ]
        for reason, n in self.failures.most_common():
            out.append(f"  {reason}: {n}  e.g. {self.examples[reason]}")
        out.append(
            f"boot time p50 {self.percentile(50) * 1000:.0f} ms, "
            f"p99 {self.percentile(99) * 1000:.0f} ms"
        )
        return out


def mac_of(index: int, first: str = DEFAULT_MAC) -> str:
    """The index-th handset's MAC, counting up from ``first`` (12 lower-case hex)."""
    return f"{(int(first, 16) + index) % (1 << 48):012x}"


def _is_loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _where(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def loopback_only(host: str, port: int) -> str | None:
    """A ConnectMap guard: None for an address on this machine, else the refusal."""
    if _is_loopback(host):
        return None
    return (
        f"Refused to connect to {_where(host, port)}: without --i-own-this-server a boot "
        "storm reaches only this machine (127.0.0.1, ::1, localhost)."
    )


def check_target(url: str, connect_to: ConnectMap | None, *, owned: bool) -> str:
    """The boot folder URL; UserError unless every place it reaches is loopback
    (127.0.0.1, localhost, ::1) or ``owned``."""
    base = boot_base_url(url)
    if owned:
        return base
    parts = urlsplit(base)
    host = parts.hostname or ""
    port = parts.port or DEFAULT_PORTS[parts.scheme]
    reached = connect_to.resolve(host, port)[0] if connect_to is not None else host
    if not _is_loopback(reached):
        raise UserError(
            f"Refusing to load-test {host}: it is not on this machine (127.0.0.1, ::1, "
            "localhost); add --i-own-this-server if it is your server."
        )
    return base


async def boot_storm(
    url: str,
    count: int,
    concurrency: int,
    *,
    rate: float | None = None,
    connect_to: ConnectMap | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    first_mac: str = DEFAULT_MAC,
    owned: bool = False,
) -> StormReport:
    """Boot ``count`` handsets from ``url``, at most ``concurrency`` at once and at most
    ``rate`` starts per second; each boot is timed from power on to its last screen.

    Unless ``owned``, a handset never connects beyond this machine: a redirect (or
    a file) elsewhere fails that boot with the not_allowed reason, before any packet."""
    if not 1 <= count <= MAX_COUNT:
        raise UserError(f"--count must be 1 to {MAX_COUNT}.")
    if not 1 <= concurrency <= MAX_CONCURRENCY:
        raise UserError(f"--concurrency must be 1 to {MAX_CONCURRENCY}.")
    if rate is not None and not rate > 0:
        raise UserError("--rate must be more than 0 boots per second.")
    if not owned:
        connect_to = (connect_to if connect_to is not None else ConnectMap()).guarded(loopback_only)
    report = StormReport(count, concurrency, rate)
    gate = asyncio.Semaphore(concurrency)
    start = time.monotonic()

    async def one(index: int) -> None:
        if rate is not None:
            delay = start + index / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
        async with gate:
            handset = Handset(HandsetSettings(boot_server=url, mac=mac_of(index, first_mac)))
            began = time.monotonic()
            await drive(handset, POWER_KEY, connect_to=connect_to, timeout=timeout)
            report.times.append(time.monotonic() - began)
        last = handset.last_boot
        reason = last.reason if last is not None else "no_boot"
        if reason == BOOT_OK:
            report.ok += 1
        else:
            report.failures[reason] += 1
            report.examples.setdefault(reason, last.detail if last is not None else "")

    await asyncio.gather(*(one(i) for i in range(count)))
    report.seconds = time.monotonic() - start
    report.times.sort()
    return report
