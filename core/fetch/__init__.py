"""Certificate download as the handset does it: http, https and ftp, bounded.

Shared by the emulated handset (core.handset) and the URL checker (core.check),
so both always see a server the same way. Every network problem comes back as
a FetchResult with a classified Failure and one sentence saying what to do;
fetch() never raises for them.

Bounds: one total deadline around everything (a 1-byte-a-second trickle still
stops), a body cap counted on the decoded bytes, a redirect limit, and only the
schemes a handset knows.

Choices (rehearsal choices where the phone is undocumented):
- Redirects are followed only to http or https. A redirect to ftp:, file: or
  anything else is a SCHEME failure: the vendor documents typing the URL, not
  following a server elsewhere, and a checker should report the real URL.
- We ask for `Accept-Encoding: identity`. A server that still compresses with
  gzip or deflate (zlib) is decoded here, never inflating more than the cap;
  any other Content-Encoding is refused (NETWORK), since no handset is known to
  decode it.
- HTTP statuses other than 2xx are HTTP_STATUS (status tells which); NOT_FOUND
  is FTP's 550.
- https is verified against the given context, which (like core.trust's) has
  check_hostname off: the phone compares the boot server name with the CN
  itself, so a download only needs a trusted chain.
- ConnectMap (curl's --connect-to) connects elsewhere while the request keeps
  the typed name in the Host header and the TLS SNI.

Modules: urls (parsing, validation, mask_url, ConnectMap), results (Failure,
FetchResult, TLSResult, the limits and every failure's sentence), http (the
httpx transport and client, body reading, redirects), ftp (ftplib in a worker
thread), tls (tls_handshake) and download (fetch). Importing this package loads
only urls and results; httpx loads on first use of fetch, make_client or
tls_handshake (the app starts without a network stack).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from core.fetch.results import (
    CA_CERTIFICATE,
    DEFAULT_TIMEOUT,
    MAX_BYTES,
    MAX_REDIRECTS,
    PROVISIONING_FILE,
    Expecting,
    Failure,
    FetchResult,
    TLSResult,
)
from core.fetch.urls import DEFAULT_PORTS, SCHEMES, ConnectMap, mask_url

if TYPE_CHECKING:
    from core.fetch.download import fetch
    from core.fetch.http import USER_AGENT, make_client
    from core.fetch.tls import tls_handshake

_LAZY = {
    "fetch": "core.fetch.download",
    "make_client": "core.fetch.http",
    "USER_AGENT": "core.fetch.http",
    "tls_handshake": "core.fetch.tls",
}

__all__ = [
    "CA_CERTIFICATE",
    "DEFAULT_PORTS",
    "DEFAULT_TIMEOUT",
    "MAX_BYTES",
    "MAX_REDIRECTS",
    "PROVISIONING_FILE",
    "SCHEMES",
    "USER_AGENT",
    "ConnectMap",
    "Expecting",
    "Failure",
    "FetchResult",
    "TLSResult",
    "fetch",
    "make_client",
    "mask_url",
    "tls_handshake",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value
