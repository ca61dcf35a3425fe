"""Check one URL or thousands, concurrently, on the handset's own fetch and rules.

Everything that decides "would the handset accept this" is shared with the
emulated handset: core.fetch (download, built-in trust list), core.trust (TLS
contexts), core.handset.accept (is the file one PEM certificate). This module
only adds the checker's extra rules and runs them with bounded concurrency.
"""

from __future__ import annotations

import asyncio
import dataclasses
import ssl
import time
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    Awaitable,
    Callable,
    Iterable,
)
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from core import fetch as fetchmod
from core import trust
from core.check import bootrules, certrules, urlrules
from core.check.verdict import (
    BootServerResult,
    CACheckedAgainst,
    CASource,
    CertInfo,
    Reason,
    Verdict,
    fail,
)
from core.errors import unexpected_error_sentence
from core.handset import provision
from core.handset.accept import (
    DER,
    PRIVATE_KEY,
    Acceptance,
    accept_certificate_file,
    certificate_cn,
)
from core.handset.provision import BootServer

DEFAULT_CONCURRENCY = 50
DEFAULT_TIMEOUT = fetchmod.DEFAULT_TIMEOUT

_SHA256 = hashes.SHA256()

T = TypeVar("T")
V = TypeVar("V")

Progress = Callable[[int, int | None], None]  # (done, total or None when unknown)


@dataclass
class CheckOptions:
    """What applies to every URL of a run (the CLI's options, the TUI's form)."""

    ca: x509.Certificate | None = None  # --ca: the local CA the URLs should serve
    ca_path: str = ""  # shown in reasons
    boot_servers: list[BootServer] = field(default_factory=list)
    connect_to: fetchmod.ConnectMap | None = None
    timeout: float = DEFAULT_TIMEOUT
    concurrency: int = DEFAULT_CONCURRENCY
    now: datetime | None = None  # fixed clock for tests; None = now


@dataclass(frozen=True)
class Analysis:
    """What Checker.analyse found about one served file."""

    accepted: bool  # core.handset.accept's own answer
    cert: x509.Certificate | None
    info: CertInfo | None
    ca_match: bool | None
    reasons: tuple[Reason, ...]


_ANALYSIS_CACHE = 64  # distinct files remembered per run (each at most fetch's cap)


@dataclass
class BootOutcome:
    """Checker.boot_outcome: the boot server's reasons and its JSON result."""

    reasons: list[Reason]
    result: BootServerResult


class Checker:
    """Holds what URLs of one run share: one HTTP client, the clock, boot-server results.

    Use as ``async with Checker(options) as checker: await checker.check(url)``.
    """

    def __init__(self, options: CheckOptions) -> None:
        self.options = options
        # One clock per run: every URL is judged at the same instant, and a file served
        # by many URLs is analysed once (see analyse).
        self.now = options.now or datetime.now(UTC)
        self._client: httpx.AsyncClient | None = None
        self._boot: dict[tuple[str, str, int, bool], asyncio.Task[BootOutcome]] = {}
        self._analysed: dict[bytes, Analysis] = {}

    async def __aenter__(self) -> Checker:
        return self

    async def __aexit__(self, *exc: object) -> None:
        for task in self._boot.values():
            task.cancel()
        await asyncio.gather(*self._boot.values(), return_exceptions=True)
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def check(
        self, url: str, index: int = 0, *, client: httpx.AsyncClient | None = None
    ) -> Verdict:
        """One verdict; never raises for anything a URL or server can do.

        All URLs share the checker's one keep-alive client (core.fetch.make_client),
        unless ``client`` gives another.
        """
        started = time.monotonic()
        opts = self.options
        report = urlrules.analyse_url(url)
        verdict = Verdict(index=index, url=report.display, reasons=list(report.reasons))
        # A hard bound over the whole URL, beyond fetch's own total timeout.
        limit = opts.timeout * (2 + 2 * len(opts.boot_servers)) + 1

        async def work() -> None:
            nonlocal client
            if client is None:
                if self._client is None:
                    self._client = fetchmod.make_client(timeout=opts.timeout)
                client = self._client
            await self._check_into(verdict, report, client)

        await bounded_check(verdict, work(), limit, "The check", "this URL")
        verdict.elapsed_ms = int((time.monotonic() - started) * 1000)
        return verdict

    async def _check_into(
        self, verdict: Verdict, report: urlrules.UrlReport, client: httpx.AsyncClient | None
    ) -> None:
        opts = self.options
        if not report.fetchable or any(r.code in _UNTYPABLE for r in report.reasons):
            return  # the handset cannot even send it; the URL rules said why
        result = await fetchmod.fetch(
            report.fetch_url,
            connect_to=opts.connect_to,
            timeout=opts.timeout,
            client=client,
        )
        verdict.status = result.status
        verdict.final_url = result.final_url
        verdict.content_type = result.content_type
        verdict.size = len(result.data)
        ca = opts.ca
        source = CASource.CA_FILE
        if not result.ok:
            verdict.fetch_failure = str(result.failure) if result.failure else None
            verdict.handset_accepts = False
            verdict.reasons.append(fetch_reason(result, report.scheme))
        else:
            analysis = self.analyse(result.data)
            verdict.handset_accepts = analysis.accepted
            verdict.certificate = analysis.info
            verdict.ca_match = analysis.ca_match
            verdict.reasons.extend(analysis.reasons)
            if analysis.accepted:
                ca = analysis.cert  # what the handset would install
                source = CASource.SERVED
        if ca is None:
            return
        for target in opts.boot_servers:
            outcome = await self.boot_outcome([ca], target, typed=True)  # shared per CA
            verdict.boot_servers.append(dataclasses.replace(outcome.result, ca_source=source))
            verdict.reasons.extend(outcome.reasons)

    def analyse(self, data: bytes) -> Analysis:
        """The handset's acceptance and the certificate rules for one served file."""
        cached = self._analysed.get(data)
        if cached is not None:
            return cached
        opts, now = self.options, self.now
        acceptance = accept_certificate_file(data, now=now)
        served = acceptance.cert
        described = served
        if served is None and acceptance.code == DER:
            # Refused, but worth describing: the fingerprints show which certificate it is.
            described = x509.load_der_x509_certificate(data)
        info = certrules.cert_info(described, now) if described is not None else None
        found: list[Reason] = []
        ca_match = None
        if described is not None and info is not None:
            if served is not None:
                found = certrules.cert_reasons(served, info, now)
            if opts.ca is not None:
                mismatch = certrules.ca_match_reason(info, opts.ca, opts.ca_path, described)
                ca_match = mismatch is None  # a renewed copy (WARN) is not this CA either
                if mismatch:
                    found.append(mismatch)
        reasons: list[Reason] = []
        if not acceptance.ok and _SAME_AS.get(acceptance.code) not in {r.code for r in found}:
            reasons.append(acceptance_reason(acceptance))
        analysis = Analysis(acceptance.ok, served, info, ca_match, tuple(reasons + found))
        if len(self._analysed) >= _ANALYSIS_CACHE:
            self._analysed.pop(next(iter(self._analysed)))  # oldest first
        self._analysed[data] = analysis
        return analysis

    def boot_outcome(
        self, cas: list[x509.Certificate], target: BootServer, *, typed: bool = False
    ) -> Awaitable[BootOutcome]:
        """The handset's provisioning rule once ``cas`` are its custom CAs (two during a
        rollover). Shared per (CAs, boot server): 10,000 URLs serving one CA cost one
        handshake. ``typed``: the name is one a technician types on the phone
        (--boot-server), not one a boot file carries (bootrules.name_reason)."""
        prints = ",".join(sorted(certrules.fingerprint(ca, _SHA256) for ca in cas))
        key = (prints, target.host, target.port, typed)
        task = self._boot.get(key)
        if task is None:
            task = asyncio.ensure_future(self._check_boot_server(cas, target, typed))
            self._boot[key] = task
        return asyncio.shield(task)

    async def _check_boot_server(
        self, cas: list[x509.Certificate], target: BootServer, typed: bool = False
    ) -> BootOutcome:
        """The handset's own provisioning rule once ``cas`` are its only custom CAs."""
        opts = self.options
        tls = await fetchmod.tls_handshake(
            target.host,
            target.port,
            ssl_context=trust.ssl_context_for(cas, builtin=False),
            connect_to=opts.connect_to,
            timeout=opts.timeout,
        )
        outcome = provision.check_provisioning(tls, target.host)
        reasons: list[Reason] = []
        peer = tls.peer_cert
        if not outcome.ok:
            code = _BOOT_CODES.get(outcome.code, "boot-server-tls-error")
            if code == "boot-server-untrusted":
                verify = f" (OpenSSL error {tls.verify_code})" if tls.verify_code else ""
                reasons.append(
                    fail(
                        code,
                        f"The boot server {target.url} has a certificate that does not chain "
                        f"to this CA{verify}; issue its certificate from this CA.",
                    )
                )
            elif code != "name":
                reasons.append(fail(code, outcome.message))
            if peer is None and code in ("boot-server-untrusted", "boot-server-expired",
                                         "boot-server-not-yet-valid"):  # fmt: skip
                peer = await self._peer_cert_unverified(target)
        if peer is not None:
            name = bootrules.name_reason(peer, target.host, typed=typed)
            if name is not None:
                reasons.append(name)
        if not outcome.ok and not reasons:  # never report less than the handset would
            reasons.append(fail("boot-server-cn-mismatch", outcome.message))
        result = BootServerResult(
            url=target.url,
            name=target.host,
            ok=outcome.ok,
            cn=certificate_cn(peer) if peer is not None else None,
            sha256=certrules.fingerprint(peer, _SHA256) if peer is not None else None,
            cas=tuple(
                CACheckedAgainst(certificate_cn(ca), certrules.fingerprint(ca, _SHA256))
                for ca in cas
            ),
        )
        return BootOutcome(reasons, result)

    async def _peer_cert_unverified(self, target: BootServer) -> x509.Certificate | None:
        """The boot server's certificate without verifying it, to explain the CN as well."""
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        tls = await fetchmod.tls_handshake(
            target.host,
            target.port,
            ssl_context=ctx,
            connect_to=self.options.connect_to,
            timeout=self.options.timeout,
        )
        return tls.peer_cert


# URL findings after which the handset could not send the request at all.
_UNTYPABLE = frozenset({"bad-url", "space", "non-ascii"})

# accept_certificate_file codes that a certificate rule here reports as well.
_SAME_AS = {
    "not_ca": "not-ca",
    "not_root": "not-root",
    "expired": "expired",
    "not_yet_valid": "not-yet-valid",
}

# core.handset.provision outcome codes -> reason codes ("name": see bootrules).
_BOOT_CODES = {
    provision.UNTRUSTED: "boot-server-untrusted",
    provision.EXPIRED: "boot-server-expired",
    provision.NOT_YET_VALID: "boot-server-not-yet-valid",
    provision.UNREACHABLE: "boot-server-unreachable",
    provision.TLS_ERROR: "boot-server-tls-error",
    provision.NAME_MISMATCH: "name",
    provision.NO_CN: "name",
}


async def bounded_check(
    verdict: Verdict, work: Awaitable[None], limit: float, check: str, subject: str
) -> None:
    """Run one check's ``work`` within ``limit`` seconds; a timeout or a bug (not a
    server) becomes one reason on ``verdict`` (``check`` and ``subject`` name it in the
    sentences) and the run goes on."""
    try:
        async with asyncio.timeout(limit):
            await work
    except TimeoutError:
        verdict.reasons.append(
            fail(
                "check-timeout",
                f"{check} did not finish within {limit:g} seconds; try again or raise --timeout.",
            )
        )
    except Exception as exc:  # a bug, not a server: say so in one sentence, keep going
        verdict.reasons.append(
            fail(
                "internal-error",
                f"The checker failed on {subject}: {unexpected_error_sentence(exc)}",
            )
        )


def fetch_reason(result: fetchmod.FetchResult, scheme: str) -> Reason:
    """A failed download as one FAIL reason; the code is stable (docs/check.md)."""
    failure = result.failure
    name = failure.name if failure is not None else "NETWORK"
    code = "fetch-" + name.lower().replace("_", "-")
    if failure == fetchmod.Failure.TLS_UNTRUSTED and scheme == "https":
        return fail(
            "https-untrusted",
            "The handset's built-in list of widely recognized CAs does not trust this "
            "server's HTTPS certificate, so it cannot download the file before the custom "
            "CA is installed; publish ca.crt over http:// or ftp:// instead.",
        )
    message = result.message or "The download failed; check the URL and the server."
    return fail(code, message)


def acceptance_reason(acceptance: Acceptance) -> Reason:
    """The handset's refusal of the file, with the checker's stronger words for a key."""
    code = str(acceptance.code or "not-accepted").lower().replace("_", "-")
    if acceptance.code == PRIVATE_KEY:
        return fail(
            "file-private-key",
            "The server exposes a PRIVATE KEY at this URL: take the file off the server now, "
            "treat that key as compromised and replace it.",
        )
    return fail(f"file-{code}", acceptance.explanation)


async def check_url(url: str, options: CheckOptions | None = None, *, index: int = 0) -> Verdict:
    """Check one URL (its own client; for many URLs use check_urls)."""
    async with Checker(options or CheckOptions()) as checker:
        return await checker.check(url, index)


async def check_urls(
    urls: Iterable[str] | AsyncIterable[str],
    options: CheckOptions | None = None,
    *,
    progress: Progress | None = None,
    total: int | None = None,
) -> AsyncGenerator[Verdict, None]:
    """Yield one Verdict per URL as each finishes (``Verdict.index`` gives input order).

    At most ``options.concurrency`` URLs run at once and at most that many wait
    in each queue, so a 10,000-line file is streamed, never held. ``progress``
    is called as ``progress(done, total)`` after each verdict (total None when
    unknown). Closing the iterator early cancels the work in flight.
    """
    options = options or CheckOptions()
    if total is None and hasattr(urls, "__len__"):
        total = len(urls)  # type: ignore[arg-type]
    async with Checker(options) as checker:
        async for verdict in run_bounded(
            urls, checker.check, options.concurrency, progress=progress, total=total
        ):
            yield verdict


async def run_bounded(
    items: Iterable[T] | AsyncIterable[T],
    work: Callable[[T, int], Awaitable[V]],
    concurrency: int,
    *,
    progress: Progress | None = None,
    total: int | None = None,
) -> AsyncGenerator[V, None]:
    """``work(item, index)`` for each item, at most ``concurrency`` at once, results
    yielded as they finish; bounded queues both ways, cancelled when closed early."""
    workers = max(1, concurrency)
    todo: asyncio.Queue[tuple[int, T] | None] = asyncio.Queue(maxsize=workers)
    done: asyncio.Queue[tuple[V] | None] = asyncio.Queue(maxsize=workers)
    feed_error: list[Exception] = []

    async def feed() -> None:
        index = 0
        try:
            if isinstance(items, AsyncIterable):
                async for item in items:
                    await todo.put((index, item))
                    index += 1
            else:
                for item in items:
                    await todo.put((index, item))
                    index += 1
        except Exception as exc:  # e.g. the --from file became unreadable
            feed_error.append(exc)
        for _ in range(workers):
            await todo.put(None)

    async def run() -> None:
        while (entry := await todo.get()) is not None:
            await done.put((await work(entry[1], entry[0]),))
        await done.put(None)

    tasks = [asyncio.ensure_future(feed())]
    tasks += [asyncio.ensure_future(run()) for _ in range(workers)]
    try:
        finished = count = 0
        while finished < workers:
            result = await done.get()
            if result is None:
                finished += 1
                continue
            count += 1
            if progress is not None:
                progress(count, total)
            yield result[0]
        if feed_error:
            raise feed_error[0]
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def in_input_order(verdicts: AsyncIterable[Verdict]) -> AsyncGenerator[Verdict, None]:
    """Re-order a check_urls stream by index, holding only the ones that came early."""
    waiting: dict[int, Verdict] = {}
    expected = 0
    async for verdict in verdicts:
        waiting[verdict.index] = verdict
        while expected in waiting:
            yield waiting.pop(expected)
            expected += 1
    for index in sorted(waiting):
        yield waiting[index]
