"""The rehearsal boot server: the workspace's public certificates over HTTP, HTTPS and FTP.

It lets the whole bulletin run on one machine: the handset downloads `ca.crt`
over HTTP or FTP, then provisions over HTTPS from a listener that presents the
server certificate issued for the boot server name.

Modules, each doing one thing: server (BootServer: the listeners' lifecycle and
the URLs to type), publish (which paths exist, their bodies and MIME types),
httpd (the HTTP/HTTPS listener), ftpd (the FTP listener), limits (deadlines and
capacities), tls (the HTTPS certificate and key), requestlog (Request, the
secret-free log), binding (why a port could not be had). This package only
re-exports the public names.
"""

from core.bootserver.binding import PORT_OPTIONS
from core.bootserver.ftpd import FTP_LOWER_CASE_REASON, FTP_PASSWORD, FTP_USER
from core.bootserver.limits import Limits
from core.bootserver.publish import (
    DER_TYPE,
    PEM_TYPE,
    PROVISIONING_TYPE,
    Files,
    provisioning_file,
    published_files,
)
from core.bootserver.requestlog import LogFn, Request
from core.bootserver.server import DEFAULT_BIND, DEFAULT_NAME, BootServer
from core.bootserver.tls import key_is_encrypted
from core.fetch import DEFAULT_PORTS

__all__ = [
    "DEFAULT_BIND",
    "DEFAULT_NAME",
    "DEFAULT_PORTS",
    "DER_TYPE",
    "FTP_LOWER_CASE_REASON",
    "FTP_PASSWORD",
    "FTP_USER",
    "PEM_TYPE",
    "PORT_OPTIONS",
    "PROVISIONING_TYPE",
    "BootServer",
    "Files",
    "Limits",
    "LogFn",
    "Request",
    "key_is_encrypted",
    "provisioning_file",
    "published_files",
]
