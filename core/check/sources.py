"""Where the checker's inputs come from: URL lists and the local CA file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from cryptography import x509

from core.errors import UserError


def url_lines(stream: TextIO) -> Iterator[str]:
    """URLs from a text stream, one a line; blank lines and ``#`` comments skipped.

    Lazy: a 10,000-line file is read as the checker asks for more.
    """
    for line in stream:
        text = line.strip()
        if text and not text.startswith("#"):
            yield text


def open_url_file(path: str | Path) -> TextIO:
    """Open a --from file (UserError when it cannot be read). Undecodable bytes become
    U+FFFD, so such a line is reported as a URL the handset cannot type."""
    try:
        return open(path, encoding="utf-8", errors="replace")  # the caller closes it
    except OSError as exc:
        raise UserError(
            f"Cannot read the URL list {path} ({exc.strerror or exc}); check the path."
        ) from None


def count_urls(path: str | Path) -> int:
    """How many URLs a --from file holds (for the progress bar); one quick pass."""
    with open_url_file(path) as stream:
        return sum(1 for _ in url_lines(stream))


def load_ca_file(path: str | Path) -> x509.Certificate:
    """The --ca certificate, PEM (first certificate in the file) or DER."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise UserError(
            f"Cannot read the CA certificate {path} ({exc.strerror or exc}); check the path."
        ) from None
    if b"-----BEGIN" in data:
        try:
            return x509.load_pem_x509_certificates(data)[0]
        except ValueError:
            pass
    else:
        try:
            return x509.load_der_x509_certificate(data)
        except ValueError:
            pass
    raise UserError(f"{path} is not a certificate; give --ca the path of your ca.crt.")
