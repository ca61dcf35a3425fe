"""Benchmark `handset-ca check` against a sequential curl | openssl loop.

Run: .venv/bin/python benchmarks/bench_check.py [--urls 1000] [--sample 100] [--big 10000]

- Loopback HTTP servers (asyncio, keep-alive, in this process) serve one PEM
  root CA under many distinct paths.
- `handset-ca check --json --concurrency 100 --from FILE` checks N URLs (the
  real console script, in a subprocess, so its start-up is counted).
- The anchor is a sequential shell loop of
  `curl -s URL | openssl x509 -noout -fingerprint -sha256`, run on a sample of
  the same URLs and scaled to N (said so in the output).
- Peak memory: max RSS of the checker subprocess for --big URLs read with
  --from, measured with /usr/bin/time -f %M (or getrusage of a wrapper child).

Goals (issue 6): >= 20x the loop, >= 500 URLs/s on 2 cores, < 150 MiB for 10,000.
Not a CI test: prints figures and ratios, exit status 0 even when a goal is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = Path(sys.executable).parent / "handset-ca"
SERVERS = 4


def make_ca_pem() -> bytes:
    key = rsa.generate_private_key(65537, 2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Bench Root CA")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=2555))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM)


class _Static(asyncio.Protocol):
    """Minimal HTTP/1.1 keep-alive server: the same PEM for every GET."""

    response = b""

    def connection_made(self, transport) -> None:  # type: ignore[no-untyped-def]
        self.transport = transport
        self.buffer = b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while b"\r\n\r\n" in self.buffer:
            head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
            close = b"connection: close" in head.lower()
            self.transport.write(self.response)
            if close:
                self.transport.close()
                return


def start_servers(pem: bytes, count: int) -> list[int]:
    """Servers on 127.0.0.1 in a background thread; returns their ports."""
    _Static.response = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/x-x509-ca-cert\r\n"
        b"Content-Length: " + str(len(pem)).encode() + b"\r\n\r\n" + pem
    )
    loop = asyncio.new_event_loop()
    ports: list[int] = []
    ready = threading.Event()

    async def main() -> None:
        for _ in range(count):
            server = await loop.create_server(_Static, "127.0.0.1", 0, backlog=1024)
            ports.append(server.sockets[0].getsockname()[1])
        ready.set()
        await asyncio.Event().wait()

    threading.Thread(target=lambda: loop.run_until_complete(main()), daemon=True).start()
    ready.wait(10)
    return ports


def write_urls(path: Path, ports: list[int], n: int) -> list[str]:
    urls = [f"http://127.0.0.1:{ports[i % len(ports)]}/site-{i}/ca.crt" for i in range(n)]
    path.write_text("# benchmark URLs\n" + "\n".join(urls) + "\n", encoding="ascii")
    return urls


def run_checker(url_file: Path, concurrency: int) -> tuple[float, float, int, dict[str, int], int]:
    """(wall s, CPU s, max RSS KiB, verdict counts, exit code) of one checker subprocess."""
    out_path = url_file.with_suffix(".jsonl")
    cmd = [
        str(SCRIPT),
        "check",
        "--json",
        "--concurrency",
        str(concurrency),
        "--from",
        str(url_file),
    ]
    time_bin = "/usr/bin/time"
    use_time = os.path.exists(time_bin)
    rss_file = url_file.with_suffix(".rss")
    if use_time:
        cmd = [time_bin, "-f", "%M", "-o", str(rss_file), *cmd]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with open(out_path, "wb") as out:
        done = subprocess.run(cmd, stdout=out, stderr=subprocess.PIPE, timeout=600)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    # Without /usr/bin/time: getrusage's max RSS of the largest child so far (KiB on Linux).
    rss_kib = int(rss_file.read_text().split()[-1]) if use_time else after.ru_maxrss
    counts: dict[str, int] = {}
    with open(out_path, encoding="utf-8") as f:
        for line in f:
            verdict = json.loads(line)["verdict"]
            counts[verdict] = counts.get(verdict, 0) + 1
    if done.stderr:
        sys.stderr.write(done.stderr.decode(errors="replace")[:2000])
    return seconds, cpu, rss_kib, counts, done.returncode


def run_curl_loop(urls: list[str]) -> tuple[float, int]:
    """Seconds for the sequential shell loop over `urls`, and how many printed a fingerprint."""
    script = (
        'while IFS= read -r u; do curl -s "$u" | openssl x509 -noout -fingerprint -sha256; done'
    )
    started = time.perf_counter()
    done = subprocess.run(
        ["sh", "-c", script],
        input="\n".join(urls) + "\n",
        capture_output=True,
        text=True,
        timeout=600,
    )
    seconds = time.perf_counter() - started
    return seconds, done.stdout.count("Fingerprint=")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--urls", type=int, default=1000)
    parser.add_argument("--sample", type=int, default=100, help="URLs for the curl loop")
    parser.add_argument("--big", type=int, default=10000, help="URLs for the memory run")
    parser.add_argument("--concurrency", type=int, default=100)
    args = parser.parse_args()

    pem = make_ca_pem()
    ports = start_servers(pem, SERVERS)
    print(
        f"cores: {os.cpu_count()}, loopback servers: {len(ports)}, "
        f"python {sys.version.split()[0]}, load average {os.getloadavg()[0]:.1f}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        urls = write_urls(folder / "urls.txt", ports, args.urls)

        seconds, cpu, rss, counts, code = run_checker(folder / "urls.txt", args.concurrency)
        rate = args.urls / seconds
        print(
            f"handset-ca check: {args.urls} URLs, --concurrency {args.concurrency}: "
            f"{seconds:.2f} s wall (process start-up included) = {rate:.0f} URLs/s; "
            f"checker CPU {cpu:.2f} s = {args.urls / cpu:.0f} URLs per CPU-second; "
            f"verdicts {counts}, exit {code}, max RSS {rss / 1024:.1f} MiB"
        )

        sample = urls[: args.sample]
        loop_seconds, printed = run_curl_loop(sample)
        scaled = loop_seconds * args.urls / len(sample)
        print(
            f"curl | openssl loop: {len(sample)} URLs in {loop_seconds:.2f} s "
            f"({len(sample) / loop_seconds:.0f} URLs/s, {printed} fingerprints printed); "
            f"scaled to {args.urls} URLs: {scaled:.1f} s"
        )
        ratio = scaled / seconds
        print(f"speed-up: {ratio:.1f}x (goal >= 20x); rate goal >= 500 URLs/s")

        big_urls = write_urls(folder / "big.txt", ports, args.big)
        del big_urls
        seconds, cpu, rss, counts, code = run_checker(folder / "big.txt", args.concurrency)
        print(
            f"memory: {args.big} URLs via --from: {seconds:.2f} s "
            f"({args.big / seconds:.0f} URLs/s, CPU {cpu:.2f} s), max RSS {rss / 1024:.1f} MiB "
            f"(goal < 150 MiB); verdicts {counts}, exit {code}"
        )
        goals = {
            ">=20x": ratio >= 20,
            ">=500/s": rate >= 500,
            "<150MiB": rss / 1024 < 150,
        }
        print(f"load average at the end: {os.getloadavg()[0]:.1f} (other work slows wall times)")
        print("goals: " + ", ".join(f"{k} {'met' if v else 'MISSED'}" for k, v in goals.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
