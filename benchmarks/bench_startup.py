"""Startup: time to the first usable frame of handset-ca vs a bare Textual app (Header+Footer).

Each run is a fresh Python process (imports count: that is what a user waits
for), with compiled bytecode as an installed package has it (written to a temp
folder, not the tree), headless at 80x24. The clock stops when the first frame
has been laid out and painted (Pilot's first pause). Runs alternate between the
two apps in the same session; medians are compared, best and CPU time shown
because other work on the machine adds noise. Goal: within 1.5x of the bare
app. handset-ca opens a workspace holding a CA and an issued certificate.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FROZEN = ROOT / "tests" / "tui" / "data" / "frozen"
RUNS = 9
GOAL = 1.5

DRIVER = r"""
import time
t0 = time.perf_counter()
import sys
kind, workspace = sys.argv[1], sys.argv[2]
if kind == "bare":
    from textual.app import App
    from textual.widgets import Footer, Header

    class Bare(App):
        def compose(self):
            yield Header()
            yield Footer()

    app = Bare()
else:
    from tui.app import make_app

    app = make_app(workspace)


async def first_frame(pilot):
    await pilot.pause()
    print(time.perf_counter() - t0, time.process_time())
    pilot.app.exit()


app.run(headless=True, size=(80, 24), auto_pilot=first_frame)
"""


def one(kind: str, workspace: Path, pycache: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds) from process start to the first frame."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HANDSET_CA")}
    # Bytecode as an installed package has it, kept out of the source tree.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    out = subprocess.run(
        [sys.executable, "-c", DRIVER, kind, str(workspace)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env=env,
    ).stdout
    wall, cpu = out.strip().splitlines()[-1].split()
    return float(wall), float(cpu)


def main() -> int:
    folder = Path(tempfile.mkdtemp(prefix="handset-ca-bench-"))
    try:
        workspace = folder / "pki"
        shutil.copytree(FROZEN, workspace)
        os.chmod(workspace / "ca.key", 0o600)
        pycache = folder / "pycache"
        one("bare", workspace, pycache)  # warm the file cache and write .pyc files for both
        one("app", workspace, pycache)
        times: dict[str, list[float]] = {"bare": [], "app": []}
        cpu: dict[str, list[float]] = {"bare": [], "app": []}
        for _ in range(RUNS):
            for kind in times:
                wall, used = one(kind, workspace, pycache)
                times[kind].append(wall)
                cpu[kind].append(used)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"first usable frame, {RUNS} fresh processes each, 80x24 headless")
    print(f"  {'':34} {'wall median':>12} {'wall best':>10} {'CPU median':>11}")
    for kind, label in (("bare", "bare Textual app (Header+Footer)"), ("app", "handset-ca")):
        median, best = statistics.median(times[kind]), min(times[kind])
        used = statistics.median(cpu[kind])
        print(f"  {label:34} {median * 1000:9.1f} ms {best * 1000:7.1f} ms {used * 1000:8.1f} ms")
    ratio = statistics.median(times["app"]) / statistics.median(times["bare"])
    best_ratio = min(times["app"]) / min(times["bare"])
    cpu_ratio = statistics.median(cpu["app"]) / statistics.median(cpu["bare"])
    verdict = "ok" if ratio <= GOAL else "TOO SLOW"
    print(
        f"  ratio {ratio:.2f}x wall median, {best_ratio:.2f}x wall best, "
        f"{cpu_ratio:.2f}x CPU (goal <= {GOAL}x): {verdict}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
