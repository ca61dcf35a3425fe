"""HTTPS downloads and TLS handshakes against real servers with test certificates."""

from __future__ import annotations

import time

import pytest

from core import trust
from core.fetch import ConnectMap, Failure, fetch, make_client, tls_handshake
from tests.fetch.conftest import SLACK, TIMEOUT
from tests.servers import HTTPServer, free_port, issue_server, make_ca, server_tls_context


async def test_https_download_trusting_the_test_ca(tls_web, trusting, ca_pem):
    result = await fetch(tls_web.url("/ca.crt"), ssl_context=trusting)
    assert result.ok, result.message
    assert result.data == ca_pem
    assert tls_web.requests[-1].sni is None  # an IP address is never sent as SNI


async def test_https_is_untrusted_with_the_builtin_list(tls_web):
    result = await fetch(tls_web.url("/ca.crt"))  # None = certifi's list
    assert result.failure is Failure.TLS_UNTRUSTED
    assert "not in the handset's trust list" in result.message
    assert tls_web.requests == []


async def test_https_is_untrusted_with_another_ca(tls_web):
    other_ca, _ = make_ca("Somebody Else")
    result = await fetch(
        tls_web.url("/ca.crt"), ssl_context=trust.ssl_context_for([other_ca], builtin=True)
    )
    assert result.failure is Failure.TLS_UNTRUSTED


async def test_host_name_is_not_checked_on_download(tls_web, trusting):
    # The certificate says localhost; the URL says 127.0.0.2: the phone only needs a trusted chain.
    cmap = ConnectMap.parse([f"wrong-name.example.com:443:127.0.0.1:{tls_web.port}"])
    result = await fetch(
        "https://wrong-name.example.com/ca.crt", ssl_context=trusting, connect_to=cmap
    )
    assert result.ok, result.message


async def test_expired_server_certificate(expired_pki, ca_pem):
    with HTTPServer({"/ca.crt": ca_pem}, tls=expired_pki.server_context()) as server:
        ctx = trust.ssl_context_for([expired_pki.ca_cert], builtin=False)
        result = await fetch(server.url("/ca.crt"), ssl_context=ctx)
    assert result.failure is Failure.TLS_UNTRUSTED
    assert "has expired" in result.message


async def test_https_to_a_plain_http_port_is_a_tls_error(web, trusting):
    result = await fetch(f"https://127.0.0.1:{web.port}/ca.crt", ssl_context=trusting)
    assert result.failure is Failure.TLS_ERROR
    assert "serves HTTPS" in result.message


async def test_http_to_an_https_port_is_a_network_failure(tls_web):
    result = await fetch(f"http://127.0.0.1:{tls_web.port}/ca.crt", timeout=TIMEOUT)
    assert result.failure is Failure.NETWORK  # the TLS server hangs up on plain HTTP
    assert "did not answer in HTTP" in result.message


async def test_https_silent_server_times_out(silent, trusting):
    start = time.monotonic()
    result = await fetch(silent.url("https"), ssl_context=trusting, timeout=TIMEOUT)
    assert result.failure is Failure.TIMEOUT
    assert time.monotonic() - start < TIMEOUT + SLACK


async def test_connect_to_keeps_host_header_and_sni(tls_web, trusting, ca_pem):
    cmap = ConnectMap.parse([f"bootserver1.example.com:443:127.0.0.1:{tls_web.port}"])
    result = await fetch(
        "https://bootserver1.example.com/ca.crt", ssl_context=trusting, connect_to=cmap
    )
    assert result.ok, result.message
    assert result.data == ca_pem
    request = tls_web.requests[-1]
    assert request.sni == "bootserver1.example.com"
    assert request.headers["host"] == "bootserver1.example.com"


async def test_shared_client_never_reuses_a_connection_across_sni_names(tls_web, trusting):
    cmap = ConnectMap.parse([f":443:127.0.0.1:{tls_web.port}"])
    async with make_client(trusting) as client:
        for name in ("a.example.com", "b.example.com", "a.example.com"):
            result = await fetch(f"https://{name}/ca.crt", client=client, connect_to=cmap)
            assert result.ok, result.message
    assert [r.sni for r in tls_web.requests] == ["a.example.com", "b.example.com", "a.example.com"]


# ---------------------------------------------------------------------------
# tls_handshake


async def test_handshake_ok_returns_the_leaf(tls_web, trusting, pki):
    result = await tls_handshake("localhost", tls_web.port, ssl_context=trusting, timeout=TIMEOUT)
    assert result.ok and result.failure is None
    assert result.peer_cert == pki.cert
    assert tls_web.requests == []  # no HTTP request was made


async def test_handshake_sends_the_name_as_sni_through_connect_to(tls_web, trusting, pki):
    # The HTTP server records SNI only with requests: watch the handshake itself.
    seen: list[str | None] = []
    with HTTPServer({}, tls=server_tls_context(pki.cert_path, pki.key_path)) as server:
        server.tls.sni_callback = lambda sslobj, name, c: seen.append(name)
        cmap = ConnectMap.parse([f"boot.example.com:443:127.0.0.1:{server.port}"])
        result = await tls_handshake(
            "boot.example.com", 443, ssl_context=trusting, connect_to=cmap, timeout=TIMEOUT
        )
    assert result.ok, result.message
    assert seen == ["boot.example.com"]


async def test_handshake_untrusted_issuer_code_20(tls_web):
    result = await tls_handshake(
        "localhost", tls_web.port, ssl_context=trust.default_context(), timeout=TIMEOUT
    )
    assert result.failure is Failure.TLS_UNTRUSTED
    assert result.verify_code == 20
    assert result.peer_cert is None


async def test_handshake_expired_code_10(expired_pki):
    with HTTPServer({}, tls=expired_pki.server_context()) as server:
        ctx = trust.ssl_context_for([expired_pki.ca_cert], builtin=False)
        result = await tls_handshake("localhost", server.port, ssl_context=ctx, timeout=TIMEOUT)
    assert result.failure is Failure.TLS_UNTRUSTED
    assert result.verify_code == 10
    assert "expired" in result.message


async def test_handshake_self_signed_leaf_code_18(tmp_path, trusting):
    from tests.servers import cert_pem, key_pem

    cert, key = make_ca("self-signed.example.com")
    (tmp_path / "s.crt").write_bytes(cert_pem(cert))
    (tmp_path / "s.key").write_bytes(key_pem(key))
    with HTTPServer({}, tls=(tmp_path / "s.crt", tmp_path / "s.key")) as server:
        result = await tls_handshake("localhost", server.port, ssl_context=trusting)
    assert result.failure is Failure.TLS_UNTRUSTED
    assert result.verify_code == 18


async def test_handshake_to_a_leaf_of_the_trusted_ca_with_a_san_only_name(pki, tmp_path, trusting):
    from tests.servers import cert_pem, key_pem

    cert, key = issue_server(pki.ca_cert, pki.ca_key, cn="other", sans=["boot.example.com"])
    (tmp_path / "s.crt").write_bytes(cert_pem(cert))
    (tmp_path / "s.key").write_bytes(key_pem(key))
    with HTTPServer({}, tls=(tmp_path / "s.crt", tmp_path / "s.key")) as server:
        cmap = ConnectMap.parse([f"boot.example.com:443:127.0.0.1:{server.port}"])
        result = await tls_handshake("boot.example.com", 443, ssl_context=trusting, connect_to=cmap)
    # The handshake only proves the chain; CN comparison is the caller's (the phone's) job.
    assert result.ok and result.peer_cert == cert


async def test_handshake_refused(trusting):
    result = await tls_handshake("127.0.0.1", free_port(), ssl_context=trusting, timeout=TIMEOUT)
    assert result.failure is Failure.REFUSED and result.verify_code is None


async def test_handshake_timeout(silent, trusting):
    start = time.monotonic()
    result = await tls_handshake("127.0.0.1", silent.port, ssl_context=trusting, timeout=TIMEOUT)
    assert result.failure is Failure.TIMEOUT
    assert time.monotonic() - start < TIMEOUT + SLACK


async def test_handshake_not_resolved(trusting):
    result = await tls_handshake("no-such-host.invalid", 443, ssl_context=trusting, timeout=2)
    assert result.failure is Failure.NOT_RESOLVED


async def test_handshake_with_a_plain_http_server_is_a_tls_error(web, trusting):
    result = await tls_handshake("127.0.0.1", web.port, ssl_context=trusting, timeout=TIMEOUT)
    assert result.failure is Failure.TLS_ERROR


@pytest.mark.parametrize("name", ["bad name", "x" * 300])
async def test_handshake_with_an_impossible_name_does_not_raise(tls_web, trusting, name):
    cmap = ConnectMap.parse([f":443:127.0.0.1:{tls_web.port}"])
    result = await tls_handshake(name, 443, ssl_context=trusting, connect_to=cmap, timeout=TIMEOUT)
    assert not result.ok and result.message


@pytest.mark.parametrize("port", [0, 70000, -1])
async def test_handshake_with_an_impossible_port_does_not_raise(trusting, port):
    result = await tls_handshake("127.0.0.1", port, ssl_context=trusting, timeout=TIMEOUT)
    assert result.failure is Failure.BAD_URL and "1 to 65535" in result.message
