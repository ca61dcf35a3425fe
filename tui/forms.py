"""Modal forms: create the CA, issue, sign a CSR, publish, pick a file to inspect.

Each form only collects what the user typed and returns it as a small request;
the app hands the request to core. Passphrases are masked and never echoed.
Enter moves to the next field and submits from the last one; Esc cancels.
"""

from __future__ import annotations

import asyncio
import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from textual import events, on, work
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from core.errors import FieldError, error_sentence
from core.rehearsal import (
    CreateCARequest,
    InspectRequest,
    IssueRequest,
    PublishRequest,
    SignRequest,
)
from tui.early_keys import EarlyKeys
from tui.keybar import KeyBar

BULLETIN = "(bulletin)"


class FormError(Exception):
    """One sentence shown in the form; the form stays open."""


def wrong_passphrase(error: BaseException) -> bool:
    """core.pki's WrongPassphrase (raised by the key loader; the app raises it too)."""
    from core.pki.keys import WrongPassphrase

    return isinstance(error, WrongPassphrase)


def app_sentence(error: BaseException) -> str:
    """core's sentence as the app says it: a wrong passphrase is typed again in the form.

    core's CLI wording also offers "the file that holds the right one" (--passphrase-file),
    which the app does not have; core's WrongPassphrase words the form's own sentence.
    """
    from core.pki.keys import WrongPassphrase

    if isinstance(error, WrongPassphrase):
        return error.retry_sentence
    return str(error)


@dataclass(frozen=True)
class Field:
    id: str
    label: str
    placeholder: str = ""
    value: str = ""
    password: bool = False
    integer: bool = False
    choices: tuple[int, ...] = ()  # a Select instead of an Input
    example: bool = True  # the placeholder is an example value ("e.g. ...")
    toggle: bool = False  # a Checkbox labelled with the placeholder (Tab and Space reach it)


class FormScreen(EarlyKeys, ModalScreen[Any]):
    """A titled list of labelled fields, notes, a message line, OK and Cancel."""

    TITLE: ClassVar[str] = ""
    OK: ClassVar[str] = "OK"
    NOTES: ClassVar[tuple[str, ...]] = ()
    # The field cleared and focused when the check says its passphrase is wrong.
    PASSPHRASE_FIELD: ClassVar[str] = ""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape",
            "cancel",
            "Cancel",
            key_display="Esc",
            tooltip="Close without changing anything",
        ),
        # priority: Enter moves the focus as the key arrives, so keys typed ahead of the
        # screen (paste, a fast typist, a slow SSH link) land in the next field.
        Binding("enter", "next_field", "Next field", show=False, priority=True),
    ]

    def __init__(self, check: Callable[[Any], Any] | None = None) -> None:
        """``check`` turns the request into the form's result, or raises core's UserError
        (a wrong passphrase, a file that cannot be read): the form then stays open with
        what was typed, and shows the sentence."""
        super().__init__()
        self.check = check
        # From the Enter that submits until the form is refused or closed, it takes no
        # more input: the app keeps keys typed after that Enter for the screen that
        # comes next (tui/app.py, holds).
        self.submitted = False
        self._dropped_note = ""  # how many typed-ahead keys a refusal dropped

    def fields(self) -> tuple[Field, ...]:
        """The form's fields, in order (subclasses)."""
        return ()

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="form", can_focus=False) as form:
            form.border_title = self.TITLE
            yield from self.compose_top()
            for spec in self.fields():
                with Horizontal(classes="row"):
                    yield Label(spec.label, classes="field-label")
                    if spec.toggle:
                        yield Checkbox(spec.placeholder, compact=True, id=spec.id)
                    elif spec.choices:
                        yield Select(
                            [(str(c), c) for c in spec.choices],
                            value=int(spec.value),
                            allow_blank=False,
                            compact=True,
                            id=spec.id,
                        )
                    else:
                        yield Input(
                            value=spec.value,
                            placeholder=(
                                f"e.g. {spec.placeholder}"
                                if spec.example and spec.placeholder
                                else spec.placeholder
                            ),
                            password=spec.password,
                            type="integer" if spec.integer else "text",
                            compact=True,
                            id=spec.id,
                        )
            yield Static(id="live")
            yield Static("\n".join(self.NOTES), classes="note")
            yield Static(id="error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button(self.OK, variant="primary", compact=True, id="ok")
                yield Button("Cancel", compact=True, id="cancel")
        # The form's own keys: the workbench's letters below would only type into a field.
        yield KeyBar()

    def on_mount(self) -> None:
        blink = getattr(self.app, "blink", True)
        for field_input in self.query(Input):
            field_input.cursor_blink = blink

    def compose_top(self) -> ComposeResult:
        """Widgets above the fields (a list to choose from)."""
        yield from ()

    def value(self, field_id: str) -> str:
        widget = self.query_one(f"#{field_id}")
        if isinstance(widget, Select):
            return str(widget.value)
        assert isinstance(widget, Input)
        return widget.value.strip() if not widget.password else widget.value

    def integer(self, field_id: str, what: str) -> int:
        text = self.value(field_id)
        try:
            number = int(text)
        except ValueError:
            raise FormError(f"Enter the {what} as a whole number of days.") from None
        if number < 1:
            raise FormError(f"The {what} must be at least one day.")
        return number

    def passphrase(self, first: str, second: str | None, what: str, required: bool) -> bytes | None:
        value = self.value(first)
        if second is not None and value != self.value(second):
            raise FormError(f"The two {what} entries differ; type them again.")
        if not value:
            if required:
                raise FormError(f"Enter the {what}.")
            return None
        return value.encode("utf-8")

    def build(self) -> Any:
        """The request to return, or FormError."""
        raise NotImplementedError

    def submit(self) -> None:
        if self.app.screen is not self or self.checking:  # already submitted or closed
            return
        self.submitted = True
        try:
            request = self.build()
        except FormError as exc:
            self.refused(exc)
            return
        if self.check is None:
            self.dismiss(request)
            return
        # The check may decrypt a key or read a file: a thread, so the UI goes on.
        self._check(request)

    @property
    def checking(self) -> bool:
        return any(w.group == "form-check" and not w.is_finished for w in self.workers)

    @work(thread=True, exclusive=True, exit_on_error=False, group="form-check")
    def _check(self, request: Any) -> Any:
        assert self.check is not None
        return self.check(request)

    @on(Worker.StateChanged)
    def checked(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "form-check":
            return
        if event.state == WorkerState.SUCCESS:
            if self.app.screen is self:
                self.dismiss(event.worker.result)
        elif event.state == WorkerState.ERROR:
            self.refused(event.worker.error)

    def refused(self, exc: BaseException | None) -> None:
        """Show why the request was refused; the form stays open with what was typed.

        Keys typed after the submitting Enter were meant for the next screen: they are
        dropped (never typed into this form's fields, a passphrase least of all), and
        the form says how many."""
        from core.errors import UserError
        from core.pki.keys import PassphraseProblem

        self.submitted = False
        drop = getattr(self.app, "drop_typeahead", None)
        dropped = drop() if drop is not None else 0
        self._dropped_note = (
            f" ({dropped} key{'s' if dropped != 1 else ''} typed after Enter not used.)"
            if dropped
            else ""
        )
        if isinstance(exc, FieldError):
            for field_id in exc.clear:
                self.query_one(f"#{field_id}", Input).clear()
            self.set_focus(self.query_one(f"#{exc.field}"))
            self.show_error(str(exc))
        elif isinstance(exc, FormError):
            self.show_error(str(exc))
        elif isinstance(exc, UserError):
            if isinstance(exc, PassphraseProblem) and self.PASSPHRASE_FIELD:  # wrong, or needed
                field = self.query_one(f"#{self.PASSPHRASE_FIELD}", Input)
                if wrong_passphrase(exc):
                    field.clear()
                self.set_focus(field)
            self.show_error(app_sentence(exc))
        else:  # a bug: one line, never a traceback
            self.show_error(error_sentence(exc))

    def show_error(self, sentence: str) -> None:
        error = self.query_one("#error", Static)
        note, self._dropped_note = self._dropped_note, ""
        error.update(sentence + note)
        error.display = True

    def action_next_field(self) -> None:
        """Enter in a field: the next field now (set_focus, not focus()), or submit.

        On a closed Select too, so Enter walks every field; ↓ or Space opens its list.
        """
        field = self.focused
        select = open_select(field)
        if select is not None:
            assert isinstance(field, OptionList)
            self.close_list(select, field.highlighted)
            return
        if isinstance(field, OptionList) and field.highlighted_option is not None:
            # Here, not by the list's own Enter (a message, handled later): keys typed
            # right after must find the form already moved on or submitted.
            self.option_entered(field.highlighted_option)
            return
        if isinstance(field, Checkbox):  # Space ticks it; Enter walks on, as in a field
            self.focus_next("Input, Select")
            return
        if not isinstance(field, (Input, Select)):
            raise SkipAction()  # a button handles Enter itself
        fields = [w for w in self.query("Input, Select") if w.focusable]
        if field is fields[-1]:
            self.submitted = True  # no more input; the keys after this Enter wait
            # Keys typed just before this Enter may still wait in a field's queue.
            self.run_worker(self._submit_when_typed(), group="submit", exclusive=True)
        else:
            self.focus_next("Input, Select")

    def key_escape(self, event: events.Key) -> None:
        """Esc on an open Select's list closes it, the choice unchanged (elsewhere: the
        Cancel binding)."""
        select = open_select(self.focused)
        if select is not None:
            event.stop()
            event.prevent_default()
            self.close_list(select, None)

    def close_list(self, select: Select[Any], index: int | None) -> None:
        """Close ``select``'s list, choosing option ``index`` (None: keep the value).

        Here, as the key arrives, not by the Select's own messages (handled later, when
        the keys typed after Enter or Esc would have reached the still open list)."""
        spec = next(f for f in self.fields() if f.id == select.id)
        if index is not None and 0 <= index < len(spec.choices):
            select.value = spec.choices[index]
        self.set_focus(select)
        select.expanded = False

    async def _submit_when_typed(self) -> None:
        """Submit once every field has handled the keys already sent to it."""
        loop = asyncio.get_running_loop()
        handled: list[asyncio.Future[None]] = []
        for field in self.query(Input):
            future: asyncio.Future[None] = loop.create_future()
            field.call_later(future.set_result, None)
            handled.append(future)
        await asyncio.gather(*handled)
        self.submit()

    def early_enter(self, field: Widget) -> None:
        self.action_next_field()

    def option_entered(self, option: Option) -> None:
        """Enter on the form's list (subclasses that have one)."""
        raise SkipAction()

    @on(Button.Pressed, "#ok")
    def ok(self) -> None:
        self.submit()

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


def open_select(widget: Any) -> Select[Any] | None:
    """The Select whose open list ``widget`` is, if it is one."""
    parent = getattr(widget, "parent", None)
    if isinstance(widget, OptionList) and isinstance(parent, Select) and parent.expanded:
        return parent
    return None


def _key_sizes() -> tuple[int, ...]:
    from core.pki import KEY_SIZES

    return tuple(KEY_SIZES)


class CreateCAScreen(FormScreen):
    TITLE = "Create the CA (ca.key, ca.crt)"
    OK = "Create CA"
    NOTES = (
        "Lifetime: make it agree with your organization's certificate policy (CPS); "
        "the longer it is, the less often phones need a new CA certificate. " + BULLETIN,
        "Back up ca.key and note the passphrase in a secure place; it is asked each "
        "time the CA signs. " + BULLETIN,
        "ca.key is always written encrypted, mode 0600.",
    )

    def fields(self) -> tuple[Field, ...]:
        from core.pki import DEFAULT_CA_DAYS, DEFAULT_CA_KEY_SIZE

        return (
            Field("country", "Country", "US"),
            Field("state", "State/Province", "Colorado"),
            Field("locality", "Locality", "Boulder"),
            Field("org", "Organization", "Spectralink Corporation"),
            Field("ou", "Org. unit", "Service"),
            Field("cn", "Common Name", "Root CA"),
            Field("email", "E-mail", "admin@spectralink.com"),
            Field("key_size", "Key size", value=str(DEFAULT_CA_KEY_SIZE), choices=_key_sizes()),
            Field("days", "Days", value=str(DEFAULT_CA_DAYS), integer=True),
            Field("passphrase", "Passphrase", password=True),
            Field("passphrase2", "Again", password=True),
        )

    def build(self) -> CreateCARequest:
        from core.pki import Subject

        days = self.integer("days", "lifetime")
        secret = self.passphrase("passphrase", "passphrase2", "CA passphrase", required=True)
        assert secret is not None
        subject = Subject(
            cn=self.value("cn"),
            country=self.value("country"),
            state=self.value("state"),
            locality=self.value("locality"),
            org=self.value("org"),
            ou=self.value("ou"),
            email=self.value("email"),
        )
        return CreateCARequest(subject, int(self.value("key_size")), days, secret)


NAME_WARNING = (
    "The name must match the boot server name the phones are given (by their menus "
    "or DHCP): FQDN for FQDN, IP for IP. The phone does no DNS lookup, only a plain "
    "string comparison. " + BULLETIN
)


class IssueScreen(FormScreen):
    TITLE = "Issue a boot server certificate"
    OK = "Issue"
    PASSPHRASE_FIELD = "ca_pass"
    NOTES = (
        NAME_WARNING,
        "A passphrase on server.key is optional, but more secure. " + BULLETIN,
        "Back up server.key in a secure place. " + BULLETIN,
    )

    def fields(self) -> tuple[Field, ...]:
        from core.pki import DEFAULT_SERVER_DAYS, DEFAULT_SERVER_KEY_SIZE

        return (
            Field("name", "Boot server", "bootserver1.example.com"),
            Field("days", "Days", value=str(DEFAULT_SERVER_DAYS), integer=True),
            Field("key_size", "Key size", value=str(DEFAULT_SERVER_KEY_SIZE), choices=_key_sizes()),
            Field("key_pass", "Key passphrase", "optional", password=True, example=False),
            Field("key_pass2", "Again", "optional", password=True, example=False),
            Field("ca_pass", "CA passphrase", password=True),
        )

    @on(Input.Changed, "#name")
    def check_name(self, event: Input.Changed) -> None:
        from core.errors import UserError
        from core.pki import check_server_name

        live = self.query_one("#live", Static)
        name = event.value.strip()
        live.display = bool(name)
        if not name:
            return
        try:
            warnings = check_server_name(name)
        except UserError as exc:
            live.update(str(exc))
            return
        live.update(
            "\n".join(warnings)
            if warnings
            else f"CN and subjectAltName will be {name}; give the phones exactly this name."
        )

    def build(self) -> IssueRequest:
        name = self.value("name")
        if not name:
            raise FormError("Enter the boot server name, for example bootserver1.example.com.")
        days = self.integer("days", "lifetime")
        key_pass = self.passphrase("key_pass", "key_pass2", "key passphrase", required=False)
        ca_pass = self.passphrase("ca_pass", None, "CA passphrase", required=True)
        assert ca_pass is not None
        return IssueRequest(name, ca_pass, key_pass, days, int(self.value("key_size")))


# The sign command's options, as core's sentences name them, and the Sign form's boxes.
SIGN_OPTIONS_IN_THE_FORM = (
    ("--allow-wildcard", '"Allow a wildcard" ticked'),
    ("--csr-names drop", '"Names: the Common Name only" ticked'),
)


def sign_form_sentence(sentence: str) -> str:
    """core's signing sentence with the form's boxes where it names the CLI's options."""
    for option, box in SIGN_OPTIONS_IN_THE_FORM:
        sentence = sentence.replace(option, box)
    return sentence


class SignCSRScreen(FormScreen):
    TITLE = "Sign a CSR made on the boot server"
    OK = "Sign"
    PASSPHRASE_FIELD = "ca_pass"
    NOTES = (
        "Do not transmit the server key between servers: copy only the CSR to the "
        "CA signing server. " + BULLETIN,
    )

    def fields(self) -> tuple[Field, ...]:
        from core.pki import DEFAULT_SERVER_DAYS

        return (
            Field("path", "CSR file", "/srv/boot/server.csr"),
            Field("days", "Days", value=str(DEFAULT_SERVER_DAYS), integer=True),
            # The sign command's --csr-names drop and --allow-wildcard (Tab, then Space).
            Field("csr_names", "Names", "the Common Name only", toggle=True),
            Field("allow_wildcard", "Wildcard", "allow a wildcard (*.example.com)", toggle=True),
            Field("ca_pass", "CA passphrase", password=True),
        )

    def choices(self) -> tuple[str, bool]:
        """(csr_names, allow_wildcard) as the boxes say."""
        from core.pki.sign import CSR_NAMES_COPY, CSR_NAMES_DROP

        drop = self.query_one("#csr_names", Checkbox).value
        wildcard = self.query_one("#allow_wildcard", Checkbox).value
        return (CSR_NAMES_DROP if drop else CSR_NAMES_COPY), wildcard

    @on(Input.Changed, "#path")
    @on(Checkbox.Changed)
    def preview_names(self) -> None:
        """The names the certificate will carry, shown before it signs (core's sentence)."""
        from core.errors import UserError
        from core.fileio import PKI_FILE, read_small_file
        from core.pki.sign import names_preview

        path = Path(self.query_one("#path", Input).value.strip()).expanduser()
        try:
            data = read_small_file(path, PKI_FILE) if path.is_file() else None
            text = names_preview(data, *self.choices()) if data is not None else ""
        except UserError as exc:
            text = sign_form_sentence(str(exc))
        live = self.query_one("#live", Static)
        live.update(text)
        live.display = bool(text)

    def show_error(self, sentence: str) -> None:
        super().show_error(sign_form_sentence(sentence))

    def build(self) -> SignRequest:
        path = self.value("path")
        if not path:
            raise FormError("Enter the path of the CSR file, for example server.csr.")
        days = self.integer("days", "lifetime")
        ca_pass = self.passphrase("ca_pass", None, "CA passphrase", required=True)
        assert ca_pass is not None
        csr_names, allow_wildcard = self.choices()
        return SignRequest(Path(path).expanduser(), ca_pass, days, csr_names, allow_wildcard)


class PublishScreen(FormScreen):
    """Which issued certificate the HTTPS side of the boot server presents."""

    TITLE = "Publish ca.crt: start the rehearsal boot server"
    OK = "Start"
    PASSPHRASE_FIELD = "key_pass"
    NOTES = (
        "The server listens on 127.0.0.1 only; the handset here reaches it by name without DNS.",
    )

    def __init__(self, names: list[str], check: Callable[[Any], Any] | None = None) -> None:
        super().__init__(check)
        self.names = names

    def compose_top(self) -> ComposeResult:
        yield Label("HTTPS certificate to present:")
        yield OptionList(id="server", classes="choices")

    def on_mount(self) -> None:
        options = self.query_one("#server", OptionList)
        options.add_options([Option(n, id=n) for n in self.names])
        options.add_option(Option("no HTTPS (http and ftp only)", id=""))
        options.highlighted = 0
        options.focus()

    def fields(self) -> tuple[Field, ...]:
        return (
            Field(
                "key_pass", "Key passphrase", "if server.key has one", password=True, example=False
            ),
        )

    @on(OptionList.OptionSelected, "#server")
    def chosen(self, event: OptionList.OptionSelected) -> None:
        """A click on a certificate starts the server (Enter: option_entered)."""
        event.stop()
        self.submit()

    def option_entered(self, option: Option) -> None:
        """Enter on a certificate starts the server; a key with a passphrase asks for it."""
        self.submit()

    def build(self) -> PublishRequest:
        options = self.query_one("#server", OptionList)
        option = options.highlighted_option
        name = option.id if option is not None and option.id else None
        key_pass = self.passphrase("key_pass", None, "key passphrase", required=False)
        return PublishRequest(name, key_pass)


class InspectPickScreen(FormScreen):
    """Pick a workspace file, or type any path; a passphrase opens an encrypted key."""

    TITLE = "Inspect a file"
    OK = "Inspect"
    PASSPHRASE_FIELD = "key_pass"

    def __init__(
        self, files: list[Path], root: Path, check: Callable[[Any], Any] | None = None
    ) -> None:
        super().__init__(check)
        self.files = files
        self.root = root

    def compose_top(self) -> ComposeResult:
        yield OptionList(id="files", classes="choices")

    def fields(self) -> tuple[Field, ...]:
        return (
            Field("path", "Other file", "any .crt .csr .key path", example=False),
            Field(
                "key_pass",
                "Key passphrase",
                "only for an encrypted key",
                password=True,
                example=False,
            ),
        )

    def on_mount(self) -> None:
        options = self.query_one("#files", OptionList)
        for path in self.files:
            try:
                shown = str(path.relative_to(self.root))
            except ValueError:
                shown = str(path)
            options.add_option(Option(shown, id=str(path)))
        if self.files:
            options.highlighted = 0
        options.focus()

    @on(OptionList.OptionSelected, "#files")
    def chosen(self, event: OptionList.OptionSelected) -> None:
        """A click on a file (Enter: option_entered)."""
        event.stop()
        self.option_entered(event.option)

    def option_entered(self, option: Option) -> None:
        """Enter on a file: open it, or ask for the passphrase first if it is a key."""
        if (option.id or "").endswith(".key"):
            self.set_focus(self.query_one("#key_pass", Input))
        else:
            self.submit()

    def build(self) -> InspectRequest:
        typed = self.value("path")
        secret = self.passphrase("key_pass", None, "key passphrase", required=False)
        if typed:
            return InspectRequest(Path(typed).expanduser(), secret)
        option = self.query_one("#files", OptionList).highlighted_option
        if option is None or not option.id:
            raise FormError("Choose a file from the list or type its path.")
        return InspectRequest(Path(option.id), secret)


HEX_RUN = re.compile(r"(?:[0-9A-Fa-f]{2}:){2,}[0-9A-Fa-f]{2}")


LABEL = re.compile(r"^(\s*[A-Za-z][^:]{0,40}:\s+)(?=\S)")


def wrap_inspect(text: str, width: int) -> str:
    """Lines longer than ``width`` broken so every piece stays under the value column (a
    hanging indent), never back at column 0: a colon-separated hex run (a fingerprint, a key
    identifier) after a colon, never inside a byte; any other value (an Issuer, a Subject, a
    list of names) at a space."""
    if width < 12:
        return text
    out: list[str] = []
    for line in text.splitlines():
        if len(line) <= width:
            out.append(line)
        elif (match := HEX_RUN.search(line)) is not None:
            out += _wrap_hex_line(line, match, width)
        else:
            out += _wrap_words(line, width)
    return "\n".join(out)


def _hanging_indent(prefix_len: int, line: str, width: int) -> int:
    """The value column when a value fits beside it, else the line's own indent plus four."""
    if prefix_len <= width - 12:
        return prefix_len
    return min(len(line) - len(line.lstrip()) + 4, width - 12)


def _wrap_hex_line(line: str, match: re.Match[str], width: int) -> list[str]:
    prefix, suffix = line[: match.start()], line[match.end() :]
    indent = _hanging_indent(len(prefix), line, width)
    octets = match.group().split(":")
    out: list[str] = []
    current = prefix
    for i, octet in enumerate(octets):
        piece = octet + (":" if i < len(octets) - 1 else "")
        if len(current) + len(piece) > width and current.strip():
            out.append(current)
            current = " " * indent
        current += piece
    out.append(current + suffix)
    return out


def _wrap_words(line: str, width: int) -> list[str]:
    label = LABEL.match(line)
    head = label.group(1) if label else line[: len(line) - len(line.lstrip())]
    indent = " " * _hanging_indent(len(head), line, width)
    return textwrap.wrap(
        line[len(head) :],
        width=width,
        initial_indent=head,
        subsequent_indent=indent,
        break_on_hyphens=False,
        drop_whitespace=True,
    ) or [line]


class InspectText(Static):
    """core's inspect text wrapped for the width it has, under each value's column."""

    def __init__(self, text: str, **kwargs: Any) -> None:
        super().__init__(text, markup=False, **kwargs)
        self.text = text

    def on_resize(self) -> None:
        self.update(wrap_inspect(self.text, self.size.width))


class InspectScreen(ModalScreen[None]):
    """core's inspect output for one file, scrollable."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close"),
        Binding("q", "close", "Close", show=False),
    ]

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self.title_text = title
        self.text = text

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="inspect", classes="form") as view:
            view.border_title = self.title_text
            view.border_subtitle = "↑↓ PgUp PgDn scroll · q or Esc closes"
            yield InspectText(self.text, id="inspect-text")

    def on_mount(self) -> None:
        from tui.scrollbars import whole_cell_scrollbars

        view = self.query_one("#inspect")
        whole_cell_scrollbars(view)
        view.focus()

    def action_close(self) -> None:
        self.dismiss(None)
