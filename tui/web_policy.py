"""Who may use `handset-ca web`: the policy tui/web_server.py applies, free of aiohttp.

Which Host and Origin, the run's token, the session cap, the environment a session
gets; plain functions and one class, so they read and test on their own.
"""

from __future__ import annotations

import ipaddress
import re
import secrets
from collections.abc import Iterable, MutableMapping

DEFAULT_MAX_SESSIONS = 30
TOKEN_PARAMETER = "token"
# Secrets a browser session has no business with: the app in a browser asks for a
# passphrase on screen. HANDSET_CA_PASSPHRASE, HANDSET_CA_KEY_PASSPHRASE, ... and any
# *_FILE companion.
SECRET_ENV = re.compile(r"^HANDSET_CA_.*PASSPHRASE", re.IGNORECASE)
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
WILDCARDS = ("", "0.0.0.0", "::")


def new_token() -> str:
    """A fresh random token for one run of `handset-ca web`."""
    return secrets.token_urlsafe(24)


def strip_secrets(environ: MutableMapping[str, str]) -> list[str]:
    """Remove the HANDSET_CA_*PASSPHRASE* variables from environ; the names removed."""
    names = sorted(name for name in environ if SECRET_ENV.match(name))
    for name in names:
        del environ[name]
    return names


def host_with_port(host: str, port: int) -> str:
    """host:port as a Host header spells it (an IPv6 literal in brackets)."""
    try:
        if ipaddress.ip_address(host).version == 6:
            host = f"[{host}]"
    except ValueError:
        pass
    return f"{host}:{port}".lower()


class WebPolicy:
    """Who may use `handset-ca web`: the server's own address, the run's token, a cap.

    A web page the trainer visits elsewhere can make the browser send requests
    (and open WebSockets) to 127.0.0.1; the Host and Origin checks refuse those
    (and DNS rebinding), the token refuses anyone who did not see the start-up
    line, and the cap keeps a flood of sessions from starting an app process each.
    """

    def __init__(
        self, *, host: str, port: int, token: str, max_sessions: int = DEFAULT_MAX_SESSIONS
    ) -> None:
        self.port = port
        self.token = token
        self.max_sessions = max_sessions
        loopback = [host_with_port(name.strip("[]"), port) for name in LOOPBACK_NAMES]
        # The address printed: the one bound, unless that is every address.
        self.address = loopback[0] if host in WILDCARDS else host_with_port(host, port)
        self.hosts: tuple[str, ...] = tuple(dict.fromkeys([self.address, *loopback]))
        self.cookie_name = f"handset_ca_token_{port}"

    @property
    def url(self) -> str:
        """The address to open, token included (what start-up prints)."""
        return f"http://{self.address}/?{TOKEN_PARAMETER}={self.token}"

    def address_refusal(self, host: str | None, origin: str | None) -> str | None:
        """One sentence when the Host or Origin header is not this server's own; else None."""
        shown = (host or "no Host header")[:80]
        if host is None or host.lower() not in self.hosts:
            return (
                f"Refused: handset-ca answers only at http://{self.address}/ "
                f"(the address `handset-ca web` printed), not at {shown}."
            )
        # Browsers send Origin with every WebSocket and every cross-site request; a
        # top-level visit may carry none. Only this server's own pages may talk to it.
        if origin is not None and origin.lower() not in {f"http://{h}" for h in self.hosts}:
            return (
                f"Refused: a page from {origin[:80]} may not use handset-ca; open the "
                "address `handset-ca web` printed in a tab of its own."
            )
        return None

    def token_refusal(self, candidates: Iterable[str | None]) -> str | None:
        """One sentence unless one candidate (the query's token, the cookie) is the token."""
        for given in candidates:
            if given and secrets.compare_digest(given.encode(), self.token.encode()):
                return None
        return (
            "Refused: this address needs the run's token; open the whole URL "
            "`handset-ca web` printed at start-up (it ends in ?token=...)."
        )

    def cap_refusal(self, sessions: int) -> str | None:
        """One sentence when sessions already reach the cap; else None."""
        if sessions < self.max_sessions:
            return None
        return (
            f"Refused: all {self.max_sessions} sessions are in use; close a handset-ca "
            "tab, or restart `handset-ca web` with a larger --max-sessions."
        )
