"""The text of each fleet file: master files, site.cfg, per-handset files.

Pure functions from values to bytes, the one writer of the provisioning format:
build.py puts them on disk for fleet build, and the rehearsal boot server
(core.bootserver.publish.boot_files) serves them, with the knobs its drills use to
set up faults (``ca_set``, a master without site.cfg, the server in the per-handset
file). XML 1.0, UTF-8,
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
    SET_SUFFIX,
    SITE_FILE,
    SOURCES,
    STRICT_CN,
    Source,
    ext_name,
    master_name,
    set_name,
)

XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'
FLEET_BUILD = "handset-ca fleet build"  # who wrote a file, in its first comment
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


# (name, value, note): a parameter as written; the note goes into its comment.
Param = tuple[str, str, str]


def server_name(host: str, port: int) -> str:
    """device.prov.serverName for an HTTPS boot server: NAME, or NAME:PORT off 443."""
    return host if port == 443 else f"{host}:{port}"


def server_params(server: str) -> list[Param]:
    """The HTTPS provisioning server for the next boot: its type and its name."""
    return [
        (set_name(SERVER_TYPE), "1", ""),
        (SERVER_TYPE, HTTPS_SERVER_TYPE, ""),
        (set_name(SERVER_NAME), "1", ""),
        (SERVER_NAME, server, ""),
    ]


def config_file(header: str, elements: Sequence[tuple[str, Sequence[Param], bool]]) -> bytes:
    """A <polycomConfig> file: ``header`` as its first comment, then each (tag, params,
    one attribute a line) element with each parameter's source in a comment above it
    (a .set flag is covered by device.set's comment); an element without parameters is
    left out."""
    lines = [XML_DECLARATION, comment(header), "\n<polycomConfig>\n"]
    for tag, params, multiline in elements:
        if not params:
            continue
        for name, _value, note in params:
            if name != DEVICE_SET and name.endswith(SET_SUFFIX):
                continue
            extra = f" {note}." if note else ""
            lines.append(f"  {comment(SOURCES[name].comment(name) + '.' + extra)}\n")
        sep = "\n    " if multiline else " "
        lines.append(f"  <{tag}" + "".join(f"{sep}{n}={attr(v)}" for n, v, _ in params))
        lines.append("\n  />\n" if multiline else " />\n")
    lines.append("</polycomConfig>\n")
    return "".join(lines).encode("utf-8")


def site_file(
    cas: Sequence[SiteCA],
    boot_server: str | None = None,
    *,
    ca_set: str = "1",
    origin: str = FLEET_BUILD,
) -> bytes:
    """site.cfg: the custom CA(s), the provisioning profile's CA list, strict CN, and
    the HTTPS provisioning server when one is given (``boot_server``: the value of
    device.prov.serverName, e.g. server_name(host, port)). ``ca_set``: each custom
    CA's .set (a drill writes "0")."""
    params: list[Param] = [(DEVICE_SET, "1", "")]
    for slot, ca in zip(CUSTOM_CA, cas, strict=False):
        params.append((set_name(slot), ca_set, ""))
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
        params += server_params(boot_server)
    header = (
        f"{SITE_FILE}, written by {origin}: the settings every handset of "
        "the site reads. Each parameter's source is in the comment above it: "
        '"vendor doc" names the document, "rehearsal choice" is our assumption.'
    )
    return config_file(header, [("device", params, True)])


def application_file(config_files: Sequence[str], header: str) -> bytes:
    """A master file's shape: ``header`` as a comment, then the APPLICATION element
    listing the files to read, in order (the first listed wins)."""
    listed = ", ".join(config_files)
    text = (
        XML_DECLARATION
        + comment(header)
        + f'\n<APPLICATION APP_FILE_PATH="" CONFIG_FILES={attr(listed)} />\n'
    )
    return text.encode("utf-8")


def master_file(
    mac: str, config_files: Sequence[str], note: str = "", origin: str = FLEET_BUILD
) -> bytes:
    """<mac>.cfg: which files the handset reads, in order (the first listed wins)."""
    return application_file(
        config_files,
        f"Master file {master_name(mac)}{note}, written by {origin}. "
        + LAYOUT_SOURCE.comment("CONFIG_FILES")
        + ". APP_FILE_PATH is empty: no firmware is served (rehearsal choice).",
    )


def handset_master(handset: Handset, *, list_site: bool = True, origin: str = FLEET_BUILD) -> bytes:
    """<mac>.cfg: the handset's own file, then site.cfg (``list_site`` False: a drill's
    master that leaves the site file out)."""
    names = [ext_name(handset.mac), SITE_FILE] if list_site else [ext_name(handset.mac)]
    note = f" (inventory line {handset.line})" if handset.line else ""
    return master_file(handset.mac, names, note, origin)


def default_master(origin: str = FLEET_BUILD) -> bytes:
    return master_file(DEFAULT_MAC, [SITE_FILE], " (any handset without its own)", origin)


_HANDSET_SOURCE = Source(REHEARSAL_CHOICE, "a per-handset file read before site.cfg")


def handset_file(
    handset: Handset, *, boot_server: str | None = None, origin: str = FLEET_BUILD
) -> bytes:
    """<mac>-ext.cfg: the handset's own values from the inventory (``boot_server``: the
    provisioning server here instead of in site.cfg, a drill's fault)."""
    params = [(REG_ADDRESS, handset.extension, ""), (REG_LABEL, handset.label, "")]
    params = [p for p in params if p[1]]
    device: list[Param] = []
    if boot_server is not None:
        device = [(DEVICE_SET, "1", ""), *server_params(boot_server)]
    where = f" from inventory line {handset.line}" if handset.line else ""
    header = (
        f"{ext_name(handset.mac)}, written by {origin}{where}: "
        f"{_HANDSET_SOURCE.text} ({_HANDSET_SOURCE.label})."
    )
    return config_file(header, [("reg", params, False), ("device", device, False)])
