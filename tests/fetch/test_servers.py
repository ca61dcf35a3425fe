"""The shared test servers themselves: they start fast and leave nothing behind."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from tests.servers import FTPServer, HTTPServer, SilentServer, endless, free_port


def _refused(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) != 0


def test_free_port_is_refused():
    assert _refused(free_port())


@pytest.mark.parametrize("kind", ["http", "silent", "ftp"])
def test_servers_start_fast_and_stop_cleanly(kind, tmp_path):
    before = threading.active_count()
    start = time.monotonic()
    if kind == "http":
        server = HTTPServer({"/": b"x"})
    elif kind == "silent":
        server = SilentServer()
    else:
        server = FTPServer(tmp_path)
    with server:
        port = server.port
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            pass
    assert time.monotonic() - start < 5  # generous: the machine may be busy
    assert _refused(port)
    time.sleep(0.1)
    assert threading.active_count() <= before


def test_http_server_stop_ends_a_streaming_handler():
    with HTTPServer({"/": endless()}) as server:
        conn = socket.create_connection(("127.0.0.1", server.port), timeout=1)
        conn.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert conn.recv(100).startswith(b"HTTP/1.1 200")
        start = time.monotonic()
    assert time.monotonic() - start < 5  # stop did not wait for the endless body
    conn.close()
