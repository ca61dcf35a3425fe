"""The provisioning files a handset reads at boot, parsed as strictly as a phone should.

Sources (DESIGN.md, "Provisioning files"):

- vendor doc (Spectralink, "Installing Certificates on Spectralink 8400
  Handsets"; Polycom UC software admin guides): the files are XML and the
  parameters are attributes; the master file is named by the handset's MAC
  (12 lower-case hex digits, ``000000000000.cfg`` for any handset) and its
  ``CONFIG_FILES`` attribute lists the files to read, comma-separated, in order;
  a ``device.*`` parameter takes effect only when its ``.set`` parameter is "1".
- rehearsal choice: what is refused here (a DOCTYPE or entity, found by the XML
  parser itself whatever the file's encoding; a file over ``MAX_FILE_BYTES`` or
  with more than ``MAX_ELEMENTS`` elements; a master file without an ``APPLICATION``
  element; a listed name that leaves the boot server's folder), the wording of every
  reason, and ``clip``: no value from a file shows more than ``MAX_SHOWN``
  characters in a boot-log line or a reason.

``parse_master`` and ``parse_config`` take bytes and return plain data or raise
``BootFileError`` with one sentence; no I/O happens here. This is the one reading of
the format: the handset boots from it and ``check --boot`` (core.check.boot) judges a
boot server's files with it, so the two cannot disagree.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from enum import StrEnum
from xml.parsers import expat

from core.errors import UserError

# rehearsal choice: a provisioning file holds two PEM certificates at most; 64 KiB is
# the download cap core.fetch applies to a CA certificate too.
MAX_FILE_BYTES = 64 * 1024
MAX_CONFIG_FILES = 32  # rehearsal choice: a CONFIG_FILES list longer than this is refused
MAX_PARAMETERS = 2000  # rehearsal choice
MAX_ELEMENTS = 10_000  # rehearsal choice: elements in one file, counted before any tree
MAX_NAME = 255  # rehearsal choice: a listed file name longer than this is refused
MAX_SHOWN = 120  # rehearsal choice: characters of a file's value shown in a log line

# vendor doc: the default master file any handset reads when its own is missing, named
# by a MAC of twelve zeros (so no handset may have that MAC).
DEFAULT_MASTER_MAC = "000000000000"
MASTER_SUFFIX = ".cfg"
MASTER_ELEMENT = "APPLICATION"  # vendor doc: the master file's element with CONFIG_FILES
# rehearsal choice: the MAC of the emulated handset unless a rehearsal gives another
# (00:90:7A is Spectralink's IEEE OUI; the rest is made up).
DEFAULT_MAC = "00907a000001"

_MAC = re.compile(r"[0-9a-f]{12}")
_MAC_SEPARATORS = re.compile(r"[:-]")
_FILE_NAME = re.compile(r"^[A-Za-z0-9._-][A-Za-z0-9._/-]*$")

# Parameter names (vendor doc: Polycom UC software admin guides; DESIGN.md).
DEVICE_SET = "device.set"
CUSTOM_CA = re.compile(r"^device\.sec\.TLS\.customCaCert([12])$")
PROFILE_CA_LIST = re.compile(r"^device\.sec\.TLS\.profile\.caCertList([0-9])$")
OLD_CERT_LIST = "device.sec.SSL.certList"  # older firmware: "all" = All Certificates
STRICT_CN = "device.sec.TLS.prov.strictCertCommonNameValidation"
SERVER_NAME = "device.prov.serverName"
SERVER_TYPE = "device.prov.serverType"
SET_SUFFIX = ".set"


class BootFileError(UserError):
    """A provisioning file the handset refuses to read (one sentence)."""


def normalize_mac(text: str) -> str | None:
    """12 lower-case hex digits (``:``/``-`` separators allowed in ``text``), or None when
    ``text`` is not a MAC address. The one MAC rule: the handset's setting, rehearse
    --mac, the fleet inventory and check --boot --mac all read a MAC with it."""
    value = _MAC_SEPARATORS.sub("", text.strip()).lower()
    return value if _MAC.fullmatch(value) else None


def check_mac(text: str) -> str:
    """12 hex digits (``:``/``-`` separators allowed), lower case; UserError otherwise."""
    mac = normalize_mac(text)
    if mac is None:
        raise UserError(f"{text!r} is not a MAC address: give 12 hex digits, e.g. 00907a000001.")
    return mac


def clip(text: str, limit: int = MAX_SHOWN) -> str:
    """text, or its first ``limit`` characters and an ellipsis (what a log line shows)."""
    return text if len(text) <= limit else text[:limit] + "…"


def master_name(mac: str) -> str:
    """vendor doc: the master file is named by the MAC, lower-case hex."""
    return f"{mac}{MASTER_SUFFIX}"


DEFAULT_MASTER = master_name(DEFAULT_MASTER_MAC)


class _DeclarationFound(Exception):
    """Raised by the expat handlers below at the first DTD declaration."""


class _TooManyElements(Exception):
    """Raised by the expat handler below at element MAX_ELEMENTS + 1."""


def _refuse_declaration(*_args: object) -> None:
    raise _DeclarationFound


def _check_declarations(data: bytes, what: str) -> None:
    """BootFileError when expat meets a DOCTYPE, entity or notation declaration, more
    than MAX_ELEMENTS elements, or an encoding it cannot decode. The parser decodes the
    file first (UTF-8, UTF-16 with its BOM, Latin-1...), so no encoding hides a
    declaration, and it stops at the declaration, before any entity is expanded. Not
    well-formed: _root says where."""
    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = _refuse_declaration
    parser.EntityDeclHandler = _refuse_declaration
    parser.UnparsedEntityDeclHandler = _refuse_declaration
    parser.NotationDeclHandler = _refuse_declaration
    count = 0

    def count_element(*_args: object) -> None:
        nonlocal count
        count += 1
        if count > MAX_ELEMENTS:
            raise _TooManyElements

    parser.StartElementHandler = count_element
    try:
        parser.Parse(data, True)
    except _DeclarationFound:
        raise BootFileError(
            f"{what} has a DOCTYPE or entity declaration, which is refused."
        ) from None
    except _TooManyElements:
        raise BootFileError(f"{what} has more than {MAX_ELEMENTS} XML elements.") from None
    except (ValueError, LookupError):  # "multi-byte encodings are not supported", unknown
        raise BootFileError(
            f"{what} declares an encoding the handset cannot read; save it as UTF-8."
        ) from None
    except expat.ExpatError:
        pass


def _root(data: bytes, what: str) -> ET.Element:
    if len(data) > MAX_FILE_BYTES:
        raise BootFileError(
            f"{what} is {len(data)} bytes, over the {MAX_FILE_BYTES // 1024} KiB a "
            "provisioning file may have."
        )
    _check_declarations(data, what)
    if not data.strip():
        raise BootFileError(f"{what} is empty.")
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        line, column = exc.position
        raise BootFileError(
            f"{what} is not well-formed XML (line {line}, column {column + 1})."
        ) from None


def parse_master(data: bytes, what: str = "the master file") -> list[str]:
    """The file names in the master file's CONFIG_FILES, in order (may be empty).

    BootFileError: not XML, no APPLICATION element, no CONFIG_FILES attribute on it, or
    a name that is not a plain relative file name (no scheme, no leading /, no ``..``).
    """
    root = _root(data, what)
    found = next(root.iter(MASTER_ELEMENT), None)
    if found is None:
        raise BootFileError(f"{what} has no {MASTER_ELEMENT} element.")
    if "CONFIG_FILES" not in found.attrib:
        raise BootFileError(f"{what}'s {MASTER_ELEMENT} element has no CONFIG_FILES attribute.")
    names = [n.strip() for n in found.attrib["CONFIG_FILES"].split(",")]
    names = [n for n in names if n]
    if len(names) > MAX_CONFIG_FILES:
        raise BootFileError(f"{what} lists {len(names)} files; at most {MAX_CONFIG_FILES}.")
    for name in names:
        if len(name) > MAX_NAME or not _FILE_NAME.match(name) or ".." in name.split("/"):
            raise BootFileError(
                f"{what} lists {clip(name)!r}, which is not a file name on the boot server."
            )
    return names


def parse_config(data: bytes, what: str = "the configuration file") -> dict[str, str]:
    """Every attribute of every element, in document order (a later duplicate wins
    inside one file). BootFileError when the file is refused."""
    root = _root(data, what)
    params: dict[str, str] = {}
    for el in root.iter():
        params.update(el.attrib)
        if len(params) > MAX_PARAMETERS:
            raise BootFileError(f"{what} has more than {MAX_PARAMETERS} parameters.")
    return params


def merge(files: list[dict[str, str]]) -> dict[str, str]:
    """vendor doc (Polycom UC admin guides): a parameter in several files takes the
    value of the file listed first in CONFIG_FILES."""
    merged: dict[str, str] = {}
    for params in files:
        for name, value in params.items():
            merged.setdefault(name, value)
    return merged


class Verdict(StrEnum):
    """What the handset does with one parameter."""

    APPLIED = "applied"
    IGNORED = "ignored"  # not modelled, or its .set flag is not 1
    REFUSED = "refused"  # modelled, but the value is unusable


@dataclass(frozen=True)
class ParamLine:
    """One parameter's fate, as the boot log shows it."""

    name: str
    verdict: Verdict
    why: str

    def __post_init__(self) -> None:
        # Both may come from the file (a name, a value): a log line shows a bounded part.
        object.__setattr__(self, "name", clip(self.name))
        object.__setattr__(self, "why", clip(self.why))

    @property
    def text(self) -> str:
        return f"{self.verdict}: {self.name} ({self.why})"


def is_set(params: dict[str, str], name: str) -> tuple[bool, str]:
    """vendor doc: a device.* parameter applies only when ``device.set`` and its own
    ``.set`` are "1". (True, "") or (False, why)."""
    if params.get(DEVICE_SET, "").strip() != "1":
        return False, f"{DEVICE_SET} is not 1"
    flag = params.get(name + SET_SUFFIX)
    if flag is None:
        return False, f"no {name}{SET_SUFFIX}"
    if flag.strip() != "1":
        return False, f"{name}{SET_SUFFIX} is {flag.strip() or 'empty'}, not 1"
    return True, ""


def is_flag(name: str) -> bool:
    return name == DEVICE_SET or name.endswith(SET_SUFFIX)


BOOT_SCHEMES = ("ftp", "http", "https")


def boot_base_url(text: str) -> str:
    """The folder URL a boot reads files from: scheme://[user:pass@]host[:port]/path/.

    vendor doc: the server may carry a scheme and credentials, forward slashes only, no
    spaces. rehearsal choice: a bare NAME (or NAME:port) means https://NAME/, as the
    idle screen's Provision reads it. UserError (one sentence) when unusable.
    """
    value = text.strip()
    if not value:
        raise UserError("No provisioning server is set.")
    if " " in value or "\\" in value:
        raise UserError(f"{value!r} is not a server address: no spaces, forward slashes only.")
    if "://" not in value:
        value = "https://" + value
    scheme, _, rest = value.partition("://")
    if scheme.lower() not in BOOT_SCHEMES:
        raise UserError(
            f"The provisioning server must be ftp://, http:// or https:// (got {scheme}://)."
        )
    rest = rest.split("?", 1)[0].split("#", 1)[0]
    host = rest.split("/", 1)[0].rpartition("@")[2]
    if not host:
        raise UserError(f"{text.strip()!r} has no server name.")
    if "/" not in rest:
        rest += "/"
    if not rest.endswith("/"):
        rest += "/"
    return f"{scheme.lower()}://{rest}"


def server_from_parameters(name: str, server_type: str | None) -> str:
    """device.prov.serverName (+ serverType when the name has no scheme) as a boot URL."""
    value = name.strip()
    if "://" not in value and server_type:
        value = f"{server_type.strip().lower()}://{value}"
    return boot_base_url(value)
