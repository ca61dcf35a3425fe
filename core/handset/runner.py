"""Runs the handset's effects over the network and feeds the results back.

The model (machine.py) stays sans-IO; this is the one place where a Download
becomes a real fetch and a Provision a real TLS handshake, each with the
trust the phone has at that moment.
"""

from __future__ import annotations

import ssl

from core import fetch as fetchmod
from core import trust as trustmod
from core.fetch import ConnectMap, FetchResult, TLSResult
from core.handset.machine import Download, Effect, Handset, Provision, Trust
from core.handset.screen import Screen


def _context(trust: Trust) -> ssl.SSLContext:
    return trustmod.ssl_context_for(trust.custom, builtin=trust.builtin)


async def run_effect(
    handset: Handset,
    effect: Effect,
    *,
    connect_to: ConnectMap | None = None,
    timeout: float = fetchmod.DEFAULT_TIMEOUT,
) -> FetchResult | TLSResult:
    """Run ``effect`` (from ``handset.press``), feed the result to the handset, return it.

    Download: http/https/ftp through core.fetch; https is verified against the
    phone's current trust (built-in list + installed custom CAs).
    Provision: a TLS handshake with the provisioning profile's trust; the
    handset then applies the bulletin's Common Name rule itself.
    """
    result: FetchResult | TLSResult
    if isinstance(effect, Download):
        # Passed for http too: a redirect may lead to https.
        result = await fetchmod.fetch(
            effect.url,
            ssl_context=_context(handset.download_trust()),
            connect_to=connect_to,
            timeout=timeout,
        )
    elif isinstance(effect, Provision):
        result = await fetchmod.tls_handshake(
            effect.host,
            effect.port,
            ssl_context=_context(handset.profile_trust(effect.profile)),
            connect_to=connect_to,
            timeout=timeout,
        )
    else:  # pragma: no cover - a new effect type without a runner is a bug
        raise TypeError(f"unknown handset effect {effect!r}")
    handset.feed(result)
    return result


async def drive(
    handset: Handset,
    key: str,
    *,
    connect_to: ConnectMap | None = None,
    timeout: float = fetchmod.DEFAULT_TIMEOUT,
) -> Screen:
    """Press ``key`` and run whatever it starts until the handset waits for keys again."""
    effect = handset.press(key)
    while effect is not None:
        await run_effect(handset, effect, connect_to=connect_to, timeout=timeout)
        effect = handset.pending
    return handset.screen
