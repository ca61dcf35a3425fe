"""What a download or handshake came to, and the sentences that say why.

FetchResult and TLSResult are public; FetchFailed (failures.py) carries a
classified failure up to fetch(), and the message helpers below build the one sentence
(what went wrong, what to do) every failure comes with.
"""

from __future__ import annotations

import http
import socket
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.fetch.failures import Failure, FetchFailed

if TYPE_CHECKING:
    from cryptography import x509

    from core.fetch.urls import ConnectMap, Target

DEFAULT_TIMEOUT = 10.0
MAX_BYTES = 64 * 1024
MAX_REDIRECTS = 5


@dataclass(frozen=True)
class Expecting:
    """What the caller is fetching, for the sentences that name it (the size cap's)."""

    noun: str  # "a CA certificate"
    file: str  # how a hint names it: "ca.crt"
    hint: str  # what to check when it is far too large


CA_CERTIFICATE = Expecting("a CA certificate", "ca.crt", "check that the URL names the ca.crt file")
PROVISIONING_FILE = Expecting(
    "a provisioning file",
    "the provisioning file",
    "check that the boot server's folder holds the phone's .cfg files under those names",
)


@dataclass
class FetchResult:
    url: str  # as given by the caller
    ok: bool
    data: bytes = b""
    failure: Failure | None = None
    message: str = ""  # one sentence, no secrets (FTP passwords masked)
    status: int | None = None  # last HTTP status seen
    final_url: str = ""  # after redirects, password masked
    content_type: str = ""


@dataclass
class TLSResult:
    ok: bool
    failure: Failure | None
    message: str
    verify_code: int | None = None  # OpenSSL X509_V_ERR_* when verification failed
    peer_cert: x509.Certificate | None = None  # leaf, when the handshake completed


class FetchState:
    """What fetch() learned so far, for the result and for timeout messages."""

    def __init__(self, target: Target, expecting: Expecting = CA_CERTIFICATE) -> None:
        self.target = target
        self.expecting = expecting
        self.url = ""
        self.status: int | None = None
        self.content_type = ""
        self.in_body = False


# ---------------------------------------------------------------------------
# Messages


def _size(n: int) -> str:
    return f"{n // 1024} KiB" if n % 1024 == 0 else f"{n} bytes"


def too_large_failure(
    t: Target, max_bytes: int, status: int | None = None, expecting: Expecting = CA_CERTIFICATE
) -> FetchFailed:
    return FetchFailed(
        Failure.TOO_LARGE,
        f"The file at {t.where} is larger than {_size(max_bytes)}, far too large for "
        f"{expecting.noun}; {expecting.hint}.",
        status,
    )


def via_text(t: Target, connect_to: ConnectMap | None) -> str:
    """' (connected to X via --connect-to)' when the map sends t elsewhere."""
    if not connect_to:
        return ""
    host, port = connect_to.resolve(t.host, t.port)
    if (host, port) == (t.host, t.port):
        return ""
    return f" (reached through --connect-to as {host}:{port})"


_VERIFY_REASONS = {
    9: "is not valid yet",
    10: "has expired",
    18: "is self-signed and not in the handset's trust list",
    19: "chains to a root that is not in the handset's trust list",
    20: "was issued by a CA that is not in the handset's trust list",
    21: "was issued by a CA that is not in the handset's trust list",
}


def _causes(exc: BaseException) -> Iterable[BaseException]:
    """exc and everything it was raised from, exception groups opened."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        e = todo.pop()
        if id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        if isinstance(e, BaseExceptionGroup):
            todo.extend(e.exceptions)
        for nxt in (e.__cause__, e.__context__):
            if nxt is not None:
                todo.append(nxt)


def _tls_failure(e: ssl.SSLError, where: str, download: bool) -> FetchFailed:
    if isinstance(e, ssl.SSLCertVerificationError):
        reason = _VERIFY_REASONS.get(e.verify_code)
        if reason is None:
            reason = f"failed verification ({e.verify_message})"
        if download:
            hint = "the handset will not download from it, so fix the server's certificate "
            hint += "or use an http:// or ftp:// URL"
        else:
            hint = "fix the server's certificate or the trust list"
        return FetchFailed(
            Failure.TLS_UNTRUSTED, f"The HTTPS certificate of {where} {reason}; {hint}."
        )
    reason = getattr(e, "reason", None) or e.__class__.__name__
    return FetchFailed(
        Failure.TLS_ERROR,
        f"The TLS handshake with {where} failed ({reason}); check that the port serves "
        "HTTPS and that the URL says https:// only where it should.",
    )


def os_failure(
    exc: BaseException, where: str, via: str, download: bool = True
) -> FetchFailed | None:
    """A classified failure from the first telling cause, or None."""
    for e in _causes(exc):
        if isinstance(e, ssl.SSLError):
            return _tls_failure(e, where, download)
        if isinstance(e, socket.gaierror):
            return FetchFailed(
                Failure.NOT_RESOLVED,
                f"The server name in {where} could not be found{via}; check the spelling, "
                "or use the server's IP address.",
            )
        if isinstance(e, ConnectionRefusedError):
            return FetchFailed(
                Failure.REFUSED,
                f"Nothing is listening at {where}{via}; check the port and that the "
                "server is running.",
            )
    return None


def timeout_message(t: Target, timeout: float, started_body: bool, via: str) -> str:
    if started_body:
        return (
            f"The download from {t.where} did not finish within {timeout:g} s (the server "
            "sends too slowly); check the server."
        )
    return (
        f"The server at {t.where} did not answer within {timeout:g} s{via}; check that it is "
        "up, reachable, and serving this scheme on this port."
    )


def status_message(t: Target, status: int) -> str:
    try:
        phrase = http.HTTPStatus(status).phrase
    except ValueError:
        phrase = ""
    code = f"{status} {phrase}".strip()
    if status == 404:
        hint = "check the path and file name in the URL"
    elif status in (401, 403):
        hint = "let the web server give ca.crt to anyone, without a password"
    elif status >= 500:
        hint = "check the web server's error log"
    elif 300 <= status < 400:
        hint = "give the final URL of the certificate instead"
    else:
        hint = "check the URL and the server"
    return f"The server at {t.where} answered {code} for {t.path}; {hint}."
