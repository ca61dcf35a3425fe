"""FTP listener of the rehearsal boot server (pyftpdlib, the optional extra `ftp`).

Read-only, one account, and its home is a temporary folder that holds only the
public files: the FTP server never sees the workspace, so a key cannot be
reached even by a path trick.
"""

from __future__ import annotations

import ipaddress
import itertools
import logging
import os
import threading
import time
from pathlib import Path

from core.bootserver.limits import Limits
from core.bootserver.requestlog import Recorder
from core.errors import UserError

INSTALL_HINT = "pip install 'handset-ca[ftp]'"

# The bulletin's example account is PlcmSpIp / PlcmSpIp, but the handset enters
# every character in lower case (bulletin), so mixed-case FTP credentials can
# never be typed into its URL field. The rehearsal's account is lower case.
FTP_USER = "plcmspip"
FTP_PASSWORD = "plcmspip"
FTP_LOWER_CASE_REASON = (
    "The FTP account is plcmspip/plcmspip, not the bulletin's PlcmSpIp: the handset "
    "enters every character in lower case, so mixed-case credentials cannot be typed."
)


def is_loopback_client(ip: str) -> bool:
    """127.0.0.0/8 or ::1, also written as an IPv4-mapped IPv6 address."""
    try:
        address = ipaddress.ip_address(ip.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def ftp_available() -> bool:
    """True when pyftpdlib is installed."""
    try:
        import pyftpdlib  # noqa: F401
    except ImportError:
        return False
    return True


class FTPListener:
    """pyftpdlib on its own IOLoop, in its own thread (never the global loop)."""

    def __init__(
        self,
        bind: str,
        port: int,
        home: Path,
        user: str,
        password: str,
        record: Recorder,
        limits: Limits | None = None,
    ) -> None:
        bounds = limits or Limits()
        idle = bounds.ftp_idle_timeout
        try:
            from pyftpdlib.authorizers import DummyAuthorizer
            from pyftpdlib.handlers import DTPHandler, FTPHandler
            from pyftpdlib.ioloop import IOLoop
            from pyftpdlib.servers import FTPServer
        except ImportError:
            raise UserError(f"FTP needs pyftpdlib; install it with {INSTALL_HINT}.") from None

        # pyftpdlib logs to stderr unless a logger is configured; we keep our own log.
        quiet = logging.getLogger("pyftpdlib")
        if not quiet.handlers:
            quiet.addHandler(logging.NullHandler())
        quiet.propagate = False

        authorizer = DummyAuthorizer()
        authorizer.add_user(user, password, str(home), perm="elr")  # list and read only

        class DataHandler(DTPHandler):
            timeout = idle

        serials = itertools.count()
        per_address, per_loopback = bounds.ftp_per_address, bounds.ftp_per_loopback_address

        class Handler(FTPHandler):
            dtp_handler = DataHandler

            def __init__(self, *args: object, **kwargs: object) -> None:
                super().__init__(*args, **kwargs)
                self.serial = next(serials)  # the newest session has the highest
                self.last_command = time.monotonic()

            def found_terminator(self) -> None:
                self.last_command = time.monotonic()  # a whole command line, not a byte
                super().found_terminator()

            def transferring(self) -> bool:
                return getattr(self, "data_channel", None) is not None

            def _client(self) -> str:
                return f"{self.remote_ip}:{self.remote_port}"

            def ftp_RETR(self, file: str) -> object:
                sent = super().ftp_RETR(file)
                if sent is None:  # refused with 550: not published
                    record(self._client(), self.fs.fs2ftp(file), 550, 0, "")
                return sent

            def on_file_sent(self, file: str) -> None:
                size = os.path.getsize(file)
                record(self._client(), self.fs.fs2ftp(file), 226, size, "")

            def on_incomplete_file_sent(self, file: str) -> None:
                record(self._client(), self.fs.fs2ftp(file), 426, 0, "transfer cut short")

            def on_login_failed(self, username: str, password: str) -> None:
                # The user name only: the password is never logged.
                note = f"login refused for user {username!r}"
                if username.lower() == user and username != user:
                    note += " (the account is lower case, as a handset types it)"
                record(self._client(), "(login)", 530, 0, note)

        class Server(FTPServer):
            """pyftpdlib's server with two changes to how it refuses a session.

            - Loopback clients have no per-address cap: on this machine every
              client (a fleet simulate storm, the app, a test) is 127.0.0.1, so
              eight idle sessions would lock everyone out.
            - At the total cap, the session idle longest (no command for the
              longest time, no transfer running) is closed to make room, instead
              of refusing the newcomer: a flood of idle connections cannot keep a
              handset from logging in and fetching its file.
            """

            def handle_accepted(self, sock: object, addr: tuple[str, int]) -> object:
                # pyftpdlib reads max_cons_per_ip in here; one IOLoop thread, so
                # setting it per accepted client is safe. 0 = no cap.
                loopback = is_loopback_client(addr[0])
                self.max_cons_per_ip = per_loopback if loopback else per_address
                return super().handle_accepted(sock, addr)

            def _accept_new_cons(self) -> bool:
                # Called with the new session already counted in the map.
                while self.max_cons and self._map_len() > self.max_cons:
                    if not self._drop_longest_idle():
                        return False  # every other session is transferring: 421
                return True

            def _drop_longest_idle(self) -> bool:
                sessions = [h for h in self.ioloop.socket_map.values() if isinstance(h, Handler)]
                if len(sessions) < 2:
                    return False
                newest = max(sessions, key=lambda h: h.serial)
                idle = [h for h in sessions if h is not newest and not h.transferring()]
                if not idle:
                    return False
                victim = min(idle, key=lambda h: h.last_command)
                record(victim._client(), "(session)", 421, 0, "closed to make room: idle longest")
                victim.close()
                return True

        Handler.authorizer = authorizer
        Handler.banner = "handset-ca rehearsal boot server (FTP, read only)."
        # An idle session is dropped, and one address cannot take every session.
        Handler.timeout = idle
        Handler.auth_failed_timeout = 0.5
        Handler.max_login_attempts = 3

        self._server = Server((bind, port), Handler, ioloop=IOLoop())  # OSError if taken
        self._server.max_cons = bounds.ftp_max_sessions
        self._server.max_cons_per_ip = per_address
        self.port: int = self._server.address[1]
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, name: str) -> None:
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        # One poll at a time so that stop() is noticed within 0.1 s.
        while not self._stopping.is_set():
            self._server.serve_forever(timeout=0.1, blocking=False, handle_exit=False)
        self._server.close_all()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        else:
            self._server.close_all()
