"""Why a download or handshake failed: the closed set of reasons, and the exception
that carries one (with its sentence) up to fetch()."""

from __future__ import annotations

from enum import StrEnum


class Failure(StrEnum):
    """Why a download failed; values are stable (used in JSON output)."""

    BAD_URL = "bad_url"
    SCHEME = "scheme"
    NOT_RESOLVED = "not_resolved"
    REFUSED = "refused"
    TIMEOUT = "timeout"
    TLS_UNTRUSTED = "tls_untrusted"
    TLS_ERROR = "tls_error"
    HTTP_STATUS = "http_status"
    TOO_LARGE = "too_large"
    REDIRECTS = "redirects"
    FTP_LOGIN = "ftp_login"
    NOT_FOUND = "not_found"
    NETWORK = "network"
    NOT_ALLOWED = "not_allowed"  # the caller's guard refused the address (fleet simulate)


class FetchFailed(Exception):
    """A classified failure on its way up to fetch(), which turns it into a result."""

    def __init__(self, failure: Failure, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.failure = failure
        self.message = message
        self.status = status
