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
_READ_SIZE = 16384
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
        self._files = files
        self._record = record
        self._ssl = ssl_context
        self._limits = limits or Limits()
        self._max = self._limits.connections()
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
        self._date = _Date()
        self._open: dict[asyncio.Task[None], asyncio.StreamWriter] = {}
        # Connections waiting for a handshake or a request head, oldest first.
        self._waiting: dict[asyncio.Task[None], asyncio.StreamWriter] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ---------------------------------------------------------------
    def start(self, name: str) -> None:
        self._loop = asyncio.new_event_loop()
        # A client that vanishes mid-handshake is not the server's problem: no stderr.
        self._loop.set_exception_handler(lambda _loop, _context: None)
        self._stopping = asyncio.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None and self._loop is not None and self._stopping is not None:
            with contextlib.suppress(RuntimeError):  # the loop already ended
                self._loop.call_soon_threadsafe(self._stopping.set)
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
        assert self._stopping is not None
        server = await asyncio.start_server(
            self._connection, sock=self._sock, limit=_READ_SIZE, backlog=_LISTEN_BACKLOG
        )
        try:
            await self._stopping.wait()
        finally:
            server.close()
            tasks = list(self._open)
            for task, writer in list(self._open.items()):
                writer.transport.abort()
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await asyncio.sleep(0)  # let the aborted transports close their sockets

    # --- one connection ------------------------------------------------------------
    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        task = asyncio.current_task()
        assert task is not None
        peer = writer.get_extra_info("peername") or ("-", 0)
        client = f"{peer[0]}:{peer[1]}"
        self._open[task] = writer
        if not self._make_room():
            self._open.pop(task, None)
            writer.transport.abort()
            return
        graceful = False
        try:
            graceful = await self._serve(reader, writer, task, client)
        except (OSError, asyncio.IncompleteReadError, TimeoutError):
            pass  # a client that vanished or stalled mid-answer is not the server's problem
        finally:
            self._open.pop(task, None)
            self._waiting.pop(task, None)
            if graceful:
                writer.close()
                with contextlib.suppress(Exception):
                    async with asyncio.timeout(1):
                        await writer.wait_closed()
            writer.transport.abort()

    def _make_room(self) -> bool:
        """At the cap, drop the connection that has waited longest for its request head;
        False when every connection is busy answering (then the new one is dropped)."""
        while len(self._open) > self._max:
            if not self._waiting:
                return False
            task = next(iter(self._waiting))
            writer = self._waiting.pop(task)
            self._open.pop(task, None)
            writer.transport.abort()
        return True

    async def _serve(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        task: asyncio.Task[None],
        client: str,
    ) -> bool:
        """Answer requests until the client is done; True when the connection may be
        closed gracefully (an answer was sent), False when it should just be dropped."""
        limits = self._limits
        self._waiting[task] = writer
        if self._ssl is not None and not await self._handshake(writer, client):
            return False
        buf = bytearray()
        served = 0
        timeout = limits.request_timeout
        while True:
            self._waiting.pop(task, None)
            self._waiting[task] = writer  # now the newest waiting
            try:
                async with asyncio.timeout(timeout):
                    head = await self._read_head(reader, buf)
            except TimeoutError:
                if buf:  # a head begun and not finished in time: the slowloris case
                    await self._refuse(writer, client, _Refused(408, "Request head too slow"))
                    return True
                head = None
            except _Refused as refused:
                await self._refuse(writer, client, refused)
                return True
            except OSError:
                head = None
            self._waiting.pop(task, None)
            if head is None:  # the client closed, or stayed silent
                if self._ssl is not None and served == 0:
                    # What a handset's provisioning check looks like: trust, then hang up.
                    self._record(client, "-", 0, 0, "TLS handshake completed, no request")
                return False
            try:
                request = _Request(head)
            except _Refused as refused:
                await self._refuse(writer, client, refused)
                return True
            if request.method not in ("GET", "HEAD"):
                message = f"Unsupported method ({request.method[:20]!r})"
                await self._refuse(writer, client, _Refused(501, message, request.target))
                return True
            await self._answer(writer, client, request)
            served += 1
            if not request.keep_alive:
                return True
            timeout = limits.idle_timeout

    async def _handshake(self, writer: asyncio.StreamWriter, client: str) -> bool:
        assert self._ssl is not None
        timeout = self._limits.handshake_timeout
        started = time.monotonic()
        try:
            await writer.start_tls(self._ssl, ssl_handshake_timeout=timeout)
        except ssl.SSLError as exc:
            self._record(client, "-", 0, 0, f"TLS handshake failed ({exc.reason or exc})")
            return False
        except (OSError, TimeoutError, EOFError):
            if time.monotonic() - started >= timeout:
                note = f"TLS handshake failed (not finished within {timeout:g} s)"
            else:
                note = "TLS handshake failed (connection closed)"
            self._record(client, "-", 0, 0, note)
            return False
        return True

    @staticmethod
    async def _read_head(reader: asyncio.StreamReader, buf: bytearray) -> bytes | None:
        """The next request head from ``buf`` and the socket; None at end of stream."""
        while True:
            while buf[:1] in (b"\r", b"\n"):  # blank lines before a request are ignored
                del buf[:1]
            end, after = _find_head_end(buf)
            if end >= 0:
                head = bytes(buf[:end])
                del buf[:after]
                return head
            if len(buf) > MAX_HEAD_BYTES:
                if b"\n" not in buf:
                    raise _Refused(414, "Request line too long")
                raise _Refused(431, "Request head too long")
            chunk = await reader.read(_READ_SIZE)
            if not chunk:
                return None
            buf += chunk

    async def _answer(self, writer: asyncio.StreamWriter, client: str, request: _Request) -> None:
        target = request.target
        if target.startswith("//"):
            target = "/" + target.lstrip("/")  # as http.server: never a host name
        try:
            path = urllib.parse.unquote(urllib.parse.urlsplit(target).path)
        except ValueError:
            raise _Refused(400, "Bad request target", request.target) from None
        found = self._files.get(path)
        if found is None:
            status, (body, ctype) = 404, (NOT_FOUND, TEXT)
        else:
            status, (body, ctype) = 200, found
        send_body = request.method == "GET"
        # Logged before the answer leaves, so a client that got it finds it in the log.
        self._record(client, log_path(request.target), status, len(body) if send_body else 0, "")
        connection = "keep-alive" if request.confirm else request.keep_alive
        await self._send(writer, status, ctype, body, send_body, connection)

    async def _refuse(self, writer: asyncio.StreamWriter, client: str, refused: _Refused) -> None:
        self._record(client, log_path(refused.path), refused.status, 0, "")
        body = f"{refused.status} {REASONS[refused.status]}: {refused}\n".encode()
        await self._send(writer, refused.status, TEXT, body, True, False)

    async def _send(
        self,
        writer: asyncio.StreamWriter,
        status: int,
        ctype: str,
        body: bytes,
        send_body: bool,
        connection: bool | str,
    ) -> None:
        head = (
            f"HTTP/1.1 {status} {REASONS[status]}\r\n"
            f"Server: {SERVER_HEADER}\r\n"
            f"Date: {self._date.now()}\r\n"
            f"Content-Type: {ctype}\r\n"
            f"Content-Length: {len(body)}\r\n"
            "Cache-Control: no-store\r\n"
            f"{_CONNECTION[connection]}"
            "\r\n"
        ).encode("latin-1")
        writer.write(head + body if send_body else head)
        if writer.transport.get_write_buffer_size():
            async with asyncio.timeout(self._limits.write_timeout):
                await writer.drain()
