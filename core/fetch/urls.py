"""URLs as a handset takes them: parsing, validation, masking, --connect-to."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import SplitResult, unquote, urlsplit

from core.errors import UserError
from core.fetch.failures import Failure, FetchFailed
from core.redact import mask_url as mask_url  # re-exported: fetch callers mask what they log

SCHEMES = ("http", "https", "ftp")
DEFAULT_PORTS = {"http": 80, "https": 443, "ftp": 21}
_HOST_RE = re.compile(r"[a-z0-9._-]+")


# ---------------------------------------------------------------------------
# --connect-to


def _bad_spec(spec: str) -> UserError:
    return UserError(
        f"The --connect-to value {spec!r} is not HOST1:PORT1:HOST2:PORT2; "
        "write it like bootserver1.example.com:80:127.0.0.1:8080."
    )


def _split_spec(spec: str) -> list[str]:
    """Split on ':' outside [IPv6] brackets; brackets are dropped."""
    fields: list[str] = []
    rest = spec
    while True:
        if rest.startswith("["):
            end = rest.find("]")
            if end < 0:
                raise _bad_spec(spec)
            fields.append(rest[1:end])
            rest = rest[end + 1 :]
            if rest and not rest.startswith(":"):
                raise _bad_spec(spec)
        else:
            field, sep, tail = rest.partition(":")
            fields.append(field)
            rest = sep + tail
        if not rest:
            return fields
        rest = rest[1:]  # the ':'
        if len(fields) > 4:
            raise _bad_spec(spec)


def _port(text: str, spec: str) -> int | None:
    if text == "":
        return None
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise _bad_spec(spec)
    return int(text)


# Given the address a fetch is about to connect to (after the map), a sentence that
# refuses it, or None to let it through.
Guard = Callable[[str, int], "str | None"]


class ConnectMap:
    """curl's --connect-to HOST1:PORT1:HOST2:PORT2 (empty HOST1/PORT1 = any).

    An empty HOST2 or PORT2 keeps the original one, as in curl. The first
    matching entry wins. Host names compare case-insensitively.

    A guard, when set, sees every address a fetch or handshake connects to
    (the first URL, each redirect, an FTP server), after the mapping and before
    any packet: ``reach`` raises FetchFailed(NOT_ALLOWED) with its sentence.
    """

    def __init__(self, guard: Guard | None = None) -> None:
        self._entries: list[tuple[str, int | None, str, int | None]] = []
        self.guard = guard

    def guarded(self, guard: Guard) -> ConnectMap:
        """A copy of this map whose every connection goes past ``guard`` first."""
        copy = ConnectMap(guard)
        copy._entries = list(self._entries)
        return copy

    @classmethod
    def parse(cls, specs: Iterable[str]) -> ConnectMap:
        cmap = cls()
        for spec in specs:
            fields = _split_spec(spec.strip())
            if len(fields) != 4:
                raise _bad_spec(spec)
            host1, port1, host2, port2 = fields
            if " " in host1 or " " in host2:
                raise _bad_spec(spec)
            p1, p2 = _port(port1, spec), _port(port2, spec)
            cmap.add(host1, p1, host2, p2)
        return cmap

    def add(self, host1: str, port1: int | None, host2: str, port2: int | None) -> None:
        self._entries.append((host1.strip("[]").lower(), port1, host2.strip("[]"), port2))

    def resolve(self, host: str, port: int) -> tuple[str, int]:
        name = host.strip("[]").lower()
        for host1, port1, host2, port2 in self._entries:
            if (not host1 or host1 == name) and (port1 is None or port1 == port):
                return (host2 or host, port2 or port)
        return (host, port)

    def reach(self, host: str, port: int) -> tuple[str, int]:
        """Where to connect for host:port; FetchFailed(NOT_ALLOWED) if the guard refuses."""
        chost, cport = self.resolve(host, port)
        if self.guard is not None:
            refusal = self.guard(chost.strip("[]"), cport)
            if refusal is not None:
                raise FetchFailed(Failure.NOT_ALLOWED, refusal)
        return chost, cport

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        specs = [f"{h1}:{p1 or ''}:{h2}:{p2 or ''}" for h1, p1, h2, p2 in self._entries]
        return f"ConnectMap({specs!r})"


def reach(connect_to: ConnectMap | None, host: str, port: int) -> tuple[str, int]:
    """The address to connect to for host:port: mapped and guarded by connect_to, if any."""
    return connect_to.reach(host, port) if connect_to is not None else (host, port)


# ---------------------------------------------------------------------------
# URLs


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # lower case, no brackets
    port: int  # explicit or the scheme's default
    explicit_port: bool
    path: str  # raw path ("/" when empty)
    query: str
    username: str | None  # percent-decoded
    password: str | None

    @property
    def netloc(self) -> str:
        """host[:port] as a Host header writes it (no userinfo)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}" if self.explicit_port else host

    @property
    def where(self) -> str:
        """host:port for messages."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


def _check_characters(url: str) -> None:
    if url.isascii() and url.isprintable() and " " not in url:
        return  # the usual case, checked in C
    for ch in url:
        if ch == " ":
            raise FetchFailed(
                Failure.BAD_URL,
                "The URL contains a space, which a handset cannot send; "
                "remove it or write it as %20.",
            )
        if ord(ch) > 126:
            raise FetchFailed(
                Failure.BAD_URL,
                f"The URL contains the non-ASCII character {ch!r}, which a handset cannot "
                "type; use only plain ASCII letters, digits and punctuation.",
            )
        if ord(ch) < 32 or ord(ch) == 127:
            raise FetchFailed(
                Failure.BAD_URL,
                "The URL contains a control character (a tab or line break?); retype it.",
            )


def valid_host(host: str) -> bool:
    """A DNS-like name or an IP literal (IPv6 without brackets); lower case expected."""
    if ":" in host:
        return all(c in "0123456789abcdef:." for c in host)
    return bool(_HOST_RE.fullmatch(host)) and not host.startswith(".") and ".." not in host


def _no_scheme() -> FetchFailed:
    return FetchFailed(
        Failure.BAD_URL,
        "The URL does not start with http://, https:// or ftp://; add the scheme.",
    )


def _unknown_scheme(scheme: str) -> FetchFailed:
    return FetchFailed(
        Failure.SCHEME,
        f"The URL uses {scheme}:, but a handset downloads only over "
        "http, https or ftp; start it with one of those.",
    )


def parse_url(url: str) -> Target:
    """Validate a URL the way we fetch it; FetchFailed(BAD_URL or SCHEME) when unusable."""
    if not isinstance(url, str) or not url:
        raise FetchFailed(Failure.BAD_URL, "The URL is empty; type one like http://server/ca.crt.")
    _check_characters(url)
    if "://" not in url:
        scheme = url.partition(":")[0].lower()
        if scheme and ":" in url and scheme.isalpha() and scheme not in SCHEMES:
            raise _unknown_scheme(scheme)
        raise _no_scheme()
    try:
        parts: SplitResult = urlsplit(url)
        port = parts.port
    except ValueError:
        raise FetchFailed(
            Failure.BAD_URL,
            "The URL has a bad host or port (a port is a number from 1 to 65535); correct it.",
        ) from None
    scheme = parts.scheme.lower()
    if not scheme:
        raise _no_scheme()
    if scheme not in SCHEMES:
        raise _unknown_scheme(scheme)
    host = (parts.hostname or "").lower()
    if not host:
        raise FetchFailed(
            Failure.BAD_URL, "The URL has no server name after '//'; add the boot server's name."
        )
    if not valid_host(host):
        raise FetchFailed(
            Failure.BAD_URL,
            f"The server name {host!r} in the URL is not a valid host name; correct it.",
        )
    if port == 0:
        raise FetchFailed(Failure.BAD_URL, "The URL has port 0; use a port from 1 to 65535.")
    username = unquote(parts.username) if parts.username is not None else None
    password = unquote(parts.password) if parts.password is not None else None
    return Target(
        scheme=scheme,
        host=host,
        port=port or DEFAULT_PORTS[scheme],
        explicit_port=port is not None,
        path=parts.path or "/",
        query=parts.query,
        username=username,
        password=password,
    )
