"""Results to feed the sans-IO handset, shaped as core.fetch's (FetchResult, TLSResult).

The model only reads attributes, so the pure tests need no network; the e2e
tests feed the real core.fetch results.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from cryptography import x509


class Failure(StrEnum):
    REFUSED = "refused"
    TIMEOUT = "timeout"
    TLS_UNTRUSTED = "tls_untrusted"
    TLS_ERROR = "tls_error"
    HTTP_STATUS = "http_status"


@dataclass
class Fetched:
    url: str
    ok: bool
    data: bytes = b""
    failure: Failure | None = None
    message: str = ""


@dataclass
class Handshake:
    ok: bool
    failure: Failure | None
    message: str
    verify_code: int | None = None
    peer_cert: x509.Certificate | None = None
