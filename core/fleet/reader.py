"""A small, strict reading of provisioning files, for `check --boot`.

Only what the format needs: elements and their attributes, in document order.
Refused outright: a DOCTYPE (so no entity can be declared, expanded or fetched),
a file over MAX_CONFIG_BYTES, bytes that are not UTF-8 XML. Comments and text
are skipped. (The emulated handset has its own parser in core.handset; the two
follow one file format and are to be unified.)
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from xml.parsers import expat

MAX_CONFIG_BYTES = 256 * 1024
MAX_ELEMENTS = 10_000
MASTER_ELEMENT = "APPLICATION"
_SPLIT = re.compile(r"\s*,\s*")


class ConfigError(ValueError):
    """A file that is not one the handset could read; str() says why in one clause."""


@dataclass(frozen=True)
class MasterFile:
    config_files: tuple[str, ...]  # in read order
    app_file_path: str


class _Refused(Exception):
    pass


def _elements(data: bytes) -> list[tuple[str, dict[str, str]]]:
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(f"it is larger than {MAX_CONFIG_BYTES // 1024} KiB")
    found: list[tuple[str, dict[str, str]]] = []
    parser = expat.ParserCreate(encoding=None)

    def start(tag: str, attrs: dict[str, str]) -> None:
        if len(found) >= MAX_ELEMENTS:
            raise _Refused(f"it has more than {MAX_ELEMENTS} elements")
        found.append((tag, attrs))

    def doctype(*_args: object) -> None:
        raise _Refused("it has a DOCTYPE, which provisioning files never need")

    def entity(*_args: object) -> None:
        raise _Refused("it declares an entity")

    parser.StartElementHandler = start
    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = entity
    parser.ExternalEntityRefHandler = lambda *_a: False
    try:
        parser.Parse(data, True)
    except _Refused as exc:
        raise ConfigError(str(exc)) from None
    except expat.ExpatError as exc:
        raise ConfigError(
            f"it is not well-formed XML ({expat.ErrorString(exc.code)}, line {exc.lineno})"
        ) from None
    if not found:
        raise ConfigError("it holds no XML element")
    return found


def parse_master(data: bytes) -> MasterFile:
    """A master file: its APPLICATION element's CONFIG_FILES, split on commas."""
    for tag, attrs in _elements(data):
        if tag == MASTER_ELEMENT:
            if "CONFIG_FILES" not in attrs:
                raise ConfigError(f"its {MASTER_ELEMENT} element has no CONFIG_FILES attribute")
            names = tuple(n for n in _SPLIT.split(attrs["CONFIG_FILES"].strip()) if n)
            return MasterFile(names, attrs.get("APP_FILE_PATH", ""))
    raise ConfigError(f"it has no {MASTER_ELEMENT} element")


def parse_config(data: bytes) -> dict[str, str]:
    """A config file's parameters: every attribute of every element, the first kept."""
    params: dict[str, str] = {}
    for _tag, attrs in _elements(data):
        for name, value in attrs.items():
            params.setdefault(name, value)
    return params


def merge_params(files: Iterable[dict[str, str]]) -> dict[str, str]:
    """Parameters of files read in CONFIG_FILES order: a file listed earlier wins
    (the per-handset file before site.cfg; Polycom UC admin guides)."""
    merged: dict[str, str] = {}
    for params in files:
        for name, value in params.items():
            merged.setdefault(name, value)
    return merged
