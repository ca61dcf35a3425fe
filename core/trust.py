"""Trust stores as the handset has them: the built-in list and custom CAs.

The built-in list is "widely recognized CAs" (bulletin); we use the Mozilla
bundle that certifi ships. Contexts made here verify the chain only:
check_hostname is off because the phone does not match host names the way a
browser does. It compares the boot server name with the certificate's Common
Name by plain string comparison (bulletin), which core.handset does itself.
"""

from __future__ import annotations

import functools
import ssl
import warnings
from collections.abc import Sequence

import certifi
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding


@functools.cache
def _builtin_pem() -> str:
    with open(certifi.where(), encoding="ascii") as f:
        return f.read()


@functools.cache
def _builtin_tuple() -> tuple[x509.Certificate, ...]:
    # One Mozilla root has a non-positive serial; cryptography warns, we just load it.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return tuple(x509.load_pem_x509_certificates(_builtin_pem().encode("ascii")))


def builtin_certificates() -> list[x509.Certificate]:
    """certifi's Mozilla bundle, parsed once per process (a fresh list each call)."""
    return list(_builtin_tuple())


def ssl_context_for(custom: Sequence[x509.Certificate], *, builtin: bool) -> ssl.SSLContext:
    """A client context that trusts `custom` (and the built-in list when `builtin`).

    CERT_REQUIRED, check_hostname False (the phone compares the CN itself).
    Contexts are cached by content, because loading the Mozilla bundle costs
    milliseconds and a checker asks for the same context thousands of times:
    treat the returned context as read-only.
    """
    ders = tuple(sorted({c.public_bytes(Encoding.DER) for c in custom}))
    return _build_context(ders, builtin)


@functools.lru_cache(maxsize=32)
def _build_context(ders: tuple[bytes, ...], builtin: bool) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False  # the phone compares the CN itself (bulletin)
    ctx.verify_mode = ssl.CERT_REQUIRED
    if builtin:
        ctx.load_verify_locations(cadata=_builtin_pem())
    for der in ders:
        ctx.load_verify_locations(cadata=der)
    return ctx


def default_context() -> ssl.SSLContext:
    """The built-in list only (what a factory-fresh handset trusts); cached."""
    return ssl_context_for((), builtin=True)
