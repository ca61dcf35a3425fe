"""Boot server throughput and slowloris latency (not run in CI).

1. GETs of /ca.crt per second, 100 concurrent keep-alive clients, against the
   boot server's HTTP listener and, in the same run, Python's
   http.server.ThreadingHTTPServer serving the same file (SimpleHTTPRequestHandler,
   protocol HTTP/1.1 so that it keeps connections alive too). The anchor is given
   its fair chance: a listen backlog of 128 (with the default 5, most of 100
   clients are reset while connecting) and TCP_NODELAY (without it each answer
   waits ~40 ms for a delayed ACK, about 25 requests/s per connection). Each
   server runs in its own process; the same asyncio client processes drive both.
2. Latency of a normal GET /ca.crt (new connection each time) over HTTP and HTTPS
   while 500 slow connections per listener trickle their headers.

    .venv/bin/python benchmarks/bench_bootserver.py [--seconds 5] [--clients 100]

Goal (issue 11): at least as fast as ThreadingHTTPServer; a normal GET within 1 s.
On a shared machine, requests/s follow the scheduler (a server with 100 threads
gets more CPU than one with a single event loop), so the server's CPU time per
request is printed too (Linux).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import http.client
import os
import resource
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NAME = "bootserver1.example.com"
PASSPHRASE = b"bench-only"
SLOW = 500


# --- the servers, each in a child process -----------------------------------------------


def serve(kind: str, folder: str) -> None:
    """Child: print the port(s), serve until stdin closes."""
    if kind == "stdlib":
        from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

        class Handler(SimpleHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as the boot server
            # Headers and body leave in two writes: without this, Nagle's algorithm and
            # the client's delayed ACK stall every answer by ~40 ms.
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: object) -> None:
                pass

        class Server(ThreadingHTTPServer):
            request_queue_size = 128  # the default 5 resets most of 100 clients connecting
            daemon_threads = True

        httpd = Server(("127.0.0.1", 0), functools.partial(Handler, directory=folder))
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        print(httpd.server_address[1], 0, flush=True)
        sys.stdin.read()
        return
    from core.bootserver import BootServer

    raise_fd_limit()
    with BootServer(folder, name=NAME, ftp_port=None, key_passphrase=PASSPHRASE) as server:
        print(server.http_port, server.https_port, flush=True)
        sys.stdin.read()


class Child:
    def __init__(self, kind: str, folder: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--serve", kind, folder],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        http_port, https_port = self.proc.stdout.readline().split()
        self.http_port, self.https_port = int(http_port), int(https_port)

    def cpu_seconds(self) -> float | None:
        """The server process's CPU time so far (Linux /proc), None elsewhere."""
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(10)


# --- throughput ---------------------------------------------------------------------------

REQUEST = b"GET /ca.crt HTTP/1.1\r\nHost: bench\r\n\r\n"


async def one_client(port: int, until: float, counts: list[int]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    done = 0
    try:
        while time.monotonic() < until:
            writer.write(REQUEST)
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            body = await reader.readexactly(length)
            assert head.startswith(b"HTTP/1.1 200") and body.startswith(b"-----BEGIN"), head
            done += 1
    finally:
        counts.append(done)
        writer.close()


async def load(port: int, clients: int, seconds: float) -> tuple[int, float]:
    """(requests answered, seconds taken) by ``clients`` connections in this process."""
    counts: list[int] = []
    started = time.monotonic()
    await asyncio.gather(*(one_client(port, started + seconds, counts) for _ in range(clients)))
    return sum(counts), time.monotonic() - started


def throughput(port: int, clients: int, seconds: float, processes: int) -> float:
    """Requests/s from ``clients`` connections spread over ``processes`` client processes
    (one asyncio client process can be slower than the server it measures)."""
    shares = [clients // processes + (n < clients % processes) for n in range(processes)]
    procs = [
        subprocess.Popen(
            [sys.executable, __file__, "--load", str(port), str(share), str(seconds)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for share in shares
    ]
    results = [proc.communicate()[0].split() for proc in procs]
    return sum(int(count) for count, _took in results) / max(float(t) for _c, t in results)


# --- slowloris ---------------------------------------------------------------------------


def timed_get(port: int, tls: ssl.SSLContext | None) -> float:
    started = time.monotonic()
    if tls is None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    else:
        conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=10, context=tls)
    conn.request("GET", "/ca.crt")
    response = conn.getresponse()
    assert response.status == 200
    response.read()
    conn.close()
    return time.monotonic() - started


def slowloris(port: int, tls: ssl.SSLContext | None) -> list[float]:
    socks: list[socket.socket] = []
    try:
        for _ in range(SLOW):
            sock = socket.create_connection(("127.0.0.1", port), timeout=10)
            socks.append(tls.wrap_socket(sock) if tls else sock)
        for sock in socks:
            sock.sendall(b"GET /ca.crt HTTP/1.1\r\nHost: x\r\n")
        took = []
        for n in range(20):
            if n % 5 == 0:
                for sock in socks:  # one more header line now and then, never the end
                    sock.sendall(f"X-Slow-{n}: 1\r\n".encode())
            took.append(timed_get(port, tls))
        return took
    finally:
        for sock in socks:
            sock.close()


def raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 4 * SLOW + 512
    if soft != resource.RLIM_INFINITY and soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))


def make_workspace(folder: Path) -> None:
    from core.pki import Subject, Workspace

    ws = Workspace(folder)
    ws.create_ca(Subject(cn="Bench Root CA"), PASSPHRASE)
    ws.issue(NAME, PASSPHRASE, key_passphrase=PASSPHRASE)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument("--serve", nargs=2, metavar=("KIND", "FOLDER"), help=argparse.SUPPRESS)
    parser.add_argument("--load", nargs=3, metavar=("PORT", "N", "S"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(*args.serve)
        return
    if args.load:
        port, clients, seconds = args.load
        count, took = asyncio.run(load(int(port), int(clients), float(seconds)))
        print(count, took)
        return
    raise_fd_limit()
    with tempfile.TemporaryDirectory(prefix="bench-bootserver-") as tmp:
        folder = Path(tmp)
        make_workspace(folder)
        print(
            f"GET /ca.crt, {args.clients} keep-alive clients in {args.client_processes} "
            f"processes, {args.seconds:g} s each"
        )
        rates: dict[str, list[float]] = {}
        for kind in ("stdlib", "bootserver", "stdlib", "bootserver"):  # interleaved
            child = Child(kind, str(folder))
            try:
                cpu_before, started = child.cpu_seconds(), time.monotonic()
                rate = throughput(
                    child.http_port, args.clients, args.seconds, args.client_processes
                )
                cpu_after, took = child.cpu_seconds(), time.monotonic() - started
            finally:
                child.close()
            rates.setdefault(kind, []).append(rate)
            cost = ""
            if cpu_before is not None and cpu_after is not None and rate:
                per_request = (cpu_after - cpu_before) / (rate * took) * 1e6
                cost = f", server CPU {per_request:.0f} us per request"
            print(f"  {kind:<10} {rate:8.0f} requests/s{cost}")
        best = {kind: max(values) for kind, values in rates.items()}
        print(
            f"boot server / ThreadingHTTPServer: {best['bootserver'] / best['stdlib']:.2f}x "
            f"(best of 2: {best['bootserver']:.0f} vs {best['stdlib']:.0f} requests/s)"
        )

        client_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        client_tls.check_hostname = False
        client_tls.verify_mode = ssl.CERT_NONE
        child = Child("bootserver", str(folder))
        try:
            for scheme, port, tls in (
                ("http", child.http_port, None),
                ("https", child.https_port, client_tls),
            ):
                latencies = slowloris(port, tls)
                median, worst = statistics.median(latencies) * 1000, max(latencies) * 1000
                print(
                    f"{scheme:<5} with {SLOW} slow connections open: normal GET median "
                    f"{median:.1f} ms, max {worst:.1f} ms "
                    f"({len(latencies)} requests; goal under 1000 ms)"
                )
        finally:
            child.close()


if __name__ == "__main__":
    main()
