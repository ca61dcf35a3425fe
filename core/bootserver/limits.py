"""How long a client may take and how many may be connected: the boot server's bounds.

One slow or idle client must never keep another from `GET /ca.crt`. HTTP and
HTTPS run on an event loop, so capacity is bounded by file descriptors, not a
thread pool: each connection has a deadline for its TLS handshake and for each
whole request head (not per read, so a byte-a-second trickle still ends), and a
connection idle between keep-alive requests is closed. At the connection cap the
connection that has waited longest for its request head is dropped to make room.
FTP (pyftpdlib) drops idle sessions, caps sessions per client address (not for
loopback clients, which are all 127.0.0.1) and, at its total cap, closes the
session idle longest to make room for a new one.
"""

from __future__ import annotations

import resource
from dataclasses import dataclass

HANDSHAKE_TIMEOUT = 5.0  # seconds for the whole TLS handshake
REQUEST_TIMEOUT = 5.0  # seconds for a whole request head (request line and headers)
IDLE_TIMEOUT = 5.0  # seconds a keep-alive connection may wait for its next request
WRITE_TIMEOUT = 10.0  # seconds for a client to take an answer
MAX_HEAD_BYTES = 16384  # bytes in a whole request head: handsets send a few hundred
MAX_HEADERS = 100  # header lines in one request (as http.server)

FTP_IDLE_TIMEOUT = 30.0  # seconds between FTP commands (and on a data connection)
FTP_MAX_SESSIONS = 256  # FTP connections at once, all clients together (then: evict)
FTP_PER_ADDRESS = 8  # FTP connections at once from one address other than loopback
FTP_PER_LOOPBACK_ADDRESS = 0  # from one loopback address: no cap (0), as all are 127.0.0.1

_FD_RESERVE = 64  # descriptors kept for everything else in the process


def default_max_connections() -> int:
    """Connections per HTTP(S) listener: a share of the descriptor limit, HTTP and
    HTTPS each a third, so that neither listener can run the process out of them."""
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        soft = 65536
    return max(16, min(10000, (soft - _FD_RESERVE) // 3))


@dataclass(frozen=True)
class Limits:
    """Every bound in one place; tests shorten the timeouts instead of waiting."""

    handshake_timeout: float = HANDSHAKE_TIMEOUT
    request_timeout: float = REQUEST_TIMEOUT
    idle_timeout: float = IDLE_TIMEOUT
    write_timeout: float = WRITE_TIMEOUT
    max_connections: int = 0  # 0: default_max_connections() when the listener starts
    ftp_idle_timeout: float = FTP_IDLE_TIMEOUT
    ftp_max_sessions: int = FTP_MAX_SESSIONS
    ftp_per_address: int = FTP_PER_ADDRESS
    ftp_per_loopback_address: int = FTP_PER_LOOPBACK_ADDRESS

    def connections(self) -> int:
        return self.max_connections or default_max_connections()
