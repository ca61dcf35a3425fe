"""HTTP and HTTPS listeners of the rehearsal boot server (stdlib http.server + ssl).

Each listener serves a fixed table of published files, built in memory when the
boot server starts: a request is answered only when its path is exactly a key of
that table, so a key file, a `..` path or anything unpublished is a 404 without
any file system lookup at all.
"""

from __future__ import annotations

import socket
import ssl
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from core.bootserver.publish import Files
from core.bootserver.requestlog import Recorder, log_path

# A request that sends nothing for this long is dropped (handshake included).
REQUEST_TIMEOUT = 10.0
# Connections served at once (one thread each); more wait in the listen queue.
MAX_CONNECTIONS = 128

NOT_FOUND = b"Not found: this rehearsal boot server publishes public certificates only.\n"


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "handset-ca-bootserver"
    sys_version = ""
    protocol_version = "HTTP/1.0"  # one request per connection: simple and bounded
    timeout = REQUEST_TIMEOUT
    _answered = False

    def do_GET(self) -> None:
        self._serve(send_body=True)

    def do_HEAD(self) -> None:
        self._serve(send_body=False)

    def _serve(self, *, send_body: bool) -> None:
        path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
        found = self.server.files.get(path)
        if found is None:
            status, (body, ctype) = 404, (NOT_FOUND, "text/plain; charset=utf-8")
        else:
            status, (body, ctype) = 200, found
        self._answered = True
        sent = len(body) if send_body else 0
        # Logged before the answer leaves, so a client that got it finds it in the log.
        self.server.record(self._client(), log_path(self.path), status, sent, "")
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def _client(self) -> str:
        return f"{self.client_address[0]}:{self.client_address[1]}"

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # Errors http.server answers itself (400, 414, 501): still one log line.
        if not self._answered:
            status = int(code) if str(code).isdigit() else 0
            self.server.record(self._client(), log_path(getattr(self, "path", "-")), status, 0, "")

    def log_message(self, format: str, *args: object) -> None:
        pass  # our own log only, never stderr


class _Server(ThreadingHTTPServer):
    allow_reuse_port = False  # never share a port with another server
    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        files: Files,
        record: Recorder,
        ssl_context: ssl.SSLContext | None,
        max_connections: int,
    ) -> None:
        self._slots = threading.BoundedSemaphore(max_connections)
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.files = files
        self.record = record
        self.ssl_context = ssl_context
        super().__init__(address, _Handler)

    def process_request(self, request, client_address) -> None:  # type: ignore[override]
        # In the accept loop: with every slot taken, stop accepting until one frees up.
        if not self._slots.acquire(timeout=REQUEST_TIMEOUT):
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request, client_address) -> None:  # type: ignore[override]
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def finish_request(self, request, client_address) -> None:  # type: ignore[override]
        # Runs in the per-connection thread, so a slow TLS handshake blocks no one.
        request.settimeout(REQUEST_TIMEOUT)
        if self.ssl_context is None:
            super().finish_request(request, client_address)
            return
        client = f"{client_address[0]}:{client_address[1]}"
        try:
            tls = self.ssl_context.wrap_socket(request, server_side=True)
        except ssl.SSLError as exc:
            self.record(client, "-", 0, 0, f"TLS handshake failed ({exc.reason or exc})")
            return
        except OSError:
            self.record(client, "-", 0, 0, "TLS handshake failed (connection closed)")
            return
        try:
            handler = self.RequestHandlerClass(tls, client_address, self)
        finally:
            tls.close()
        if not getattr(handler, "raw_requestline", b""):
            # What a handset's provisioning check looks like: trust, then hang up.
            self.record(client, "-", 0, 0, "TLS handshake completed, no request")

    def handle_error(self, request, client_address) -> None:  # type: ignore[override]
        pass  # a client that vanished mid-answer is not the server's problem


class Listener:
    """One HTTP or HTTPS listener in its own thread."""

    def __init__(
        self,
        bind: str,
        port: int,
        files: Files,
        record: Recorder,
        ssl_context: ssl.SSLContext | None = None,
        max_connections: int = MAX_CONNECTIONS,
    ) -> None:
        # OSError when the port is taken or the address is not ours.
        self._server = _Server((bind, port), files, record, ssl_context, max_connections)
        self.port: int = self._server.server_address[1]
        self._thread: threading.Thread | None = None

    def start(self, name: str) -> None:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, name=name
        )
        self._thread.daemon = True
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:  # shutdown() waits forever on a loop never started
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()
