"""Why a listener could not bind, as one sentence naming the option that fixes it."""

from __future__ import annotations

import errno
import socket

from core.errors import UserError

PORT_OPTIONS = {"http": "--http-port", "https": "--https-port", "ftp": "--ftp-port"}


def bind_error(label: str, bind: str, port: int, exc: BaseException) -> UserError:
    """The UserError for ``exc`` raised while binding ``label``'s listener."""
    option = PORT_OPTIONS[label]
    if exc.args and isinstance(exc.args[0], OSError):
        exc = exc.args[0]  # pyftpdlib wraps the socket error in another OSError
    code = getattr(exc, "errno", None)
    if isinstance(exc, OverflowError):
        return UserError(f"Port {port} does not exist; choose one from 1 to 65535 with {option}.")
    if code == errno.EADDRINUSE:
        return UserError(
            f"Port {port} on {bind} is already in use ({label.upper()}); stop what uses it "
            f"or choose another port with {option}."
        )
    if code == errno.EACCES:
        return UserError(
            f"Port {port} needs administrator rights; choose a port above 1023 with {option} "
            "(handset URLs keep the default port through --connect-to)."
        )
    if code == errno.EADDRNOTAVAIL or isinstance(exc, socket.gaierror):
        return UserError(
            f"Cannot listen on {bind}: it is not an address of this machine; check --bind."
        )
    reason = getattr(exc, "strerror", None) or str(exc)
    return UserError(
        f"Cannot listen on {bind} port {port} ({reason}); choose another with {option}."
    )
