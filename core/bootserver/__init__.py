"""The rehearsal boot server: the workspace's public certificates over HTTP, HTTPS and FTP.

It lets the whole bulletin run on one machine: the handset downloads `ca.crt`
over HTTP or FTP, then provisions over HTTPS from a listener that presents the
server certificate issued for the boot server name. Only public certificates
are published (see `published_files`); every listener binds 127.0.0.1 and a
free port unless told otherwise, runs in its own thread, and stops cleanly.
"""

from __future__ import annotations

import errno
import ipaddress
import os
import shutil
import socket
import ssl
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from core.bootserver import ftpd
from core.bootserver.httpd import Files, Listener
from core.errors import UserError
from core.pki import Workspace, check_server_name

if TYPE_CHECKING:
    from core.fetch import ConnectMap

DEFAULT_NAME = "bootserver1.example.com"
DEFAULT_BIND = "127.0.0.1"
# The bulletin's example account is PlcmSpIp / PlcmSpIp, but the handset enters
# every character in lower case (bulletin), so mixed-case FTP credentials can
# never be typed into its URL field. The rehearsal's account is lower case.
FTP_USER = "plcmspip"
FTP_PASSWORD = "plcmspip"
FTP_LOWER_CASE_REASON = (
    "The FTP account is plcmspip/plcmspip, not the bulletin's PlcmSpIp: the handset "
    "enters every character in lower case, so mixed-case credentials cannot be typed."
)

PEM_TYPE = "application/x-pem-file"
DER_TYPE = "application/x-x509-ca-cert"
PROVISIONING_TYPE = "application/xml"
DEFAULT_PORTS = {"http": 80, "https": 443, "ftp": 21}
PORT_OPTIONS = {"http": "--http-port", "https": "--https-port", "ftp": "--ftp-port"}


@dataclass(frozen=True)
class Request:
    """One request as logged: never a secret (no query string, no password)."""

    scheme: str  # "http" "https" "ftp"
    client: str  # "ip:port"
    path: str  # "-" for a connection that never got to a request
    status: int  # HTTP status, FTP reply code, 0 when the TLS handshake failed
    nbytes: int  # body bytes sent
    note: str = ""

    def __str__(self) -> str:
        status = str(self.status) if self.status else "-"
        text = f"{self.scheme:<5} {self.client:<21} {self.path} {status} {self.nbytes} bytes"
        return f"{text}  {self.note}" if self.note else text


LogFn = Callable[[Request], None]


def published_files(cert: x509.Certificate, name: str | None) -> tuple[Files, Files]:
    """What HTTP and HTTPS publish: path -> (body, Content-Type). Nothing else exists."""
    pem = cert.public_bytes(Encoding.PEM)  # re-encoded: only the certificate, nothing else
    der = cert.public_bytes(Encoding.DER)
    http: Files = {"/ca.crt": (pem, PEM_TYPE), "/ca.der": (der, DER_TYPE)}
    https = dict(http)
    https["/"] = (provisioning_file(name or DEFAULT_NAME), PROVISIONING_TYPE)
    return http, https


def provisioning_file(name: str) -> bytes:
    """A small stand-in for a boot server's master configuration file (rehearsal choice)."""
    return (
        '<?xml version="1.0" standalone="yes"?>\n'
        f"<!-- handset-ca rehearsal boot server {name}: the handset reached it over HTTPS "
        "and trusted its certificate. A real boot server would list configuration "
        "files here. -->\n"
        '<APPLICATION APP_FILE_PATH="" CONFIG_FILES="" MISC_FILES="" />\n'
    ).encode()


def key_is_encrypted(path: Path) -> bool:
    """True when a PEM private key file needs a passphrase (PKCS#8 or OpenSSL legacy)."""
    try:
        return b"ENCRYPTED" in Path(path).read_bytes()
    except OSError:
        return False


class BootServer:
    """HTTP (always), HTTPS (when `name` has an issued certificate) and FTP (when
    pyftpdlib is installed). Ports are known after `start()`; `notes` then says
    what was left out and why, in sentences a user can act on."""

    def __init__(
        self,
        workspace: Workspace | str | os.PathLike[str],
        *,
        name: str | None = None,
        bind: str = DEFAULT_BIND,
        http_port: int = 0,
        https_port: int | None = 0,
        ftp_port: int | None = 0,
        key_passphrase: bytes | None = None,
        log: LogFn | None = None,
        ftp_user: str = FTP_USER,
        ftp_password: str = FTP_PASSWORD,
    ) -> None:
        self.workspace = workspace if isinstance(workspace, Workspace) else Workspace(workspace)
        self.root = self.workspace.root
        # Warnings (upper case) are shown; a name phones could never match is refused.
        self.name_warnings = check_server_name(name) if name is not None else []
        self.name = name
        self.bind = bind
        self._ports = {"http": http_port, "https": https_port, "ftp": ftp_port}
        self.key_passphrase = key_passphrase  # read at start()
        self._log = log
        self.ftp_user = ftp_user
        self.ftp_password = ftp_password
        self.http_port: int = 0
        self.https_port: int | None = None
        self.ftp_port: int | None = None
        self.https_cn: str | None = None  # CN of the certificate HTTPS presents
        self.notes: list[str] = []
        self._listeners: list[tuple[Any, str]] = []  # (Listener or FTPListener, scheme)
        self._ftp_home: Path | None = None
        self._lock = threading.Lock()
        self._started = False

    # --- paths --------------------------------------------------------------
    def server_paths(self) -> tuple[Path, Path] | None:
        """issued/<name>/server.crt and server.key, or None without a name."""
        if self.name is None:
            return None
        issued = self.workspace.issued_paths(self.name)
        return issued.crt, issued.key

    def needs_key_passphrase(self) -> bool:
        """True when HTTPS will need the server key's passphrase."""
        paths = self.server_paths()
        return paths is not None and paths[0].is_file() and key_is_encrypted(paths[1])

    def check_key_passphrase(self) -> None:
        """Before start(), for a form: UserError (one sentence) when HTTPS needs the
        server key's passphrase and none was given; core.pki's WrongPassphrase when
        ``key_passphrase`` does not open the key. Reads the key; never starts anything."""
        from core.pki.inspect import read_small_file
        from core.pki.keys import load_private_key

        if not self.needs_key_passphrase():
            return
        paths = self.server_paths()
        assert paths is not None
        if not self.key_passphrase:
            raise UserError(f"The server key of {self.name} is encrypted; type its passphrase.")
        load_private_key(
            read_small_file(paths[1]),
            self.key_passphrase,
            what=f"{self.name} server key",
            kind="key",
        )

    # --- lifecycle ----------------------------------------------------------
    def start(self) -> None:
        """Bind every listener, then start their threads. UserError, with nothing left
        running, when the CA is missing or a port cannot be had."""
        with self._lock:
            if self._started:
                return
            self.notes = list(self.name_warnings)
            self.http_port, self.https_port, self.ftp_port, self.https_cn = 0, None, None, None
            if not _is_loopback(self.bind):
                self.notes.append(
                    f"Listening on {self.bind or '0.0.0.0'}: other machines can fetch the "
                    "public files too (never a key); bind 127.0.0.1 for a rehearsal alone."
                )
            http_files, https_files = published_files(self.workspace.ca_certificate(), self.name)
            ssl_context = self._https_context()
            try:
                self._open_listeners(http_files, https_files, ssl_context)
            except BaseException:
                self._close_all()
                raise
            for listener, label in self._listeners:
                listener.start(f"bootserver-{label}")
            self._started = True

    def stop(self) -> None:
        """Stop every listener and remove the FTP folder; safe to call any number of times."""
        with self._lock:
            self._close_all()
            self._started = False

    def __enter__(self) -> BootServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._started

    def _close_all(self) -> None:
        for listener, _label in reversed(self._listeners):
            listener.stop()
        self._listeners = []
        if self._ftp_home is not None:
            shutil.rmtree(self._ftp_home, ignore_errors=True)
            self._ftp_home = None

    def _https_context(self) -> ssl.SSLContext | None:
        if self._ports["https"] is None:
            return None
        paths = self.server_paths()
        if paths is None:
            self.notes.append(
                "HTTPS is off: give the boot server name (--name) that has an issued certificate."
            )
            return None
        crt, key = paths
        if not crt.is_file() or not key.is_file():
            self.notes.append(
                f"HTTPS is off: there is no certificate issued for {self.name}; "
                f"run `handset-ca issue {self.name}` first."
            )
            return None
        encrypted = key_is_encrypted(key)
        if encrypted and not self.key_passphrase:
            raise UserError(
                f"The server key of {self.name} is encrypted; give its passphrase "
                "(--passphrase-file FILE or $HANDSET_CA_KEY_PASSPHRASE)."
            )
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        passphrase = self.key_passphrase or b""
        try:
            # A callable, so that OpenSSL never prompts on the terminal itself.
            context.load_cert_chain(crt, key, password=lambda: passphrase)
        except ssl.SSLError as exc:
            if encrypted and exc.reason != "KEY_VALUES_MISMATCH":
                raise UserError(
                    f"The passphrase for the server key of {self.name} is wrong; "
                    "give the one chosen when it was issued."
                ) from None
            raise UserError(
                f"Cannot use {crt} with its server.key ({exc.reason or exc}); "
                f"issue the certificate for {self.name} again."
            ) from None
        self.https_cn = _common_name(crt)
        return context

    def _open_listeners(
        self, http_files: Files, https_files: Files, ssl_context: ssl.SSLContext | None
    ) -> None:
        http = self._bound(
            "http", lambda port: Listener(self.bind, port, http_files, self._rec("http"))
        )
        self.http_port = http.port
        if ssl_context is not None:
            https = self._bound(
                "https",
                lambda port: Listener(
                    self.bind, port, https_files, self._rec("https"), ssl_context
                ),
            )
            self.https_port = https.port
        if self._ports["ftp"] is not None:
            if ftpd.available():
                self._open_ftp(http_files)
            else:
                self.notes.append(f"FTP is off: it needs pyftpdlib ({ftpd.INSTALL_HINT}).")

    def _open_ftp(self, http_files: Files) -> None:
        # A folder of its own with only the public files: FTP never sees the workspace.
        self._ftp_home = Path(tempfile.mkdtemp(prefix="handset-ca-ftp-"))
        for path in ("/ca.crt", "/ca.der"):
            (self._ftp_home / path[1:]).write_bytes(http_files[path][0])
        home = self._ftp_home
        ftp = self._bound(
            "ftp",
            lambda port: ftpd.FTPListener(
                self.bind, port, home, self.ftp_user, self.ftp_password, self._rec("ftp")
            ),
        )
        self.ftp_port = ftp.port

    def _bound(self, label: str, make: Callable[[int], Any]) -> Any:
        port = self._ports[label] or 0
        try:
            listener = make(port)
        except (OSError, OverflowError) as exc:
            raise _bind_error(label, self.bind, port, exc) from None
        self._listeners.append((listener, label))
        return listener

    def _rec(self, scheme: str) -> Callable[[str, str, int, int, str], None]:
        def record(client: str, path: str, status: int, nbytes: int, note: str) -> None:
            if self._log is not None:
                self._log(Request(scheme, client, path, status, nbytes, note))

        return record

    # --- what to tell the user ------------------------------------------------
    @property
    def connect_host(self) -> str:
        """The address a local client reaches the listeners at."""
        if self.bind in ("", "0.0.0.0"):
            return "127.0.0.1"
        if self.bind == "::":
            return "::1"
        return self.bind

    def _host(self, scheme: str) -> str:
        """host[:port] for URLs: the name on its default port, else the real address."""
        if self.name is not None:
            return _bracket(self.name)
        port = {"http": self.http_port, "https": self.https_port, "ftp": self.ftp_port}[scheme]
        return f"{_bracket(self.connect_host)}:{port}"

    def urls(self) -> list[str]:
        """What to type into the handset's Configure CA Cert... entry (PEM over HTTP, FTP)."""
        found = [f"http://{self._host('http')}/ca.crt"]
        if self.ftp_port is not None:
            found.append(f"ftp://{self.ftp_user}:{self.ftp_password}@{self._host('ftp')}/ca.crt")
        return found

    def der_url(self) -> str:
        """The DER copy, to practise the mistake the handset refuses."""
        return f"http://{self._host('http')}/ca.der"

    def provisioning_url(self) -> str | None:
        """The boot server URL for the handset's HTTPS provisioning check, when HTTPS runs."""
        if self.https_port is None:
            return None
        return f"https://{self._host('https')}/"

    def connect_to(self) -> list[str]:
        """curl-style HOST1:PORT1:HOST2:PORT2 specs: name on default ports -> real ports."""
        if self.name is None:
            return []
        target = _bracket(self.connect_host)
        ports = {"http": self.http_port, "https": self.https_port, "ftp": self.ftp_port}
        return [
            f"{_bracket(self.name)}:{DEFAULT_PORTS[scheme]}:{target}:{port}"
            for scheme, port in ports.items()
            if port
        ]

    def connect_map(self) -> ConnectMap:
        """The same as a core.fetch.ConnectMap, for the handset runner and the checker."""
        from core.fetch import ConnectMap  # httpx loads only when a handset is driven

        return ConnectMap.parse(self.connect_to())

    def listening(self) -> list[str]:
        """One line per listener: scheme, real address, what it serves."""
        host = _bracket(self.bind or "0.0.0.0")
        lines = [f"http   {host}:{self.http_port}  /ca.crt (PEM), /ca.der (DER, the mistake)"]
        if self.https_port is not None:
            lines.append(
                f"https  {host}:{self.https_port}  / (provisioning file), /ca.crt, /ca.der; "
                f"certificate CN={self.https_cn}"
            )
        if self.ftp_port is not None:
            lines.append(
                f"ftp    {host}:{self.ftp_port}  /ca.crt, /ca.der; user {self.ftp_user}, "
                f"password {self.ftp_password}, read only"
            )
        return lines


def _common_name(path: Path) -> str | None:
    from core.handset.accept import certificate_cn

    try:
        cert = x509.load_pem_x509_certificate(path.read_bytes())
    except (OSError, ValueError):
        return None
    return certificate_cn(cert)


def _is_loopback(bind: str) -> bool:
    try:
        return ipaddress.ip_address(bind).is_loopback
    except ValueError:
        return bind == "localhost"


def _bracket(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _bind_error(label: str, bind: str, port: int, exc: BaseException) -> UserError:
    option = PORT_OPTIONS[label]
    if exc.args and isinstance(exc.args[0], OSError):
        exc = exc.args[0]  # pyftpdlib wraps the socket error in another OSError
    code = getattr(exc, "errno", None)
    if isinstance(exc, OverflowError):
        return UserError(f"Port {port} does not exist; choose one from 1 to 65535 with {option}.")
    if code == errno.EADDRINUSE:
        return UserError(
            f"Port {port} on {bind} is already in use ({label.upper()}); stop what uses it "
            f"or choose another port with {option}."
        )
    if code == errno.EACCES:
        return UserError(
            f"Port {port} needs administrator rights; choose a port above 1023 with {option} "
            "(handset URLs keep the default port through --connect-to)."
        )
    if code == errno.EADDRNOTAVAIL or isinstance(exc, socket.gaierror):
        return UserError(
            f"Cannot listen on {bind}: it is not an address of this machine; check --bind."
        )
    reason = getattr(exc, "strerror", None) or str(exc)
    return UserError(
        f"Cannot listen on {bind} port {port} ({reason}); choose another with {option}."
    )
