"""Real test servers on 127.0.0.1, shared by every part's tests.

    from tests.servers import HTTPServer, Route, FTPServer, SilentServer, make_test_pki

Each server is a context manager (or start()/stop()) that listens on a free
port, serves from daemon threads and, on stop, closes its listening socket and
every connection it still holds, so nothing leaks between tests.

HTTP routes map a path to a Route (body, content type, status, headers), to
bytes (a 200 with that body), or to a handler function that gets the request
handler and writes whatever it likes (see trickle(), endless(), no_answer()).
Requests are recorded (path, headers, TLS SNI) for assertions.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import http.server
import ipaddress
import logging
import socket
import ssl
import threading
import time
import warnings
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

LOCALHOST = "127.0.0.1"
PEM_TYPE = "application/x-x509-ca-cert"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now (refused on connect)."""
    with socket.socket() as s:
        s.bind((LOCALHOST, 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------------------
# HTTP / HTTPS


@dataclass
class Route:
    body: bytes = b""
    content_type: str = PEM_TYPE
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[["RequestHandler"], None]


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]  # names lower case
    sni: str | None  # TLS server name sent by the client (https only)


def redirect(location: str, status: int = 302) -> Route:
    return Route(b"", "text/plain", status, {"Location": location})


def not_found() -> Route:
    return Route(b"<html><body>Not Found</body></html>", "text/html", 404)


def server_error() -> Route:
    return Route(b"<html><body>Oops</body></html>", "text/html", 500)


def html_page() -> Route:
    return Route(b"<!doctype html><html><body><h1>It works</h1></body></html>", "text/html")


_bomb_cache: dict[tuple[int, str], bytes] = {}


def gzip_bomb(decoded_size: int = 32 * 1024 * 1024, encoding: str = "gzip") -> Route:
    """A small body (about decoded_size/1000) that inflates to decoded_size zeros.

    encoding "gzip" or "deflate" (zlib format); sent even though clients ask
    for identity, as a hostile server would.
    """
    key = (decoded_size, encoding)
    if key not in _bomb_cache:
        zeros = bytes(decoded_size)
        if encoding == "gzip":
            _bomb_cache[key] = gzip.compress(zeros, compresslevel=9, mtime=0)
        else:
            _bomb_cache[key] = zlib.compress(zeros, 9)
    return Route(_bomb_cache[key], PEM_TYPE, 200, {"Content-Encoding": encoding})


def compressed(body: bytes, encoding: str = "gzip") -> Route:
    """A normal body sent with a Content-Encoding the client did not ask for."""
    data = gzip.compress(body, mtime=0) if encoding == "gzip" else zlib.compress(body)
    return Route(data, PEM_TYPE, 200, {"Content-Encoding": encoding})


def trickle(body: bytes = b"-----BEGIN CERTIFICATE-----\n" * 4, interval: float = 1.0) -> Handler:
    """Answers 200 with a Content-Length, then sends one byte every `interval` s."""

    def handle(req: RequestHandler) -> None:
        req.send_response(200)
        req.send_header("Content-Type", PEM_TYPE)
        req.send_header("Content-Length", str(len(body)))
        req.end_headers()
        req.wfile.flush()
        for i in range(len(body)):
            req.wfile.write(body[i : i + 1])
            req.wfile.flush()
            if req.server.stopping.wait(interval):
                return

    return handle


def endless(chunk: bytes = b"A" * 16384) -> Handler:
    """Answers 200 with no length and never stops sending (until the client leaves)."""

    def handle(req: RequestHandler) -> None:
        req.close_connection = True
        req.send_response(200)
        req.send_header("Content-Type", PEM_TYPE)
        req.send_header("Connection", "close")
        req.end_headers()
        while not req.server.stopping.is_set():
            req.wfile.write(chunk)

    return handle


def hang_up_after(body: bytes) -> Handler:
    """Answers with keep-alive promised, then closes the connection anyway."""

    def handle(req: RequestHandler) -> None:
        req.send_response(200)
        req.send_header("Content-Type", PEM_TYPE)
        req.send_header("Content-Length", str(len(body)))
        req.end_headers()
        req.wfile.write(body)
        req.close_connection = True

    return handle


def no_answer() -> Handler:
    """Reads the request, then never answers (until the server stops)."""

    def handle(req: RequestHandler) -> None:
        req.close_connection = True
        req.server.stopping.wait()

    return handle


class RequestHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so shared clients reuse connections
    server: _ThreadingServer
    timeout = 10  # an idle keep-alive connection ends on its own

    def do_GET(self) -> None:
        owner = self.server.owner
        sni = getattr(self.connection, "sni_name", None)
        headers = {k.lower(): v for k, v in self.headers.items()}
        owner.requests.append(Request(self.command, self.path, headers, sni))
        route = owner.routes.get(self.path.split("?", 1)[0])
        if route is None:
            route = not_found()
        if callable(route):
            route(self)
            return
        if isinstance(route, bytes):
            route = Route(route)
        self.send_response(route.status)
        self.send_header("Content-Type", route.content_type)
        self.send_header("Content-Length", str(len(route.body)))
        for name, value in route.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(route.body)

    def log_message(self, format: str, *args: object) -> None:  # quiet tests
        pass


class _ThreadingServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 256  # the default 5 drops SYNs under concurrent clients (1 s retries)

    def __init__(self, owner: HTTPServer, address: tuple[str, int]) -> None:
        self.owner = owner
        self.stopping = threading.Event()
        self.live: set[socket.socket] = set()
        self.live_lock = threading.Lock()
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, RequestHandler)

    def finish_request(self, request, client_address) -> None:  # type: ignore[override]
        # Runs in the per-connection thread, so a slow TLS client never blocks accept().
        raw = request
        with self.live_lock:
            if self.stopping.is_set():
                return
            self.live.add(raw)
            self.owner.connections += 1
        try:
            if self.owner.tls is not None:
                raw.settimeout(5)
                request = self.owner.tls.wrap_socket(raw, server_side=True)
            super().finish_request(request, client_address)
        except (OSError, ValueError):
            pass  # clients that leave early are the point of half these tests
        finally:
            with self.live_lock:
                self.live.discard(raw)

    def handle_error(self, request, client_address) -> None:  # type: ignore[override]
        pass

    def live_count(self) -> int:
        with self.live_lock:
            return len(self.live)

    def close_live(self) -> None:
        with self.live_lock:
            for sock in list(self.live):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


def server_tls_context(cert_path: Path | str, key_path: Path | str) -> ssl.SSLContext:
    """A server context for HTTPServer(tls=...) from PEM files (key unencrypted)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(cert_path), str(key_path))
    return ctx


class _Running:
    """start() and stop(), and `with Server(...) as server:` for both."""

    def start(self) -> Self:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _Listening(_Running):
    """A raw TCP listener on an ephemeral port and the loop that accepts on it."""

    host: str
    _listener: socket.socket | None
    _stop: threading.Event

    @property
    def port(self) -> int:
        assert self._listener is not None, "start the server first"
        return self._listener.getsockname()[1]

    def _listen(self, backlog: int) -> None:
        self._listener = socket.socket()
        self._listener.bind((self.host, 0))
        self._listener.listen(backlog)
        self._listener.settimeout(0.05)  # accept() wakes up to look at _stop

    def _connections(self) -> Iterator[socket.socket]:
        """Every accepted connection, until stop()."""
        assert self._listener is not None
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            yield conn


class HTTPServer(_Running):
    """A static HTTP (or, with tls, HTTPS) server on 127.0.0.1.

    tls: an ssl.SSLContext (server side) or a (cert_path, key_path) pair.
    routes can be changed while the server runs.
    """

    def __init__(
        self,
        routes: Mapping[str, Route | bytes | Handler] | None = None,
        *,
        tls: ssl.SSLContext | tuple[Path | str, Path | str] | None = None,
        host: str = LOCALHOST,
        port: int = 0,
    ) -> None:
        self.routes: dict[str, Route | bytes | Handler] = dict(routes or {})
        if isinstance(tls, tuple):
            tls = server_tls_context(*tls)
        self.tls = tls
        if tls is not None:
            tls.sni_callback = _record_sni
        self.requests: list[Request] = []
        self.connections = 0  # TCP connections accepted (keep-alive reuse shows here)
        self.host = host
        self._address = (host, port)
        self._server: _ThreadingServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def scheme(self) -> str:
        return "https" if self.tls is not None else "http"

    @property
    def port(self) -> int:
        assert self._server is not None, "start the server first"
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    def open_connections(self) -> int:
        """Connections the server still holds open right now."""
        assert self._server is not None, "start the server first"
        return self._server.live_count()

    def start(self) -> HTTPServer:
        self._server = _ThreadingServer(self, self._address)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.stopping.set()
        self._server.shutdown()
        self._server.close_live()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)


def _record_sni(sslobj, server_name, ctx) -> None:  # type: ignore[no-untyped-def]
    # SSLSocket instances accept attributes; the handler reads it back.
    with contextlib.suppress(AttributeError):
        sslobj.sni_name = server_name


# ---------------------------------------------------------------------------
# A server that accepts and never says a word (no HTTP, no TLS, no FTP banner)


class SilentServer(_Listening):
    def __init__(self, host: str = LOCALHOST) -> None:
        self.host = host
        self._listener: socket.socket | None = None
        self._held: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def url(self, scheme: str = "http", path: str = "/ca.crt") -> str:
        return f"{scheme}://{self.host}:{self.port}{path}"

    def start(self) -> SilentServer:
        self._listen(64)
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()
        return self

    def _accept(self) -> None:
        for conn in self._connections():
            self._held.append(conn)

    def accepted(self) -> int:
        return len(self._held)

    def closed_by_clients(self, within: float = 1.0) -> bool:
        """True when every accepted connection was closed by its client within `within` s."""
        deadline = time.monotonic() + within
        for conn in list(self._held):
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                conn.settimeout(left)
                try:
                    if conn.recv(4096) == b"":
                        break  # EOF: the client closed its end
                except TimeoutError:
                    return False
                except OSError:
                    break  # reset by the client counts as closed
        return True

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        for conn in self._held:
            conn.close()
        if self._listener is not None:
            self._listener.close()


# ---------------------------------------------------------------------------
# FTP (pyftpdlib)


class FTPServer(_Running):
    """pyftpdlib serving `root` read-only, to `user`/`password` and (if allowed) anonymous."""

    def __init__(
        self,
        root: Path | str,
        *,
        user: str | None = None,
        password: str | None = None,
        anonymous: bool = True,
        host: str = LOCALHOST,
    ) -> None:
        self.root = Path(root)
        self.user, self.password, self.anonymous = user, password, anonymous
        self.host = host
        self._server = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        assert self._server is not None, "start the server first"
        return self._server.address[1]

    def url(self, path: str = "/ca.crt", *, user: str | None = None, password: str | None = None):
        """ftp://[user:password@]127.0.0.1:port/path (values inserted as given)."""
        auth = ""
        if user is not None:
            auth = user + (f":{password}" if password is not None else "") + "@"
        return f"ftp://{auth}{self.host}:{self.port}{path}"

    def start(self) -> FTPServer:
        with warnings.catch_warnings():  # pyftpdlib imports asyncore/asynchat
            warnings.simplefilter("ignore", DeprecationWarning)
            from pyftpdlib.authorizers import DummyAuthorizer
            from pyftpdlib.handlers import FTPHandler
            from pyftpdlib.servers import FTPServer as PyFTPServer

        logging.getLogger("pyftpdlib").setLevel(logging.WARNING)
        authorizer = DummyAuthorizer()
        if self.user is not None:
            authorizer.add_user(self.user, self.password or "", str(self.root), perm="elr")
        if self.anonymous:
            authorizer.add_anonymous(str(self.root))
        # A subclass per server: pyftpdlib configures handlers through class attributes.
        handler = type(
            "TestFTPHandler",
            (FTPHandler,),
            {"authorizer": authorizer, "auth_failed_timeout": 0, "banner": "test ftp ready"},
        )
        self._server = PyFTPServer((self.host, 0), handler)
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        return self

    def _serve(self) -> None:
        assert self._server is not None
        while not self._stop.is_set():
            # One poll at a time (serve_forever would log a banner on every call).
            self._server.ioloop.loop(0.05, blocking=False)
        self._server.close_all()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)


class TrickleFTPServer(_Listening):
    """Just enough FTP to log anyone in, then RETR sends one byte every `interval` s.

    The hostile case pyftpdlib cannot play: the data connection trickles.
    """

    def __init__(
        self, interval: float = 0.2, host: str = LOCALHOST, *, flood_banner: bool = False
    ) -> None:
        self.interval = interval
        self.flood_banner = flood_banner  # an endless multi-line 220 greeting instead
        self.host = host
        self._listener: socket.socket | None = None
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._socks: list[socket.socket] = []

    def url(self, path: str = "/ca.crt") -> str:
        return f"ftp://{self.host}:{self.port}{path}"

    def start(self) -> TrickleFTPServer:
        self._listen(16)
        self._spawn(self._accept)
        return self

    def _spawn(self, target, *args) -> None:  # type: ignore[no-untyped-def]
        thread = threading.Thread(target=target, args=args, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _accept(self) -> None:
        for conn in self._connections():
            self._socks.append(conn)
            self._spawn(self._session, conn)

    def _session(self, conn: socket.socket) -> None:
        with contextlib.suppress(OSError), conn.makefile("rb") as lines:
            while self.flood_banner and not self._stop.is_set():
                conn.sendall(b"220-" + b"welcome " * 100 + b"\r\n")
            conn.sendall(b"220 trickle ftp\r\n")
            data_listener = None
            for raw in lines:
                verb = raw.decode("latin-1").strip().split(" ")[0].upper()
                if verb == "USER":
                    conn.sendall(b"331 password please\r\n")
                elif verb == "PASS":
                    conn.sendall(b"230 logged in\r\n")
                elif verb == "TYPE":
                    conn.sendall(b"200 ok\r\n")
                elif verb == "PASV":
                    data_listener = socket.socket()
                    data_listener.bind((self.host, 0))
                    data_listener.listen(1)
                    self._socks.append(data_listener)
                    port = data_listener.getsockname()[1]
                    h = self.host.replace(".", ",")
                    conn.sendall(f"227 passive ({h},{port >> 8},{port & 255})\r\n".encode())
                elif verb == "RETR" and data_listener is not None:
                    conn.sendall(b"150 here it comes, slowly\r\n")
                    data, _ = data_listener.accept()
                    self._socks.append(data)
                    while not self._stop.wait(self.interval):
                        data.sendall(b"-")
                else:
                    conn.sendall(b"502 not here\r\n")

    def stop(self) -> None:
        self._stop.set()
        for sock in self._socks:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        for thread in self._threads:
            thread.join(5)
        if self._listener is not None:
            self._listener.close()


# ---------------------------------------------------------------------------
# Certificates for tests, made with cryptography directly


@dataclass
class PKIFiles:
    ca_cert: x509.Certificate
    ca_key: object
    ca_path: Path  # ca.crt (PEM)
    cert: x509.Certificate  # server certificate issued by the CA
    key: object
    cert_path: Path  # server.crt (PEM)
    key_path: Path  # server.key (PEM, unencrypted)

    def server_context(self) -> ssl.SSLContext:
        return server_tls_context(self.cert_path, self.key_path)


def new_key(kind: str = "ec"):  # type: ignore[no-untyped-def]
    """'ec' (P-256, instant) or 'rsa' (2048 bits, ~0.1 s: share it via a fixture)."""
    if kind == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ec.generate_private_key(ec.SECP256R1())


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def make_ca(cn: str = "Test Root CA", key=None, days: int = 30):  # type: ignore[no-untyped-def]
    """(certificate, key) of a self-signed CA (CA:TRUE, critical)."""
    key = key or new_key()
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(_name(cn))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def issue_server(  # type: ignore[no-untyped-def]
    ca_cert: x509.Certificate,
    ca_key,
    cn: str = "localhost",
    sans: Iterable[str] = ("localhost", "127.0.0.1"),
    key=None,
    *,
    expired: bool = False,
    days: int = 30,
):
    """(certificate, key) of a serverAuth leaf signed by the CA; expired=True: ended yesterday."""
    key = key or new_key()
    now = dt.datetime.now(dt.UTC)
    if expired:
        start, end = now - dt.timedelta(days=10), now - dt.timedelta(days=1)
    else:
        start, end = now - dt.timedelta(days=1), now + dt.timedelta(days=days)
    alt = san_names(sans)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    )
    if alt:
        builder = builder.add_extension(x509.SubjectAlternativeName(alt), critical=False)
    return builder.sign(ca_key, hashes.SHA256()), key


def subject_name(cn: str | None, org: str) -> x509.Name:
    """O=org, then CN=cn unless cn is None (a certificate without a Common Name)."""
    attrs = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, org)]
    if cn is not None:
        attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    return x509.Name(attrs)


def build_cert(  # type: ignore[no-untyped-def]
    key,
    subject: x509.Name,
    *,
    not_before: dt.datetime,
    not_after: dt.datetime,
    ca: bool | None,
    issuer_name: x509.Name | None = None,
    issuer_key=None,
    extensions: Iterable[tuple[x509.ExtensionType, bool]] = (),
    sans: Iterable[str] = (),
    hash_alg: hashes.HashAlgorithm | None = None,
) -> x509.Certificate:
    """Self-signed unless issuer_name/issuer_key are given; ca None leaves out
    basicConstraints; then `extensions` (value, critical), then the subjectAltName."""
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name if issuer_name is not None else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
    )
    if ca is not None:
        builder = builder.add_extension(x509.BasicConstraints(ca=ca, path_length=None), True)
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical)
    alt = san_names(sans)
    if alt:
        builder = builder.add_extension(x509.SubjectAlternativeName(alt), False)
    return builder.sign(issuer_key or key, hash_alg or hashes.SHA256())


def san_names(sans: Iterable[str]) -> list[x509.GeneralName]:
    """subjectAltName entries: an IP address as IPAddress, anything else as DNSName."""
    names: list[x509.GeneralName] = []
    for san in sans:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(san)))
        except ValueError:
            names.append(x509.DNSName(san))
    return names


def cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def key_pem(key, *, traditional: bool = False) -> bytes:  # type: ignore[no-untyped-def]
    """Unencrypted PEM: PKCS#8, or with traditional=True the old "BEGIN RSA PRIVATE KEY"."""
    fmt = serialization.PrivateFormat.PKCS8
    if traditional:
        fmt = serialization.PrivateFormat.TraditionalOpenSSL
    return key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption())


def traditional_key_pem(key) -> bytes:  # type: ignore[no-untyped-def]
    return key_pem(key, traditional=True)


def make_test_pki(
    directory: Path | str,
    *,
    cn: str = "localhost",
    sans: Iterable[str] = ("localhost", "127.0.0.1"),
    expired: bool = False,
    key_kind: str = "ec",
) -> PKIFiles:
    """A CA and one server certificate, written as ca.crt, server.crt, server.key."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    ca_cert, ca_key = make_ca(key=new_key(key_kind))
    cert, key = issue_server(ca_cert, ca_key, cn, sans, new_key(key_kind), expired=expired)
    paths = directory / "ca.crt", directory / "server.crt", directory / "server.key"
    paths[0].write_bytes(cert_pem(ca_cert))
    paths[1].write_bytes(cert_pem(cert))
    paths[2].write_bytes(key_pem(key))
    return PKIFiles(ca_cert, ca_key, paths[0], cert, key, paths[1], paths[2])
