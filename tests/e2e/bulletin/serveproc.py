"""`handset-ca serve` as a real background process, read line by line."""

from __future__ import annotations

import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

READY = "press Ctrl+C to stop"


def console_script() -> str:
    """The installed `handset-ca` next to this interpreter (the venv's), else on PATH."""
    beside = Path(sys.executable).parent / "handset-ca"
    found = str(beside) if beside.exists() else shutil.which("handset-ca")
    assert found, "the handset-ca console script is not installed (make test installs it)"
    return found


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without any HANDSET_CA_* setting of the developer's shell."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HANDSET_CA_")}
    env.update(extra)
    return env


def run_cli(*args: str, timeout: float = 60, env: dict[str, str] | None = None):
    return subprocess.run(
        [console_script(), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env or clean_env(),
        stdin=subprocess.DEVNULL,
    )


class Serve:
    """A running `handset-ca serve`; stdout lines arrive on a queue."""

    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(
            [console_script(), "serve", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            env=env or clean_env(),
        )
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for(self, text: str, timeout: float = 15) -> str:
        """The first new stdout line containing ``text``; AssertionError on exit or timeout."""
        while True:
            try:
                line = self._queue.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(
                    f"no line with {text!r} in {timeout} s: {self.lines}"
                ) from None
            if line is None:
                self._queue.put(None)
                raise AssertionError(f"serve ended before {text!r}: {self.lines} {self.stderr()}")
            self.lines.append(line)
            if text in line:
                return line

    def ready(self) -> Serve:
        self.wait_for(READY)
        return self

    def connect_to(self) -> list[str]:
        """The --connect-to values from the printed rehearse command."""
        return re.findall(r"--connect-to (\S+)", "\n".join(self.lines))

    def port(self, default_port: int) -> int:
        spec = next(s for s in self.connect_to() if f":{default_port}:" in s)
        return int(spec.rsplit(":", 1)[1])

    def stop(self, sig: int = signal.SIGINT, timeout: float = 10) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        return self.proc.wait(timeout=timeout)

    def stderr(self) -> str:
        if self.proc.poll() is None or self.proc.stderr is None:
            return ""
        return self.proc.stderr.read()

    def rest(self) -> list[str]:
        """Every stdout line after the process ended."""
        self.proc.wait(timeout=10)
        while (line := self._queue.get(timeout=10)) is not None:
            self.lines.append(line)
        self._queue.put(None)
        return self.lines

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
