"""Write SVG screenshots of the app's main states into screenshots/ (`make screenshots`).

Each state is the real app on a throw-away workspace holding the frozen test
certificates (tests/tui/data/frozen), driven by key presses, with a fixed clock,
no animation and no cursor blink, so the pictures only change when the app does.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import shutil
import socket
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FROZEN = ROOT / "tests" / "tui" / "data" / "frozen"
OUT = ROOT / "screenshots"
NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
SERVER = "bootserver1.example.com"
TO_URL_ENTRY = ["tab", "f2", "1", "2", "4", "5", "6", "enter", "1", "2", "1", "1", "1"]
URL_REST = list("bootserver1.example.com/ca.crt")

# (file name, size, frozen workspace?, publish first?, keys)
STATES: Sequence[tuple[str, tuple[int, int], bool, bool, list[str]]] = (
    ("01-start-empty-80x24", (80, 24), False, False, []),
    ("02-create-ca-form-80x24", (80, 24), False, False, ["c"]),
    ("03-workbench-80x24", (80, 24), True, False, []),
    ("04-issue-form-80x24", (80, 24), True, False, ["i", *"10.0.0.5"]),
    ("05-handset-url-entry-80x24", (80, 24), True, True, TO_URL_ENTRY + URL_REST),
    ("06-installed-120x40", (120, 40), True, True, [*TO_URL_ENTRY, *URL_REST, "f2"]),
    ("07-help-80x24", (80, 24), False, False, ["f1"]),
    ("08-inspect-ca-80x24", (80, 24), True, False, ["v", "enter"]),
    # The published URLs (names, not ports) plus one with upper case; Enter runs the check.
    (
        "09-check-80x24",
        (80, 24),
        True,
        True,
        ["k", "end", "space", *f"http://{SERVER}/CA.crt", "enter"],
    ),
)


# Fixed ports when free, so the wide screenshot (which lists the listeners) is the same
# from run to run; any free port otherwise.
PORTS = {"http_port": 18080, "https_port": 18443, "ftp_port": 18021}


def free_ports() -> dict[str, int]:
    chosen = {}
    for option, port in PORTS.items():
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server does
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                port = 0
        chosen[option] = port
    return chosen


async def shoot(name: str, size: tuple[int, int], frozen: bool, publish: bool, keys: list[str]):
    from core.handset import HandsetSettings
    from tui.app import make_app

    folder = Path(tempfile.mkdtemp(prefix="handset-ca-shots-"))
    os.chdir(folder)
    try:
        if frozen:
            shutil.copytree(FROZEN, folder / "pki")
            os.chmod(folder / "pki" / "ca.key", 0o600)
        app = make_app(
            "pki",
            handset_settings=HandsetSettings(now=lambda: NOW),
            clock=lambda: NOW,
            server_options=free_ports(),
        )
        app.animation_level = "none"
        app.blink = False
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            if publish:
                app.start_server(SERVER, None)
                await app.workers.wait_for_complete()
                await pilot.pause()
            for key in keys:  # one at a time: a key may open a screen the next one types in
                await pilot.press(key)
                await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            await pilot.pause()
            app.save_screenshot(f"{name}.svg", str(OUT))
    finally:
        os.chdir(ROOT)
        shutil.rmtree(folder, ignore_errors=True)


# (file name, size, drill id): a drill with its first hint shown (F7), the steps scrolled.
DRILLS: Sequence[tuple[str, tuple[int, int], str]] = (
    ("10-drill-hint-60x20", (60, 20), "fault-der-served"),
    ("11-drill-guided-80x24", (80, 24), "bulletin-guided"),
)


async def shoot_drill(name: str, size: tuple[int, int], drill_id: str) -> None:
    from tui.app import drills_app

    folder = Path(tempfile.mkdtemp(prefix="handset-ca-shots-"))
    try:
        app = drills_app(folder, drill_id, trainee="Alex Smith")
        app.animation_level = "none"
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await app.screen.workers.wait_for_complete()  # the drill's set-up, in a thread
            await pilot.pause()
            await pilot.press("f7")
            await pilot.pause()
            app.save_screenshot(f"{name}.svg", str(OUT))
            await pilot.press("f10", "enter")  # leave: its servers stop
            await pilot.pause()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


async def main() -> None:
    OUT.mkdir(exist_ok=True)
    for state in STATES:
        await shoot(*state)
        print(f"screenshots/{state[0]}.svg")
    for drill in DRILLS:
        await shoot_drill(*drill)
        print(f"screenshots/{drill[0]}.svg")


if __name__ == "__main__":
    asyncio.run(main())
