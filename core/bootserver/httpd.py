"""HTTP and HTTPS listeners of the rehearsal boot server: one asyncio event loop each.

Each listener serves a fixed table of published files (core.bootserver.publish):
a request is answered only when its path is exactly a key of that table, so a
key file, a `..` path or anything unpublished is a 404 without any file system
lookup at all. GET and HEAD only; HTTP/1.1 keep-alive.

Why an event loop and not a thread per connection: a pool of threads is used up
by clients that connect and then trickle (slowloris), and every other client
waits. Here a connection costs a file descriptor and a few kilobytes, every
connection has deadlines (core.bootserver.limits): the TLS handshake, each
whole request head (not per read), the idle time between keep-alive requests
and the time a client takes to read the answer. At the connection cap, the
connection that has waited longest for its request head is dropped, so a
normal request always gets in.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import threading
import time
import urllib.parse
from collections.abc import Callable
from email.utils import formatdate

from core.bootserver.limits import MAX_HEAD_BYTES, MAX_HEADERS, Limits
from core.bootserver.publish import Files
from core.bootserver.requestlog import Recorder, log_path

NOT_FOUND = b"Not found: this rehearsal boot server publishes public certificates only.\n"
SERVER_HEADER = "handset-ca-bootserver"
TEXT = "text/plain; charset=utf-8"
REASONS = {
    200: "OK",
    400: "Bad Request",
    404: "Not Found",
    408: "Request Timeout",
    414: "Request-URI Too Long",
    431: "Request Header Fields Too Large",
    501: "Not Implemented",
    505: "HTTP Version Not Supported",
}
# keep-alive as the answer's Connection header: HTTP/1.1 default, close, HTTP/1.0's opt-in
_CONNECTION = {True: "", False: "Connection: close\r\n", "keep-alive": "Connection: keep-alive\r\n"}
_ANSWER_CACHE = 256  # request targets whose answers are kept ready
_LISTEN_BACKLOG = 1024


class _Refused(Exception):
    """A request answered with an error status, after which the connection closes."""

    def __init__(self, status: int, message: str, path: str = "-") -> None:
        super().__init__(message)
        self.status = status
        self.path = path


class _Date:
    """The Date header, formatted at most once a second."""

    def __init__(self) -> None:
        self._second = -1
        self._text = ""

    def now(self) -> str:
        second = int(time.time())
        if second != self._second:
            self._second, self._text = second, formatdate(second, usegmt=True)
        return self._text


def _find_head_end(buf: bytearray) -> tuple[int, int]:
    """(end of the head, where the next request starts) or (-1, -1): CRLF or bare LF."""
    crlf = buf.find(b"\r\n\r\n")
    lf = buf.find(b"\n\n")
    if lf >= 0 and (crlf < 0 or lf < crlf):
        return lf, lf + 2
    if crlf >= 0:
        return crlf, crlf + 4
    return -1, -1


class _Request:
    """A parsed request head: only what the answer depends on."""

    __slots__ = ("confirm", "keep_alive", "method", "target")

    def __init__(self, head: bytes) -> None:
        lines = head.decode("iso-8859-1").split("\n")
        words = lines[0].rstrip("\r").split()
        if len(words) != 3:
            raise _Refused(400, f"Bad request syntax ({lines[0][:100]!r})")
        self.method, self.target, version = words
        if not version.startswith("HTTP/"):
            raise _Refused(400, f"Bad request version ({version[:20]!r})", self.target)
        try:
            major, minor = (int(part) for part in version[5:].split(".", 1))
        except ValueError:
            raise _Refused(400, f"Bad request version ({version[:20]!r})", self.target) from None
        if major != 1:
            raise _Refused(505, "Only HTTP/1.x is spoken here", self.target)
        if len(lines) - 1 > MAX_HEADERS:
            raise _Refused(431, "Too many headers", self.target)
        connection = ""
        has_body = False
        for line in lines[1:]:
            name, _sep, value = line.partition(":")
            name = name.strip().lower()
            if name == "connection":
                connection += "," + value.lower()
            elif name == "transfer-encoding" or (
                name == "content-length" and value.strip() not in ("", "0")
            ):
                has_body = True  # never read: answer, then close
        tokens = {token.strip() for token in connection.split(",")}
        if minor >= 1:
            self.keep_alive = "close" not in tokens
        else:
            self.keep_alive = "keep-alive" in tokens
        if has_body:
            self.keep_alive = False
        # An HTTP/1.0 client keeps the connection only when the answer says so.
        self.confirm = self.keep_alive and minor == 0


class Listener:
    """One HTTP or HTTPS listener: an asyncio loop in its own thread."""

    def __init__(
        self,
        bind: str,
        port: int,
        files: Files,
        record: Recorder,
        ssl_context: ssl.SSLContext | None = None,
        limits: Limits | None = None,
    ) -> None:
        self.files = files
        self.record = record
        self.ssl_context = ssl_context
        self.limits = limits or Limits()
        self._max = self.limits.connections()
        family = socket.AF_INET6 if ":" in bind else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            # As http.server: a restart may reuse a port in TIME_WAIT, never share one.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((bind, port))  # OSError when the port is taken or the address not ours
            sock.listen(_LISTEN_BACKLOG)
            sock.setblocking(False)
        except BaseException:
            sock.close()
            raise
        self._sock = sock
        self.port: int = sock.getsockname()[1]
        self.date = _Date()
        self.stopping = False
        # Connections counted against the cap (dicts as ordered sets).
        self._counted: dict[_Connection, None] = {}
        # Those waiting for a handshake or a request head, longest waiting first.
        self._waiting: dict[_Connection, None] = {}
        self._live: set[_Connection] = set()  # every open transport, for stop()
        self._answers: dict[str, tuple[int, bytes, str, str]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_event: asyncio.Event | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ---------------------------------------------------------------
    def start(self, name: str) -> None:
        self._loop = asyncio.new_event_loop()
        # A client that vanishes mid-handshake is not the server's problem: no stderr.
        self._loop.set_exception_handler(lambda _loop, _context: None)
        self._stop_event = asyncio.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None and self._loop is not None and self._stop_event is not None:
            with contextlib.suppress(RuntimeError):  # the loop already ended
                self._loop.call_soon_threadsafe(self._stop_event.set)
            self._thread.join(timeout=5)
            self._thread = None
        self._sock.close()

    def _run(self) -> None:
        assert self._loop is not None
        try:
            self._loop.run_until_complete(self._main())
        finally:
            self._loop.close()

    async def _main(self) -> None:
        assert self._loop is not None and self._stop_event is not None
        server = await self._loop.create_server(
            lambda: _Connection(self), sock=self._sock, backlog=_LISTEN_BACKLOG
        )
        try:
            await self._stop_event.wait()
        finally:
            self.stopping = True
            server.close()
            conns = list(self._live)
            for conn in conns:
                conn.abort()
            handshakes = [conn.handshake for conn in conns if conn.handshake is not None]
            await asyncio.gather(*handshakes, return_exceptions=True)
            for _ in range(3):  # let aborted transports close their sockets
                await asyncio.sleep(0)

    # --- accounting, called by connections ------------------------------------------
    @property
    def open_connections(self) -> int:
        """Connections open now, counted against the cap (from the listener's thread)."""
        return len(self._live)

    def opened(self, conn: _Connection) -> bool:
        """Count a new connection; at the cap, drop the one that has waited longest for
        its request head. False when every other one is busy answering."""
        self._live.add(conn)
        self._counted[conn] = None
        while len(self._counted) > self._max:
            if not self._waiting:
                self.forget(conn)
                return False
            oldest = next(iter(self._waiting))
            oldest.abort()
        return True

    def waiting(self, conn: _Connection) -> None:
        self._waiting.pop(conn, None)
        self._waiting[conn] = None  # now the newest waiting

    def busy(self, conn: _Connection) -> None:
        self._waiting.pop(conn, None)

    def forget(self, conn: _Connection) -> None:
        self._waiting.pop(conn, None)
        self._counted.pop(conn, None)

    def closed(self, conn: _Connection) -> None:
        self.forget(conn)
        self._live.discard(conn)

    def answer_for(self, target: str) -> tuple[int, bytes, str, str]:
        """(status, body, Content-Type, path as logged) for a request target, cached."""
        found = self._answers.get(target)
        if found is not None:
            return found
        path = target
        if path.startswith("//"):
            path = "/" + path.lstrip("/")  # as http.server: never a host name
        try:
            path = urllib.parse.unquote(urllib.parse.urlsplit(path).path)
        except ValueError:
            raise _Refused(400, "Bad request target", target) from None
        published = self.files.get(path)
        if published is None:
            answer = (404, NOT_FOUND, TEXT, log_path(target))
        else:
            answer = (200, published[0], published[1], log_path(target))
        if len(self._answers) >= _ANSWER_CACHE:
            self._answers.clear()
        self._answers[target] = answer
        return answer

    def response(self, status: int, ctype: str, length: int, connection: bool | str) -> bytes:
        return (
            f"HTTP/1.1 {status} {REASONS[status]}\r\n"
            f"Server: {SERVER_HEADER}\r\n"
            f"Date: {self.date.now()}\r\n"
            f"Content-Type: {ctype}\r\n"
            f"Content-Length: {length}\r\n"
            "Cache-Control: no-store\r\n"
            f"{_CONNECTION[connection]}"
            "\r\n"
        ).encode("latin-1")


class _Connection(asyncio.Protocol):
    """One client: a small state machine driven by the transport, with one deadline
    timer at a time (request head, idle keep-alive, or a client that does not read its
    answers); asyncio times the TLS handshake."""

    def __init__(self, listener: Listener) -> None:
        self.listener = listener
        self.loop = asyncio.get_running_loop()
        self.transport: asyncio.Transport | None = None
        self.client = "-"
        self.buf = bytearray()
        self.served = 0
        self.timer: asyncio.TimerHandle | None = None
        self.handshaken = listener.ssl_context is None
        self.handshake: asyncio.Task[None] | None = None
        self.closing = False
        self.paused = False
        self.ended = False  # the end of the connection was logged, or needs no line

    # --- transport callbacks --------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)  # a stream socket's
        self.transport = transport
        peer = transport.get_extra_info("peername") or ("-", 0)
        self.client = f"{peer[0]}:{peer[1]}"
        if not self.listener.opened(self):
            self.ended = True
            transport.abort()
            return
        self.listener.waiting(self)
        if self.listener.ssl_context is None:
            self._deadline(self.listener.limits.request_timeout)
        else:
            transport.pause_reading()  # every byte goes to TLS, none to us
            self.handshake = self.loop.create_task(self._start_tls(transport))

    def data_received(self, data: bytes) -> None:
        if self.closing:
            return
        self.buf += data
        if self.handshaken:  # else TLS hands us a request before start_tls has returned
            self._process()

    def eof_received(self) -> bool:
        return False  # the client is done: close

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_timer()
        listener = self.listener
        tls = listener.ssl_context is not None
        if tls and self.handshaken and not (self.ended or self.served or listener.stopping):
            # What a handset's provisioning check looks like: trust, then hang up.
            self._record("-", 0, 0, "TLS handshake completed, no request")
        self.ended = True
        self.closing = True
        self.listener.closed(self)

    def pause_writing(self) -> None:
        # The client does not read its answers: stop reading its requests, and give
        # it write_timeout to catch up.
        self.paused = True
        self._transport().pause_reading()
        self._deadline(self.listener.limits.write_timeout, self.abort)

    def resume_writing(self) -> None:
        self.paused = False
        if self.closing:
            return
        self._transport().resume_reading()
        self.listener.waiting(self)
        self._deadline(self.listener.limits.idle_timeout)
        self._process()

    # --- the work ---------------------------------------------------------------------
    async def _start_tls(self, raw: asyncio.Transport) -> None:
        listener = self.listener
        assert listener.ssl_context is not None
        timeout = listener.limits.handshake_timeout
        started = self.loop.time()
        try:
            tls = await self.loop.start_tls(
                raw, self, listener.ssl_context, server_side=True, ssl_handshake_timeout=timeout
            )
        except ssl.SSLError as exc:
            self._handshake_failed(raw, f"TLS handshake failed ({exc.reason or exc})")
            return
        except (OSError, TimeoutError, EOFError):
            if self.loop.time() - started >= timeout:
                note = f"TLS handshake failed (not finished within {timeout:g} s)"
            else:
                note = "TLS handshake failed (connection closed)"
            self._handshake_failed(raw, note)
            return
        except asyncio.CancelledError:  # abort(): dropped at the cap, or stop()
            self.listener.closed(self)  # no connection_lost comes during a handshake
            raise
        if self.closing or tls is None:
            if tls is not None:
                tls.abort()
            self.listener.closed(self)
            return
        self.transport = tls
        self.handshaken = True
        self.listener.waiting(self)
        self._deadline(listener.limits.request_timeout)
        self._process()  # a request that came with the end of the handshake

    def _handshake_failed(self, raw: asyncio.Transport, note: str) -> None:
        if not self.listener.stopping and not self.ended:
            self._record("-", 0, 0, note)
        self.ended = True
        raw.abort()
        self.closing = True
        self.listener.closed(self)

    def _process(self) -> None:
        """Answer every complete request head in the buffer, in order."""
        buf = self.buf
        while not self.closing and not self.paused:
            while buf[:1] in (b"\r", b"\n"):  # blank lines before a request are ignored
                del buf[:1]
            end, after = _find_head_end(buf)
            if end < 0:
                if len(buf) > MAX_HEAD_BYTES:
                    too_long = 414 if b"\n" not in buf else 431
                    self._refuse(_Refused(too_long, "Request head too long"))
                return
            head = bytes(buf[:end])
            del buf[:after]
            self.listener.busy(self)
            try:
                request = _Request(head)
                if request.method not in ("GET", "HEAD"):
                    message = f"Unsupported method ({request.method[:20]!r})"
                    raise _Refused(501, message, request.target)
                self._answer(request)
            except _Refused as refused:
                self._refuse(refused)
                return
            self.served += 1
            if not request.keep_alive:
                self._close()
                return
            if self.paused:  # the client is not reading: the write deadline runs
                return
            self.listener.waiting(self)
            self._deadline(self.listener.limits.idle_timeout)

    def _answer(self, request: _Request) -> None:
        status, body, ctype, logged = self.listener.answer_for(request.target)
        send_body = request.method == "GET"
        # Logged before the answer leaves, so a client that got it finds it in the log.
        self._record(logged, status, len(body) if send_body else 0, "")
        connection = "keep-alive" if request.confirm else request.keep_alive
        head = self.listener.response(status, ctype, len(body), connection)
        self._transport().write(head + body if send_body else head)

    def _refuse(self, refused: _Refused) -> None:
        self._record(log_path(refused.path), refused.status, 0, "")
        body = f"{refused.status} {REASONS[refused.status]}: {refused}\n".encode()
        head = self.listener.response(refused.status, TEXT, len(body), False)
        self._transport().write(head + body)
        self.ended = True
        self._close()

    def _on_deadline(self) -> None:
        self.timer = None
        if self.buf.strip(b"\r\n"):  # a head begun and not finished in time: slowloris
            self._refuse(_Refused(408, "Request head too slow"))
        else:
            self.abort()  # silent or idle: nothing to say

    # --- helpers --------------------------------------------------------------------------
    def _transport(self) -> asyncio.Transport:
        assert self.transport is not None
        return self.transport

    def _record(self, path: str, status: int, nbytes: int, note: str) -> None:
        self.listener.record(self.client, path, status, nbytes, note)

    def _deadline(self, seconds: float, then: Callable[[], None] | None = None) -> None:
        self._cancel_timer()
        self.timer = self.loop.call_later(seconds, then or self._on_deadline)

    def _cancel_timer(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def _close(self) -> None:
        """After the last answer: flush it, then close."""
        self.closing = True
        self._cancel_timer()
        self.listener.forget(self)
        if self.transport is not None:
            self.transport.close()

    def abort(self) -> None:
        """Drop the connection now (deadline, the cap, or stop)."""
        self.closing = True
        self._cancel_timer()
        self.listener.forget(self)
        if self.handshake is not None and not self.handshaken:
            self.handshake.cancel()
        if self.transport is not None:
            self.transport.abort()
