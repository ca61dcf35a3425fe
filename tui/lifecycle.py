"""Life after day one in the app: expiry at a glance, renewal, the CA's renewal and rollover.

- ``ExpiryScreen`` (key e): the CA, a next CA and every issued certificate with its
  not-after date, days left and lifetime used, those needing care first, in a list
  that scrolls; r (or Enter) renews the highlighted certificate.
- ``RenewScreen``, ``CAScreen``: the forms; core.rehearsal checks them (a wrong CA
  passphrase keeps the form open with what was typed) and runs the jobs.

A state is always a word as well as a colour (EXPIRED, WARN), so it reads the same
with NO_COLOR or on a monochrome terminal. Everything here draws core's models.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from core.rehearsal import CA_ACTIONS, CARequest, Overview, RenewRequest
from tui.expiry_text import days_text, expiry_row, marker
from tui.forms import Field, FormError, FormScreen
from tui.keybar import KeyBar

if TYPE_CHECKING:
    from core.pki.status import Expiry


class ExpiryScreen(ModalScreen[None]):
    """Every certificate's expiry, the ones inside the warning window first; r renews."""

    DEFAULT_CSS = """
    ExpiryScreen { align: center middle; }
    #expiry { width: 100%; max-width: 100; height: 100%; border: heavy $accent;
              background: $surface; padding: 0 1; }
    #expiry-head { height: auto; }
    #expiry-list { height: 1fr; border: none; }
    #expiry-foot { height: auto; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", key_display="Esc"),
        Binding("r", "renew", "Renew", tooltip="Renew the highlighted certificate"),
        Binding("q", "close", "Close", show=False),
    ]

    def __init__(self, view: Overview, renew: Callable[[str], None]) -> None:
        super().__init__()
        self.view = view
        self.renew = renew  # the app's: open the renewal form for an issued name

    def compose(self) -> ComposeResult:
        with Vertical(id="expiry") as box:
            box.border_title = "Expiry: CA and issued certificates"
            box.border_subtitle = "↑↓ PgUp PgDn · r or Enter renews · Esc closes"
            yield Static(self.head(), id="expiry-head")
            yield OptionList(id="expiry-list")
            yield Static(id="expiry-foot")
        yield KeyBar()

    def head(self) -> Text:
        text = Text()
        entries = self.view.expiries
        expired = sum(1 for e in entries if e.state == "expired")
        warning = sum(1 for e in entries if e.state == "warning")
        text.append(f"{len(entries)} certificates; ")
        text.append(f"{expired} EXPIRED", style="bold red" if expired else "")
        text.append(", ")
        text.append(f"{warning} WARN", style="bold yellow" if warning else "")
        text.append(f" (within {self.view.warn_days} days)\n")
        # One column in, as the list's rows are.
        text.append(f" {'':<7} {'name':<{self.name_width()}} not after    days  used", style="bold")
        return text

    def name_width(self) -> int:
        names = [e.name if e.kind == "server" else "[next CA]" for e in self.view.expiries]
        return min(36, max((len(n) for n in names), default=4))

    def on_mount(self) -> None:
        options = self.query_one("#expiry-list", OptionList)
        width = self.name_width()
        options.add_options(
            [Option(expiry_row(e, width), id=f"{e.kind}:{e.name}") for e in self.view.expiries]
        )
        if self.view.expiries:
            options.highlighted = 0
        options.focus()
        self.show_selected()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self.show_selected()

    def selected(self) -> Expiry | None:
        index = self.query_one("#expiry-list", OptionList).highlighted
        if index is None or not 0 <= index < len(self.view.expiries):
            return None
        return self.view.expiries[index]

    def show_selected(self) -> None:
        entry = self.selected()
        foot = self.query_one("#expiry-foot", Static)
        if entry is None:
            foot.update("Nothing issued yet: i issues the boot server's certificate.")
            return
        text = Text()
        text.append_text(marker(entry))
        text.append(
            f" {entry.name}: {entry.not_before:%Y-%m-%d} to {entry.not_after:%Y-%m-%d}, "
            f"{days_text(entry.days_left)}, {entry.used_percent:.0f}% of its lifetime used; "
            f"serial {entry.serial_hex}"
        )
        if entry.kind == "server":
            text.append("\nr renews it (same key unless you choose a new one).")
        else:
            text.append("\nThe CA: Ctrl+P, Renew the CA certificate / Start a CA rollover.")
        foot.update(text)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_renew()

    def action_renew(self) -> None:
        entry = self.selected()
        if entry is None:
            return
        if entry.kind != "server":
            self.query_one("#expiry-foot", Static).update(
                "r renews an issued certificate; for the CA: Ctrl+P, Renew the CA certificate "
                "(same key) or Start a CA rollover (a new key)."
            )
            return
        self.renew(entry.name)

    def action_close(self) -> None:
        self.dismiss(None)


YES_NO = (("no: keep the server key", 0), ("yes: a new server key", 1))
SIGNERS = (("the current CA", 0), ("the next CA (rollover)", 1))


class RenewScreen(FormScreen):
    """`renew NAME`: the CA passphrase, same key or a new one, the days, which CA signs."""

    OK = "Renew"
    PASSPHRASE_FIELD = "ca_pass"

    def __init__(
        self, name: str, rollover: bool, check: Callable[[Any], Any] | None = None
    ) -> None:
        super().__init__(check)
        self.cert_name = name
        self.rollover = rollover  # offer the next CA as the signer
        self.TITLE = f"Renew {name}"  # type: ignore[misc]
        self.NOTES = (  # type: ignore[misc]
            f"The former certificate (and key, with a new key) is kept under "
            f"issued/{name}/previous/.",
            "Same key: the boot server keeps its server.key; only server.crt changes.",
        )

    def compose_top(self) -> ComposeResult:
        with Horizontal(classes="row"):
            yield Label("New key", classes="field-label")
            yield Select(YES_NO, value=0, allow_blank=False, compact=True, id="new_key")
        if self.rollover:
            with Horizontal(classes="row"):
                yield Label("Signed by", classes="field-label")
                yield Select(SIGNERS, value=1, allow_blank=False, compact=True, id="signer")

    def fields(self) -> tuple[Field, ...]:
        from core.pki import DEFAULT_SERVER_DAYS

        return (
            Field("days", "Days", value=str(DEFAULT_SERVER_DAYS), integer=True),
            Field("ca_pass", "CA passphrase", password=True),
        )

    def on_mount(self) -> None:
        super().on_mount()
        self.set_focus(self.query_one("#ca_pass"))

    def build(self) -> RenewRequest:
        days = self.integer("days", "lifetime")
        ca_pass = self.passphrase("ca_pass", None, "CA passphrase", required=True)
        assert ca_pass is not None
        under_next = self.rollover and self.value("signer") == "1"
        return RenewRequest(self.cert_name, ca_pass, days, self.value("new_key") == "1", under_next)


CA_FORMS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    # action: (title, OK label, notes)
    "renew": (
        "Renew the CA certificate (same key)",
        "Renew CA",
        (
            "Same key, subject and key identifier: phones holding the old ca.crt keep "
            "trusting certificates issued after this, and the other way round.",
            "The former ca.crt is kept under previous/.",
        ),
    ),
    "rollover": (
        "Start a CA rollover (a new CA key)",
        "Start",
        (
            "Writes next/ca.key (same passphrase) and next/ca.crt beside the current CA; "
            "the boot server then publishes it as ca-next.crt.",
            "Then: the phones install ca-next.crt into their second custom CA slot, renew the "
            "boot server's certificate signed by the next CA, and finish the rollover.",
        ),
    ),
    "finish": (
        "Finish the CA rollover",
        "Finish",
        (
            "The next CA becomes the current one; the former pair is kept under previous/.",
            "Afterwards remove the old CA from slot 1 on the phones (Custom CA List).",
        ),
    ),
}


class CAScreen(FormScreen):
    """`ca renew`, `ca rollover` or `ca rollover --finish`: the CA passphrase (and days)."""

    PASSPHRASE_FIELD = "ca_pass"

    def __init__(self, action: str, check: Callable[[Any], Any] | None = None) -> None:
        assert action in CA_ACTIONS
        self.action = action
        title, ok, notes = CA_FORMS[action]
        self.TITLE, self.OK, self.NOTES = title, ok, notes  # type: ignore[misc]
        super().__init__(check)

    def fields(self) -> tuple[Field, ...]:
        from core.pki import DEFAULT_CA_DAYS

        days = (
            ()
            if self.action == "finish"
            else (Field("days", "Days", value=str(DEFAULT_CA_DAYS), integer=True),)
        )
        return (*days, Field("ca_pass", "CA passphrase", password=True))

    def on_mount(self) -> None:
        super().on_mount()
        self.set_focus(self.query_one("#ca_pass"))

    def build(self) -> CARequest:
        days = 0 if self.action == "finish" else self.integer("days", "lifetime")
        ca_pass = self.passphrase("ca_pass", None, "CA passphrase", required=True)
        if ca_pass is None:
            raise FormError("Enter the CA passphrase.")
        return CARequest(self.action, ca_pass, days)


CA_VERBS = {
    "renew": "Renewed the CA certificate",
    "rollover": "Started the CA rollover",
    "finish": "Finished the CA rollover",
}
CA_LABELS = {
    "renew": "Renewing the CA certificate…",
    "rollover": "Generating the next CA's key…",
    "finish": "Finishing the CA rollover…",
}


def open_expiry(app: Any) -> None:
    """e: the expiry list on the app's workspace."""
    view = app.overview()
    if view.error or view.ca is None:
        app.say(view.error or "There is no CA yet: c creates it.")
        return
    app.push_screen(ExpiryScreen(view, lambda name: open_renew(app, name, view.rollover)))


def open_renew(app: Any, name: str, rollover: bool) -> None:
    """The renewal form for ``name`` (``rollover``: the next CA may sign it); the job
    restarts a running boot server after it."""
    rehearsal = app.rehearsal

    def submitted(request: RenewRequest | None) -> None:
        if request is None:
            return
        if isinstance(app.screen, ExpiryScreen):
            app.screen.dismiss(None)
        key = "a new key and " if request.new_key else ""
        app.run_job(
            f"Renewing {request.name}: {key}a new certificate…",
            lambda: (rehearsal.renew(request), rehearsal.republish()),
            done_lines(app, f"Renewed {request.name}"),
        )

    app.open_form(RenewScreen(name, rollover, rehearsal.check_renew), submitted)


def open_ca_form(app: Any, action: str) -> None:
    """`ca renew`, `ca rollover`, `ca rollover --finish` from the command palette."""
    rehearsal = app.rehearsal
    refusal = rehearsal.ca_action_sentence(action)
    if refusal:  # refuse now, not after the passphrase is typed
        app.say(refusal)
        return

    def submitted(request: CARequest | None) -> None:
        if request is not None:
            app.run_job(
                CA_LABELS[action],
                lambda: (rehearsal.ca_job(request), rehearsal.republish()),
                done_lines(app, CA_VERBS[action]),
            )

    app.open_form(CAScreen(action, rehearsal.check_ca), submitted)


def done_lines(app: Any, verb: str) -> Callable[[Any], None]:
    def done(outcome: Any) -> None:
        result, note = outcome
        lines = app.rehearsal.result_lines(verb, result)
        app.say(lines + (f"\n{note}" if note else ""))

    return done
