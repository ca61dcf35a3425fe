"""Subjects, boot server names and issued-folder names: validation and openssl-style text."""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from dataclasses import dataclass

from cryptography import x509
from cryptography.x509.oid import NameOID

from core.errors import UserError


@dataclass(frozen=True)
class Subject:
    """A distinguished name as the bulletin's `openssl req` prompts for it."""

    cn: str
    country: str = ""
    state: str = ""
    locality: str = ""
    org: str = ""
    ou: str = ""
    email: str = ""


# Field order as `openssl req` writes it; the short names are openssl's.
_FIELDS = (
    ("country", NameOID.COUNTRY_NAME, "Country"),
    ("state", NameOID.STATE_OR_PROVINCE_NAME, "State"),
    ("locality", NameOID.LOCALITY_NAME, "Locality"),
    ("org", NameOID.ORGANIZATION_NAME, "Organization"),
    ("ou", NameOID.ORGANIZATIONAL_UNIT_NAME, "Organizational unit"),
    ("cn", NameOID.COMMON_NAME, "Common Name"),
    ("email", NameOID.EMAIL_ADDRESS, "E-mail address"),
)
_SHORT = {
    NameOID.COUNTRY_NAME: "C",
    NameOID.STATE_OR_PROVINCE_NAME: "ST",
    NameOID.LOCALITY_NAME: "L",
    NameOID.ORGANIZATION_NAME: "O",
    NameOID.ORGANIZATIONAL_UNIT_NAME: "OU",
    NameOID.COMMON_NAME: "CN",
    NameOID.EMAIL_ADDRESS: "emailAddress",
    NameOID.SERIAL_NUMBER: "serialNumber",
    NameOID.DOMAIN_COMPONENT: "DC",
    NameOID.STREET_ADDRESS: "street",
    NameOID.GIVEN_NAME: "GN",
    NameOID.SURNAME: "SN",
    NameOID.TITLE: "title",
}


def attribute_label(oid: x509.ObjectIdentifier) -> str:
    """A subject attribute as a sentence names it: "O (Organization)", "serialNumber"."""
    labels = {field_oid: label for _, field_oid, label in _FIELDS}
    short = _SHORT.get(oid) or oid.dotted_string
    return f"{short} ({labels[oid]})" if oid in labels else short


_MAX_LEN = {NameOID.COMMON_NAME: 64, NameOID.EMAIL_ADDRESS: 128}
_HOST_LABEL = re.compile(r"[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?")
_LDH_LABEL = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?")  # RFC 1034 preferred
MAX_DNS_NAME = 253
# A leading colon is allowed: an IPv6 boot server such as ::1 gets issued/::1/.
_FOLDER = re.compile(r"[A-Za-z0-9_:][A-Za-z0-9._:-]{0,252}")


# Format characters that reorder what a terminal shows (RLO makes "exe.txt" of "txt.exe").
_BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


def is_control(ch: str) -> bool:
    """A control character (C0, DEL, C1) or a bidirectional override: never in a name."""
    return unicodedata.category(ch) == "Cc" or ch in _BIDI_CONTROLS


def has_control(text: str) -> bool:
    return any(is_control(ch) for ch in text)


def printable(text: str) -> str:
    """``text`` safe to show in a terminal, a log line or a table cell: every character
    that is not printable (ESC, a newline, a tab, a bidi override) written as a Python
    escape (\\x1b, \\n, \\u202e). The second line of defence: names with such characters
    are refused when made or signed, but any certificate can be shown."""
    if text.isprintable():
        return text
    out = []
    for ch in text:
        if ch.isprintable() and ch not in _BIDI_CONTROLS:
            out.append(ch)
        else:
            out.append(ascii(ch)[1:-1] if ch not in "'\"" else ch)
    return "".join(out)


def build_name(subject: Subject) -> x509.Name:
    """The x509.Name for ``subject``; UserError on a field openssl would refuse."""
    if not subject.cn.strip():
        raise UserError("The Common Name is required; give one (for a CA, e.g. Root CA).")
    attrs = []
    for field, oid, label in _FIELDS:
        value = getattr(subject, field).strip()
        if not value:
            continue
        if has_control(value):
            raise UserError(f"The {label} contains a control character; type plain text.")
        if oid == NameOID.COUNTRY_NAME and not (
            len(value) == 2 and value.isascii() and value.isalpha()
        ):
            raise UserError(f"The country must be two letters (e.g. US), not {value!r}.")
        if len(value) > _MAX_LEN.get(oid, 64):
            raise UserError(
                f"The {label} is longer than {_MAX_LEN.get(oid, 64)} characters; shorten it."
            )
        if oid == NameOID.EMAIL_ADDRESS:
            check_email(value)
        if oid == NameOID.COUNTRY_NAME:
            value = value.upper()
        attrs.append(x509.NameAttribute(oid, value))
    return x509.Name(attrs)


def check_email(value: str) -> None:
    """An e-mail address: exactly one @, something before it, a dotted domain after it."""
    local, _, domain = value.partition("@")
    labels = domain.split(".")
    if (
        value.count("@") != 1
        or not local
        or len(labels) < 2
        or not all(labels)
        or any(ch.isspace() for ch in value)
    ):
        raise UserError(
            f"The e-mail address {value!r} is not an address; give one like admin@example.com "
            "or leave it out."
        )


def name_text(name: x509.Name) -> str:
    """openssl style, in certificate order: "C=US, ST=Colorado, ..., CN=Root CA"."""
    parts = []
    for attr in name:
        short = _SHORT.get(attr.oid) or attr.oid._name
        if short == "Unknown OID":
            short = attr.oid.dotted_string
        # A value is bytes only for x500UniqueIdentifier (a BIT STRING); it has always
        # printed as Python's b'...' form, and says so here rather than by accident.
        value = attr.value if isinstance(attr.value, str) else repr(attr.value)
        parts.append(f"{short}={printable(value)}")  # never a terminal escape sequence
    return ", ".join(parts)


def common_names(name: x509.Name) -> list[str]:
    """Every CN in ``name``, in certificate order (signing refuses more than one)."""
    return [str(attr.value) for attr in name.get_attributes_for_oid(NameOID.COMMON_NAME)]


def common_name(name: x509.Name) -> str:
    values = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(values[-1].value) if values else ""


def parse_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def check_server_name(name: str) -> list[str]:
    """Check a boot server name (the CN phones compare against); return warnings.

    Raises UserError when phones could never match it: empty, blanks, a trailing
    dot, characters outside host names. The phone does no DNS lookup, only a
    plain string comparison, so the CN must be exactly what phones are given.
    """
    if not name:
        raise UserError(
            "The Common Name is empty; give the boot server's name exactly as phones "
            "will be given it (an FQDN or an IP address)."
        )
    if any(ch.isspace() for ch in name):
        raise UserError(
            f"The Common Name {name!r} contains a blank; phones compare the name as a "
            "plain string, so type it exactly as phones will be given it, without blanks."
        )
    if name.endswith("."):
        raise UserError(
            f"The Common Name {name!r} ends with a dot; drop the dot, since phones compare "
            "the name as a plain string and are given it without one."
        )
    if len(name) > 64:
        raise UserError(
            "The Common Name is longer than 64 characters, the X.509 limit; use a shorter name."
        )
    ip = parse_ip(name)
    if ip is not None:
        problem = ip_address_problem(ip)
        if problem:
            raise UserError(f"The Common Name {name!r} {problem}.")
        return _upper_case_warnings(name)
    labels = name.split(".")
    if len(labels) > 1 and all(label.isascii() and label.isdigit() for label in labels):
        raise UserError(
            f"The Common Name {name!r} is all digits and dots but not an IPv4 address; "
            "check the address (four numbers from 0 to 255, e.g. 10.0.0.5)."
        )
    if not all(_HOST_LABEL.fullmatch(label) for label in labels):
        raise UserError(
            f"The Common Name {name!r} is not a host name or IP address; use letters, "
            "digits, hyphens and dots only (e.g. bootserver1.example.com)."
        )
    return _upper_case_warnings(name)


def ip_address_problem(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why ``ip`` cannot be a boot server's address and what to do ("is ...; give ..."),
    or None.

    IPv4 and IPv6 literals are treated alike: any unicast address is accepted
    (loopback too, for rehearsals on this machine), written as phones are given
    it, since the phone compares the CN as a plain string. Refused: the
    unspecified and multicast addresses, and an IPv6 zone (%eth0), which no
    certificate can carry.
    """
    if isinstance(ip, ipaddress.IPv6Address) and ip.scope_id:
        return (
            f"carries a zone (%{ip.scope_id}), which a certificate cannot hold; give the "
            "address without it"
        )
    if ip.is_unspecified:
        return "is the unspecified address, which no server has; give the boot server's address"
    if ip.is_multicast:
        return "is a multicast address, which no server has; give the boot server's address"
    return None


def _upper_case_warnings(name: str) -> list[str]:
    if name == name.lower():
        return []
    return [
        f"The Common Name {name!r} has upper-case letters, but phones enter lower case "
        f"only and compare the name as a plain string: use {name.lower()!r} unless "
        "phones get the name from DHCP exactly as written."
    ]


def san_name_problem(name: str, *, allow_wildcard: bool = False) -> str | None:
    """Why ``name`` (a DNS name asked for in a CSR) cannot go into a certificate, or None.

    The CN's rules (a host name, no blank, no trailing dot) in the strict RFC 1034
    form RFC 5280 asks of dNSName: letters, digits and inner hyphens, labels of at
    most 63 characters, 253 in all. A wildcard only as the whole leftmost label of a
    name with at least two more labels, and only when the user allowed it.
    """
    if not name:
        return "it is empty"
    if any(ch.isspace() for ch in name):
        return "it contains a blank"
    if name.endswith("."):
        return "it ends with a dot"
    if len(name) > MAX_DNS_NAME:
        return f"it is longer than {MAX_DNS_NAME} characters"
    if parse_ip(name) is not None:
        return f"it is an IP address written as a DNS name; ask for it as IP:{name}"
    labels = name.split(".")
    if "*" in name:
        if not allow_wildcard:
            return "it is a wildcard, which is signed only with --allow-wildcard"
        if labels[0] != "*" or "*" in ".".join(labels[1:]) or len(labels) < 3:
            return "a wildcard must be the whole leftmost label of a name such as *.example.com"
        labels = labels[1:]
    if len(labels) > 1 and all(label.isascii() and label.isdigit() for label in labels):
        return "it is all digits and dots but not an IPv4 address"
    if not all(label.isascii() and _LDH_LABEL.fullmatch(label) for label in labels):
        return "a host name has only letters, digits, inner hyphens and dots"
    return None


def check_folder_name(name: str) -> str:
    """An issued/<name> folder name that cannot escape the workspace."""
    if not _FOLDER.fullmatch(name or "") or ".." in name:
        raise UserError(
            f"{name!r} cannot be used as a certificate name; use the boot server's name "
            "(letters, digits, dots, hyphens), with no slashes or leading dot."
        )
    return name
