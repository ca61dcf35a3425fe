"""http and https downloads through httpx, on a transport of our own.

The transport keeps idle connections in a dict keyed by (scheme, host, port,
SNI), the body is read up to a cap on the decoded bytes, and redirects are
followed here (only to http or https), never by httpx.
"""

from __future__ import annotations

import contextlib
import ssl
import zlib
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urljoin

import httpcore
import httpx

from core import trust
from core.fetch.results import (
    DEFAULT_TIMEOUT,
    Failure,
    FetchFailed,
    FetchState,
    os_failure,
    status_message,
    timeout_message,
    too_large_failure,
    via_text,
)
from core.fetch.urls import DEFAULT_PORTS, ConnectMap, Target, parse_url, reach

USER_AGENT = "handset-ca (Spectralink 8400 rehearsal)"
_BASE_HEADERS = {"Accept": "*/*", "Accept-Encoding": "identity", "User-Agent": USER_AGENT}
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


# ---------------------------------------------------------------------------
# Bounded decoding


class _Body:
    """Collects a body up to `limit` decoded bytes; gzip/zlib decoded on the fly."""

    def __init__(self, encoding: str, limit: int, fail: FetchFailed) -> None:
        self.limit = limit
        self.fail = fail
        self.raw = 0
        self.out = bytearray()
        # wbits 32+15: zlib or gzip header, detected. Raw deflate is not accepted.
        self._z = zlib.decompressobj(32 + zlib.MAX_WBITS) if encoding else None

    def feed(self, chunk: bytes) -> None:
        self.raw += len(chunk)
        if self.raw > self.limit:
            raise self.fail
        if self._z is None:
            self.out += chunk
            if len(self.out) > self.limit:
                raise self.fail
            return
        data = chunk
        while not self._z.eof:
            # max_length keeps each step within the cap: a bomb never inflates past it
            piece = self._z.decompress(data, self.limit - len(self.out) + 1)
            self.out += piece
            if len(self.out) > self.limit:
                raise self.fail
            data = self._z.unconsumed_tail
            if not data and not piece:
                break


_DECODABLE = {"", "identity", "gzip", "x-gzip", "deflate"}


# ---------------------------------------------------------------------------
# HTTP


# httpcore exception -> httpx exception, most specific first (what httpx's own
# transport does; our transport below talks to httpcore directly).
_MAPPED_ERRORS: tuple[tuple[type[Exception], type[httpx.TransportError]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.ProtocolError, httpx.ProtocolError),
)


@contextlib.contextmanager
def _httpx_errors() -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        for core_type, httpx_type in _MAPPED_ERRORS:
            if isinstance(exc, core_type):
                raise httpx_type(str(exc)) from exc
        raise


_ConnKey = tuple[str, str, int, "str | None"]


# What a kept-alive connection that the server already closed fails with.
_STALE = (httpcore.RemoteProtocolError, httpcore.ReadError, httpcore.WriteError)


class _Transport(httpx.AsyncBaseTransport):
    """An httpx transport with an O(1) keep-alive cache.

    httpcore's pool rescans every connection on each request and release; at
    100 concurrent downloads that costs more CPU than the downloads do. Here an
    idle connection waits in a dict keyed by (scheme, host, port, SNI name), so
    a connection opened with one SNI name never serves another.
    """

    def __init__(self, ssl_context: ssl.SSLContext, max_idle: int = 100) -> None:
        self._ssl = ssl_context
        self._backend = httpcore.AnyIOBackend()
        self._idle: dict[_ConnKey, list[httpcore.AsyncHTTPConnection]] = {}
        self._idle_count = 0
        self._max_idle = max_idle

    async def _take(self, key: _ConnKey) -> httpcore.AsyncHTTPConnection | None:
        idle = self._idle.get(key)
        while idle:
            conn = idle.pop()
            self._idle_count -= 1
            if conn.is_idle() and not conn.has_expired():  # has_expired: server hung up
                return conn
            await conn.aclose()
        return None

    async def _release(self, key: _ConnKey, conn: httpcore.AsyncHTTPConnection) -> None:
        if conn.is_idle() and self._idle_count < self._max_idle:
            self._idle.setdefault(key, []).append(conn)
            self._idle_count += 1
        else:
            await conn.aclose()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        port = url.port or DEFAULT_PORTS.get(url.scheme, 80)
        sni = request.extensions.get("sni_hostname")
        key = (url.scheme, url.host, port, sni)
        conn = await self._take(key)
        if conn is not None:
            try:
                with _httpx_errors():
                    try:
                        core_response = await conn.handle_async_request(self._core_request(request))
                    except _STALE:
                        # The server closed this kept-alive connection (its FIN may
                        # still be in flight); a GET is idempotent: once more, anew.
                        await conn.aclose()
                        conn = None
            except BaseException:
                if conn is not None:
                    await conn.aclose()
                raise
        if conn is None:
            conn = httpcore.AsyncHTTPConnection(
                httpcore.Origin(url.raw_scheme, url.raw_host, port),
                ssl_context=self._ssl,
                keepalive_expiry=5.0,
                network_backend=self._backend,
            )
            try:
                with _httpx_errors():
                    core_response = await conn.handle_async_request(self._core_request(request))
            except BaseException:
                await conn.aclose()
                raise
        return httpx.Response(
            status_code=core_response.status,
            headers=core_response.headers,
            stream=_ReleasingStream(self, key, conn, core_response.stream),
            extensions=core_response.extensions,
        )

    @staticmethod
    def _core_request(request: httpx.Request) -> httpcore.Request:
        url = request.url
        return httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )

    async def aclose(self) -> None:
        idle = [c for conns in self._idle.values() for c in conns]
        self._idle.clear()
        self._idle_count = 0
        for conn in idle:
            await conn.aclose()


class _ReleasingStream(httpx.AsyncByteStream):
    """A response body that gives its connection back when closed."""

    def __init__(
        self,
        transport: _Transport,
        key: _ConnKey,
        conn: httpcore.AsyncHTTPConnection,
        stream: Any,
    ) -> None:
        self._transport, self._key, self._conn, self._stream = transport, key, conn, stream

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _httpx_errors():
            async for part in self._stream:
                yield part

    async def aclose(self) -> None:
        try:
            with _httpx_errors():
                # httpcore closes the connection itself when the body was not read to the end
                await self._stream.aclose()
        finally:
            await self._transport._release(self._key, self._conn)


def make_client(
    ssl_context: ssl.SSLContext | None = None, *, timeout: float = DEFAULT_TIMEOUT
) -> httpx.AsyncClient:
    """An httpx client set up as fetch() needs it; share one across many fetches.

    ssl_context None = the built-in (certifi) list. No environment proxies, no
    automatic redirects, no connection limit (the caller bounds concurrency,
    so no fetch waits in a pool and eats its own deadline).
    """
    ctx = ssl_context if ssl_context is not None else trust.default_context()
    return httpx.AsyncClient(
        transport=_Transport(ctx),
        trust_env=False,
        follow_redirects=False,
        timeout=timeout,
        headers=_BASE_HEADERS,
    )


def _not_http(t: Target, via: str) -> FetchFailed:
    return FetchFailed(
        Failure.NETWORK,
        f"The server at {t.where} did not answer in HTTP{via}; check that the URL's "
        "scheme and port are those of a web server.",
    )


async def fetch_http(
    state: FetchState,
    client: httpx.AsyncClient,
    connect_to: ConnectMap | None,
    timeout: float,
    max_bytes: int,
    max_redirects: int,
) -> bytes:
    redirects = 0
    while True:
        t = state.target
        via = via_text(t, connect_to)
        headers: dict[str, str] = {"Accept-Encoding": "identity"}
        extensions: dict[str, object] = {}
        chost, cport = reach(connect_to, t.host, t.port)  # each redirect too, before connecting
        if (chost, cport) != (t.host, t.port):
            # Connect elsewhere, but the server must see the typed name (Host, SNI).
            bracketed = f"[{chost}]" if ":" in chost else chost
            netloc = f"{bracketed}:{cport}"
            headers["Host"] = t.netloc
            if t.scheme == "https":
                # make_client()'s pool keys connections by SNI name too
                extensions["sni_hostname"] = t.host
        else:
            netloc = t.netloc
        request_url = f"{t.scheme}://{netloc}{t.path}" + (f"?{t.query}" if t.query else "")
        auth = (t.username, t.password or "") if t.username is not None else None
        try:
            request = client.build_request(
                "GET", request_url, headers=headers, extensions=extensions, timeout=timeout
            )
        except httpx.InvalidURL:
            raise FetchFailed(
                Failure.BAD_URL, "The URL contains characters that are not allowed; correct it."
            ) from None
        try:
            response = await client.send(request, auth=auth, stream=True, follow_redirects=False)
        except (httpx.InvalidURL, httpx.RemoteProtocolError) as exc:
            # httpx parses a Location header even when not following it, and
            # raises for one it cannot parse (such as "javascript:x").
            if isinstance(exc, httpx.RemoteProtocolError) and "location header" not in str(exc):
                raise _not_http(t, via) from None
            raise FetchFailed(
                Failure.BAD_URL,
                f"The server at {t.where} redirected to a URL that cannot be used; fix the "
                "server's redirect or give the certificate's final URL.",
            ) from None
        except httpx.TimeoutException:
            raise FetchFailed(Failure.TIMEOUT, timeout_message(t, timeout, False, via)) from None
        except httpx.HTTPError as exc:
            classified = os_failure(exc, t.where, via)
            if classified is not None:
                raise classified from None
            raise _not_http(t, via) from None
        try:
            state.status = response.status_code
            state.content_type = response.headers.get("content-type", "")
            if response.status_code in _REDIRECT_STATUSES:
                location = response.headers.get("location")
                if location is None:
                    raise FetchFailed(
                        Failure.HTTP_STATUS,
                        status_message(t, response.status_code),
                        response.status_code,
                    )
                redirects += 1
                if redirects > max_redirects:
                    raise FetchFailed(
                        Failure.REDIRECTS,
                        f"The server at {t.where} redirected more than {max_redirects} times "
                        "(a loop?); give the certificate's final URL instead.",
                        response.status_code,
                    )
                state.target, state.url = _redirect_target(state.url, location, t)
                continue
            if not 200 <= response.status_code < 300:
                raise FetchFailed(
                    Failure.HTTP_STATUS,
                    status_message(t, response.status_code),
                    response.status_code,
                )
            return await _read_body(state, response, t, max_bytes, timeout)
        finally:
            await response.aclose()


def _redirect_target(current: str, location: str, t: Target) -> tuple[Target, str]:
    new_url = urljoin(current, location.strip())
    try:
        new = parse_url(new_url)
    except FetchFailed as f:
        if f.failure is Failure.SCHEME:
            scheme = new_url.partition(":")[0].lower()
            raise FetchFailed(
                Failure.SCHEME,
                f"The server at {t.where} redirected to a {scheme}: URL, but a handset "
                "follows redirects only to http or https; give the certificate's final URL.",
            ) from None
        raise FetchFailed(
            Failure.BAD_URL,
            f"The server at {t.where} redirected to a URL that cannot be used "
            f"({f.message[:-1]}); fix the server's redirect.",
        ) from None
    if new.scheme == "ftp":
        raise FetchFailed(
            Failure.SCHEME,
            f"The server at {t.where} redirected to an ftp: URL, but a handset follows "
            "redirects only to http or https; type the ftp:// URL itself.",
        )
    return new, new_url


async def _read_body(
    state: FetchState, response: httpx.Response, t: Target, max_bytes: int, timeout: float
) -> bytes:
    encoding = response.headers.get("content-encoding", "").strip().lower()
    if encoding not in _DECODABLE:
        raise FetchFailed(
            Failure.NETWORK,
            f"The server at {t.where} sent the file compressed as {encoding[:20]!r}, which a "
            f"handset cannot read; serve {state.expecting.file} uncompressed.",
            response.status_code,
        )
    too_large = too_large_failure(t, max_bytes, response.status_code, state.expecting)
    length = response.headers.get("content-length", "")
    if length.isdigit() and int(length) > max_bytes:
        raise too_large
    body = _Body("" if encoding == "identity" else encoding, max_bytes, too_large)
    state.in_body = True
    try:
        async for chunk in response.aiter_raw():
            body.feed(chunk)
    except zlib.error:
        raise FetchFailed(
            Failure.NETWORK,
            f"The server at {t.where} sent a damaged compressed file; serve "
            f"{state.expecting.file} uncompressed.",
            response.status_code,
        ) from None
    except httpx.TimeoutException:
        raise FetchFailed(Failure.TIMEOUT, timeout_message(t, timeout, True, "")) from None
    except httpx.HTTPError:
        raise FetchFailed(
            Failure.NETWORK,
            f"The server at {t.where} broke off the download; try again or check the server.",
            response.status_code,
        ) from None
    return bytes(body.out)
