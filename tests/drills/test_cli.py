"""`handset-ca drills list|report` and `handset-ca web`, as a user runs them."""

from __future__ import annotations

import os
import shlex
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from core.drills.loader import find_drill
from core.drills.session import DrillSession
from core.locations import DRILLS_ENV
from handset_ca.cli import main
from tests.drills.keys import Trainee

ROOT = Path(__file__).resolve().parents[2]


def test_drills_list_shows_shipped_and_trainer_drills(tmp_path, capsys):
    folder = tmp_path / "drills.d"
    folder.mkdir()
    (folder / "my-own.toml").write_text(
        'title = "Open Settings"\ngoal = "Go."\nkind = "guided"\n\n'
        '[[steps]]\nnode = "settings"\nlabel = "Settings"\nhint = "Bulletin: Settings."\n'
    )
    assert main(["drills", "list", "--workspace", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "bulletin-guided" in out and "fault-der-served" in out
    assert "my-own" in out and "trainer" in out
    assert "5:00 limit" in out  # the timed drill
    assert str(folder) in out


def test_drills_show_prints_a_handout(capsys):
    assert main(["drills", "show", "bulletin-guided"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Install the CA certificate: the bulletin, step by step\n")
    assert " 5. Select Administration Settings  [bulletin]" in out
    assert "hint: Bulletin, step 2: \"Enter the Administrator's password." in out
    assert main(["drills", "show", "nope"]) == 1
    assert "There is no drill 'nope'" in capsys.readouterr().err


def test_drills_list_names_a_broken_file_and_field(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv(DRILLS_ENV, str(tmp_path))
    (tmp_path / "broken.toml").write_text('title = "x"\ngoal = "y"\nkind = "guided"\n')
    assert main(["drills", "list"]) == 1
    err = capsys.readouterr().err
    assert "broken.toml" in err and "'steps'" in err
    assert "Traceback" not in err and err.count("\n") == 1


async def test_drills_report_lists_finished_drills(tmp_path, capsys, clock):
    assert main(["drills", "report", "--workspace", str(tmp_path)]) == 0
    assert "No finished drills yet" in capsys.readouterr().out
    for diagnosis in ("der-served", "url-typo"):
        with DrillSession(find_drill("fault-der-served"), tmp_path, clock=clock) as session:
            await Trainee(session).follow(session.environment.job_sheet)
            clock.advance(75)
            session.finish(diagnosis)
            session.save()
    names = sorted(p.name for p in (tmp_path / "drills").iterdir())
    day = names[0][:10]
    assert names == [
        f"{day}-fault-der-served-2.json",
        f"{day}-fault-der-served-2.md",
        f"{day}-fault-der-served.json",
        f"{day}-fault-der-served.md",
    ]
    assert main(["--workspace", str(tmp_path), "drills", "report"]) == 0
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if "fault-der-served" in line]
    assert len(lines) == 2
    assert "pass" in lines[0] and "right" in lines[0] and "1:15" in lines[0]
    assert "FAIL" in lines[1] and "wrong" in lines[1]
    assert "2 result(s), 1 passed" in out


def test_report_skips_a_damaged_result(tmp_path, capsys):
    (tmp_path / "drills").mkdir()
    (tmp_path / "drills" / "2026-01-01-x.json").write_text("{not json")
    assert main(["drills", "report", "--workspace", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    assert "No finished drills yet" in captured.out
    assert captured.err.strip().endswith(
        "damaged result file(s) in " + str(tmp_path / "drills") + ": 2026-01-01-x.json"
    )
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err


def test_web_without_textual_serve_says_how_to_install(tmp_path):
    code = (
        "import sys; sys.modules['textual_serve'] = None\n"
        "from handset_ca.cli import main\n"
        f"sys.exit(main(['web', '--workspace', {str(tmp_path)!r}]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "handset-ca: textual-serve is not installed; install it with "
        "`pip install 'handset-ca[web]'`."
    )


def test_web_command_runs_this_python_on_the_workspace(tmp_path):
    from handset_ca.commands.web import app_command

    command = shlex.split(app_command(tmp_path / "my ws", drills=True))
    assert command == [
        sys.executable,
        "-m",
        "handset_ca.cli",
        "--workspace",
        str(tmp_path / "my ws"),
        "drills",
        "run",
    ]


def test_web_refuses_a_bad_port(capsys):
    assert main(["web", "--port", "70000"]) == 1
    assert "give a number from 1 to 65535" in capsys.readouterr().err


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_web_serves_the_app_on_localhost_only(tmp_path):
    pytest.importorskip("textual_serve")
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "handset_ca.cli",
            "web",
            "--port",
            str(port),
            "--workspace",
            str(tmp_path),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "NO_COLOR": "1"},
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                page = httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.2)
        # Without the token it printed, the page is refused (tests/e2e/web: with it).
        assert page.status_code == 403
        assert "?token=" in page.text and "handset-ca web" in page.text
        assert _listening(port) == f"127.0.0.1:{port}"  # not 0.0.0.0: loopback by default
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _listening(port: int) -> str:
    """The local addresses with ``port`` open for listening, from /proc/net/tcp."""
    found = []
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        host_hex, port_hex = local.split(":")
        if state == "0A" and int(port_hex, 16) == port:
            octets = [str(int(host_hex[i : i + 2], 16)) for i in (6, 4, 2, 0)]
            found.append(f"{'.'.join(octets)}:{port}")
    return " ".join(found)


def test_drills_run_with_a_wrong_id_says_so_before_opening_the_app(capsys):
    assert main(["drills", "run", "nope"]) == 1
    assert "There is no drill 'nope'" in capsys.readouterr().err
