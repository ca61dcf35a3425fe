"""The boot server's lifecycle: which listeners run, on which ports, and what to tell the user.

HTTP always; HTTPS when the boot server name has an issued certificate; FTP when
pyftpdlib is installed. Every listener binds 127.0.0.1 and a free port unless
told otherwise, runs in its own thread, and stops cleanly.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import ssl
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.bootserver.binding import bind_error
from core.bootserver.ftpd import FTP_PASSWORD, FTP_USER, INSTALL_HINT, FTPListener, ftp_available
from core.bootserver.httpd import Listener
from core.bootserver.limits import Limits
from core.bootserver.publish import (
    NEXT_CA_FILE,
    Files,
    boot_files,
    directory_files,
    published_files,
    write_ftp_folder,
    write_ftp_home,
)
from core.bootserver.requestlog import LogFn, Recorder, Request
from core.bootserver.tls import common_name, key_is_encrypted, server_context
from core.fetch import DEFAULT_PORTS
from core.pki import Workspace, check_server_name

if TYPE_CHECKING:
    from cryptography import x509

    from core.fetch import ConnectMap

DEFAULT_NAME = "bootserver1.example.com"
DEFAULT_BIND = "127.0.0.1"


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
        limits: Limits | None = None,
        boot_mac: str | None = None,
        boot_options: dict[str, Any] | None = None,
        directory: str | os.PathLike[str] | None = None,
    ) -> None:
        self.workspace = (
            workspace if isinstance(workspace, Workspace) else Workspace(Path(workspace))
        )
        self.root = self.workspace.root
        # serve --dir: publish this folder's files instead of the workspace's ca.crt
        self.directory = Path(directory) if directory is not None else None
        self.published = 0  # files published (after start)
        # Warnings (upper case) are shown; a name phones could never match is refused.
        self.name_warnings = check_server_name(name) if name is not None else []
        self.name = name
        self.bind = bind
        self._ports = {"http": http_port, "https": https_port, "ftp": ftp_port}
        self.key_passphrase = key_passphrase  # read at start()
        self._log = log
        self.ftp_user = ftp_user
        self.ftp_password = ftp_password
        self.boot_mac = boot_mac  # also publish <mac>.cfg for this handset (boot_files)
        self.boot_options = dict(boot_options or {})  # boot_files' knobs (drill faults)
        self.limits = limits or Limits()  # deadlines and capacities, see core.bootserver.limits
        self.http_port: int = 0
        self.https_port: int | None = None
        self.ftp_port: int | None = None
        self.https_cn: str | None = None  # CN of the certificate HTTPS presents
        self.notes: list[str] = []
        self._listeners: list[tuple[Any, str]] = []  # (Listener or FTPListener, scheme)
        self._ftp_home: Path | None = None
        self._lock = threading.Lock()
        self._started = False
        self.publishes_next = False  # a CA rollover's next CA too, as /ca-next.crt

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
        from core.fileio import read_small_file
        from core.pki.keys import PassphraseNeeded, load_private_key

        if not self.needs_key_passphrase():
            return
        paths = self.server_paths()
        assert paths is not None
        if not self.key_passphrase:
            raise PassphraseNeeded(
                f"The server key of {self.name} is encrypted; type its passphrase.",
                f"The {self.name} server key passphrase",
            )
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
            if self.directory is not None:
                http_files, left_out = directory_files(self.directory)
                https_files = http_files
                self.notes += left_out
            else:
                cert = self.workspace.ca_certificate()
                http_files, https_files = published_files(
                    cert, self.name or DEFAULT_NAME, self._next_ca()
                )
                self.publishes_next = f"/{NEXT_CA_FILE}" in http_files
            ssl_context = self._https_context()
            if self.directory is None:
                # The provisioning files a handset boots from (rehearsal): the next boot
                # goes to HTTPS under the boot server name when HTTPS runs.
                next_server = (
                    f"https://{_bracket(self.name)}/" if ssl_context and self.name else None
                )
                boot = boot_files(cert, next_server, mac=self.boot_mac, **self.boot_options)
                http_files.update(boot)
                https_files.update(boot)
            self.published = len(http_files)
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

    def _next_ca(self) -> x509.Certificate | None:
        """The next CA during a rollover's overlap (None otherwise): published beside ca.crt."""
        from core.pki.rollover import publish_ca_certificates

        found = [p.cert for p in publish_ca_certificates(self.workspace) if p.role == "next"]
        return found[0] if found else None

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
        context = server_context(self.name or "", crt, key, self.key_passphrase)
        self.https_cn = common_name(crt)
        return context

    def _open_listeners(
        self, http_files: Files, https_files: Files, ssl_context: ssl.SSLContext | None
    ) -> None:
        http = self._bound(
            "http",
            lambda port: Listener(
                self.bind, port, http_files, self._rec("http"), limits=self.limits
            ),
        )
        self.http_port = http.port
        if ssl_context is not None:
            https = self._bound(
                "https",
                lambda port: Listener(
                    self.bind, port, https_files, self._rec("https"), ssl_context, self.limits
                ),
            )
            self.https_port = https.port
        if self._ports["ftp"] is not None:
            if ftp_available():
                self._open_ftp(http_files)
            else:
                self.notes.append(f"FTP is off: it needs pyftpdlib ({INSTALL_HINT}).")

    def _open_ftp(self, http_files: Files) -> None:
        # A folder of its own with only the public files: FTP never sees the workspace.
        self._ftp_home = Path(tempfile.mkdtemp(prefix="handset-ca-ftp-"))
        if self.directory is not None:
            write_ftp_folder(self._ftp_home, http_files)
        else:
            write_ftp_home(self._ftp_home, http_files)
        home = self._ftp_home
        ftp = self._bound(
            "ftp",
            lambda port: FTPListener(
                self.bind,
                port,
                home,
                self.ftp_user,
                self.ftp_password,
                self._rec("ftp"),
                self.limits,
            ),
        )
        self.ftp_port = ftp.port

    def _bound(self, label: str, make: Callable[[int], Any]) -> Any:
        port = self._ports[label] or 0
        try:
            listener = make(port)
        except (OSError, OverflowError) as exc:
            raise bind_error(label, self.bind, port, exc) from None
        self._listeners.append((listener, label))
        return listener

    def _rec(self, scheme: str) -> Recorder:
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
        files = ["ca.crt", NEXT_CA_FILE] if self.publishes_next else ["ca.crt"]
        found = [f"http://{self._host('http')}/{f}" for f in files]
        if self.ftp_port is not None:
            ftp = f"ftp://{self.ftp_user}:{self.ftp_password}@{self._host('ftp')}"
            found += [f"{ftp}/{f}" for f in files]
        return found

    def boot_url(self, scheme: str = "http") -> str:
        """The folder a handset boots from (its provisioning server) over ``scheme``."""
        if scheme == "ftp" and self.ftp_port is not None:
            return f"ftp://{self.ftp_user}:{self.ftp_password}@{self._host('ftp')}/"
        return f"{scheme}://{self._host(scheme)}/"

    def boot_urls(self) -> list[str]:
        """serve --dir: the folder's URLs (HTTP, then FTP when it runs), for a handset's
        provisioning server, `rehearse --boot` and `check --boot`; [] without --dir."""
        if self.directory is None:
            return []
        found = [f"http://{self._host('http')}/"]
        if self.ftp_port is not None:
            found.append(f"ftp://{self.ftp_user}:{self.ftp_password}@{self._host('ftp')}/")
        return found

    def der_url(self) -> str:
        """The DER copy, to practise the mistake the handset refuses."""
        return f"http://{self._host('http')}/ca.der"

    def provisioning_url(self) -> str | None:
        """The boot server URL for the handset's HTTPS provisioning check, when HTTPS runs."""
        if self.https_port is None:
            return None
        return f"https://{self._host('https')}/"

    def connect_to(self, name: str | None = None) -> list[str]:
        """curl-style HOST1:PORT1:HOST2:PORT2 specs: ``name`` (default: the boot server's)
        on the default ports -> this server's real ports."""
        name = name or self.name
        if name is None:
            return []
        target = _bracket(self.connect_host)
        ports = {"http": self.http_port, "https": self.https_port, "ftp": self.ftp_port}
        return [
            f"{_bracket(name)}:{DEFAULT_PORTS[scheme]}:{target}:{port}"
            for scheme, port in ports.items()
            if port
        ]

    def connect_map(self, name: str | None = None) -> ConnectMap:
        """connect_to() as a core.fetch.ConnectMap, for the handset runner and the checker."""
        from core.fetch import ConnectMap  # httpx loads only when a handset is driven

        return ConnectMap.parse(self.connect_to(name))

    def listening(self) -> list[str]:
        """One line per listener: scheme, real address, what it serves."""
        host = _bracket(self.bind or "0.0.0.0")
        if self.directory is not None:
            what = f"the {self.published} files of {self.directory}"
            lines = [f"http   {host}:{self.http_port}  {what}"]
            if self.https_port is not None:
                lines.append(
                    f"https  {host}:{self.https_port}  {what}; certificate CN={self.https_cn}"
                )
            if self.ftp_port is not None:
                lines.append(
                    f"ftp    {host}:{self.ftp_port}  {what}; user {self.ftp_user}, "
                    f"password {self.ftp_password}, read only"
                )
            return lines
        nxt = f", /{NEXT_CA_FILE} (the next CA)" if self.publishes_next else ""
        lines = [f"http   {host}:{self.http_port}  /ca.crt (PEM), /ca.der (DER, the mistake){nxt}"]
        if self.https_port is not None:
            lines.append(
                f"https  {host}:{self.https_port}  / (provisioning file), /ca.crt, /ca.der{nxt}; "
                f"certificate CN={self.https_cn}"
            )
        if self.ftp_port is not None:
            lines.append(
                f"ftp    {host}:{self.ftp_port}  /ca.crt, /ca.der{nxt}; user {self.ftp_user}, "
                f"password {self.ftp_password}, read only"
            )
        return lines


def _is_loopback(bind: str) -> bool:
    try:
        return ipaddress.ip_address(bind).is_loopback
    except ValueError:
        return bind == "localhost"


def _bracket(host: str) -> str:
    return f"[{host}]" if ":" in host else host
