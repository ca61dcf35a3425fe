"""The text of each fleet file: master files, site.cfg, per-handset files.

Pure functions from values to bytes; build.py puts them on disk. XML 1.0, UTF-8,
parameters as attributes; a PEM keeps its line breaks as character references
(``&#10;``), which every XML parser turns back into newlines, so the certificate
read back is the one in ca.crt byte for byte.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from core.fleet.inventory import DEFAULT_MAC, Handset
from core.fleet.params import (
    ALL_CERTIFICATES_VALUE,
    CUSTOM_CA,
    DEVICE_SET,
    HTTPS_SERVER_TYPE,
    LAYOUT_SOURCE,
    PROFILE_CA_LIST,
    PROFILE_SELECTION,
    PROVISIONING_PROFILE,
    REG_ADDRESS,
    REG_LABEL,
    REHEARSAL_CHOICE,
    SERVER_NAME,
    SERVER_TYPE,
    SITE_FILE,
    SOURCES,
    STRICT_CN,
    Source,
    ext_name,
    master_name,
    set_name,
)

XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'
_ESCAPES = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        '"': "&quot;",
        "\n": "&#10;",
        "\r": "&#13;",
        "\t": "&#9;",
    }
)
PEM_BLOCK = re.compile(
    rb"-----BEGIN CERTIFICATE-----\r?\n.*?-----END CERTIFICATE-----(?:\r?\n)?", re.DOTALL
)


def attr(value: str) -> str:
    """An attribute value, quoted; newlines kept as character references."""
    return '"' + value.translate(_ESCAPES) + '"'


def comment(text: str) -> str:
    """An XML comment; "--" cannot occur in one, so it is spaced out."""
    safe = text.replace("--", "- -")
    if safe.endswith("-"):
        safe += " "
    return f"<!-- {safe} -->"


@dataclass(frozen=True)
class SiteCA:
    """A CA certificate for the site file: its PEM exactly as in its file, and a note."""

    pem: str
    note: str  # "current CA ca.crt, SHA-256 AB:..." shown in a comment


def pem_block(data: bytes) -> bytes | None:
    """The first certificate PEM block of a file, its bytes unchanged (line ends kept)."""
    found = PEM_BLOCK.search(data)
    return found.group(0) if found else None


def site_file(cas: Sequence[SiteCA], boot_server: tuple[str, int] | None = None) -> bytes:
    """site.cfg: the custom CA(s), the provisioning profile's CA list, strict CN, and
    the HTTPS provisioning server when one is given."""
    params: list[tuple[str, str, str]] = [(DEVICE_SET, "1", "")]
    for slot, ca in zip(CUSTOM_CA, cas, strict=False):
        params.append((set_name(slot), "1", ""))
        params.append((slot, ca.pem, ca.note))
    params += [
        (set_name(PROFILE_SELECTION), "1", ""),
        (PROFILE_SELECTION, PROVISIONING_PROFILE, ""),
        (set_name(PROFILE_CA_LIST), "1", ""),
        (PROFILE_CA_LIST, ALL_CERTIFICATES_VALUE, ""),
        (set_name(STRICT_CN), "1", ""),
        (STRICT_CN, "1", ""),
    ]
    if boot_server is not None:
        host, port = boot_server
        name = host if port == 443 else f"{host}:{port}"
        params += [
            (set_name(SERVER_TYPE), "1", ""),
            (SERVER_TYPE, HTTPS_SERVER_TYPE, ""),
            (set_name(SERVER_NAME), "1", ""),
            (SERVER_NAME, name, ""),
        ]
    lines = [
        XML_DECLARATION,
        comment(
            f"{SITE_FILE}, written by handset-ca fleet build: the settings every handset of "
            "the site reads. Each parameter's source is in the comment above it: "
            '"vendor doc" names the document, "rehearsal choice" is our assumption.'
        ),
        "\n<polycomConfig>\n",
    ]
    for name, _value, note in params:
        if name != DEVICE_SET and name.endswith(".set"):
            continue  # covered by device.set's comment
        source = SOURCES[name]
        extra = f" {note}." if note else ""
        lines.append(f"  {comment(source.comment(name) + '.' + extra)}\n")
    lines.append("  <device\n")
    lines += [f"    {name}={attr(value)}\n" for name, value, _note in params]
    lines.append("  />\n</polycomConfig>\n")
    return "".join(lines).encode("utf-8")


def master_file(mac: str, config_files: Sequence[str], note: str = "") -> bytes:
    """<mac>.cfg: which files the handset reads, in order (the first listed wins)."""
    listed = ", ".join(config_files)
    text = (
        XML_DECLARATION
        + comment(
            f"Master file {master_name(mac)}{note}, written by handset-ca fleet build. "
            + LAYOUT_SOURCE.comment("CONFIG_FILES")
            + ". APP_FILE_PATH is empty: no firmware is served (rehearsal choice)."
        )
        + f'\n<APPLICATION APP_FILE_PATH="" CONFIG_FILES={attr(listed)} />\n'
    )
    return text.encode("utf-8")


def handset_master(handset: Handset) -> bytes:
    return master_file(
        handset.mac,
        [ext_name(handset.mac), SITE_FILE],
        f" (inventory line {handset.line})",
    )


def default_master() -> bytes:
    return master_file(DEFAULT_MAC, [SITE_FILE], " (any handset without its own)")


_HANDSET_SOURCE = Source(REHEARSAL_CHOICE, "a per-handset file read before site.cfg")


def handset_file(handset: Handset) -> bytes:
    """<mac>-ext.cfg: the handset's own values from the inventory."""
    params = [(REG_ADDRESS, handset.extension), (REG_LABEL, handset.label)]
    params = [(name, value) for name, value in params if value]
    lines = [
        XML_DECLARATION,
        comment(
            f"{ext_name(handset.mac)}, written by handset-ca fleet build from inventory line "
            f"{handset.line}: {_HANDSET_SOURCE.text} ({_HANDSET_SOURCE.label})."
        ),
        "\n<polycomConfig>\n",
    ]
    lines += [f"  {comment(SOURCES[name].comment(name) + '.')}\n" for name, _v in params]
    if params:
        lines.append("  <reg " + " ".join(f"{n}={attr(v)}" for n, v in params) + " />\n")
    lines.append("</polycomConfig>\n")
    return "".join(lines).encode("utf-8")
