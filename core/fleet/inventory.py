"""The site's inventory: a CSV file, one handset a row, read strictly.

Columns (header row, names matched without case or surrounding blanks): ``mac``
(required; 12 hex digits, ``:`` or ``-`` between them allowed, kept lower case),
``extension`` and ``label`` (optional). Other columns are the trainer's records
and are ignored. Every bad row is found in one pass and reported with the file
and line number; nothing is built from an inventory with a bad row.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from core.errors import UserError
from core.fileio import INVENTORY_FILE, read_small_file

# The MAC rule and the default master file's MAC are the handset's (core.handset.bootfiles);
# DEFAULT_MAC stays the fleet's name for the MAC of the master any handset reads without its own.
from core.handset.bootfiles import DEFAULT_MASTER_MAC as DEFAULT_MAC
from core.handset.bootfiles import normalize_mac

MAX_SHOWN = 20  # bad rows printed; the rest are counted
MAX_VALUE = 128  # characters in an extension or label (rehearsal choice)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Handset:
    """One inventory row: the MAC (12 lower-case hex digits) and its own values."""

    mac: str
    extension: str = ""
    label: str = ""
    line: int = 0  # where it is in the inventory, for messages


@dataclass(frozen=True)
class Problem:
    line: int
    reason: str


class InventoryError(UserError):
    """Bad rows: str() is a first sentence, then one ``FILE:LINE: reason`` line each."""

    def __init__(self, path: str, problems: list[Problem]) -> None:
        self.path = path
        self.problems = problems
        count = len(problems)
        rows = "1 problem" if count == 1 else f"{count} problems"
        lines = [
            f"The inventory {path} has {rows}; fix every line below and run the command "
            "again (nothing was written)."
        ]
        lines += [f"{path}:{p.line}: {p.reason}" for p in problems[:MAX_SHOWN]]
        if count > MAX_SHOWN:
            lines.append(f"... and {count - MAX_SHOWN} more.")
        super().__init__("\n".join(lines))


def mac_problem(text: str) -> str | None:
    """Why ``text`` cannot name a handset (None when it can)."""
    if not text.strip():
        return "the mac column is empty; give the handset's MAC address (12 hex digits)."
    mac = normalize_mac(text)
    if mac is None:
        return (
            f"{text.strip()!r} is not a MAC address; give 12 hex digits, "
            "optionally separated by : or -."
        )
    if mac == DEFAULT_MAC:
        return (
            "000000000000 is the default master file's name, not a handset; "
            "give the handset's own MAC address."
        )
    return None


def read_inventory(path: str | Path) -> list[Handset]:
    """The handsets of an inventory file, in file order (InventoryError for bad rows;
    UserError when the file cannot be read: core.fileio's bounded reader)."""
    data = read_small_file(path, INVENTORY_FILE)
    return parse_inventory(data, str(path))


def parse_inventory(data: bytes, path: str = "inventory") -> list[Handset]:
    problems: list[Problem] = []
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]  # the BOM spreadsheets write
    if not data.strip():
        raise UserError(
            f"The inventory {path} is empty; give a CSV file with a header row naming a "
            "mac column and one handset a row."
        )
    try:
        text = data.decode("utf-8")
        bad_lines: set[int] = set()
    except UnicodeDecodeError:
        bad_lines = _undecodable_lines(data)
        problems += [
            Problem(n, "bytes that are not UTF-8; save the file as UTF-8 (CSV UTF-8).")
            for n in sorted(bad_lines)
        ]
        text = data.decode("utf-8", errors="replace")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        header = []
    names = [h.strip().lower() for h in header]
    if "mac" not in names:
        found = ", ".join(repr(h) for h in header if h.strip()) or "nothing"
        problems.insert(
            0,
            Problem(
                1,
                f"the header row has no mac column (found {found}); put the column names "
                "on the first line: mac, extension, label.",
            ),
        )
        raise InventoryError(path, problems)
    col: dict[str, int] = {
        name: names.index(name) for name in ("mac", "extension", "label") if name in names
    }
    handsets: list[Handset] = []
    seen: dict[str, int] = {}
    end = reader.line_num
    while True:
        start = end + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(Problem(start, f"the CSV cannot be read here ({exc}); fix the quotes."))
            break
        end = reader.line_num
        if not any(cell.strip() for cell in row):
            continue  # a blank line
        if start in bad_lines:
            continue  # already reported
        values = {name: row[i].strip() if i < len(row) else "" for name, i in col.items()}
        reason = mac_problem(values["mac"])
        if reason is None:
            reason = _value_problem(values)
        mac = normalize_mac(values["mac"]) or ""
        if reason is None and mac in seen:
            reason = f"MAC {mac} is also on line {seen[mac]}; keep one row per handset."
        if reason is not None:
            problems.append(Problem(start, reason))
            continue
        seen[mac] = start
        handsets.append(Handset(mac, values.get("extension", ""), values.get("label", ""), start))
    if problems:
        raise InventoryError(path, problems)
    if not handsets:
        raise UserError(
            f"The inventory {path} lists no handsets; add one row per handset under the header row."
        )
    return handsets


def _value_problem(values: dict[str, str]) -> str | None:
    for name in ("extension", "label"):
        value = values.get(name, "")
        if _CONTROL.search(value):
            return f"the {name} holds a control character; remove it."
        if len(value) > MAX_VALUE:
            return f"the {name} is longer than {MAX_VALUE} characters; shorten it."
        if "\ufffd" in value:
            return f"the {name} holds a replacement character (U+FFFD); retype it."
        if "\ufffe" in value or "\uffff" in value:  # not characters XML 1.0 can hold
            return f"the {name} holds a non-character (U+FFFE or U+FFFF); remove it."
    return None


def _undecodable_lines(data: bytes) -> set[int]:
    found: set[int] = set()
    for number, line in enumerate(data.split(b"\n"), start=1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            found.add(number)
    return found
