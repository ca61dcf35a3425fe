"""The one runner of the handset's effects: every front end calls it.

The model (machine.py) stays sans-IO; this is the one place where a Download
becomes a real fetch and a Provision a real TLS handshake, each with the
trust the phone has at that moment. The app, the drill screen, `rehearse`,
the drills core and the tests all go through ``run_effect`` / ``drive`` (or
their ``_sync`` forms), so the effect contract of machine.py is kept in one
place:

- the result goes back by ``Handset.feed``, once;
- an exception while running the effect (a bug: no user can cause one) does
  not leave the phone busy: the effect is aborted with the one "unexpected
  error" sentence, which is also returned for the front end to show;
- a task cancelled while the effect runs aborts it too (then re-raises);
- a result that arrives after the front end aborted the effect itself
  (``Handset.abort``, e.g. the user cancelled a download) is dropped;
- a key that asks to cancel (``press`` returned a ``Cancel``) is honoured by
  ``cancel(handset, request, task)``: the phone says so at once and the task
  running the effect is cancelled, which closes its connection.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Callable

from core import fetch as fetchmod
from core import trust as trustmod
from core.errors import unexpected_error_sentence
from core.fetch import ConnectMap, FetchResult, TLSResult
from core.handset.bootfiles import MAX_FILE_BYTES
from core.handset.machine import Cancel, Download, Effect, EffectError, FetchFile, Handset, Trust
from core.handset.screen import Screen

# The reason shown when the task running an effect is cancelled under it.
STOPPED = "The request was stopped before it finished."


def _context(trust: Trust) -> ssl.SSLContext:
    return trustmod.ssl_context_for(trust.custom, builtin=trust.builtin)


async def perform(
    handset: Handset,
    effect: Effect,
    *,
    connect_to: ConnectMap | None = None,
    timeout: float = fetchmod.DEFAULT_TIMEOUT,
) -> FetchResult | TLSResult:
    """The I/O of ``effect`` with the phone's current trust; feeds nothing.

    Download: http/https/ftp through core.fetch; https is verified against the
    phone's current trust (built-in list + installed custom CAs).
    Provision: a TLS handshake with the provisioning profile's trust; the
    handset then applies the bulletin's Common Name rule itself.
    """
    if isinstance(effect, Download):
        # Passed for http too: a redirect may lead to https.
        return await fetchmod.fetch(
            effect.url,
            ssl_context=_context(handset.download_trust()),
            connect_to=connect_to,
            timeout=timeout,
        )
    if isinstance(effect, FetchFile):
        # A boot's file: over https with the provisioning profile's trust.
        trust = (
            handset.download_trust()
            if effect.profile is None
            else handset.profile_trust(effect.profile)
        )
        return await fetchmod.fetch(
            effect.url,
            ssl_context=_context(trust),
            connect_to=connect_to,
            timeout=timeout,
            max_bytes=MAX_FILE_BYTES,
            expecting=fetchmod.PROVISIONING_FILE,
        )
    return await fetchmod.tls_handshake(
        effect.host,
        effect.port,
        ssl_context=_context(handset.profile_trust(effect.profile)),
        connect_to=connect_to,
        timeout=timeout,
    )


# Called after each result is fed (a boot feeds several): e.g. to print each screen.
AfterFeed = Callable[[Handset], None]


async def run_effect(
    handset: Handset,
    effect: Effect,
    *,
    connect_to: ConnectMap | None = None,
    timeout: float = fetchmod.DEFAULT_TIMEOUT,
    after_feed: AfterFeed | None = None,
) -> str:
    """Run ``effect`` (the one ``handset.press`` returned, still pending) and hand its
    result back; inside a boot, run each next effect ``feed`` returns the same way.
    Returns "" when it ran, or the sentence the phone now shows when running it failed
    unexpectedly (the effect was aborted with it)."""
    if handset.pending is not effect:
        raise EffectError(f"{effect!r} is not the handset's pending effect")
    current: Effect | None = effect
    while current is not None:
        try:
            result = await perform(handset, current, connect_to=connect_to, timeout=timeout)
        except asyncio.CancelledError:
            if handset.pending is current:
                handset.abort(STOPPED)
            raise
        except Exception as exc:  # a bug: say so once, and the phone leaves its busy screen
            sentence = unexpected_error_sentence(exc)
            if handset.pending is current:
                handset.abort(sentence)
            return sentence
        if handset.pending is not current:  # the front end aborted it while it ran
            return ""
        current = handset.feed(result)
        if after_feed is not None:
            after_feed(handset)
    return ""


async def cancel(handset: Handset, request: Cancel, task: asyncio.Future[object] | None) -> None:
    """Honour a cancel key: the phone shows ``request.reason`` now, and ``task`` (the one
    running ``request.effect`` through ``run_effect``) is cancelled and awaited, so the
    fetch has really stopped (its socket closed) when this returns.

    The abort comes first so the phone shows the user's reason, not ``STOPPED``.
    """
    if handset.pending is request.effect:
        handset.abort(request.reason)
    if task is not None and not task.done():
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise  # we are being cancelled ourselves, not just the effect's task


async def drive(
    handset: Handset,
    key: str,
    *,
    connect_to: ConnectMap | None = None,
    timeout: float = fetchmod.DEFAULT_TIMEOUT,
    after_feed: AfterFeed | None = None,
) -> Screen:
    """Press ``key`` and run the effect it starts, if any (a boot: all of its effects);
    the screen the phone then shows."""
    effect = handset.press(key)
    if isinstance(effect, Cancel):  # nothing of ours is running: the phone just says so
        await cancel(handset, effect, None)
    elif effect is not None:
        await run_effect(
            handset, effect, connect_to=connect_to, timeout=timeout, after_feed=after_feed
        )
    return handset.screen


def run_effect_sync(
    handset: Handset,
    effect: Effect,
    *,
    connect_to: ConnectMap | None = None,
    timeout: float = fetchmod.DEFAULT_TIMEOUT,
) -> str:
    """``run_effect`` for callers without an event loop (scripts, plain tests)."""
    return asyncio.run(run_effect(handset, effect, connect_to=connect_to, timeout=timeout))


def drive_sync(
    handset: Handset,
    key: str,
    *,
    connect_to: ConnectMap | None = None,
    timeout: float = fetchmod.DEFAULT_TIMEOUT,
) -> Screen:
    """``drive`` for callers without an event loop (scripts, plain tests)."""
    return asyncio.run(drive(handset, key, connect_to=connect_to, timeout=timeout))
