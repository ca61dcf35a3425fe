"""Where the checker's inputs come from: URL lists and the local CA file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from cryptography import x509

from core.errors import UserError
from core.fileio import CA_CERT_FILE, URL_LIST_FILE, open_text_file, read_small_file


def url_lines(stream: TextIO) -> Iterator[str]:
    """URLs from a text stream, one a line; blank lines and ``#`` comments skipped.

    Lazy: a 10,000-line file is read as the checker asks for more.
    """
    for line in stream:
        text = line.strip()
        if text and not text.startswith("#"):
            yield text


def open_url_file(path: str | Path) -> TextIO:
    """Open a --from file, streamed line by line (UserError when it is not a regular file
    within core.fileio's limit for URL lists). Undecodable bytes become U+FFFD, so such a
    line is reported as a URL the handset cannot type. The caller closes it."""
    return open_text_file(path, URL_LIST_FILE)


def count_urls(path: str | Path) -> int:
    """How many URLs a --from file holds (for the progress bar); one quick pass."""
    with open_url_file(path) as stream:
        return sum(1 for _ in url_lines(stream))


def load_ca_file(path: str | Path) -> x509.Certificate:
    """The --ca certificate, PEM (first certificate in the file) or DER."""
    data = read_small_file(path, CA_CERT_FILE)
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
