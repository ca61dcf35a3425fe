"""Issue 200 server certificates: handset-ca in-process vs the bulletin's openssl loop.

Prints figures and ratios (not a CI test):
  1. 200 certificates from prepared CSRs, in-process (CA key loaded once), against
     `openssl x509 -req -CA ca.crt -CAkey ca.key -CAserial ca.srl` once per certificate,
     in the same run on the same CA. Goal: at least 50x faster.
  2. Our cost per certificate against the raw RSA-2048 sign time of
     `openssl speed -seconds 1 rsa2048`. Goal: within 1.5x.
Run: .venv/bin/python benchmarks/bench_issue.py [COUNT]
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.pki import Subject, Workspace

PASS = "bench passphrase"


class Clock:
    """Wall time and CPU time (ours plus finished children's): the machine may be busy,
    and `openssl speed` reports CPU time, so both are printed."""

    def __init__(self) -> None:
        self.wall = time.perf_counter()
        self.cpu = self._cpu()

    @staticmethod
    def _cpu() -> float:
        t = os.times()
        return t.user + t.system + t.children_user + t.children_system

    def stop(self) -> tuple[float, float]:
        return time.perf_counter() - self.wall, self._cpu() - self.cpu


def prepare_csrs(folder: Path, count: int) -> list[Path]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    paths = []
    for i in range(count):
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"boot{i}.example.com")])
        csr = x509.CertificateSigningRequestBuilder().subject_name(name).sign(key, hashes.SHA256())
        path = folder / f"boot{i}.csr"
        path.write_bytes(csr.public_bytes(serialization.Encoding.PEM))
        paths.append(path)
    return paths


def ours(root: Path, csrs: list[Path], *, to_issued: bool) -> tuple[float, float]:
    ws = Workspace(root)
    out_dir = root / "out"
    out_dir.mkdir(exist_ok=True)
    data = [p.read_bytes() for p in csrs]
    clock = Clock()
    with ws.signer(PASS.encode()) as signer:
        for i, csr in enumerate(data):
            signer.sign(csr, out=None if to_issued else out_dir / f"{i}.crt")
    return clock.stop()


def openssl_loop(root: Path, csrs: list[Path]) -> tuple[float, float]:
    clock = Clock()
    for i, csr in enumerate(csrs):
        subprocess.run(
            ["openssl", "x509", "-days", "365", "-CA", "ca.crt", "-CAkey", "ca.key", "-req",
             *(["-CAcreateserial"] if i == 0 else []), "-CAserial", "ca.srl",
             "-in", str(csr), "-out", f"openssl{i}.crt", "-passin", f"pass:{PASS}"],
            cwd=root, check=True, capture_output=True,
        )  # fmt: skip
    return clock.stop()


def openssl_sign_time() -> float:
    out = subprocess.run(
        ["openssl", "speed", "-seconds", "1", "rsa2048"], capture_output=True, text=True, check=True
    ).stdout
    for line in out.splitlines():
        if line.startswith("rsa 2048 bits") or line.startswith("rsa  2048 bits"):
            return float(line.split()[3].rstrip("s"))
    raise SystemExit(f"cannot read openssl speed output:\n{out}")


def raw_sign_time(n: int = 400) -> float:
    """CPU time of one RSA-2048 signature through cryptography (its bundled OpenSSL)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    clock = Clock()
    for i in range(n):
        key.sign(i.to_bytes(8, "big"), padding.PKCS1v15(), hashes.SHA256())
    return clock.stop()[1] / n


def line(label: str, times: tuple[float, float], count: int) -> None:
    wall, cpu = times
    print(f"  {label:<40}{wall:7.3f} s {wall / count * 1e3:7.3f} ms {cpu / count * 1e3:7.3f} ms")


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        template = base / "template"
        Workspace(template).create_ca(Subject(cn="Bench Root CA", country="US"), PASS.encode())
        csrs = prepare_csrs(base, count)
        for name in ("ours", "issued", "openssl"):
            shutil.copytree(template, base / name)

        runs = {
            "sign --out": ours(base / "ours", csrs, to_issued=False),
            "issued/": ours(base / "issued", csrs, to_issued=True),
        }
        t_openssl = openssl_loop(base / "openssl", csrs)
        sign = openssl_sign_time()
        raw = raw_sign_time()

    print(
        f"{count} certificates from prepared CSRs, same CA and run (load {os.getloadavg()[0]:.1f})"
    )
    print(f"  {'':<40}{'wall':>7}   {'wall/cert':>10} {'cpu/cert':>10}")
    line("handset-ca sign, one --out file each", runs["sign --out"], count)
    line("handset-ca sign into issued/<CN>/", runs["issued/"], count)
    line("openssl x509 -req once per certificate", t_openssl, count)
    print("Speed-up against the openssl loop (goal >= 50x)        wall     cpu")
    for label, (wall, cpu) in runs.items():
        print(f"  {label:<50}{t_openssl[0] / wall:7.1f}x {t_openssl[1] / cpu:7.1f}x")
    print("Per-signature cost (CPU time)")
    print(f"  openssl speed -seconds 1 rsa2048, one sign        {sign * 1e3:7.3f} ms")
    print(f"  cryptography RSA-2048 sign in-process            {raw * 1e3:7.3f} ms")
    print("CPU per certificate against one signature (goal <= 1.5x)   openssl speed  in-process")
    for label, (_, cpu) in runs.items():
        per = cpu / count
        print(f"  {label:<50}{per / sign:9.2f}x {per / raw:9.2f}x")


if __name__ == "__main__":
    main()
