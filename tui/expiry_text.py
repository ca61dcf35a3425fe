"""Expiry as words and colours: the workbench's next-expiry line and the expiry list's rows.

A state is always a word as well as a colour (EXPIRED, WARN), so it reads the same with
NO_COLOR or on a monochrome terminal. Light to import: the workbench draws it at start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

if TYPE_CHECKING:
    from core.pki.status import Expiry
    from core.rehearsal import Overview

# The word beside each state (never colour alone) and its colour.
MARKERS: dict[str, tuple[str, str]] = {
    "expired": ("EXPIRED", "bold red"),
    "warning": ("WARN", "bold yellow"),
    "ok": ("ok", ""),
    "issuer retired": ("RETIRED", "bold red"),  # signed by a CA the rollover retired
    "unknown issuer": ("ISSUER?", "bold red"),
}
KIND_LABEL = {"ca": "CA", "next-ca": "next CA", "server": ""}


def marker(entry: Expiry) -> Text:
    word, style = MARKERS.get(entry.state, (entry.state, ""))
    return Text(word, style=style)


def days_text(days: int) -> str:
    if days < 0:
        return f"expired {-days} day{'s' if days != -1 else ''} ago"
    return f"{days} day{'s' if days != 1 else ''} left"


def next_expiry_text(view: Overview) -> Text | None:
    """One line for the workbench: the certificate that ends first, with its marker."""
    entry = view.next_expiry
    if entry is None:
        return None
    text = Text()
    text.append("Next expiry ", style="bold")
    text.append_text(marker(entry)) if entry.state != "ok" else None
    if entry.state != "ok":
        text.append(" ")
    label = KIND_LABEL.get(entry.kind) or entry.name
    days = days_text(entry.days_left).removeprefix("expired ")
    text.append(f"{entry.not_after:%Y-%m-%d} ({days}): {label}")
    attention = sum(1 for e in view.expiries if e.state != "ok")
    if attention > 1:
        text.append(f"; {attention} need care (e)")
    elif attention == 0 and len(view.expiries) > 1:
        text.append(" (e: all)")
    return text


def expiry_row(entry: Expiry, name_width: int) -> Text:
    """MARKER  name  not-after  days left  used%, one line."""
    word, style = MARKERS.get(entry.state, (entry.state, ""))
    name = entry.name if entry.kind == "server" else f"[{KIND_LABEL[entry.kind]}]"
    row = Text(no_wrap=True, overflow="ellipsis")
    row.append(f"{word:<7} ", style=style)
    row.append(f"{name:<{name_width}} ")
    row.append(f"{entry.not_after:%Y-%m-%d} ")
    row.append(f"{entry.days_left:>6} ", style=style)
    row.append(f"{entry.used_percent:>4.0f}%")
    return row
