"""Benchmark `fleet build` (10,000 handsets) and `check --boot` (1,000 handsets).

Run: .venv/bin/python benchmarks/bench_fleet.py [--build 10000] [--handsets 1000] [--sample 100]

- fleet build: the real console script in a subprocess (start-up counted), a
  10,000-row inventory, wall time and the child's peak RSS (wait4's rusage).
- check --boot: `handset-ca serve --dir` (a real subprocess) publishes a
  1,000-handset fleet folder on 127.0.0.1; `handset-ca check --boot --json
  --from-inventory` fetches, per handset, its master file, its -ext.cfg and
  site.cfg and judges the CA in them (plus one HTTPS provisioning check).
- The anchor, in the same run: a sequential shell loop doing the same fetches
  per handset with curl (master, -ext.cfg, site.cfg) and `openssl x509` on the
  CA PEM taken out of site.cfg; run on --sample handsets and scaled to
  --handsets (said so in the output).

Goals (issue 14): build < 2 s and < 100 MiB; check --boot >= 20x the loop.
Not a CI test: prints figures and ratios, exit status 0 even when a goal is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SCRIPT = Path(sys.executable).parent / "handset-ca"
NAME = "boot.example.com"
CA_PASS = "bench-passphrase"


def write_inventory(path: Path, rows: int) -> None:
    lines = ["mac,extension,label"]
    lines += [f"0004f2{i:06x},{1000 + i},Handset {i}" for i in range(1, rows + 1)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def run_with_rss(args: list[str], env: dict[str, str]) -> tuple[float, float, int, str]:
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(args, stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        return wall, usage.ru_maxrss / 1024, proc.returncode, err.read().decode()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", type=int, default=10_000, help="inventory rows for the build")
    parser.add_argument("--handsets", type=int, default=1000, help="handsets for check --boot")
    parser.add_argument("--sample", type=int, default=100, help="handsets for the curl loop")
    parser.add_argument("--concurrency", type=int, default=100)
    args = parser.parse_args()
    for tool in ("curl", "openssl"):
        if shutil.which(tool) is None:
            print(f"{tool} is not installed; the anchor loop needs it.")
            return 0

    from core.pki import Subject, Workspace

    tmp = Path(tempfile.mkdtemp(prefix="bench-fleet-"))
    try:
        ws = Workspace(tmp / "pki")
        ws.create_ca(Subject(cn="Bench Root CA"), CA_PASS.encode())
        ws.issue(NAME, CA_PASS.encode())
        env = {k: v for k, v in os.environ.items() if not k.startswith("HANDSET_CA_")}
        env["HANDSET_CA_WORKSPACE"] = str(ws.root)

        # --- fleet build, 10,000 rows --------------------------------------------
        big = tmp / "big.csv"
        write_inventory(big, args.build)
        out = tmp / "boot-big"
        build_cmd = [str(SCRIPT), "fleet", "build", "--inventory", str(big), "--out", str(out)]
        build_cmd += ["--boot-server", f"https://{NAME}/"]
        wall, rss, code, err = run_with_rss(build_cmd, env)
        files = len(os.listdir(out)) if out.is_dir() else 0
        size = sum(p.stat().st_size for p in out.iterdir()) if out.is_dir() else 0
        print(
            f"fleet build: {args.build:,} handsets, {files:,} files ({size / 2**20:.1f} MiB) "
            f"in {wall:.2f} s wall, peak RSS {rss:.0f} MiB, exit {code} "
            f"(goal < 2 s, < 100 MiB: {'met' if wall < 2 and rss < 100 else 'MISSED'})"
        )
        if code:
            print(err)
        wall2, rss2, _code, _ = run_with_rss([*build_cmd, "--replace"], env)
        print(f"fleet build --replace of the same folder: {wall2:.2f} s, {rss2:.0f} MiB")

        # --- check --boot, 1,000 handsets ---------------------------------------
        inv = tmp / "handsets.csv"
        write_inventory(inv, args.handsets)
        folder = tmp / "boot"
        subprocess.run(
            [*build_cmd[:3], "--inventory", str(inv), "--out", str(folder), *build_cmd[-2:]],
            env=env,
            check=True,
            capture_output=True,
        )
        # The server logs every request: its output goes to a file, never a pipe nobody
        # drains (a full pipe would block the server's event loop mid-benchmark).
        log = tmp / "serve.log"
        with log.open("w") as sink:
            serve = subprocess.Popen(
                [str(SCRIPT), "serve", "--dir", str(folder), "--name", NAME],
                stdout=sink,
                stderr=subprocess.STDOUT,
                env=env,
            )
        try:
            deadline = time.monotonic() + 30
            text = ""
            while "Ctrl+C" not in text and time.monotonic() < deadline:
                time.sleep(0.05)
                text = log.read_text()
            connect = re.findall(r"--connect-to (\S+)", text)
            http_port = re.search(rf"{NAME}:80:127\.0\.0\.1:(\d+)", text).group(1)  # type: ignore[union-attr]
            check_cmd = [str(SCRIPT), "check", "--boot", f"http://{NAME}/", "--json"]
            check_cmd += ["--from-inventory", str(inv), "--ca", str(ws.ca_crt_path)]
            check_cmd += ["--concurrency", str(args.concurrency)]
            for spec in connect:
                check_cmd += ["--connect-to", spec]
            started = time.perf_counter()
            done = subprocess.run(check_cmd, env=env, capture_output=True, text=True)
            check_wall = time.perf_counter() - started
            verdicts = [json.loads(line) for line in done.stdout.splitlines()]
            levels: dict[str, int] = {}
            for v in verdicts:
                levels[v["verdict"]] = levels.get(v["verdict"], 0) + 1
            fetched = sum(len(v["files"]) for v in verdicts)
            print(
                f"check --boot: {len(verdicts):,} handsets ({fetched:,} files fetched) in "
                f"{check_wall:.2f} s including start-up, {len(verdicts) / check_wall:,.0f} "
                f"handsets/s, exit {done.returncode}, verdicts {levels}"
            )
            if done.returncode not in (0, 1):
                print(done.stderr)

            # --- the anchor: curl + openssl, the same fetches ---------------------
            macs = [f"0004f2{i:06x}" for i in range(1, args.sample + 1)]
            base = f"http://127.0.0.1:{http_port}"
            loop = (
                'for m in "$@"; do '
                f'curl -s -f -o /dev/null "{base}/$m.cfg" && '
                f'curl -s -f -o /dev/null "{base}/$m-ext.cfg" && '
                f'curl -s -f "{base}/site.cfg" '
                '| grep -o \'customCaCert1="[^"]*"\' | sed \'s/&#10;/\\n/g; s/^[^"]*"//; s/"$//\' '
                "| openssl x509 -noout -fingerprint -sha256; done"
            )
            started = time.perf_counter()
            anchor = subprocess.run(
                ["bash", "-c", loop, "loop", *macs], capture_output=True, text=True
            )
            loop_wall = time.perf_counter() - started
            printed = anchor.stdout.count("Fingerprint")
            scaled = loop_wall * args.handsets / args.sample
            print(
                f"curl + openssl loop: {args.sample} handsets in {loop_wall:.2f} s "
                f"({printed} fingerprints printed), scaled to {args.handsets:,}: {scaled:.1f} s"
            )
            ratio = scaled / check_wall
            print(
                f"check --boot is {ratio:.1f}x the loop "
                f"(goal >= 20x: {'met' if ratio >= 20 else 'MISSED'})"
            )
        finally:
            serve.terminate()
            serve.wait(timeout=10)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
