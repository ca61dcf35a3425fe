"""Downloads over plain HTTP from real servers, hostile ones included."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
import tracemalloc

import pytest

from core.fetch import MAX_BYTES, ConnectMap, Failure, fetch, make_client
from tests.fetch.conftest import SLACK, TIMEOUT
from tests.servers import (
    HTTPServer,
    Route,
    compressed,
    endless,
    free_port,
    gzip_bomb,
    hang_up_after,
    html_page,
    no_answer,
    not_found,
    redirect,
    server_error,
    trickle,
)


async def timed(url: str, **kw) -> tuple[object, float]:
    start = time.monotonic()
    result = await fetch(url, timeout=kw.pop("timeout", TIMEOUT), **kw)
    return result, time.monotonic() - start


async def test_plain_http_download(web, ca_pem):
    result = await fetch(web.url("/ca.crt"))
    assert result.ok, result.message
    assert result.data == ca_pem
    assert result.failure is None and result.message == ""
    assert result.status == 200
    assert result.content_type == "application/x-x509-ca-cert"
    assert result.final_url == web.url("/ca.crt")


async def test_the_request_asks_for_no_compression(web):
    await fetch(web.url("/ca.crt"))
    assert web.requests[-1].headers["accept-encoding"] == "identity"


async def test_html_page_is_downloaded_as_is(ca_pem):
    # Deciding that HTML is not a certificate is the acceptance rule's job, not fetch's.
    with HTTPServer({"/": html_page()}) as server:
        result = await fetch(server.url("/"))
    assert result.ok and result.content_type == "text/html" and b"<html>" in result.data


@pytest.mark.parametrize(
    ("route", "status", "words"),
    [(not_found(), 404, "404 Not Found"), (server_error(), 500, "500 Internal")],
)
async def test_http_error_status(route, status, words):
    with HTTPServer({"/ca.crt": route}) as server:
        result = await fetch(server.url("/ca.crt"))
    assert result.failure is Failure.HTTP_STATUS
    assert result.status == status
    assert words in result.message and result.data == b""


async def test_redirects_are_followed_up_to_the_limit(ca_pem):
    routes = {f"/r{i}": redirect(f"/r{i + 1}") for i in range(5)}
    routes["/r5"] = ca_pem
    with HTTPServer(routes) as server:
        ok = await fetch(server.url("/r0"))
        too_many = await fetch(server.url("/r0"), max_redirects=4)
    assert ok.ok and ok.data == ca_pem
    assert ok.final_url == server.url("/r5")
    assert too_many.failure is Failure.REDIRECTS
    assert "more than 4 times" in too_many.message


async def test_redirect_loop_stops():
    with HTTPServer({"/a": redirect("/b"), "/b": redirect("/a", 301)}) as server:
        result, elapsed = await timed(server.url("/a"))
        assert len(server.requests) == 6  # the first request and 5 redirects
    assert result.failure is Failure.REDIRECTS
    assert "loop" in result.message
    assert elapsed < TIMEOUT


async def test_redirect_to_another_host_and_port_works(web, ca_pem):
    with HTTPServer({"/ca.crt": redirect(web.url("/ca.crt"), 307)}) as front:
        result = await fetch(front.url("/ca.crt"))
    assert result.ok and result.data == ca_pem


@pytest.mark.parametrize(
    ("location", "words"),
    [
        ("ftp://127.0.0.1/ca.crt", "redirected to an ftp: URL"),
        ("file:///etc/passwd", "redirected to a file: URL"),
        ("javascript://alert(1)", "redirected to a javascript: URL"),
    ],
)
async def test_redirect_to_another_scheme_is_refused(location, words):
    with HTTPServer({"/ca.crt": redirect(location)}) as server:
        result = await fetch(server.url("/ca.crt"))
    assert result.failure is Failure.SCHEME
    assert words in result.message


@pytest.mark.parametrize("location", ["/my ca.crt", "javascript:alert(1)", "http://[::1/x"])
async def test_redirect_to_an_unusable_url_is_a_bad_url(location):
    with HTTPServer({"/ca.crt": redirect(location)}) as server:
        result = await fetch(server.url("/ca.crt"))
    assert result.failure is Failure.BAD_URL
    assert "redirected to a URL that cannot be used" in result.message


async def test_redirect_without_location_is_an_http_status():
    with HTTPServer({"/ca.crt": Route(b"", status=302)}) as server:
        result = await fetch(server.url("/ca.crt"))
    assert result.failure is Failure.HTTP_STATUS and result.status == 302


async def test_endless_body_is_cut_at_the_cap():
    with HTTPServer({"/ca.crt": endless()}) as server:
        result, elapsed = await timed(server.url("/ca.crt"), timeout=5)
    assert result.failure is Failure.TOO_LARGE
    assert "64 KiB" in result.message and result.data == b""
    assert elapsed < 2  # stopped by the cap, not by the deadline


async def test_declared_length_over_the_cap_fails_before_reading():
    with HTTPServer({"/ca.crt": b"x" * (MAX_BYTES + 1)}) as server:
        result = await fetch(server.url("/ca.crt"))
        exact = await fetch(server.url("/ca.crt"), max_bytes=MAX_BYTES + 1)
    assert result.failure is Failure.TOO_LARGE
    assert exact.ok and len(exact.data) == MAX_BYTES + 1


async def test_smaller_cap_is_honoured_and_reported(ca_pem):
    with HTTPServer({"/ca.crt": ca_pem}) as server:
        result = await fetch(server.url("/ca.crt"), max_bytes=100)
    assert result.failure is Failure.TOO_LARGE and "100 bytes" in result.message


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
async def test_compression_bomb_never_inflates_past_the_cap(encoding):
    bomb = gzip_bomb(32 * 1024 * 1024, encoding)
    assert len(bomb.body) < MAX_BYTES  # so only decoding can reveal the size
    with HTTPServer({"/ca.crt": bomb}) as server:
        tracemalloc.start()
        try:
            result = await fetch(server.url("/ca.crt"))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert result.failure is Failure.TOO_LARGE
    assert peak < 2 * 1024 * 1024  # 32 MiB would be there had we inflated it


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
async def test_unasked_compression_is_decoded(ca_pem, encoding):
    with HTTPServer({"/ca.crt": compressed(ca_pem, encoding)}) as server:
        result = await fetch(server.url("/ca.crt"))
    assert result.ok and result.data == ca_pem


async def test_unknown_compression_is_refused(ca_pem):
    route = Route(ca_pem, headers={"Content-Encoding": "br"})
    with HTTPServer({"/ca.crt": route}) as server:
        result = await fetch(server.url("/ca.crt"))
    assert result.failure is Failure.NETWORK and "'br'" in result.message


async def test_damaged_compression_is_a_network_failure():
    route = Route(b"this is not gzip at all", headers={"Content-Encoding": "gzip"})
    with HTTPServer({"/ca.crt": route}) as server:
        result = await fetch(server.url("/ca.crt"))
    assert result.failure is Failure.NETWORK and "damaged" in result.message


async def test_trickle_is_stopped_by_the_total_deadline():
    with HTTPServer({"/ca.crt": trickle(interval=0.2)}) as server:
        result, elapsed = await timed(server.url("/ca.crt"))
    assert result.failure is Failure.TIMEOUT
    assert "did not finish within 1 s" in result.message
    assert TIMEOUT - 0.1 < elapsed < TIMEOUT + SLACK


async def test_server_that_reads_but_never_answers_times_out():
    with HTTPServer({"/ca.crt": no_answer()}) as server:
        result, elapsed = await timed(server.url("/ca.crt"))
    assert result.failure is Failure.TIMEOUT
    assert "did not answer within 1 s" in result.message
    assert elapsed < TIMEOUT + SLACK


async def test_server_that_accepts_and_says_nothing_times_out(silent):
    result, elapsed = await timed(silent.url("http"))
    assert result.failure is Failure.TIMEOUT
    assert elapsed < TIMEOUT + SLACK


async def test_nothing_listening_is_refused():
    port = free_port()
    result, elapsed = await timed(f"http://127.0.0.1:{port}/ca.crt")
    assert result.failure is Failure.REFUSED
    assert f"127.0.0.1:{port}" in result.message and elapsed < TIMEOUT


async def test_unknown_name_is_not_resolved():
    result, elapsed = await timed("http://no-such-host.invalid/ca.crt", timeout=2)
    assert result.failure is Failure.NOT_RESOLVED
    assert "no-such-host.invalid" in result.message
    assert elapsed < 2 + SLACK


async def test_non_http_answer_is_a_network_failure():
    # An FTP-like banner where HTTP was expected.
    import socket
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)

    def serve() -> None:
        conn, _ = listener.accept()
        conn.sendall(b"220 not http\r\n")
        conn.recv(1024)
        conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        result = await fetch(f"http://127.0.0.1:{listener.getsockname()[1]}/ca.crt")
    finally:
        thread.join(2)
        listener.close()
    assert result.failure is Failure.NETWORK


async def test_connect_to_keeps_the_typed_name_in_the_host_header(web, ca_pem):
    cmap = ConnectMap.parse([f"bootserver1.example.com:80:127.0.0.1:{web.port}"])
    result = await fetch("http://bootserver1.example.com/ca.crt", connect_to=cmap)
    assert result.ok and result.data == ca_pem
    assert result.final_url == "http://bootserver1.example.com/ca.crt"
    assert web.requests[-1].headers["host"] == "bootserver1.example.com"


async def test_connect_to_keeps_an_explicit_port_in_the_host_header(web):
    cmap = ConnectMap.parse([f"boot.example.com:8080:127.0.0.1:{web.port}"])
    result = await fetch("http://boot.example.com:8080/ca.crt", connect_to=cmap)
    assert result.ok
    assert web.requests[-1].headers["host"] == "boot.example.com:8080"


async def test_connect_to_applies_to_redirect_targets(web, ca_pem):
    routes = {"/ca.crt": redirect("http://files.example.com/ca.crt")}
    with HTTPServer(routes) as front:
        cmap = ConnectMap.parse(
            [
                f"boot.example.com:80:127.0.0.1:{front.port}",
                f"files.example.com:80:127.0.0.1:{web.port}",
            ]
        )
        result = await fetch("http://boot.example.com/ca.crt", connect_to=cmap)
    assert result.ok and result.data == ca_pem
    assert web.requests[-1].headers["host"] == "files.example.com"


async def test_refused_through_connect_to_says_where_it_went():
    port = free_port()
    cmap = ConnectMap.parse([f"boot.example.com:80:127.0.0.1:{port}"])
    result = await fetch("http://boot.example.com/ca.crt", connect_to=cmap)
    assert result.failure is Failure.REFUSED
    assert "boot.example.com:80" in result.message and f"127.0.0.1:{port}" in result.message


async def test_http_credentials_are_sent_as_basic_auth_and_masked(web):
    url = f"http://admin:hunter2@127.0.0.1:{web.port}/missing"
    result = await fetch(url)
    assert web.requests[-1].headers["authorization"].startswith("Basic ")
    assert "hunter2" not in result.message and "hunter2" not in result.final_url


async def test_shared_client_serves_many_concurrent_fetches(web, ca_pem):
    async with make_client() as client:
        results = await asyncio.gather(
            *(fetch(web.url("/ca.crt"), client=client) for _ in range(50))
        )
    assert all(r.ok and r.data == ca_pem for r in results)


async def test_shared_client_and_ssl_context_together_is_a_programming_error(trusting, web):
    async with make_client() as client:
        with pytest.raises(ValueError):
            await fetch(web.url("/ca.crt"), client=client, ssl_context=trusting)


async def test_shared_client_reuses_one_connection(web, ca_pem):
    async with make_client() as client:
        for _ in range(10):
            result = await fetch(web.url("/ca.crt"), client=client)
            assert result.ok
    assert web.connections == 1


async def test_shared_client_survives_a_server_that_hangs_up(ca_pem):
    with HTTPServer({"/ca.crt": hang_up_after(ca_pem)}) as server:
        async with make_client() as client:
            for _ in range(3):
                await _until(lambda: server.open_connections() == 0)  # the hang-up is sent
                result = await fetch(server.url("/ca.crt"), client=client)
                assert result.ok, result.message
        assert server.connections == 3


async def test_shared_client_drops_a_connection_cut_at_the_cap(ca_pem):
    routes = {"/big": b"x" * (MAX_BYTES * 2), "/ca.crt": ca_pem}
    with HTTPServer(routes) as server:
        async with make_client() as client:
            big = await fetch(server.url("/big"), client=client, max_bytes=10)
            ok = await fetch(server.url("/ca.crt"), client=client)
    assert big.failure is Failure.TOO_LARGE
    assert ok.ok and ok.data == ca_pem


async def test_closing_the_shared_client_closes_its_connections(web):
    async with make_client() as client:
        assert (await fetch(web.url("/ca.crt"), client=client)).ok
        assert web.open_connections() == 1
    assert await _until(lambda: web.open_connections() == 0)


async def _until(condition, within: float = 1.0) -> bool:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.01)
    return True


async def test_ipv6_literal_urls_and_connect_to(ca_pem):
    with HTTPServer({"/ca.crt": ca_pem}, host="::1") as server:
        direct = await fetch(server.url("/ca.crt"))
        cmap = ConnectMap.parse([f"boot.example.com:80:[::1]:{server.port}"])
        mapped = await fetch("http://boot.example.com/ca.crt", connect_to=cmap)
        assert server.requests[0].headers["host"] == f"[::1]:{server.port}"
        assert server.requests[1].headers["host"] == "boot.example.com"
    assert direct.ok and direct.data == ca_pem, direct.message
    assert mapped.ok and mapped.data == ca_pem, mapped.message


class _DropsSecondRequest:
    """Keeps a connection alive after one answer, then closes it on the next request
    without answering: what a kept-alive connection looks like when the server has
    just timed it out."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            threading.Thread(target=self._talk, args=(conn,), daemon=True).start()

    def _talk(self, conn: socket.socket) -> None:
        with conn:
            if not self._read_request(conn):
                return
            head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(self.body)}\r\n\r\n"
            conn.sendall(head.encode() + self.body)
            self._read_request(conn)  # the next request on this connection: hang up

    @staticmethod
    def _read_request(conn: socket.socket) -> bool:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(4096)
            if not chunk:
                return False
            data += chunk
        return True

    def close(self) -> None:
        self.sock.close()


async def test_shared_client_retries_a_kept_alive_connection_the_server_dropped(ca_pem):
    server = _DropsSecondRequest(ca_pem)
    try:
        async with make_client() as client:
            url = f"http://127.0.0.1:{server.port}/ca.crt"
            first = await fetch(url, client=client)
            second = await fetch(url, client=client)  # reuses, is dropped, retries anew
        assert first.ok and second.ok, second.message
        assert second.data == ca_pem
        assert server.accepted == 2
    finally:
        server.close()
