"""The app around the panes: errors, help, palette, layout, workers and busy states."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import pytest
from textual.widgets import ProgressBar

from core.handset import NODES
from tests.tui.conftest import FROZEN, SERVER, fill, finish_jobs, screen_text
from tui.app import HandsetCAApp
from tui.forms import CreateCAScreen, IssueScreen
from tui.handset_pane import HandsetPane
from tui.help import HelpScreen
from tui.workbench import ACTIONS, WorkbenchPane


async def test_wrong_ca_passphrase_is_one_sentence_and_writes_nothing(
    frozen_app: HandsetCAApp,
) -> None:
    app = frozen_app
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("i")
        await pilot.pause()
        await fill(pilot, app, name="bootserver2.example.com", ca_pass="not the passphrase")
        await pilot.press("enter")
        await finish_jobs(pilot, app)
        assert isinstance(app.screen, IssueScreen)  # stays open: tests/tui/test_forms.py
        error = str(app.screen.query_one("#error").render())
        assert "passphrase" in error.lower()
        assert "Traceback" not in screen_text(app) and error.count("\n") == 0
        assert app.workspace.issued_names() == [SERVER]


async def test_form_checks_the_passphrase_twice_and_stays_open(empty_app: HandsetCAApp) -> None:
    app = empty_app
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("c")
        await pilot.pause()
        await fill(pilot, app, cn="Root CA", passphrase="one", passphrase2="two")
        await pilot.press("enter")
        assert isinstance(app.screen, CreateCAScreen)
        assert "differ" in screen_text(app)
        await pilot.press("escape")
        assert not isinstance(app.screen, CreateCAScreen)
        assert not app.workspace.has_ca()


async def test_issue_form_shows_core_name_check_live(frozen_app: HandsetCAApp) -> None:
    app = frozen_app
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("i")
        await pilot.pause()
        await fill(pilot, app, name="not a name!")
        assert isinstance(app.screen, IssueScreen)
        live = str(app.screen.query_one("#live").render())
        assert "blank" in live and "exactly this name" not in live  # core's sentence
        await fill(pilot, app, name=SERVER)
        live = str(app.screen.query_one("#live").render())
        assert "exactly this name" in live


async def test_help_lists_keys_and_every_handset_fact_with_its_source(
    empty_app: HandsetCAApp,
) -> None:
    app = empty_app
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        facts = dict(app.handset_facts())
        for node in NODES.values():
            assert any(fact.startswith(node.label) for fact in facts)
        assert set(facts.values()) <= {"bulletin", "vendor doc", "rehearsal choice"}
        await pilot.press("f1")
        assert not isinstance(app.screen, HelpScreen)


async def test_command_palette_lists_the_main_actions(empty_app: HandsetCAApp) -> None:
    app = empty_app
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for _, key, label, _ in ACTIONS:
            assert f"{label} ({key})" in titles
        assert "Keys (F1)" in titles


async def test_narrow_terminal_shows_one_pane_and_tab_switches(empty_app: HandsetCAApp) -> None:
    app = empty_app
    async with app.run_test(size=(60, 24)) as pilot:
        await pilot.pause()
        workbench, handset = app.workbench, app.handset_pane
        assert workbench.display and not handset.display
        await pilot.press("tab")
        await pilot.pause()
        assert handset.display and not workbench.display
        assert handset.region.width >= 40


async def test_thread_job_shows_progress_and_the_app_stays_responsive(
    empty_app: HandsetCAApp,
) -> None:
    app = empty_app
    release = threading.Event()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.run_job("Generating a key…", lambda: release.wait(10), lambda _: app.say("done"))
        await pilot.pause()
        assert app.workbench.query(ProgressBar)
        await pilot.press("tab", "f2")  # the handset answers while the thread works
        assert app.handset.screen.title == "Main Menu"
        release.set()
        await finish_jobs(pilot, app)
        assert not app.workbench.query(ProgressBar)
        assert "done" in screen_text(app)


@pytest.fixture
def slow_server() -> Iterator[tuple[str, threading.Event]]:
    """A real HTTP server on 127.0.0.1 that answers /ca.crt once released."""
    release = threading.Event()
    body = (FROZEN / "ca.crt").read_bytes()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            release.wait(10)
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/ca.crt", release
    finally:
        release.set()
        server.shutdown()
        server.server_close()


async def test_handset_shows_busy_while_downloading(
    frozen_app: HandsetCAApp, slow_server: tuple[str, threading.Event]
) -> None:
    app = frozen_app
    url, release = slow_server
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("tab", "f2", "1", "2", "4", "5", "6", "enter", "1", "2", "1", "1", "1")
        await pilot.press(*url.removeprefix("http://"), "f2")
        await pilot.pause(0.1)
        assert app.handset.busy
        pane = app.handset_pane
        assert isinstance(pane, HandsetPane)
        assert pane.border_subtitle in ("downloading… 0 s", "downloading… 1 s")  # issue 12
        await pilot.press("f1")  # the app still answers
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        release.set()
        await finish_jobs(pilot, app)
        assert not app.handset.busy and pane.border_subtitle == ""
        assert len(app.handset.custom_cas) == 1


async def test_publish_twice_stops_the_server(frozen_app: HandsetCAApp) -> None:
    app = frozen_app
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("p")
        await pilot.pause()
        await pilot.press("enter")  # Enter on the certificate starts the server
        await finish_jobs(pilot, app)
        server = app.server
        assert server is not None and server.running
        assert app.handset.settings.boot_server  # as DHCP would give it
        await pilot.press("p")
        await finish_jobs(pilot, app)
        assert app.server is None and not server.running
        assert app.handset.settings.boot_server == ""
        assert isinstance(app.workbench, WorkbenchPane)
        assert "stopped" in screen_text(app)


async def test_sign_an_imported_csr(frozen_app: HandsetCAApp, in_tmp) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    from tests.tui.conftest import FROZEN_PASSPHRASE
    from tui.forms import SignCSRScreen

    key = rsa.generate_private_key(65537, 2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bootserver2.example.com")])
    csr = x509.CertificateSigningRequestBuilder().subject_name(name).sign(key, hashes.SHA256())
    path = in_tmp / "made-on-the-boot-server.csr"
    path.write_bytes(csr.public_bytes(serialization.Encoding.PEM))
    app = frozen_app
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, SignCSRScreen)
        assert "Do not transmit the server key" in screen_text(app)
        await fill(pilot, app, path=str(path), ca_pass=FROZEN_PASSPHRASE)
        # The names the certificate will carry, before it signs (issue 11, case 1).
        live = str(app.screen.query_one("#live").render())
        assert "The certificate will carry: DNS:bootserver2.example.com." in live
        await pilot.press("enter")
        await finish_jobs(pilot, app)
        assert "bootserver2.example.com" in app.workspace.issued_names()
        assert "Signed" in screen_text(app)


async def test_inspect_shows_core_output_and_closes(frozen_app: HandsetCAApp) -> None:
    from tui.forms import InspectScreen

    app = frozen_app
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("v")
        await pilot.pause()
        await pilot.press("enter")  # the first file: ca.crt
        await pilot.pause()
        assert isinstance(app.screen, InspectScreen)
        assert "SHA-256 fingerprint" in app.screen.text
        await pilot.press("q")
        assert not isinstance(app.screen, InspectScreen)


async def test_inspecting_a_missing_file_is_one_sentence(frozen_app: HandsetCAApp) -> None:
    app = frozen_app
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("v")
        await pilot.pause()
        await fill(pilot, app, path="/nonexistent/server.crt")
        await pilot.press("enter", "enter")  # past the (empty) key passphrase
        await pilot.pause()
        error = str(app.screen.query_one("#error").render())  # in the form, still open
        assert "/nonexistent/server.crt" in error and "\n" not in error


async def test_nothing_cut_off_at_80x24_when_publishing(frozen_app: HandsetCAApp) -> None:
    from textual.widgets import OptionList

    app = frozen_app
    async with app.run_test(size=(80, 24)) as pilot:
        app.start_server(SERVER, None)
        await finish_jobs(pilot, app)
        pane = app.workbench
        inside = pane.content_region
        for widget in (pane.query_one("#status"), pane.query_one("#actions", OptionList)):
            assert widget.region.height >= 1
            assert inside.contains_region(widget.region), widget
        assert pane.query_one("#actions", OptionList).region.height == len(
            pane.query_one("#actions", OptionList).options
        )
        shown = screen_text(app)
        for must in ("Boot server started", "F6 End", "Screen source:", "F2", "F5", "Help"):
            assert must in shown


def test_startup_stays_lean(tmp_path) -> None:
    """The first frame needs no network stack, forms, help or boot server code."""
    import subprocess
    import sys

    code = (
        "import asyncio, sys\n"
        "from tui.app import make_app\n"
        f"app = make_app({str(tmp_path / 'pki')!r})\n"
        "async def main():\n"
        "    async with app.run_test(size=(80, 24)) as pilot:\n"
        "        await pilot.pause()\n"
        "asyncio.run(main())\n"
        "heavy = ['httpx', 'tui.forms', 'tui.help', 'core.bootserver', 'core.fetch']\n"
        "print([m for m in heavy if m in sys.modules])\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


async def test_inspect_an_encrypted_key_with_its_passphrase(frozen_app: HandsetCAApp) -> None:
    from tests.tui.conftest import FROZEN_PASSPHRASE
    from tui.forms import InspectPickScreen, InspectScreen

    app = frozen_app
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("v")
        await pilot.pause()
        await pilot.press("down", "enter")  # ca.key: the passphrase field takes the focus
        assert isinstance(app.screen, InspectPickScreen)
        await fill(pilot, app, key_pass=FROZEN_PASSPHRASE)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, InspectScreen)
        assert "RSA 2048 bit" in app.screen.text
        assert FROZEN_PASSPHRASE not in screen_text(app)


async def test_an_unexpected_error_in_a_download_leaves_busy_with_one_sentence(
    frozen_app: HandsetCAApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    import core.handset.runner

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(core.handset.runner, "perform", broken)
    app = frozen_app
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("tab", "f2", "1", "2", "4", "5", "6", "enter", "1", "2", "1", "1", "1")
        await pilot.press(*"ca.example.com/ca.crt", "f2")
        await finish_jobs(pilot, app)
        assert not app.handset.busy
        assert app.handset.screen.kind != "busy"
        assert "RuntimeError: boom" in app.handset.last_message
        assert "Unexpected error (RuntimeError: boom)" in screen_text(app)


async def wait_until(pilot, condition, timeout: float = 20.0) -> None:
    """Let the app run until ``condition()`` holds (a generous limit, no fixed sleep)."""
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        await pilot.pause(0.02)


async def test_publish_while_a_job_runs_keeps_the_server_it_can_stop(
    frozen_app: HandsetCAApp,
) -> None:
    app = frozen_app
    release = threading.Event()
    async with app.run_test(size=(80, 24)) as pilot:
        app.start_server(SERVER, None)
        await finish_jobs(pilot, app)
        server = app.server
        assert server is not None and server.running
        app.run_job("Generating a key…", lambda: release.wait(10), lambda _: None)
        await pilot.pause()
        await pilot.press("p")
        assert app.server is server and server.running  # still known, so p can stop it
        assert "Wait" in screen_text(app)
        release.set()
        await finish_jobs(pilot, app)
        await pilot.press("p")
        await finish_jobs(pilot, app)
        assert app.server is None and not server.running


async def test_quitting_while_the_server_starts_stops_it(
    frozen_app: HandsetCAApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    from core.bootserver import BootServer

    release = threading.Event()
    real_start = BootServer.start
    servers: list[BootServer] = []

    def slow_start(self: BootServer) -> None:
        servers.append(self)
        real_start(self)
        release.wait(20)  # "Starting…" for as long as the test wants

    monkeypatch.setattr(BootServer, "start", slow_start)
    app = frozen_app
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            app.start_server(SERVER, None)
            await wait_until(pilot, lambda: bool(servers) and servers[0].running)
            assert app.server is None  # not started yet, as far as the app knows
        (server,) = servers
        assert not server.running
        assert server._ftp_home is None or not server._ftp_home.exists()
    finally:
        release.set()
