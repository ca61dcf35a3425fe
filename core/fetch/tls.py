"""A bare TLS handshake, for checking a boot server's HTTPS certificate."""

from __future__ import annotations

import asyncio
import ssl

from cryptography import x509

from core import trust
from core.fetch.results import DEFAULT_TIMEOUT, Failure, FetchFailed, TLSResult, os_failure
from core.fetch.urls import ConnectMap, reach, valid_host


async def tls_handshake(
    host: str,
    port: int,
    *,
    ssl_context: ssl.SSLContext,
    connect_to: ConnectMap | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> TLSResult:
    """Open a TLS connection (SNI = host) and report how the handshake went.

    Connects to connect_to.resolve(host, port). verify_code is OpenSSL's
    X509_V_ERR_* (10 expired, 18/19/20/21 untrusted issuer); peer_cert is the
    leaf when the handshake completed.
    """
    host = host.strip("[]")
    if not valid_host(host.lower()) or len(host) > 253:
        return TLSResult(
            False,
            Failure.BAD_URL,
            f"The server name {host[:60]!r} is not a valid host name; correct it.",
        )
    if not isinstance(port, int) or not 0 < port < 65536:
        return TLSResult(
            False,
            Failure.BAD_URL,
            f"The port {port!r} is not a number from 1 to 65535; correct it.",
        )
    if ssl_context is None:  # asyncio would silently speak plain TCP
        ssl_context = trust.default_context()
    try:
        chost, cport = reach(connect_to, host, port)
    except FetchFailed as refused:
        return TLSResult(False, refused.failure, refused.message)
    where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    via = "" if (chost, cport) == (host, port) else f" (reached as {chost}:{cport})"
    try:
        async with asyncio.timeout(timeout):
            _, writer = await asyncio.open_connection(
                chost, cport, ssl=ssl_context, server_hostname=host
            )
    except TimeoutError:
        return TLSResult(
            False,
            Failure.TIMEOUT,
            f"The server at {where} did not complete a TLS handshake within {timeout:g} s{via}; "
            "check that it is up and serves HTTPS on this port.",
        )
    except OSError as exc:  # before ValueError: SSLCertVerificationError is both
        classified = os_failure(exc, where, via, download=False)
        if classified is None:
            classified = FetchFailed(
                Failure.NETWORK,
                f"The connection to {where} broke during the TLS handshake{via}; check that "
                "the port serves HTTPS.",
            )
        code = exc.verify_code if isinstance(exc, ssl.SSLCertVerificationError) else None
        return TLSResult(False, classified.failure, classified.message, verify_code=code)
    except (UnicodeError, ValueError):
        return TLSResult(
            False,
            Failure.BAD_URL,
            f"The server name {host!r} is not a valid host name; correct it.",
        )
    try:
        ssl_object = writer.get_extra_info("ssl_object")
        der = ssl_object.getpeercert(binary_form=True) if ssl_object else None
        cert = x509.load_der_x509_certificate(der) if der else None
    finally:
        writer.transport.abort()  # no close_notify wait: the server may not answer it
    return TLSResult(True, None, f"TLS handshake with {where} succeeded.", peer_cert=cert)
