"""The HTTP listener alone: deadlines, keep-alive, the connection cap, logged paths."""

from __future__ import annotations

import contextlib
import http.client
import socket
import time

import pytest

from core.bootserver.httpd import Listener
from core.bootserver.limits import Limits
from core.bootserver.requestlog import log_path

FILES = {"/ca.crt": (b"pem", "application/x-pem-file")}


class Recorded(list):
    def __call__(self, client: str, path: str, status: int, nbytes: int, note: str) -> None:
        self.append((path, status, note))


@pytest.fixture
def recorded() -> Recorded:
    return Recorded()


def listen(record, **limits: float) -> Listener:
    listener = Listener("127.0.0.1", 0, FILES, record, limits=Limits(**limits))
    listener.start("test-httpd")
    return listener


def closed_by_server(sock: socket.socket, within: float) -> bytes:
    """Everything the server sent before closing; fails when it is still open after ``within``."""
    sock.settimeout(within)
    data = b""
    while chunk := sock.recv(4096):
        data += chunk
    return data


def test_at_the_cap_the_connection_waiting_longest_makes_room(recorded: Recorded):
    listener = listen(recorded, max_connections=2)
    idle = [socket.create_connection(("127.0.0.1", listener.port), timeout=5) for _ in range(2)]
    try:
        time.sleep(0.1)  # both accepted, both silent
        conn = http.client.HTTPConnection("127.0.0.1", listener.port, timeout=5)
        conn.request("GET", "/ca.crt")
        assert conn.getresponse().read() == b"pem"  # answered at once, not after a slot frees
        conn.close()
        assert closed_by_server(idle[0], 2) == b""  # the oldest silent one was dropped
    finally:
        for sock in idle:
            sock.close()
        listener.stop()


def test_a_trickled_head_is_cut_at_the_whole_request_deadline(recorded: Recorded):
    listener = listen(recorded, request_timeout=0.5)
    try:
        sock = socket.create_connection(("127.0.0.1", listener.port), timeout=5)
        started = time.monotonic()
        sock.sendall(b"GET /ca.crt HTTP/1.1\r\n")
        with pytest.raises(OSError):  # one header line each 0.1 s never completes the head
            for n in range(40):
                time.sleep(0.1)
                sock.sendall(f"X-{n}: trickle\r\n".encode())
        took = time.monotonic() - started
        assert 0.4 < took < 2.5
        sock.close()
        assert ("-", 408, "") in recorded
    finally:
        listener.stop()


def test_an_idle_keep_alive_connection_is_closed(recorded: Recorded):
    listener = listen(recorded, idle_timeout=0.3)
    try:
        conn = http.client.HTTPConnection("127.0.0.1", listener.port, timeout=5)
        for _ in range(3):  # HTTP/1.1: one connection, several requests
            conn.request("GET", "/ca.crt")
            response = conn.getresponse()
            assert response.read() == b"pem" and not response.will_close
        assert closed_by_server(conn.sock, 2) == b""
        conn.close()
        assert [r[1] for r in recorded] == [200, 200, 200]
    finally:
        listener.stop()


def test_http_1_0_and_connection_close_end_the_connection(recorded: Recorded):
    listener = listen(recorded)
    try:
        for request in (
            b"GET /ca.crt HTTP/1.0\r\n\r\n",
            b"GET /ca.crt HTTP/1.1\r\nConnection: close\r\n\r\n",
            b"GET /ca.crt HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc",
        ):
            with socket.create_connection(("127.0.0.1", listener.port), timeout=5) as sock:
                sock.sendall(request)
                answer = closed_by_server(sock, 2)
            assert answer.startswith(b"HTTP/1.1 200 OK\r\n") and answer.endswith(b"\r\n\r\npem")
        with socket.create_connection(("127.0.0.1", listener.port), timeout=5) as sock:
            sock.sendall(b"GET /ca.crt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n" * 2)
            time.sleep(0.2)
            answer = sock.recv(4096)
        assert answer.count(b"Connection: keep-alive\r\n") == 2  # pipelined, both answered
    finally:
        listener.stop()


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"nonsense\r\n\r\n", 400),
        (b"GET /ca.crt HTTP/2.0\r\n\r\n", 505),
        (b"GET /ca.crt FTP/1.0\r\n\r\n", 400),
        (b"GET /" + b"x" * 70000, 414),
        (b"GET /ca.crt HTTP/1.1\r\n" + b"X: y\r\n" * 101 + b"\r\n", 431),
        (b"DELETE /ca.crt HTTP/1.1\r\n\r\n", 501),
    ],
)
def test_bad_requests_get_a_status_and_a_closed_connection(recorded, request_bytes, status):
    listener = listen(recorded)
    try:
        with socket.create_connection(("127.0.0.1", listener.port), timeout=5) as sock:
            sock.sendall(request_bytes)
            answer = closed_by_server(sock, 2)
        assert answer.startswith(f"HTTP/1.1 {status} ".encode())
        assert recorded[-1][1] == status
    finally:
        listener.stop()


def test_logged_path_drops_the_query_and_escapes_the_unprintable():
    assert log_path("/ca.crt?token=secret") == "/ca.crt"
    assert log_path("/a b\x1b[31m#frag") == "/a%20b%1B[31m"
    assert log_path("/%2e%2e/ca.key") == "/%2e%2e/ca.key"
    assert log_path("") == "-"
    assert len(log_path("/" + "x" * 1000)) == 200


def test_a_client_that_does_not_read_its_answers_is_dropped(recorded: Recorded):
    big = b"x" * 4_000_000
    listener = Listener(
        "127.0.0.1", 0, {"/big": (big, "text/plain")}, recorded, limits=Limits(write_timeout=0.3)
    )
    listener.start("test-httpd")
    try:
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.connect(("127.0.0.1", listener.port))
            sock.sendall(b"GET /big HTTP/1.1\r\n\r\n" * 3)
            time.sleep(1.0)  # not reading: the server's buffer fills, then its deadline ends it
            received = 0
            sock.settimeout(2)  # still open after that: the test fails with a timeout
            with contextlib.suppress(ConnectionResetError):
                while chunk := sock.recv(65536):
                    received += len(chunk)
            assert received < 3 * len(big)
        assert listener.open_connections == 0
    finally:
        listener.stop()
