"""A drill's rehearsal environment: its own CA, boot server and handset settings.

Every drill runs against a temporary workspace and a real boot server on
127.0.0.1 (``core.bootserver``), reached under the name the job sheet gives
through a connect map, as a technician's phone would reach the site's server.
A fault (``core.drills.faults``) changes this set-up so that the handset really
fails for that reason, and ``fix()`` repairs it so the same keys succeed.
"""

from __future__ import annotations

import shutil
import socket
from dataclasses import dataclass, field, replace
from pathlib import Path

from core.bootserver import DEFAULT_NAME, BootServer, Request
from core.fetch import ConnectMap
from core.handset import DEFAULT_ADMIN_PASSWORD, Handset, HandsetSettings
from core.pki import Subject, Workspace

BOOT_SERVER_NAME = DEFAULT_NAME  # bulletin style: bootserver1.<domain>
# The rehearsal CA's key passphrase: a throw-away workspace, not a secret.
REHEARSAL_PASSPHRASE = b"rehearsal-only"
CA_SUBJECT = Subject(
    cn="Rehearsal Root CA", country="US", state="Colorado", locality="Boulder", org="Rehearsal"
)


@dataclass
class JobSheet:
    """What the trainee is told to do on the phone (it may be wrong: a fault)."""

    url: str
    admin_password: str = DEFAULT_ADMIN_PASSWORD
    boot_server: str = BOOT_SERVER_NAME
    profile: str = "Platform Profile 1"
    set_profile: bool = True  # does the sheet say to set the profile's CA Certificate?
    boots: int = 0  # a boot drill: power-cycle this many times instead of the menus
    # A CA rollover: after installing the next CA and provisioning, remove this slot's
    # (the old CA's) custom CA and provision again. 0: not part of the job.
    remove_slot: int = 0

    def lines(self) -> list[str]:
        if self.boots:
            return [
                f"Provisioning server: {self.boot_server}",
                f"Boot the phone {self.boots} times (the power key or the Boot soft key):",
                "the first boot over HTTP installs the CA, the next provisions over HTTPS",
            ]
        out = [
            f"Admin password: {self.admin_password}",
            f"URL: {self.url}",
            f"Boot server: {self.boot_server}",
        ]
        if self.set_profile:
            out.append(f"{self.profile}: All Certificates")
        if self.remove_slot:
            out += [
                "Provision on the idle screen",
                f"Custom CA List: remove slot {self.remove_slot} (the old CA)",
                "Last: Provision again",
            ]
            return out
        out.append("Last: Provision on the idle screen")
        return out


@dataclass
class Environment:
    """Everything one drill run uses; close() stops the servers and removes the files."""

    root: Path
    workspace: Workspace
    server_root: Path  # the folder the boot server publishes from
    job_sheet: JobSheet
    settings: HandsetSettings
    fault: str | None = None
    boot_server: BootServer | None = None
    connect_map: ConnectMap = field(default_factory=ConnectMap)
    requests: list[Request] = field(default_factory=list)
    https_name: str = BOOT_SERVER_NAME  # whose issued certificate HTTPS presents
    boot_options: dict[str, object] = field(default_factory=dict)  # core.bootserver.boot_files
    fixed: bool = False
    # Sockets bound but not listening: the ports of a server that is "down" stay
    # refused (no other test or program can take them meanwhile).
    held: list[socket.socket] = field(default_factory=list)
    _closed: bool = False

    # --- servers ----------------------------------------------------------------------
    def start_server(self) -> BootServer:
        """(Re)start the boot server from ``server_root`` and point the name at it."""
        self.stop_server()
        server = BootServer(
            self.server_root,
            name=self.https_name,
            log=self.requests.append,
            boot_mac=self.settings.mac,
            boot_options=self.boot_options,
        )
        server.start()
        self.boot_server = server
        self.connect_map = server.connect_map(BOOT_SERVER_NAME)
        return server

    def stop_server(self) -> None:
        if self.boot_server is not None:
            self.boot_server.stop()

    def hold_ports(self) -> None:
        """Keep the stopped server's ports bound and silent: connections are refused."""
        server = self.boot_server
        if server is None:
            return
        for port in (server.http_port, server.https_port, server.ftp_port):
            if port:
                sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                sock.bind((server.connect_host, port))
                self.held.append(sock)

    def release_ports(self) -> None:
        for sock in self.held:
            sock.close()
        self.held.clear()

    @property
    def server_running(self) -> bool:
        return self.boot_server is not None and self.boot_server.running

    # --- the phone --------------------------------------------------------------------
    def new_handset(self, *, keypad: bool = False) -> Handset:
        """A phone fresh from the box; ``keypad``: URLs are typed by multi-tap (a drill's
        setting, on top of the environment's)."""
        return Handset(replace(self.settings, keypad=keypad or self.settings.keypad))

    def good_url(self) -> str:
        return f"http://{BOOT_SERVER_NAME}/ca.crt"

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.stop_server()
        self.release_ports()
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> Environment:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def new_workspace(folder: Path, *, issue_for: str | None = BOOT_SERVER_NAME) -> Workspace:
    """A CA (and a server certificate for ``issue_for``) in ``folder``."""
    ws = Workspace(folder)
    ws.create_ca(CA_SUBJECT, REHEARSAL_PASSPHRASE)
    if issue_for:
        ws.issue(issue_for, REHEARSAL_PASSPHRASE)
    return ws
