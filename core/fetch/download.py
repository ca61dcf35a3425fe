"""fetch(): the one entry point for a download, whatever the scheme."""

from __future__ import annotations

import asyncio
import ssl

import httpx

from core.fetch.ftp import fetch_ftp
from core.fetch.http import fetch_http, make_client
from core.fetch.results import (
    CA_CERTIFICATE,
    DEFAULT_TIMEOUT,
    MAX_BYTES,
    MAX_REDIRECTS,
    Expecting,
    Failure,
    FetchFailed,
    FetchResult,
    FetchState,
    timeout_message,
    via_text,
)
from core.fetch.urls import ConnectMap, mask_url, parse_url


async def fetch(
    url: str,
    *,
    ssl_context: ssl.SSLContext | None = None,
    connect_to: ConnectMap | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = MAX_BYTES,
    max_redirects: int = MAX_REDIRECTS,
    client: httpx.AsyncClient | None = None,
    expecting: Expecting = CA_CERTIFICATE,
) -> FetchResult:
    """Download url as a handset would; never raises for network problems.

    ssl_context None = certifi's list. `client` (from make_client) lets a
    caller share one connection pool across many fetches; its own TLS context
    then applies, so passing ssl_context too is an error. ``expecting`` says what
    the file is (a CA certificate, a provisioning file) in the sentences naming it.
    """
    if client is not None and ssl_context is not None:
        raise ValueError("pass ssl_context to make_client() when sharing a client")
    result = FetchResult(url=url, ok=False, final_url=mask_url(url) if isinstance(url, str) else "")
    state: FetchState | None = None
    try:
        async with asyncio.timeout(timeout):
            target = parse_url(url)
            state = FetchState(target, expecting)
            state.url = url
            if target.scheme == "ftp":
                result.data = await fetch_ftp(state, connect_to, timeout, max_bytes)
            elif client is not None:
                result.data = await fetch_http(
                    state, client, connect_to, timeout, max_bytes, max_redirects
                )
            else:
                async with make_client(ssl_context, timeout=timeout) as own:
                    result.data = await fetch_http(
                        state, own, connect_to, timeout, max_bytes, max_redirects
                    )
        result.ok = True
    except FetchFailed as f:
        result.failure, result.message = f.failure, f.message
        if f.status is not None:
            result.status = f.status
    except TimeoutError:
        assert state is not None  # parsing cannot time out
        result.failure = Failure.TIMEOUT
        result.message = timeout_message(
            state.target, timeout, state.in_body, via_text(state.target, connect_to)
        )
    if state is not None:
        result.final_url = mask_url(state.url)
        result.status = state.status if result.status is None else result.status
        result.content_type = state.content_type
    return result
