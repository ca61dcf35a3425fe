"""Certificate download as the handset does it: http, https and ftp, bounded.

Shared by the emulated handset (core.handset) and the URL checker (core.check),
so both always see a server the same way. Every network problem comes back as
a FetchResult with a classified Failure and one sentence saying what to do;
fetch() never raises for them.

Bounds: one total deadline around everything (a 1-byte-a-second trickle still
stops), a body cap counted on the decoded bytes, a redirect limit, and only the
schemes a handset knows.

Choices (rehearsal choices where the phone is undocumented):
- Redirects are followed only to http or https. A redirect to ftp:, file: or
  anything else is a SCHEME failure: the vendor documents typing the URL, not
  following a server elsewhere, and a checker should report the real URL.
- We ask for `Accept-Encoding: identity`. A server that still compresses with
  gzip or deflate (zlib) is decoded here, never inflating more than the cap;
  any other Content-Encoding is refused (NETWORK), since no handset is known to
  decode it.
- HTTP statuses other than 2xx are HTTP_STATUS (status tells which); NOT_FOUND
  is FTP's 550.
- https is verified against the given context, which (like core.trust's) has
  check_hostname off: the phone compares the boot server name with the CN
  itself, so a download only needs a trusted chain.
- ConnectMap (curl's --connect-to) connects elsewhere while the request keeps
  the typed name in the Host header and the TLS SNI.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import ftplib
import http
import re
import socket
import ssl
import threading
import time
import zlib
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import SplitResult, unquote, urljoin, urlsplit

import httpcore
import httpx
from cryptography import x509

from core import trust
from core.errors import UserError

DEFAULT_TIMEOUT = 10.0
MAX_BYTES = 64 * 1024
MAX_REDIRECTS = 5

SCHEMES = ("http", "https", "ftp")
DEFAULT_PORTS = {"http": 80, "https": 443, "ftp": 21}
USER_AGENT = "handset-ca (Spectralink 8400 rehearsal)"
_BASE_HEADERS = {"Accept": "*/*", "Accept-Encoding": "identity", "User-Agent": USER_AGENT}
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_HOST_RE = re.compile(r"[a-z0-9._-]+")


class Failure(StrEnum):
    """Why a download failed; values are stable (used in JSON output)."""

    BAD_URL = "bad_url"
    SCHEME = "scheme"
    NOT_RESOLVED = "not_resolved"
    REFUSED = "refused"
    TIMEOUT = "timeout"
    TLS_UNTRUSTED = "tls_untrusted"
    TLS_ERROR = "tls_error"
    HTTP_STATUS = "http_status"
    TOO_LARGE = "too_large"
    REDIRECTS = "redirects"
    FTP_LOGIN = "ftp_login"
    NOT_FOUND = "not_found"
    NETWORK = "network"


@dataclass
class FetchResult:
    url: str  # as given by the caller
    ok: bool
    data: bytes = b""
    failure: Failure | None = None
    message: str = ""  # one sentence, no secrets (FTP passwords masked)
    status: int | None = None  # last HTTP status seen
    final_url: str = ""  # after redirects, password masked
    content_type: str = ""


@dataclass
class TLSResult:
    ok: bool
    failure: Failure | None
    message: str
    verify_code: int | None = None  # OpenSSL X509_V_ERR_* when verification failed
    peer_cert: x509.Certificate | None = None  # leaf, when the handshake completed


# ---------------------------------------------------------------------------
# --connect-to


def _bad_spec(spec: str) -> UserError:
    return UserError(
        f"The --connect-to value {spec!r} is not HOST1:PORT1:HOST2:PORT2; "
        "write it like bootserver1.example.com:80:127.0.0.1:8080."
    )


def _split_spec(spec: str) -> list[str]:
    """Split on ':' outside [IPv6] brackets; brackets are dropped."""
    fields: list[str] = []
    rest = spec
    while True:
        if rest.startswith("["):
            end = rest.find("]")
            if end < 0:
                raise _bad_spec(spec)
            fields.append(rest[1:end])
            rest = rest[end + 1 :]
            if rest and not rest.startswith(":"):
                raise _bad_spec(spec)
        else:
            field, sep, tail = rest.partition(":")
            fields.append(field)
            rest = sep + tail
        if not rest:
            return fields
        rest = rest[1:]  # the ':'
        if len(fields) > 4:
            raise _bad_spec(spec)


def _port(text: str, spec: str) -> int | None:
    if text == "":
        return None
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise _bad_spec(spec)
    return int(text)


class ConnectMap:
    """curl's --connect-to HOST1:PORT1:HOST2:PORT2 (empty HOST1/PORT1 = any).

    An empty HOST2 or PORT2 keeps the original one, as in curl. The first
    matching entry wins. Host names compare case-insensitively.
    """

    def __init__(self) -> None:
        self._entries: list[tuple[str, int | None, str, int | None]] = []

    @classmethod
    def parse(cls, specs: Iterable[str]) -> ConnectMap:
        cmap = cls()
        for spec in specs:
            fields = _split_spec(spec.strip())
            if len(fields) != 4:
                raise _bad_spec(spec)
            host1, port1, host2, port2 = fields
            if " " in host1 or " " in host2:
                raise _bad_spec(spec)
            p1, p2 = _port(port1, spec), _port(port2, spec)
            cmap.add(host1, p1, host2, p2)
        return cmap

    def add(self, host1: str, port1: int | None, host2: str, port2: int | None) -> None:
        self._entries.append((host1.strip("[]").lower(), port1, host2.strip("[]"), port2))

    def resolve(self, host: str, port: int) -> tuple[str, int]:
        name = host.strip("[]").lower()
        for host1, port1, host2, port2 in self._entries:
            if (not host1 or host1 == name) and (port1 is None or port1 == port):
                return (host2 or host, port2 or port)
        return (host, port)

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        specs = [f"{h1}:{p1 or ''}:{h2}:{p2 or ''}" for h1, p1, h2, p2 in self._entries]
        return f"ConnectMap({specs!r})"


# ---------------------------------------------------------------------------
# URLs


def mask_url(url: str) -> str:
    """The URL with any password replaced by ***, safe to show or log."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    end = len(rest)
    for ch in "/?#":
        i = rest.find(ch)
        if 0 <= i < end:
            end = i
    netloc = rest[:end]
    userinfo, at, hostport = netloc.rpartition("@")
    if not at or ":" not in userinfo:
        return url
    user = userinfo.split(":", 1)[0]
    return f"{scheme}://{user}:***@{hostport}{rest[end:]}"


class _Fail(Exception):
    def __init__(self, failure: Failure, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.failure = failure
        self.message = message
        self.status = status


@dataclass(frozen=True)
class _Target:
    scheme: str
    host: str  # lower case, no brackets
    port: int  # explicit or the scheme's default
    explicit_port: bool
    path: str  # raw path ("/" when empty)
    query: str
    username: str | None  # percent-decoded
    password: str | None

    @property
    def netloc(self) -> str:
        """host[:port] as a Host header writes it (no userinfo)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}" if self.explicit_port else host

    @property
    def where(self) -> str:
        """host:port for messages."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


def _check_characters(url: str) -> None:
    if url.isascii() and url.isprintable() and " " not in url:
        return  # the usual case, checked in C
    for ch in url:
        if ch == " ":
            raise _Fail(
                Failure.BAD_URL,
                "The URL contains a space, which a handset cannot send; "
                "remove it or write it as %20.",
            )
        if ord(ch) > 126:
            raise _Fail(
                Failure.BAD_URL,
                f"The URL contains the non-ASCII character {ch!r}, which a handset cannot "
                "type; use only plain ASCII letters, digits and punctuation.",
            )
        if ord(ch) < 32 or ord(ch) == 127:
            raise _Fail(
                Failure.BAD_URL,
                "The URL contains a control character (a tab or line break?); retype it.",
            )


def _valid_host(host: str) -> bool:
    """A DNS-like name or an IP literal (IPv6 without brackets); lower case expected."""
    if ":" in host:
        return all(c in "0123456789abcdef:." for c in host)
    return bool(_HOST_RE.fullmatch(host)) and not host.startswith(".") and ".." not in host


def _parse(url: str) -> _Target:
    """Validate a URL the way we fetch it; _Fail(BAD_URL or SCHEME) when unusable."""
    if not isinstance(url, str) or not url:
        raise _Fail(Failure.BAD_URL, "The URL is empty; type one like http://server/ca.crt.")
    _check_characters(url)
    if "://" not in url:
        scheme = url.partition(":")[0].lower()
        if scheme and ":" in url and scheme.isalpha() and scheme not in SCHEMES:
            raise _Fail(
                Failure.SCHEME,
                f"The URL uses {scheme}:, but a handset downloads only over "
                "http, https or ftp; start it with one of those.",
            )
        raise _Fail(
            Failure.BAD_URL,
            "The URL does not start with http://, https:// or ftp://; add the scheme.",
        )
    try:
        parts: SplitResult = urlsplit(url)
        port = parts.port
    except ValueError:
        raise _Fail(
            Failure.BAD_URL,
            "The URL has a bad host or port (a port is a number from 1 to 65535); correct it.",
        ) from None
    scheme = parts.scheme.lower()
    if not scheme:
        raise _Fail(
            Failure.BAD_URL,
            "The URL does not start with http://, https:// or ftp://; add the scheme.",
        )
    if scheme not in SCHEMES:
        raise _Fail(
            Failure.SCHEME,
            f"The URL uses {scheme}:, but a handset downloads only over "
            "http, https or ftp; start it with one of those.",
        )
    host = (parts.hostname or "").lower()
    if not host:
        raise _Fail(
            Failure.BAD_URL, "The URL has no server name after '//'; add the boot server's name."
        )
    if not _valid_host(host):
        raise _Fail(
            Failure.BAD_URL,
            f"The server name {host!r} in the URL is not a valid host name; correct it.",
        )
    if port == 0:
        raise _Fail(Failure.BAD_URL, "The URL has port 0; use a port from 1 to 65535.")
    username = unquote(parts.username) if parts.username is not None else None
    password = unquote(parts.password) if parts.password is not None else None
    return _Target(
        scheme=scheme,
        host=host,
        port=port or DEFAULT_PORTS[scheme],
        explicit_port=port is not None,
        path=parts.path or "/",
        query=parts.query,
        username=username,
        password=password,
    )


def _size(n: int) -> str:
    return f"{n // 1024} KiB" if n % 1024 == 0 else f"{n} bytes"


def _too_large(t: _Target, max_bytes: int, status: int | None = None) -> _Fail:
    return _Fail(
        Failure.TOO_LARGE,
        f"The file at {t.where} is larger than {_size(max_bytes)}, far too large for a CA "
        "certificate; check that the URL names the ca.crt file.",
        status,
    )


def _via(t: _Target, connect_to: ConnectMap | None) -> str:
    """' (connected to X via --connect-to)' when the map sends t elsewhere."""
    if not connect_to:
        return ""
    host, port = connect_to.resolve(t.host, t.port)
    if (host, port) == (t.host, t.port):
        return ""
    return f" (reached through --connect-to as {host}:{port})"


# ---------------------------------------------------------------------------
# Errors from sockets and TLS


_VERIFY_REASONS = {
    9: "is not valid yet",
    10: "has expired",
    18: "is self-signed and not in the handset's trust list",
    19: "chains to a root that is not in the handset's trust list",
    20: "was issued by a CA that is not in the handset's trust list",
    21: "was issued by a CA that is not in the handset's trust list",
}


def _causes(exc: BaseException) -> Iterable[BaseException]:
    """exc and everything it was raised from, exception groups opened."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        e = todo.pop()
        if id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        if isinstance(e, BaseExceptionGroup):
            todo.extend(e.exceptions)
        for nxt in (e.__cause__, e.__context__):
            if nxt is not None:
                todo.append(nxt)


def _tls_failure(e: ssl.SSLError, where: str, download: bool) -> _Fail:
    if isinstance(e, ssl.SSLCertVerificationError):
        reason = _VERIFY_REASONS.get(e.verify_code)
        if reason is None:
            reason = f"failed verification ({e.verify_message})"
        if download:
            hint = "the handset will not download from it, so fix the server's certificate "
            hint += "or use an http:// or ftp:// URL"
        else:
            hint = "fix the server's certificate or the trust list"
        return _Fail(Failure.TLS_UNTRUSTED, f"The HTTPS certificate of {where} {reason}; {hint}.")
    reason = getattr(e, "reason", None) or e.__class__.__name__
    return _Fail(
        Failure.TLS_ERROR,
        f"The TLS handshake with {where} failed ({reason}); check that the port serves "
        "HTTPS and that the URL says https:// only where it should.",
    )


def _os_failure(exc: BaseException, where: str, via: str, download: bool = True) -> _Fail | None:
    """A classified failure from the first telling cause, or None."""
    for e in _causes(exc):
        if isinstance(e, ssl.SSLError):
            return _tls_failure(e, where, download)
        if isinstance(e, socket.gaierror):
            return _Fail(
                Failure.NOT_RESOLVED,
                f"The server name in {where} could not be found{via}; check the spelling, "
                "or use the server's IP address.",
            )
        if isinstance(e, ConnectionRefusedError):
            return _Fail(
                Failure.REFUSED,
                f"Nothing is listening at {where}{via}; check the port and that the "
                "server is running.",
            )
    return None


def _timeout_message(t: _Target, timeout: float, started_body: bool, via: str) -> str:
    if started_body:
        return (
            f"The download from {t.where} did not finish within {timeout:g} s (the server "
            "sends too slowly); check the server."
        )
    return (
        f"The server at {t.where} did not answer within {timeout:g} s{via}; check that it is "
        "up, reachable, and serving this scheme on this port."
    )


# ---------------------------------------------------------------------------
# Bounded decoding


class _Body:
    """Collects a body up to `limit` decoded bytes; gzip/zlib decoded on the fly."""

    def __init__(self, encoding: str, limit: int, fail: _Fail) -> None:
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
        if conn is None:
            conn = httpcore.AsyncHTTPConnection(
                httpcore.Origin(url.raw_scheme, url.raw_host, port),
                ssl_context=self._ssl,
                keepalive_expiry=5.0,
                network_backend=self._backend,
            )
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        try:
            with _httpx_errors():
                core_response = await conn.handle_async_request(core_request)
        except BaseException:
            await conn.aclose()
            raise
        return httpx.Response(
            status_code=core_response.status,
            headers=core_response.headers,
            stream=_ReleasingStream(self, key, conn, core_response.stream),
            extensions=core_response.extensions,
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


def _status_message(t: _Target, status: int) -> str:
    try:
        phrase = http.HTTPStatus(status).phrase
    except ValueError:
        phrase = ""
    code = f"{status} {phrase}".strip()
    if status == 404:
        hint = "check the path and file name in the URL"
    elif status in (401, 403):
        hint = "let the web server give ca.crt to anyone, without a password"
    elif status >= 500:
        hint = "check the web server's error log"
    elif 300 <= status < 400:
        hint = "give the final URL of the certificate instead"
    else:
        hint = "check the URL and the server"
    return f"The server at {t.where} answered {code} for {t.path}; {hint}."


class _State:
    """What fetch() learned so far, for the result and for timeout messages."""

    def __init__(self, target: _Target) -> None:
        self.target = target
        self.url = ""
        self.status: int | None = None
        self.content_type = ""
        self.in_body = False


async def _fetch_http(
    state: _State,
    client: httpx.AsyncClient,
    connect_to: ConnectMap | None,
    timeout: float,
    max_bytes: int,
    max_redirects: int,
) -> bytes:
    redirects = 0
    while True:
        t = state.target
        via = _via(t, connect_to)
        headers: dict[str, str] = {"Accept-Encoding": "identity"}
        extensions: dict[str, object] = {}
        chost, cport = connect_to.resolve(t.host, t.port) if connect_to else (t.host, t.port)
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
            raise _Fail(
                Failure.BAD_URL, "The URL contains characters that are not allowed; correct it."
            ) from None
        try:
            response = await client.send(request, auth=auth, stream=True, follow_redirects=False)
        except (httpx.InvalidURL, httpx.RemoteProtocolError) as exc:
            # httpx parses a Location header even when not following it, and
            # raises for one it cannot parse (such as "javascript:x").
            if isinstance(exc, httpx.RemoteProtocolError) and "location header" not in str(exc):
                raise _Fail(
                    Failure.NETWORK,
                    f"The server at {t.where} did not answer in HTTP{via}; check that the URL's "
                    "scheme and port are those of a web server.",
                ) from None
            raise _Fail(
                Failure.BAD_URL,
                f"The server at {t.where} redirected to a URL that cannot be used; fix the "
                "server's redirect or give the certificate's final URL.",
            ) from None
        except httpx.TimeoutException:
            raise _Fail(Failure.TIMEOUT, _timeout_message(t, timeout, False, via)) from None
        except httpx.HTTPError as exc:
            classified = _os_failure(exc, t.where, via)
            if classified is not None:
                raise classified from None
            raise _Fail(
                Failure.NETWORK,
                f"The server at {t.where} did not answer in HTTP{via}; check that the URL's "
                "scheme and port are those of a web server.",
            ) from None
        try:
            state.status = response.status_code
            state.content_type = response.headers.get("content-type", "")
            if response.status_code in _REDIRECT_STATUSES:
                location = response.headers.get("location")
                if location is None:
                    raise _Fail(
                        Failure.HTTP_STATUS,
                        _status_message(t, response.status_code),
                        response.status_code,
                    )
                redirects += 1
                if redirects > max_redirects:
                    raise _Fail(
                        Failure.REDIRECTS,
                        f"The server at {t.where} redirected more than {max_redirects} times "
                        "(a loop?); give the certificate's final URL instead.",
                        response.status_code,
                    )
                state.target, state.url = _redirect_target(state.url, location, t)
                continue
            if not 200 <= response.status_code < 300:
                raise _Fail(
                    Failure.HTTP_STATUS,
                    _status_message(t, response.status_code),
                    response.status_code,
                )
            return await _read_body(state, response, t, max_bytes, timeout)
        finally:
            await response.aclose()


def _redirect_target(current: str, location: str, t: _Target) -> tuple[_Target, str]:
    new_url = urljoin(current, location.strip())
    try:
        new = _parse(new_url)
    except _Fail as f:
        if f.failure is Failure.SCHEME:
            scheme = new_url.partition(":")[0].lower()
            raise _Fail(
                Failure.SCHEME,
                f"The server at {t.where} redirected to a {scheme}: URL, but a handset "
                "follows redirects only to http or https; give the certificate's final URL.",
            ) from None
        raise _Fail(
            Failure.BAD_URL,
            f"The server at {t.where} redirected to a URL that cannot be used "
            f"({f.message[:-1]}); fix the server's redirect.",
        ) from None
    if new.scheme == "ftp":
        raise _Fail(
            Failure.SCHEME,
            f"The server at {t.where} redirected to an ftp: URL, but a handset follows "
            "redirects only to http or https; type the ftp:// URL itself.",
        )
    return new, new_url


async def _read_body(
    state: _State, response: httpx.Response, t: _Target, max_bytes: int, timeout: float
) -> bytes:
    encoding = response.headers.get("content-encoding", "").strip().lower()
    if encoding not in _DECODABLE:
        raise _Fail(
            Failure.NETWORK,
            f"The server at {t.where} sent the file compressed as {encoding[:20]!r}, which a "
            "handset cannot read; serve ca.crt uncompressed.",
            response.status_code,
        )
    too_large = _too_large(t, max_bytes, response.status_code)
    length = response.headers.get("content-length", "")
    if length.isdigit() and int(length) > max_bytes:
        raise too_large
    body = _Body("" if encoding == "identity" else encoding, max_bytes, too_large)
    state.in_body = True
    try:
        async for chunk in response.aiter_raw():
            body.feed(chunk)
    except zlib.error:
        raise _Fail(
            Failure.NETWORK,
            f"The server at {t.where} sent a damaged compressed file; serve ca.crt uncompressed.",
            response.status_code,
        ) from None
    except httpx.TimeoutException:
        raise _Fail(Failure.TIMEOUT, _timeout_message(t, timeout, True, "")) from None
    except httpx.HTTPError:
        raise _Fail(
            Failure.NETWORK,
            f"The server at {t.where} broke off the download; try again or check the server.",
            response.status_code,
        ) from None
    return bytes(body.out)


# ---------------------------------------------------------------------------
# FTP (stdlib ftplib in a worker thread)

_ftp_pool: concurrent.futures.ThreadPoolExecutor | None = None
_ftp_pool_lock = threading.Lock()


def _ftp_executor() -> concurrent.futures.ThreadPoolExecutor:
    # Our own pool, so many FTP checks do not starve asyncio.to_thread users.
    global _ftp_pool
    with _ftp_pool_lock:
        if _ftp_pool is None:
            _ftp_pool = concurrent.futures.ThreadPoolExecutor(32, thread_name_prefix="ftp")
        return _ftp_pool


_MAX_FTP_REPLY = 64 * 1024


class _BoundedFTP(ftplib.FTP):
    """ftplib.FTP whose multi-line replies are capped (ftplib keeps them all)."""

    def getmultiline(self) -> str:
        line = self.getline()
        if line[3:4] != "-":
            return line
        code, total, last = line[:3], len(line), line
        while not (last[:3] == code and last[3:4] != "-"):
            last = self.getline()
            total += len(last)
            if total > _MAX_FTP_REPLY:
                raise ftplib.error_proto("the server's reply is too long")
        return f"{line}\n{last}"  # callers only read the code


class _FTPJob:
    """One blocking FTP download; abort() from another thread unblocks it."""

    def __init__(
        self, t: _Target, host: str, port: int, deadline: float, max_bytes: int, via: str
    ) -> None:
        self.t, self.host, self.port, self.via = t, host, port, via
        self.deadline, self.max_bytes = deadline, max_bytes
        self._lock = threading.Lock()
        self._socks: list[socket.socket] = []
        self._ftp: ftplib.FTP | None = None
        self.aborted = False
        self.in_body = False

    def abort(self) -> None:
        with self._lock:
            self.aborted = True
            # ftplib.connect() sets .sock before it waits for the banner
            control = self._ftp.sock if self._ftp is not None else None
            for s in [*self._socks, control]:
                if s is None:
                    continue
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def _track(self, s: socket.socket | None) -> None:
        with self._lock:
            if s is not None:
                self._socks.append(s)
            if self.aborted:
                raise TimeoutError

    def _remaining(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        return left

    def run(self) -> bytes:
        t = self.t
        path = unquote(t.path).lstrip("/")
        ftp = _BoundedFTP(timeout=self._remaining())
        self._ftp = ftp
        try:
            self._track(None)
            ftp.connect(self.host, self.port, timeout=self._remaining())
            self._track(ftp.sock)
            user = t.username or "anonymous"
            try:
                ftp.login(user, t.password or ("anonymous@" if user == "anonymous" else ""))
            except ftplib.error_perm as e:
                code = str(e)[:3]
                raise _Fail(
                    Failure.FTP_LOGIN,
                    f"The FTP server at {t.where} refused the login for user {user!r} "
                    f"({code}); check the user name and password in the URL.",
                ) from None
            ftp.voidcmd("TYPE I")
            try:
                conn = ftp.transfercmd("RETR " + path)
            except ftplib.error_perm as e:
                code = str(e)[:3]
                if code == "550":
                    raise _Fail(
                        Failure.NOT_FOUND,
                        f"The FTP server at {t.where} has no file /{path} (550); check the "
                        "path and file name in the URL.",
                    ) from None
                raise
            with conn:
                self._track(conn)
                self.in_body = True
                data = bytearray()
                while True:
                    conn.settimeout(self._remaining())
                    chunk = conn.recv(16384)
                    if not chunk:
                        break
                    data += chunk
                    if len(data) > self.max_bytes:
                        raise _too_large(t, self.max_bytes)
            ftp.sock.settimeout(self._remaining())
            ftp.voidresp()
            return bytes(data)
        finally:
            ftp.close()


def _ftp_error(exc: BaseException, job: _FTPJob, timeout: float) -> _Fail:
    t = job.t
    if isinstance(exc, _Fail):
        return exc
    if isinstance(exc, TimeoutError):
        return _Fail(Failure.TIMEOUT, _timeout_message(t, timeout, job.in_body, job.via))
    if isinstance(exc, (ftplib.error_proto, EOFError)):
        return _Fail(
            Failure.NETWORK,
            f"The FTP server at {t.where} broke off or sent something that is not FTP"
            f"{job.via}; check that an FTP server runs on this port.",
        )
    if isinstance(exc, ftplib.Error):
        code = str(exc)[:3]
        return _Fail(
            Failure.NETWORK,
            f"The FTP server at {t.where} refused the download ({code}); check the URL and "
            "the server's log.",
        )
    classified = _os_failure(exc, t.where, job.via)
    if classified is not None:
        return classified
    return _Fail(
        Failure.NETWORK,
        f"The FTP connection to {t.where} failed{job.via}; check that an FTP server runs "
        "on this port.",
    )


async def _fetch_ftp(
    state: _State, connect_to: ConnectMap | None, timeout: float, max_bytes: int
) -> bytes:
    t = state.target
    for value in (t.path, t.username or "", t.password or ""):
        if any(c in unquote(value) for c in "\r\n\0"):
            raise _Fail(Failure.BAD_URL, "The URL hides a line break (%0d or %0a); remove it.")
    if unquote(t.path).lstrip("/") == "":
        raise _Fail(Failure.BAD_URL, "The ftp:// URL names no file; add its path, like /ca.crt.")
    host, port = connect_to.resolve(t.host, t.port) if connect_to else (t.host, t.port)
    job = _FTPJob(t, host, port, time.monotonic() + timeout, max_bytes, _via(t, connect_to))
    loop = asyncio.get_running_loop()
    future = loop.run_in_executor(_ftp_executor(), job.run)
    try:
        return await future
    except asyncio.CancelledError:
        job.abort()  # the thread stops now instead of at its own deadline
        state.in_body = job.in_body
        raise
    except Exception as exc:
        raise _ftp_error(exc, job, timeout) from None


# ---------------------------------------------------------------------------
# Public entry points


async def fetch(
    url: str,
    *,
    ssl_context: ssl.SSLContext | None = None,
    connect_to: ConnectMap | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = MAX_BYTES,
    max_redirects: int = MAX_REDIRECTS,
    client: httpx.AsyncClient | None = None,
) -> FetchResult:
    """Download url as a handset would; never raises for network problems.

    ssl_context None = certifi's list. `client` (from make_client) lets a
    caller share one connection pool across many fetches; its own TLS context
    then applies, so passing ssl_context too is an error.
    """
    if client is not None and ssl_context is not None:
        raise ValueError("pass ssl_context to make_client() when sharing a client")
    result = FetchResult(url=url, ok=False, final_url=mask_url(url) if isinstance(url, str) else "")
    state: _State | None = None
    try:
        async with asyncio.timeout(timeout):
            target = _parse(url)
            state = _State(target)
            state.url = url
            if target.scheme == "ftp":
                result.data = await _fetch_ftp(state, connect_to, timeout, max_bytes)
            elif client is not None:
                result.data = await _fetch_http(
                    state, client, connect_to, timeout, max_bytes, max_redirects
                )
            else:
                async with make_client(ssl_context, timeout=timeout) as own:
                    result.data = await _fetch_http(
                        state, own, connect_to, timeout, max_bytes, max_redirects
                    )
        result.ok = True
    except _Fail as f:
        result.failure, result.message = f.failure, f.message
        if f.status is not None:
            result.status = f.status
    except TimeoutError:
        assert state is not None  # parsing cannot time out
        result.failure = Failure.TIMEOUT
        result.message = _timeout_message(
            state.target, timeout, state.in_body, _via(state.target, connect_to)
        )
    if state is not None:
        result.final_url = mask_url(state.url)
        result.status = state.status if result.status is None else result.status
        result.content_type = state.content_type
    return result


async def tls_handshake(
    host: str,
    port: int,
    *,
    ssl_context: ssl.SSLContext,
    connect_to: ConnectMap | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> TLSResult:
    """Open a TLS connection (SNI = host) and report how the handshake went.

    Connects to connect_to.resolve(host, port). verify_code is OpenSSL's
    X509_V_ERR_* (10 expired, 18/19/20/21 untrusted issuer); peer_cert is the
    leaf when the handshake completed.
    """
    host = host.strip("[]")
    if not _valid_host(host.lower()) or len(host) > 253:
        return TLSResult(
            False,
            Failure.BAD_URL,
            f"The server name {host[:60]!r} is not a valid host name; correct it.",
        )
    if not isinstance(port, int) or not 0 < port < 65536:
        return TLSResult(
            False,
            Failure.BAD_URL,
            f"The port {port!r} is not a number from 1 to 65535; correct it.",
        )
    if ssl_context is None:  # asyncio would silently speak plain TCP
        ssl_context = trust.default_context()
    chost, cport = connect_to.resolve(host, port) if connect_to else (host, port)
    where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    via = "" if (chost, cport) == (host, port) else f" (reached as {chost}:{cport})"
    try:
        async with asyncio.timeout(timeout):
            _, writer = await asyncio.open_connection(
                chost, cport, ssl=ssl_context, server_hostname=host
            )
    except TimeoutError:
        return TLSResult(
            False,
            Failure.TIMEOUT,
            f"The server at {where} did not complete a TLS handshake within {timeout:g} s{via}; "
            "check that it is up and serves HTTPS on this port.",
        )
    except OSError as exc:  # before ValueError: SSLCertVerificationError is both
        classified = _os_failure(exc, where, via, download=False)
        if classified is None:
            classified = _Fail(
                Failure.NETWORK,
                f"The connection to {where} broke during the TLS handshake{via}; check that "
                "the port serves HTTPS.",
            )
        code = exc.verify_code if isinstance(exc, ssl.SSLCertVerificationError) else None
        return TLSResult(False, classified.failure, classified.message, verify_code=code)
    except (UnicodeError, ValueError):
        return TLSResult(
            False,
            Failure.BAD_URL,
            f"The server name {host!r} is not a valid host name; correct it.",
        )
    try:
        ssl_object = writer.get_extra_info("ssl_object")
        der = ssl_object.getpeercert(binary_form=True) if ssl_object else None
        cert = x509.load_der_x509_certificate(der) if der else None
    finally:
        writer.transport.abort()  # no close_notify wait: the server may not answer it
    return TLSResult(True, None, f"TLS handshake with {where} succeeded.", peer_cert=cert)
