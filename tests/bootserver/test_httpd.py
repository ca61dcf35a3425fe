"""The HTTP listener alone: bounded connections, logged paths."""

from __future__ import annotations

import http.client
import socket
import threading

from core.bootserver.httpd import Listener
from core.bootserver.requestlog import log_path


def test_connections_past_the_limit_wait_for_a_free_slot():
    files = {"/ca.crt": (b"pem", "application/x-pem-file")}
    listener = Listener("127.0.0.1", 0, files, lambda *_: None, max_connections=2)
    listener.start("test-httpd")
    idle = [socket.create_connection(("127.0.0.1", listener.port), timeout=5) for _ in range(2)]
    answered = threading.Event()

    def third() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", listener.port, timeout=5)
        conn.request("GET", "/ca.crt")
        if conn.getresponse().status == 200:
            answered.set()
        conn.close()

    worker = threading.Thread(target=third)
    worker.start()
    try:
        assert not answered.wait(0.5)  # both slots are held by silent clients
        idle[0].close()  # the server's read ends, the slot frees up
        assert answered.wait(5)
    finally:
        worker.join(5)
        idle[1].close()
        listener.stop()


def test_logged_path_drops_the_query_and_escapes_the_unprintable():
    assert log_path("/ca.crt?token=secret") == "/ca.crt"
    assert log_path("/a b\x1b[31m#frag") == "/a%20b%1B[31m"
    assert log_path("/%2e%2e/ca.key") == "/%2e%2e/ca.key"
    assert log_path("") == "-"
    assert len(log_path("/" + "x" * 1000)) == 200
