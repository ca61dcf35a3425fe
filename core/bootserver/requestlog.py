"""The boot server's request log: one `Request` per request or refused connection.

Nothing secret ever reaches it: paths lose their query string and fragment,
unprintable bytes are escaped, and FTP logs user names, never passwords.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass


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
# What a listener calls: (client "ip:port", path, status, bytes sent, note)
Recorder = Callable[[str, str, int, int, str], None]

_PRINTABLE = "".join(chr(c) for c in range(0x21, 0x7F))  # as sent; no control characters


def log_path(raw: str) -> str:
    """The path as logged: no query string (it may carry tokens), printable ASCII only."""
    path = raw.split("?", 1)[0].split("#", 1)[0]
    return urllib.parse.quote(path, safe=_PRINTABLE)[:200] or "-"
