"""What the boot server publishes: exact paths, their bodies and MIME types.

The tables are built in memory from the CA certificate when the server starts.
A listener answers a path only when it is exactly a key of its table, so a key
file, a `..` path or anything unpublished is a 404 with no file system lookup.
"""

from __future__ import annotations

from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

PEM_TYPE = "application/x-pem-file"
DER_TYPE = "application/x-x509-ca-cert"
PROVISIONING_TYPE = "application/xml"

# path -> (body, Content-Type)
Files = dict[str, tuple[bytes, str]]

# What FTP serves, as file names in its own folder (the same bodies as HTTP).
FTP_FILES = ("ca.crt", "ca.der")
# During a CA rollover's overlap (core.pki.rollover) the next CA too, beside the current:
# phones install it into their second custom CA slot (rehearsal choice).
NEXT_CA_FILE = "ca-next.crt"


def published_files(
    cert: x509.Certificate, name: str, next_cert: x509.Certificate | None = None
) -> tuple[Files, Files]:
    """What HTTP and HTTPS publish: path -> (body, Content-Type). Nothing else exists.
    ``next_cert``: the next CA of a rollover, published as /ca-next.crt (PEM)."""
    pem = cert.public_bytes(Encoding.PEM)  # re-encoded: only the certificate, nothing else
    der = cert.public_bytes(Encoding.DER)
    http: Files = {"/ca.crt": (pem, PEM_TYPE), "/ca.der": (der, DER_TYPE)}
    if next_cert is not None:
        http[f"/{NEXT_CA_FILE}"] = (next_cert.public_bytes(Encoding.PEM), PEM_TYPE)
    https = dict(http)
    https["/"] = (provisioning_file(name), PROVISIONING_TYPE)
    return http, https


def provisioning_file(name: str) -> bytes:
    """A small stand-in for a boot server's master configuration file (rehearsal choice)."""
    return (
        '<?xml version="1.0" standalone="yes"?>\n'
        f"<!-- handset-ca rehearsal boot server {name}: the handset reached it over HTTPS "
        "and trusted its certificate. A real boot server would list configuration "
        "files here. -->\n"
        '<APPLICATION APP_FILE_PATH="" CONFIG_FILES="" MISC_FILES="" />\n'
    ).encode()


def write_ftp_home(folder: Path, files: Files) -> None:
    """Put only the public files in FTP's own folder: FTP never sees the workspace."""
    for name in (*FTP_FILES, NEXT_CA_FILE):
        if f"/{name}" in files:
            (folder / name).write_bytes(files[f"/{name}"][0])
