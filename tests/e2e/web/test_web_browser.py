"""`handset-ca web` in a real browser: headless Chromium (Debian's) driven by Playwright.

The server is the real command on 127.0.0.1 and a free port, opened at the URL it
prints (its token included, as a trainer opens it); the page is textual-serve's
xterm.js client, which draws the terminal on a canvas (WebGL or 2D), so there is no text
in the DOM to read. An init script keeps the page's xterm.js `Terminal` when
textual-serve's client assigns it, and the test reads the rows from its buffer, the
text the browser shows.

Chromium comes from the distribution (`.ci/run` installs the `chromium` package), never
from `playwright install`, which needs a download this network refuses. The test
skips when no Chromium is found, unless HANDSET_CA_REQUIRE_BROWSER=1 (CI sets it),
where it fails instead. HANDSET_CA_SCREENSHOTS=1 (`make screenshots`) writes the page
to screenshots/web.png.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.web.webproc import running_web

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[3]
SCREENSHOT = ROOT / "screenshots" / "web.png"
# What this closed network needs (see the machine notes): no sandbox as root, no GPU, and
# none of Chromium's own connections to Google, which are refused and slow it down.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WAIT = 20.0  # seconds for any one thing to appear

# textual-serve's client does `this.terminal = new Terminal(...)` in its constructor;
# a setter on Object.prototype sees that assignment, keeps the Terminal for the test
# and stores the value as an ordinary property, so the page behaves as before.
KEEP_TERMINAL = """
Object.defineProperty(Object.prototype, "terminal", {
  configurable: true,
  get() { return undefined; },
  set(value) {
    Object.defineProperty(this, "terminal", {
      value, writable: true, configurable: true, enumerable: true,
    });
    if (value && value.buffer && value.buffer.active && !window.__handsetCaTerminal) {
      window.__handsetCaTerminal = value;
    }
  },
});
"""
# The rows on screen, as text (null until the client has made its Terminal).
READ_SCREEN = """
() => {
  const t = window.__handsetCaTerminal;
  if (!t) return null;
  const b = t.buffer.active, rows = [];
  for (let i = 0; i < t.rows; i++) {
    const line = b.getLine(b.viewportY + i);
    rows.push(line ? line.translateToString(true) : "");
  }
  return rows.join("\\n");
}
"""


def chromium() -> str:
    """The system Chromium; skip (or fail where a browser is required) without one."""
    for candidate in (os.environ.get("HANDSET_CA_CHROMIUM"), "/usr/bin/chromium"):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    message = "Chromium is not installed (.ci/run installs Debian's chromium package)"
    if os.environ.get("HANDSET_CA_REQUIRE_BROWSER") == "1":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def web_url(tmp_path: Path) -> Iterator[str]:
    """The URL `handset-ca web` printed (its token included); the server ends after."""
    with running_web(tmp_path) as web:
        yield web.url


@pytest.fixture
def page():
    """A page in headless Chromium (a fresh profile); the browser closes even on failure."""
    executable = chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p, tempfile.TemporaryDirectory(prefix="handset-ca-chromium-") as d:
        # launch_persistent_context: our own fresh --user-data-dir, as the network needs.
        context = p.chromium.launch_persistent_context(
            d,
            executable_path=executable,
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": 1280, "height": 720},
        )
        try:
            context.set_default_timeout(WAIT * 1000)
            context.add_init_script(KEEP_TERMINAL)
            yield context.pages[0] if context.pages else context.new_page()
        finally:
            context.close()


def screen(page) -> str | None:
    """The terminal's rows as text; None while the page has no xterm.js Terminal."""
    return page.evaluate(READ_SCREEN)


def wait_for(page, text: str, timeout: float = WAIT) -> str:
    deadline = time.monotonic() + timeout
    while True:
        shown = screen(page)
        if shown is not None and text in shown:
            return shown
        if time.monotonic() > deadline:
            if shown is None:
                raise AssertionError(
                    "the page never made an xterm.js Terminal that KEEP_TERMINAL could keep "
                    "(has textual-serve's client changed?)"
                )
            raise AssertionError(f"{text!r} never appeared in the browser; the screen:\n{shown}")
        time.sleep(0.1)


def test_the_handset_answers_keys_typed_in_a_browser(web_url: str, page) -> None:
    page.goto(web_url, wait_until="domcontentloaded")
    first = wait_for(page, "CA workbench")
    assert "Main Menu" not in first
    # The keys go where a user's would: xterm.js's own input element, which has the
    # focus once the page is clicked.
    page.focus(".xterm-helper-textarea")
    page.keyboard.press("Tab")  # the handset pane takes the focus
    wait_for(page, "Screen source: rehearsal choice")
    page.keyboard.press("F2")  # soft key 1: Menu
    wait_for(page, "Main Menu")
    page.keyboard.press("1")
    wait_for(page, "Settings")
    page.keyboard.press("2")
    wait_for(page, "Administrator's password")
    for key in ("4", "5", "6", "Enter"):
        page.keyboard.press(key)
    wait_for(page, "1 Administration Settings")
    # Each key opens an item; wait for what only the next screen shows.
    for key, shown_next in (
        ("1", "2 TLS Security"),
        ("2", "Custom CA Certificates"),
        ("1", "Install Custom CA Certs"),
        ("1", "1 Configure CA Cert..."),
    ):
        page.keyboard.press(key)
        wait_for(page, shown_next)
    page.keyboard.press("Enter")
    shown = wait_for(page, "http://")
    assert "Enter" in shown and "Cancel" in shown  # the URL entry's soft keys
    page.keyboard.type("bootserver1")
    shown = wait_for(page, "http://bootserver1")
    assert "CA workbench" in shown  # both panes, side by side
    if os.environ.get("HANDSET_CA_SCREENSHOTS") == "1":
        SCREENSHOT.parent.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOT))
