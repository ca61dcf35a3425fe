"""The readable report: one block per URL, reasons wrapped to the terminal width."""

from __future__ import annotations

import textwrap
from collections import Counter

from core.check.verdict import Level, Verdict

INDENT = " " * 6
MARK = {Level.FAIL: "x", Level.WARN: "!", Level.PASS: "-"}


def format_verdict(verdict: Verdict, width: int = 80) -> list[str]:
    """Lines for one URL: the verdict and URL, what was served, then every reason."""
    lines = [f"{verdict.level!s:<5} {verdict.title}"]
    cert = verdict.certificate
    if cert is not None:
        left = f"{cert.days_left} days left" if cert.days_left >= 0 else "expired"
        lines.append(f"{INDENT}CN {cert.cn or '(none)'}, {left}")
        lines.append(f"{INDENT}SHA-256 {cert.sha256}")
        lines.append(f"{INDENT}SHA-1   {cert.sha1}")
    wrap = max(30, width - len(INDENT) - 2)

    def add(mark: str, sentence: str) -> None:
        text = textwrap.wrap(sentence, wrap, break_on_hyphens=False) or [""]
        lines.append(f"{INDENT}{mark} {text[0]}")
        lines.extend(f"{INDENT}  {more}" for more in text[1:])

    for boot in verdict.boot_servers:  # what --boot-server checked, passed or not
        add(MARK[Level.PASS if boot.ok else Level.FAIL], boot.checked())
    for reason in verdict.reasons:
        add(MARK[reason.level], f"{reason.message} [{reason.code}]")
    return lines


def summary_line(counts: Counter[Level], noun: str = "URL") -> str:
    """ "3 URLs checked: ..." (check --boot: noun "handset")."""
    total = sum(counts.values())
    noun = noun if total == 1 else f"{noun}s"
    parts = ", ".join(f"{counts.get(level, 0)} {level}" for level in Level)
    return f"{total} {noun} checked: {parts}."
