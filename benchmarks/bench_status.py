"""`handset-ca status --json` over 10,000 issued certificates vs a shell loop of openssl.

Prints figures and ratios (not a CI test), in one run over the same files:
  1. `handset-ca status --json` as a user runs it (a new process: interpreter start,
     imports, the scan, the JSON), best of 3, and its peak memory (max RSS).
  2. `for f in issued/*/server.crt; do openssl x509 -enddate -noout -in "$f"; done`,
     what an administrator's cron script does without handset-ca.
Goal: at least 50x faster than the loop, and under 1 s.
The certificates are made quickly: one server key, signed in-process by the CA;
validities spread so some fall inside the warning window and some have expired.
Run: .venv/bin/python benchmarks/bench_status.py [COUNT]
"""

from __future__ import annotations

import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.pki import Subject, Workspace
from core.pki.status import expiry_status

PASS = b"bench passphrase"
CLI = Path(sys.executable).with_name("handset-ca")


def make_workspace(root: Path, count: int) -> None:
    ws = Workspace(root)
    ws.create_ca(Subject(cn="Bench CA"), PASS)
    ca_key, ca_cert = ws.load_ca(PASS)
    server_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = server_key.public_key()
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    ws.issued_dir.mkdir(mode=0o700)
    for i in range(count):
        name = f"boot{i:05d}.example.com"
        start = now - dt.timedelta(days=i % 400)  # 365-day certificates, some expired
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
            .issuer_name(ca_cert.subject)
            .public_key(public)
            .serial_number(1000 + i)
            .not_valid_before(start)
            .not_valid_after(start + dt.timedelta(days=365))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(ca_key, hashes.SHA256())
        )
        folder = ws.issued_dir / name
        folder.mkdir()
        (folder / "server.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_status(root: Path) -> tuple[float, float, int, int]:
    """(wall s, CPU s, exit code, certificates listed) of one `handset-ca status --json`."""
    cpu = children_cpu()
    start = time.perf_counter()
    proc = subprocess.run(
        [str(CLI), "status", "--json", "--workspace", str(root)],
        capture_output=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(proc.stderr.decode())
    listed = len(json.loads(proc.stdout)["certificates"])
    return elapsed, children_cpu() - cpu, proc.returncode, listed


def run_status_startup() -> float:
    start = time.perf_counter()
    subprocess.run([str(CLI), "--version"], capture_output=True, check=True)
    return time.perf_counter() - start


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "pki"
        t0 = time.perf_counter()
        make_workspace(root, count)
        print(f"made {count:,} certificates in {time.perf_counter() - t0:.1f} s")
        os.sync()
        runs = [run_status(root) for _ in range(3)]
        rss_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # before openssl runs
        ours = min(r[0] for r in runs)
        ours_cpu = min(r[1] for r in runs)
        assert runs[0][3] == count + 1, runs[0]
        empty = min(run_status_startup() for _ in range(3))

        t0 = time.perf_counter()
        report = expiry_status(Workspace(root))
        in_process = time.perf_counter() - t0
        tracemalloc.start()
        expiry_status(Workspace(root))
        _, py_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()

        loop = (
            'for f in "$1"/issued/*/server.crt; do openssl x509 -enddate -noout -in "$f"; '
            "done > /dev/null"
        )
        cpu = children_cpu()
        t0 = time.perf_counter()
        subprocess.run(["sh", "-c", loop, "sh", str(root)], check=True)
        theirs = time.perf_counter() - t0
        theirs_cpu = children_cpu() - cpu

    print(
        f"handset-ca status --json: {ours:.3f} s wall, {ours_cpu:.3f} s CPU (best of 3, "
        f"whole process), exit {runs[0][2]}"
    )
    print(f"  of which start-up (handset-ca --version): {empty:.3f} s wall")
    print(f"  the scan in process: {in_process:.3f} s, {len(report.attention):,} need care")
    print(f"  peak memory: {rss_kib / 1024:.1f} MiB max RSS; Python heap peak "
          f"{py_peak / 2**20:.1f} MiB (tracemalloc, in process)")  # fmt: skip
    print(
        f"openssl x509 -enddate loop: {theirs:.1f} s wall, {theirs_cpu:.1f} s CPU "
        f"({theirs / count * 1000:.2f} ms a file)"
    )
    print(
        f"ratio: {theirs / ours:.0f}x faster by wall time, {theirs_cpu / ours_cpu:.0f}x by CPU "
        f"(goal >= 50x); under 1 s: {'yes' if ours < 1 else 'NO'}"
    )


if __name__ == "__main__":
    main()
