"""The Check view: `handset-ca check` on URLs typed or loaded from a file.

Everything that decides a verdict is core.check (docs/check.md); this screen
collects the inputs, runs ``check_urls`` in an async worker on the app's loop,
and writes each verdict (in input order) as the CLI's readable report does.
When the rehearsal boot server is published, its connect map lets
``http://bootserver1.example.com/ca.crt`` be checked without DNS.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import aclosing
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TextIO

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, ProgressBar, RichLog, Static, TextArea

from core.errors import error_sentence
from tui.early_keys import EarlyKeys
from tui.keybar import KeyBar

if TYPE_CHECKING:
    from core.bootserver import BootServer
    from core.check import CheckOptions, Verdict
    from core.rehearsal import Rehearsal

NO_URLS = "Type at least one URL, or give a file with one URL a line (# starts a comment)."
# The verdict word carries the meaning; colour only repeats it (16 colours, NO_COLOR).
LEVEL_STYLE = {"PASS": "bold green", "WARN": "bold yellow", "FAIL": "bold red"}


class UrlsArea(TextArea):
    """The URLs, several lines high: spaces or line breaks between them, a long list
    wrapped at the spaces so several URLs show at once. Enter runs the check (as it
    does in the one-line fields); a pasted list keeps its lines.

    Unlike the handset's entry nothing is lower-cased: the checker must see the
    capitals a list holds, or its upper-case rule could never fire.
    """

    @dataclass
    class Submitted(Message):
        """Enter in the URLs: run the check."""

        area: UrlsArea

    def __init__(self, value: str = "", **kwargs: Any) -> None:
        super().__init__(
            value, soft_wrap=True, tab_behavior="focus", highlight_cursor_line=False, **kwargs
        )

    @property
    def value(self) -> str:
        return self.text

    @value.setter
    def value(self, text: str) -> None:
        self.load_text(text)
        self.move_cursor(self.document.end)

    def on_mount(self) -> None:
        from tui.scrollbars import whole_cell_scrollbars

        whole_cell_scrollbars(self)
        self.move_cursor(self.document.end)  # as a one-line field: typing adds to the list

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            self.post_message(self.Submitted(self))
            return
        await super()._on_key(event)

    async def _on_paste(self, event: events.Paste) -> None:
        await super()._on_paste(event)
        event.stop()  # handled: not pasted a second time on its way up
        event.prevent_default()


class MarkCheckbox(Checkbox):
    """A checkbox whose X shows only when ticked, so its state reads without colour
    (Textual's always shows the X and colours it; NO_COLOR would hide the state)."""

    @property
    def _button(self) -> Content:
        self.BUTTON_INNER = "X" if self.value else " "
        return super()._button


class CheckScreen(EarlyKeys, Screen[None]):
    """URLs, a file, boot servers, the CA toggle; then a progress bar and the verdicts."""

    AUTO_FOCUS = "#urls"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "run", "Run", key_display="F2", id="check_run", tooltip="Check the URLs"),
        Binding(
            "f3", "stop", "Stop", key_display="F3", id="check_stop", tooltip="Cancel the check"
        ),
        Binding(
            "escape",
            "close",
            "Close",
            key_display="Esc",
            id="check_close",
            tooltip="Stop a running check; otherwise back to the workbench",
        ),
    ]

    def __init__(self, rehearsal: Rehearsal | None = None) -> None:
        super().__init__()
        self.rehearsal = rehearsal  # the app's: its boot server, CA and clock
        self.counts: Counter[str] = Counter()
        self.total: int | None = None

    # ----- what the app offers

    @property
    def _server(self) -> BootServer | None:
        return self.rehearsal.server if self.rehearsal is not None else None

    def _ca_path(self) -> Path | None:
        if self.rehearsal is None:
            return None
        path = self.rehearsal.workspace.ca_crt_path
        return path if path.exists() else None

    def compose(self) -> ComposeResult:
        server = self._server
        urls = " ".join(server.urls()) if server is not None else ""
        boot = (server.provisioning_url() or "") if server is not None else ""
        ca = self._ca_path()
        with Vertical(id="check") as box:
            box.border_title = "Check certificate URLs (as handset-ca check)"
            box.border_subtitle = "Tab next field · Enter or F2 runs · Esc stops/closes"
            with Horizontal(classes="row urls-row"):
                yield Label("URLs", classes="field-label")
                yield UrlsArea(
                    urls,
                    placeholder="http://host/ca.crt ... (a space or a line between URLs)",
                    compact=True,
                    id="urls",
                )
            with Horizontal(classes="row"):
                yield Label("URL file", classes="field-label")
                yield Input(
                    placeholder="optional: one URL a line, # comments", compact=True, id="file"
                )
            with Horizontal(classes="row"):
                yield Label("Boot server", classes="field-label")
                yield Input(
                    value=boot, placeholder="optional: https://NAME/ ...", compact=True, id="boot"
                )
            label = (
                f"Compare with this workspace's CA ({ca})"
                if ca is not None
                else "Compare with this workspace's CA (none yet)"
            )
            yield MarkCheckbox(label, value=ca is not None, compact=True, id="use-ca")
            yield Static(id="check-error", classes="error")
            yield ProgressBar(total=None, show_eta=False, id="check-progress")
            yield Static(self._ready_text(server), id="check-status")
            yield RichLog(wrap=True, min_width=20, id="check-results")
        yield KeyBar()

    def _ready_text(self, server: Any) -> str:
        if server is not None:
            return "The published boot server's names resolve here without DNS."
        return "Enter or F2 runs the check; each verdict shows below as it is ready."

    def on_mount(self) -> None:
        blink = getattr(self.app, "blink", True)
        for field in self.query(Input):
            field.cursor_blink = blink
        self.query_one(UrlsArea).cursor_blink = blink
        from tui.scrollbars import whole_cell_scrollbars

        whole_cell_scrollbars(self.query_one("#check-results"))  # no ▇ marks under NO_COLOR
        self.query_one("#use-ca", Checkbox).disabled = self._ca_path() is None

    # ----- keys

    @property
    def running(self) -> bool:
        return any(w.group == "check" and not w.is_finished for w in self.workers)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "stop":
            return True if self.running else None  # shown dim when there is nothing to stop
        return True

    def early_enter(self, field: Widget) -> None:
        field.call_later(self.action_run)  # once the field has the keys before it

    @on(Input.Submitted)
    @on(UrlsArea.Submitted)
    def submitted(self) -> None:
        self.action_run()

    def action_run(self) -> None:
        from core.errors import UserError

        if self.running:  # one check at a time: a second would mix its verdicts in
            self._status("A check is running: F3 stops it, then F2 runs again.")
            return
        error = self.query_one("#check-error", Static)
        error.display = False
        try:
            typed, path, options = self._inputs()
        except UserError as exc:
            error.update(str(exc))
            error.display = True
            return
        self.counts.clear()
        self.query_one("#check-results", RichLog).clear()
        if path:  # the worker counts the file's URLs (it may be long): not on the loop
            self.total = None
            self._status(f"Counting the URLs in {path}… F3 or Esc stops.")
        else:
            self._begin(len(typed))
        self._check(typed, path, options)
        self.refresh_bindings()

    def _begin(self, total: int) -> None:
        self.total = total
        bar = self.query_one("#check-progress", ProgressBar)
        bar.update(total=total, progress=0)
        bar.display = True
        noun = "URL" if total == 1 else "URLs"
        self._status(f"Checking {total} {noun}… F3 or Esc stops.")

    def action_stop(self) -> None:
        if self.running:
            self.workers.cancel_group(self, "check")

    def action_close(self) -> None:
        if self.running:
            self.action_stop()  # Esc stops first; a second Esc closes
            return
        self.dismiss(None)

    # ----- inputs -> core.check

    def _inputs(self) -> tuple[list[str], str, CheckOptions]:
        """Typed URLs, the file and the options; UserError for any bad input."""
        from core.check import CheckOptions, boot_server_option
        from core.check.sources import load_ca_file
        from core.errors import UserError

        typed = self.query_one("#urls", UrlsArea).value.split()
        path = self.query_one("#file", Input).value.strip()
        if path:
            path = str(Path(path).expanduser())
        elif not typed:
            raise UserError(NO_URLS)
        boot = [boot_server_option(spec) for spec in self.query_one("#boot", Input).value.split()]
        options = CheckOptions(boot_servers=boot)
        ca = self._ca_path()
        if ca is not None and self.query_one("#use-ca", Checkbox).value:
            options.ca = load_ca_file(ca)
            options.ca_path = str(ca)
        server = self._server
        if server is not None:
            options.connect_to = server.connect_map()
        clock = self.rehearsal.clock if self.rehearsal is not None else None
        if clock is not None:
            options.now = clock()
        return typed, path, options

    @work(exclusive=True, exit_on_error=False, group="check")
    async def _check(self, typed: list[str], path: str, options: CheckOptions) -> None:
        from core.check import check_urls, in_input_order, summary_line
        from core.check.sources import count_urls, open_url_file, url_lines
        from core.errors import UserError

        stream: TextIO | None = None
        stopped = True
        try:
            if path:
                total = len(typed) + await asyncio.to_thread(count_urls, path)
                if not total:
                    raise UserError(NO_URLS)
                self._begin(total)
            urls: Iterator[str] = iter(typed)
            if path:
                stream = open_url_file(path)
                urls = itertools.chain(urls, url_lines(stream))
            checks = check_urls(urls, options, progress=self._progress, total=self.total)
            async with aclosing(checks), aclosing(in_input_order(checks)) as ordered:
                async for verdict in ordered:
                    self._show(verdict)
            stopped = False
            self._status(summary_line(Counter(self.counts)))  # type: ignore[arg-type]
            # Followed the end while running; done, read from the first verdict.
            # (after the writes' own scroll_end, which waits for a refresh too).
            self.call_after_refresh(self.query_one("#check-results", RichLog).scroll_home)
        except UserError as exc:
            stopped = False
            self._error(str(exc))
        except OSError as exc:  # the file became unreadable part-way
            stopped = False
            self._error(
                f"Reading the URL list failed ({exc.strerror or exc}); "
                "check the file and run again."
            )
        except Exception as exc:  # never a traceback: one line, as the rest of the app
            stopped = False
            self._error(error_sentence(exc))
        finally:
            if stream is not None:
                stream.close()
            if stopped:  # cancelled (F3, Esc, or the screen closed)
                done = sum(self.counts.values())
                if self.total is None:  # while counting the file
                    self._status("Stopped.")
                else:
                    self._status(f"Stopped: {done} of {self.total} URLs checked.")
            if self.is_attached:
                self.query_one("#check-progress", ProgressBar).display = False
                self.call_after_refresh(self.refresh_bindings)

    def _progress(self, done: int, total: int | None) -> None:
        self.query_one("#check-progress", ProgressBar).update(total=total, progress=done)

    def _show(self, verdict: Verdict) -> None:
        from core.check import format_verdict

        self.counts[str(verdict.level)] += 1
        log = self.query_one("#check-results", RichLog)
        width = log.scrollable_content_region.width or (self.app.size.width - 6)
        lines = fit_fingerprints(format_verdict(verdict, max(40, width)), width)
        log.write(verdict_text(verdict, lines), width=width)

    def _status(self, text: str) -> None:
        if self.is_attached:
            self.query_one("#check-status", Static).update(text)

    def _error(self, text: str) -> None:
        if self.is_attached:
            error = self.query_one("#check-error", Static)
            error.update(text)
            error.display = True
            self._status("")


def fit_fingerprints(lines: Iterable[str], width: int) -> Iterator[str]:
    """Fingerprint lines longer than ``width`` broken at colons, aligned under the first part."""
    for line in lines:
        head, sep, value = line.rpartition(" ")
        if len(line) <= width or ":" not in value or not sep:
            yield line
            continue
        pad = " " * (len(head) + 1)
        room = max(3, width - len(pad))
        room -= room % 3  # whole "AB:" groups
        parts = [value[i : i + room] for i in range(0, len(value), room)]
        yield head + " " + parts[0]
        yield from (pad + part for part in parts[1:])


def verdict_text(verdict: Verdict, lines: Iterable[str]) -> Text:
    """The CLI's lines for one verdict, the PASS/WARN/FAIL word in bold colour."""
    level = str(verdict.level)
    text = Text()
    for number, line in enumerate(lines):
        if number:
            text.append("\n")
        if number == 0 and line.startswith(level):
            text.append(level, style=LEVEL_STYLE.get(level, "bold"))
            text.append(line[len(level) :])
        else:
            text.append(line)
    return text
