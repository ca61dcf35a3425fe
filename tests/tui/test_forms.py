"""The forms under fast typing: keys sent in one burst, as a paste or a slow SSH link delivers them.

Pilot's press() waits for the app between keys, which hides a focus that moves a
turn late; these tests post every key at once, as the terminal driver does.
"""

from __future__ import annotations

from textual import events
from textual.widgets import Input, Select

from core.pki.workspace import CAState, ca_state_sentence
from tests.tui.conftest import FROZEN_PASSPHRASE, fill, finish_jobs, screen_text
from tui.app import HandsetCAApp
from tui.forms import (
    CreateCAScreen,
    InspectPickScreen,
    InspectScreen,
    IssueScreen,
    PublishScreen,
    app_sentence,
)


def burst(app: HandsetCAApp, *keys: str) -> None:
    """Post keys to the app with no pause between them (strings of length > 1 are key names)."""
    for key in keys:
        if len(key) == 1:
            app.post_message(events.Key(key, key))
        else:
            app.post_message(events.Key(key, "\r" if key == "enter" else None))


def typed(*words: str) -> list[str]:
    """Each word's characters, then Enter."""
    keys: list[str] = []
    for word in words:
        keys += [*word, "enter"]
    return keys


def values(app: HandsetCAApp, *ids: str) -> dict[str, str]:
    return {i: app.screen.query_one(f"#{i}", Input).value for i in ids}


async def test_keys_typed_ahead_go_to_the_next_field(empty_app: HandsetCAApp) -> None:
    app = empty_app
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("c")
        await pilot.pause()
        burst(app, *typed("US", "Colorado"), *"Boulder")
        await pilot.pause()
        assert values(app, "country", "state", "locality") == {
            "country": "US",
            "state": "Colorado",
            "locality": "Boulder",
        }


async def test_a_form_footer_shows_its_own_keys_not_the_workbench_letters(
    empty_app: HandsetCAApp,
) -> None:
    app = empty_app
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, CreateCAScreen)
        footer = screen_text(app).splitlines()[-1]
        assert "Esc Cancel" in footer and "Issue" not in footer, footer


async def test_the_first_keys_after_the_letter_go_to_the_first_field(
    empty_app: HandsetCAApp,
) -> None:
    app = empty_app
    async with app.run_test(size=(80, 24)) as pilot:
        burst(app, "c", *typed("US"), *"Colorado")
        await pilot.pause()
        assert isinstance(app.screen, CreateCAScreen)
        assert values(app, "country", "state") == {"country": "US", "state": "Colorado"}
        assert app.screen.focused is app.screen.query_one("#state")


async def test_a_backspace_typed_before_the_form_is_drawn_deletes(
    empty_app: HandsetCAApp,
) -> None:
    app = empty_app
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.action_create_ca()
        screen = app.screen
        assert isinstance(screen, CreateCAScreen) and screen.focused is None  # not drawn yet
        # What the app does with keys while nothing has the focus: the screen gets them.
        for key, char in [("U", "U"), ("S", "S"), ("X", "X"), ("backspace", None)]:
            screen._forward_event(events.Key(key, char))
        await pilot.pause()
        assert values(app, "country") == {"country": "US"}


async def test_a_whole_form_typed_in_one_burst_creates_the_ca(live_app: HandsetCAApp) -> None:
    app = live_app
    async with app.run_test(size=(80, 24)) as pilot:
        subject = ("US", "Colorado", "Boulder", "Spectralink", "Service", "Root CA", "a@b.c")
        # Enter on the key size (a Select) and on Days (2555 already) moves on.
        burst(app, "c", *typed(*subject), "enter", *typed("", "pass1234", "pass1234"))
        for _ in range(20):  # the form submits in a worker, then the key job starts
            await finish_jobs(pilot, app)
            if app.workspace.has_ca():
                break
        assert not isinstance(app.screen, CreateCAScreen)
        assert app.workspace.has_ca(), str(app.workbench.query_one("#status").render())
        assert (
            app.workspace.ca_certificate()
            .subject.rfc4514_string()
            .startswith("1.2.840.113549.1.9.1=a@b.c,CN=Root CA,OU=Service,O=Spectralink,L=Boulder")
        )


async def test_issue_form_typed_ahead(frozen_app: HandsetCAApp) -> None:
    app = frozen_app
    async with app.run_test(size=(80, 24)) as pilot:
        burst(app, "i", *typed("bs5.example.com", "30"), "enter", *typed("k", "k"), *"ca")
        await pilot.pause()
        assert isinstance(app.screen, IssueScreen)
        assert values(app, "name", "days", "key_pass", "key_pass2", "ca_pass") == {
            "name": "bs5.example.com",
            "days": "30",
            "key_pass": "k",
            "key_pass2": "k",
            "ca_pass": "ca",
        }


async def test_down_still_opens_a_select(empty_app: HandsetCAApp) -> None:
    app = empty_app
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("c")
        app.screen.query_one("#key_size", Select).focus()
        await pilot.pause()
        await pilot.press("down")
        assert app.screen.query_one("#key_size", Select).expanded


async def test_a_wrong_ca_passphrase_keeps_the_issue_form_open(frozen_app: HandsetCAApp) -> None:
    app = frozen_app
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("i")
        await fill(pilot, app, name="bootserver2.example.com", days="30", ca_pass="not it")
        await pilot.press("enter")
        await finish_jobs(pilot, app)
        assert isinstance(app.screen, IssueScreen)
        assert values(app, "name", "days", "ca_pass") == {
            "name": "bootserver2.example.com",
            "days": "30",
            "ca_pass": "",
        }
        assert app.screen.focused is app.screen.query_one("#ca_pass")
        text = screen_text(app)
        assert "The CA key passphrase is wrong; type it again." in text
        assert "file that holds" not in text
        # Typing the right one now issues, with what was typed before.
        burst(app, *FROZEN_PASSPHRASE, "enter")
        for _ in range(20):
            await finish_jobs(pilot, app)
            if len(app.workspace.issued_names()) == 2:
                break
        assert not isinstance(app.screen, IssueScreen)
        assert "bootserver2.example.com" in app.workspace.issued_names()


async def test_a_wrong_key_passphrase_keeps_the_inspect_form_open(
    frozen_app: HandsetCAApp,
) -> None:
    app = frozen_app
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("v")
        await pilot.pause()
        assert isinstance(app.screen, InspectPickScreen)
        await pilot.press("down", "enter")  # ca.key: Enter asks for its passphrase
        await pilot.pause()
        assert app.screen.focused is app.screen.query_one("#key_pass")
        await pilot.press(*"nope", "enter")
        await pilot.pause()
        assert isinstance(app.screen, InspectPickScreen)
        assert values(app, "key_pass") == {"key_pass": ""}
        assert app.screen.focused is app.screen.query_one("#key_pass")
        assert "The passphrase of ca.key is wrong; type it again." in screen_text(app)
        await pilot.press(*FROZEN_PASSPHRASE, "enter")
        await pilot.pause()
        assert isinstance(app.screen, InspectScreen)
        assert "ca.key" in app.screen.title_text


def test_core_sentences_as_the_app_says_them() -> None:
    from core.errors import UserError
    from core.pki.keys import WrongPassphrase

    core = "The CA key passphrase is wrong; type it again or use the file that holds the right one."
    wrong = WrongPassphrase(core, "The CA key passphrase")
    assert app_sentence(wrong) == "The CA key passphrase is wrong; type it again."
    assert app_sentence(UserError("ca.crt already exists.")) == "ca.crt already exists."
    # Told by its type, not its words: a plain UserError keeps its sentence.
    assert app_sentence(UserError(core)) == core


async def test_a_wrong_server_key_passphrase_keeps_the_publish_form_open(
    frozen_app: HandsetCAApp,
) -> None:
    app = frozen_app
    app.workspace.issue("bs2.example.com", FROZEN_PASSPHRASE.encode(), key_passphrase=b"key-pass")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, PublishScreen)
        await pilot.press("down", "enter")  # bs2.example.com (names sorted): it asks
        await pilot.pause()
        assert isinstance(app.screen, PublishScreen)
        assert app.screen.focused is app.screen.query_one("#key_pass")
        error = str(app.screen.query_one("#error").render())
        assert error == "The server key of bs2.example.com is encrypted; type its passphrase."
        await pilot.press(*"wrong", "enter")
        await pilot.pause()
        assert isinstance(app.screen, PublishScreen) and app.server is None
        assert values(app, "key_pass") == {"key_pass": ""}
        error = str(app.screen.query_one("#error").render())
        assert error == "The bs2.example.com server key passphrase is wrong; type it again."


async def test_create_refuses_at_once_when_a_ca_exists(frozen_app: HandsetCAApp) -> None:
    app = frozen_app
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("c")
        await pilot.pause()
        assert not isinstance(app.screen, CreateCAScreen)
        status = " ".join(str(app.workbench.query_one("#status").render()).split())
        assert status == ca_state_sentence(app.workspace.root, CAState.COMPLETE)  # core's


async def test_the_viewer_breaks_a_fingerprint_at_a_colon(frozen_app: HandsetCAApp) -> None:
    import re

    app = frozen_app
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("v", "enter")  # ca.crt
        await pilot.pause()
        assert isinstance(app.screen, InspectScreen)
        app.screen.query_one("#inspect").scroll_end(animate=False)
        await pilot.pause()
        lines = [line.strip("┃ ") for line in screen_text(app).splitlines()]
        start = next(i for i, line in enumerate(lines) if line.startswith("SHA-256 fingerprint:"))
        assert lines[start].endswith(":") and len(lines[start]) <= 76
        joined = lines[start] + lines[start + 1]
        assert re.search(r"(?:[0-9A-F]{2}:){31}[0-9A-F]{2}$", joined), lines[start : start + 2]
        for line in lines:
            assert not re.search(r"[0-9A-F]{2}:[0-9A-F]$|^[0-9A-F]:", line), line


async def test_help_scrollbar_draws_no_eighth_block_marks(empty_app: HandsetCAApp) -> None:
    from tui.help import HelpScreen

    app = empty_app
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert app.screen.query_one("#help").show_vertical_scrollbar
        for _ in range(12):  # the thumb's ends fall at every fraction of a cell
            assert not set(screen_text(app)) & set("▁▂▃▄▅▆▇")
            await pilot.press("down")
            await pilot.pause()


def test_help_lists_the_drill_keys() -> None:
    from rich.console import Console

    from tui.app import MainScreen
    from tui.help import help_renderable, help_sections

    console = Console(width=80, record=True)
    console.print(help_renderable(help_sections(HandsetCAApp, MainScreen)))
    text = console.export_text()
    assert "Drills (d)" in text
    for key in ("F7", "F8", "F9", "F10"):
        assert f"\n{key} " in text


async def test_a_too_short_ca_passphrase_keeps_the_create_form_open(
    empty_app: HandsetCAApp,
) -> None:
    app = empty_app
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("c")
        await fill(pilot, app, country="US", cn="Root CA", passphrase="abc", passphrase2="abc")
        await pilot.press("enter")
        await finish_jobs(pilot, app)
        assert isinstance(app.screen, CreateCAScreen)
        assert values(app, "country", "cn", "passphrase", "passphrase2") == {
            "country": "US",
            "cn": "Root CA",
            "passphrase": "",
            "passphrase2": "",
        }
        assert app.screen.focused is app.screen.query_one("#passphrase")
        assert "at least" in str(app.screen.query_one("#error").render())
        assert not app.workspace.has_ca()


async def test_a_short_server_key_passphrase_keeps_the_issue_form_open(
    frozen_app: HandsetCAApp,
) -> None:
    app = frozen_app
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("i")
        await fill(pilot, app, name="bs3.example.com", key_pass="ab", key_pass2="ab")
        await fill(pilot, app, ca_pass=FROZEN_PASSPHRASE)
        await pilot.press("enter")
        await finish_jobs(pilot, app)
        assert isinstance(app.screen, IssueScreen)
        assert values(app, "name", "key_pass", "ca_pass") == {
            "name": "bs3.example.com",
            "key_pass": "",
            "ca_pass": FROZEN_PASSPHRASE,
        }
        assert app.screen.focused is app.screen.query_one("#key_pass")


async def test_a_missing_csr_keeps_the_sign_form_open(frozen_app: HandsetCAApp) -> None:
    from tui.forms import SignCSRScreen

    app = frozen_app
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("s")
        await fill(pilot, app, path="/nonexistent/server.csr", ca_pass=FROZEN_PASSPHRASE)
        await pilot.press("enter")
        await finish_jobs(pilot, app)
        assert isinstance(app.screen, SignCSRScreen)
        assert app.screen.focused is app.screen.query_one("#path")
        assert "/nonexistent/server.csr" in str(app.screen.query_one("#error").render())


def test_form_requests_never_show_a_passphrase_in_their_repr() -> None:
    from pathlib import Path

    from tui.forms import (
        CreateCARequest,
        InspectRequest,
        IssueRequest,
        PublishRequest,
        SignRequest,
    )

    secret = b"hunter2-secret"
    requests = [
        CreateCARequest(None, 2048, 365, secret),
        IssueRequest("boot.example.com", secret, secret, 365, 2048),
        SignRequest(Path("x.csr"), secret, 365),
        PublishRequest("boot.example.com", secret),
        InspectRequest(Path("ca.key"), secret),
    ]
    for request in requests:
        assert "hunter2" not in repr(request)


async def test_the_form_check_runs_in_a_thread_and_a_bug_is_one_line(
    frozen_app: HandsetCAApp,
) -> None:
    """The check decrypts the CA key or reads a typed path: never on the event loop."""
    import threading

    threads: list[threading.Thread] = []

    def check(request: object) -> object:
        threads.append(threading.current_thread())
        raise RuntimeError("boom")

    app = frozen_app
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(IssueScreen(check))
        await pilot.pause()
        await fill(pilot, app, name="bootserver2.example.com", ca_pass="whatever")
        await pilot.press("enter")
        await finish_jobs(pilot, app)
        assert threads and threads[0] is not threading.main_thread()
        assert isinstance(app.screen, IssueScreen)  # open, with what was typed
        error = str(app.screen.query_one("#error").render())
        assert "Unexpected error (RuntimeError: boom)" in error and "\n" not in error


LONG_ISSUER = (
    "Certificate (PEM, version 3)\n"
    "  Subject:     CN=bootserver1.example.com\n"
    "  Issuer:      CN=Rehearsal Handset Provisioning Root CA,OU=Voice Engineering"
    " Training Laboratory,O=Example Hospital Group,L=Springfield,C=US\n"
    "  Serial:      01"
)


async def test_the_viewer_hangs_a_long_issuer_under_the_value_column(
    frozen_app: HandsetCAApp,
) -> None:
    """Issue 12: at 80x24 Inspect's Issuer wrapped back to column 0 of the panel."""
    app = frozen_app
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(InspectScreen("ca.crt", LONG_ISSUER))
        await pilot.pause()
        lines = [line.strip("┃ ").rstrip() for line in screen_text(app).splitlines()]
        raw = screen_text(app).splitlines()
        start = next(i for i, line in enumerate(lines) if line.startswith("Issuer:"))
        value_column = raw[start].index("CN=")
        follow = raw[
            start + 1 : next(i for i, line in enumerate(lines) if line.startswith("Serial:"))
        ]
        assert len(follow) >= 1
        for line in follow:
            text = line.rstrip(" ┃")
            assert text[:value_column].strip(" ┃") == "", line  # nothing left of the column
            assert text[value_column] != " ", line  # and the value starts right under it
        joined = " ".join(line.rstrip(" ┃")[value_column:] for line in [raw[start], *follow])
        assert "Voice Engineering Training Laboratory" in joined


def test_wrap_inspect_keeps_short_lines_and_hangs_long_ones() -> None:
    from tui.forms import wrap_inspect

    out = wrap_inspect(LONG_ISSUER, 44).splitlines()
    assert out[1] == "  Subject:     CN=bootserver1.example.com"
    issuer = next(line for line in out if line.startswith("  Issuer:"))
    i = out.index(issuer)
    assert all(len(line) <= 44 for line in out)
    assert out[i + 1].startswith(" " * 15) and out[i + 1][15] != " "


def wildcard_csr(path) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    names = [x509.DNSName("web.example.com"), x509.DNSName("*.example.com")]
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "web.example.com")]))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .sign(key, hashes.SHA256())
    )
    path.write_bytes(csr.public_bytes(serialization.Encoding.PEM))


async def test_the_sign_form_has_the_wildcard_and_names_choices(
    frozen_app: HandsetCAApp, tmp_path
) -> None:
    """The refusal names the form's boxes, not the CLI's --allow-wildcard/--csr-names drop;
    ticking "allow a wildcard" signs *.example.com, as `sign --allow-wildcard` does."""
    from cryptography import x509
    from textual.widgets import Checkbox

    from tui.forms import SignCSRScreen

    wildcard_csr(tmp_path / "web.csr")
    app = frozen_app
    async with app.run_test(size=(80, 30)) as pilot:
        await pilot.press("s")
        await fill(pilot, app, path=str(tmp_path / "web.csr"), ca_pass=FROZEN_PASSPHRASE)
        live = str(app.screen.query_one("#live").render())
        assert '"Allow a wildcard" ticked' in live and "--" not in live, live
        await pilot.press("enter")
        await finish_jobs(pilot, app)
        form = app.screen
        assert isinstance(form, SignCSRScreen)
        error = " ".join(str(form.query_one("#error").render()).split())
        assert '"Allow a wildcard" ticked' in error and '"Names: the Common Name only"' in error
        assert "--allow-wildcard" not in error and "--csr-names" not in error, error
        assert form.focused is form.query_one("#csr_names")
        await pilot.press("tab", "space")  # Wildcard: allow
        assert form.query_one("#allow_wildcard", Checkbox).value
        assert "DNS:*.example.com" in str(form.query_one("#live").render())
        await pilot.press("enter")  # on a box, Enter walks on (to the CA passphrase)
        assert form.focused is form.query_one("#ca_pass")
        await pilot.press("enter")
        for _ in range(20):
            await finish_jobs(pilot, app)
            if (app.workspace.root / "issued" / "web.example.com" / "server.crt").exists():
                break
        crt = (app.workspace.root / "issued" / "web.example.com" / "server.crt").read_bytes()
        san = x509.load_pem_x509_certificate(crt).extensions.get_extension_for_class(
            x509.SubjectAlternativeName
        )
        assert "*.example.com" in san.value.get_values_for_type(x509.DNSName)


async def test_the_sign_form_can_sign_with_the_common_name_only(
    frozen_app: HandsetCAApp, tmp_path
) -> None:
    from cryptography import x509

    wildcard_csr(tmp_path / "web.csr")
    app = frozen_app
    async with app.run_test(size=(80, 30)) as pilot:
        await pilot.press("s")
        await fill(pilot, app, path=str(tmp_path / "web.csr"), ca_pass=FROZEN_PASSPHRASE)
        app.screen.set_focus(app.screen.query_one("#csr_names"))
        await pilot.press("space", "enter", "enter")  # CN only; Enter to the passphrase; Sign
        crt_path = app.workspace.root / "issued" / "web.example.com" / "server.crt"
        for _ in range(20):
            await finish_jobs(pilot, app)
            if crt_path.exists():
                break
        san = x509.load_pem_x509_certificate(crt_path.read_bytes()).extensions
        names = san.get_extension_for_class(x509.SubjectAlternativeName).value
        assert names.get_values_for_type(x509.DNSName) == ["web.example.com"]
