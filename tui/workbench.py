"""The CA workbench: the workspace at a glance, the next step, and the actions.

The pane draws what the app hands it (an Overview); the actions themselves are
app actions, so the key bindings, this list and the command palette share them.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from core.rehearsal import CertLine, Overview, Step, next_step
from tui.expiry_text import next_expiry_text

# (action name, key, label, footer label or "" when the footer leaves it out).
# The app implements action_<name>.
ACTIONS: tuple[tuple[str, str, str, str], ...] = (
    ("create_ca", "c", "Create the CA", "Create CA"),
    ("issue", "i", "Issue a server certificate", "Issue"),
    ("sign_csr", "s", "Sign an imported CSR", ""),
    ("inspect", "v", "View/inspect a file", ""),
    ("publish", "p", "Publish: start/stop boot server", "Publish"),
    ("expiry", "e", "Expiry at a glance; renew", ""),
    ("drills", "d", "Training drills on the handset", ""),
    ("check", "k", "Check certificate URLs", ""),
)
MAX_ISSUED_SHOWN = 3


# How the workbench words core's next step (core.rehearsal.next_step keeps the order).
STEP_TEXT: dict[Step, str] = {
    Step.CREATE_CA: "create the CA (c), the bulletin's first section.",
    Step.ISSUE: "issue the boot server's certificate (i), or sign its CSR (s).",
    Step.DONE: "done: the handset trusts the boot server. Again: Ctrl+P, Reset the handset.",
    Step.PUBLISH: "publish ca.crt (p) so the handset can download it.",
    Step.FIX_PROVISION: (
        "read the phone's reason, fix it, then Provision (F3) again on the handset."
    ),
    Step.BOOT_SERVER: (
        "the handset has no boot server to provision from: publish with HTTPS (p stops, "
        "p again: choose the certificate), or set its provisioning server under Network "
        "Configuration."
    ),
    Step.PROVISION: "on the handset's idle screen (Esc or F6 End), Provision (F3).",
    Step.PROFILE: (
        "on the handset: TLS Security > Configure TLS Profiles > a profile > "
        "CA Certificate > All Certificates, then F6 End."
    ),
    Step.INSTALL: "on the handset (Tab): Settings > Advanced, then type the URL above.",
}


def next_step_text(view: Overview) -> str:
    step = next_step(view)
    if step is Step.PROFILE and view.provisioning_profile:
        # Which profile: the trainee cannot know it from the phone (a rehearsal choice).
        return (
            "on the handset: TLS Security > Configure TLS Profiles > "
            f"{view.provisioning_profile} (provisioning uses it) > CA Certificate > "
            "All Certificates, then F6 End."
        )
    return STEP_TEXT[step]


def _expiry(line: CertLine, warn_days: int) -> Text:
    """ "   until 2027-12-01 (365 days left)", with EXPIRED or WARN (a word, not colour alone)."""
    text = Text(f"   until {line.not_after:%Y-%m-%d} ({line.days_left} days left)")
    return _with_state_word(text, line, warn_days)


def _expiry_compact(line: CertLine, warn_days: int) -> Text:
    """ "(2236 days left)" with its word, for the one-line CA of the compact overview."""
    return _with_state_word(Text(f"({line.days_left} days left)"), line, warn_days)


def _with_state_word(text: Text, line: CertLine, warn_days: int) -> Text:
    """``text`` and " EXPIRED" or " WARN" when ``line`` needs care, ending the line."""
    if line.days_left < 0:
        text.append(" EXPIRED", style="bold red")
    elif line.days_left <= warn_days:
        text.append(" WARN", style="bold yellow")
    return text.append("\n")


URL_BREAKS = "/@:-"  # a URL too long for its line breaks after one of these, else before a dot
URL_INDENT = 3  # continuation lines of a URL start here (the first line at 1)


def wrap_url(url: str, width: int) -> list[str]:
    """``url`` as lines of at most ``width`` columns (the first indented 1, the rest 3),
    broken after '/', '@', ':' or '-' (else before a '.'), inside a word only when it must."""
    lines: list[str] = []
    rest, room = url, max(8, width - 1)
    while len(rest) > room:
        head = rest[:room]
        cut = max((i + 1 for i, c in enumerate(head) if c in URL_BREAKS and i >= 7), default=0)
        if not cut:
            cut = max((i for i, c in enumerate(head) if c == "." and i > 0), default=room)
        lines.append(rest[:cut])
        rest, room = rest[cut:], max(8, width - URL_INDENT)
    lines.append(rest)
    return [(" " if i == 0 else " " * URL_INDENT) + line for i, line in enumerate(lines)]


def overview_text(view: Overview, width: int | None = None, *, compact: bool = False) -> Text:
    """The overview; ``width`` wraps the URLs at '/', ``compact`` keeps one line per
    certificate so the URLs and the next step fit a small terminal (80x24)."""
    text = Text()
    text.append("Workspace ", style="bold").append(view.workspace + "\n")
    if view.error:
        text.append(view.error + "\n", style="bold")
    text.append("CA ", style="bold")
    if view.ca is None:
        text.append("none yet\n")
    elif compact:
        text.append(f"{view.ca.name} ").append_text(_expiry_compact(view.ca, view.warn_days))
    else:
        text.append(view.ca.name + "\n").append_text(_expiry(view.ca, view.warn_days))
        if view.ca.detail:
            text.append("   " + view.ca.detail + "\n")
    if view.rollover:
        text.append("   rollover: next CA as ca-next.crt\n", style="italic")
    soonest = next_expiry_text(view)
    if soonest is not None and not compact:
        text.append_text(soonest).append("\n")
    text.append("Issued ", style="bold")
    if not view.issued:
        text.append("none yet\n")
    elif compact:
        # Soonest first, the first with its days and word: with the CA line above, the
        # next expiry stays in sight at 80x24.
        first, *rest = sorted(view.issued, key=lambda line: line.not_after)
        text.append(f"{first.name} ")
        if first.days_left < 0:
            text.append("EXPIRED", style="bold red")
        elif first.days_left <= view.warn_days:
            text.append(f"{first.days_left}d ").append("WARN", style="bold yellow")
        else:
            text.append(f"({first.days_left}d)")
        names = ", ".join(line.name for line in rest[: MAX_ISSUED_SHOWN - 1])
        more = len(rest) - (MAX_ISSUED_SHOWN - 1)
        text.append((", " + names if names else "") + (f" and {more} more (e)" if more > 0 else ""))
        text.append("\n")
    else:
        text.append("\n")
        for cert in view.issued[:MAX_ISSUED_SHOWN]:
            text.append(f" {cert.name}\n").append_text(_expiry(cert, view.warn_days))
        if len(view.issued) > MAX_ISSUED_SHOWN:
            text.append(f" and {len(view.issued) - MAX_ISSUED_SHOWN} more (e: all, by expiry)\n")
    text.append("Boot server ", style="bold")
    if view.serving:
        text.append("running; type on the handset:\n")
        for url in view.urls:
            for line in wrap_url(url, width) if width else [" " + url]:
                text.append(line + "\n", style="bold underline")
    else:
        text.append("stopped\n")
    for note in view.notes:
        text.append(note + "\n", style="italic")
    text.append("Next:", style="bold reverse").append(" " + next_step_text(view))
    return text


class StatusLine(Static):
    """The workbench's status: wrapped at spaces and, in a path or URL, after a '/'
    (never inside a name), again when its width changes; app.tcss caps its height
    and lets it scroll."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.message: str | Text = ""

    def show(self, message: str | Text) -> None:
        self.message = message
        self._draw()

    def on_resize(self) -> None:
        self._draw()

    def _draw(self) -> None:
        from tui.handset_pane import wrap_plain

        width = self.content_size.width
        if isinstance(self.message, Text) or width < 8:
            self.update(self.message)
            return
        lines = [part for line in self.message.splitlines() for part in wrap_plain(line, width)]
        self.update(Text("\n".join(lines)))


class OverviewScroll(VerticalScroll):
    """The overview's scroll area: when its room changes, the overview is drawn again."""

    def on_resize(self) -> None:
        pane = self.parent
        if isinstance(pane, WorkbenchPane):
            pane.fit_overview()


class WorkbenchPane(Vertical, can_focus=False):
    """Overview, action list, status line and progress bar."""

    # priority: the form opens as the key arrives, so what is typed right after the
    # letter goes to the form's first field, not to the action list.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(key, f"app.{name}", short or label, show=bool(short), id=name, priority=True)
        for name, key, label, short in ACTIONS
    ]

    def __init__(self, view: Overview, details: list[str], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.view = view
        self.details = details

    def compose(self) -> ComposeResult:
        # The overview takes the room left by the actions and the status line, and
        # scrolls rather than push them off a small terminal.
        with OverviewScroll(id="overview-scroll", can_focus=False):
            yield Static(overview_text(self.view), id="overview")
            yield Static("\n".join(self.details), id="details")
        yield OptionList(
            *(Option(f"{key}  {label}", id=name) for name, key, label, _ in ACTIONS), id="actions"
        )
        yield StatusLine(id="status")

    def on_mount(self) -> None:
        self.border_title = "CA workbench"

    def show(self, view: Overview) -> None:
        self.view = view
        self.fit_overview()

    def fit_overview(self) -> None:
        """Draw the overview for the room it has: URLs wrapped at '/' to its width, and
        compact (one line per certificate) when the full text would need scrolling."""
        scroll = self.query_one("#overview-scroll", VerticalScroll)
        width, height = scroll.size
        if not width:
            return
        width -= 1  # room for a scrollbar, so a URL never hides behind it
        text = overview_text(self.view, width)
        if height and self._lines(text, width) > height - self._details_height():
            text = overview_text(self.view, width, compact=True)
        self.query_one("#overview", Static).update(text)

    def _lines(self, text: Text, width: int) -> int:
        return len(text.wrap(self.app.console, width))

    def _details_height(self) -> int:
        details = self.query_one("#details", Static)
        return details.outer_size.height if details.display else 0

    def set_details(self, lines: list[str]) -> None:
        """The rehearsal in detail; shown only when the terminal is wide (see app.tcss)."""
        self.query_one("#details", Static).update("\n".join(lines))

    def set_status(self, message: str | Text) -> None:
        self.query_one("#status", StatusLine).show(message)

    def set_busy(self, label: str | None) -> None:
        """Show an indeterminate progress bar with ``label``; None removes it.

        Mounted only while busy: one widget less to style at startup.
        """
        from textual.widgets import ProgressBar

        self.set_class(label is not None, "-busy")
        for bar in self.query(ProgressBar):
            bar.remove()
        if label is not None:
            bar = ProgressBar(total=None, show_eta=False, show_percentage=False)
            self.mount(bar, before="#actions")
            self.set_status(label)

    async def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            await self.run_action(f"app.{event.option.id}")
