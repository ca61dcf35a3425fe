"""--boot-server: will the handset accept the boot server once this CA is installed?

Bulletin: the phone does no DNS lookup, "only a simple string comparison" of the
boot server name with the certificate's Common Name. A name present only in the
subjectAltName, a wildcard CN, and a plain mismatch each get their own reason,
because each has a different fix. A name a technician types on the phone is lower
case (bulletin: "All character are entered as lower case"), so the fix always
names the lower-case name, and a CN with upper case is warned about even when it
equals the name given here: a phone that types it can never match it.
"""

from __future__ import annotations

import ipaddress

from cryptography import x509

from core.check.verdict import Reason, fail, warn
from core.errors import UserError
from core.handset.accept import certificate_cn
from core.handset.provision import BootServer, parse_boot_server
from core.pki.names import check_server_name


def boot_server_option(text: str) -> BootServer:
    """A --boot-server value (and the check screen's Boot server field), checked up front.

    It must be written https://NAME[:PORT]/ (docs/check.md), NAME a host name or IP
    address as `issue` accepts it: anything else is a usage error (UserError), so a
    typo is said once, before any URL is checked, instead of FAILing every URL.
    """
    value = text.strip()
    if not value.lower().startswith("https://"):
        raise UserError(
            f"The boot server {text!r} is not an https:// address; give it as "
            "https://NAME/ or https://NAME:PORT/, NAME exactly as phones are given it."
        )
    if "?" in value or "#" in value:
        raise UserError(
            f"The boot server {text!r} has a query or fragment (? or #), which a boot server "
            "address never has; give it as https://NAME/ or https://NAME:PORT/."
        )
    authority = value[len("https://") :].split("/", 1)[0]
    if authority.startswith("[") and not _bracketed(authority):
        raise UserError(
            f"The boot server {text!r} opens a bracket it does not close as [ADDRESS] or "
            "[ADDRESS]:PORT; give an IPv6 boot server as https://[ADDRESS]/."
        )
    bare = authority.partition("]")[2] if authority.startswith("[") else authority
    if "[" in bare or "]" in bare:
        raise UserError(
            f"The boot server {text!r} has a bracket out of place; only an IPv6 address is "
            "written in brackets, as https://[ADDRESS]/."
        )
    server = parse_boot_server(value)  # its own sentences for a user name or a bad port
    try:
        check_server_name(server.host)
    except UserError:
        raise UserError(
            f"The boot server {text!r} does not name a host: give it as https://NAME/ with "
            "NAME a host name or IP address exactly as phones are given it."
        ) from None
    return server


def _bracketed(authority: str) -> bool:
    """[ADDRESS] or [ADDRESS]:PORT, the bracket closed once."""
    inside, close, rest = authority[1:].partition("]")
    return bool(close) and "[" not in inside and (not rest or rest.startswith(":"))


def san_names(cert: x509.Certificate) -> list[str]:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (x509.ExtensionNotFound, ValueError):  # ValueError: a malformed extension
        return []
    names = [str(n) for n in san.get_values_for_type(x509.DNSName)]
    names += [str(ip) for ip in san.get_values_for_type(x509.IPAddress)]
    return names


def _wildcard_covers(pattern: str, name: str) -> bool:
    if not pattern.startswith("*."):
        return False
    try:
        ipaddress.ip_address(name)
        return False
    except ValueError:
        pass
    head, dot, tail = name.partition(".")
    return bool(head and dot) and tail.lower() == pattern[2:].lower()


def name_reason(cert: x509.Certificate, name: str, *, typed: bool = False) -> Reason | None:
    """None when CN == NAME exactly (the handset's rule); else one reason with its fix.

    ``typed``: NAME is one a technician types on the phone (``--boot-server``), so a CN
    with upper case, though equal to NAME, gets a WARN: the phone would type it in lower
    case. The advice always names the lower-case name.
    """
    cn = certificate_cn(cert)
    lower = name.lower()
    if cn == name:
        if typed and name != lower:
            return warn(
                "boot-server-upper-case",
                f"The boot server certificate's CN {cn} has upper case, but a phone enters "
                f"the boot server name in lower case ({lower}), which can never equal it by "
                f"plain string comparison; reissue the certificate with CN={lower} and give "
                f"phones that name.",
            )
        return None
    if cn == lower:
        fix = f"give the handset the name {lower}, which equals the CN"
    else:
        fix = f"reissue the boot server certificate with CN={lower}"
        if lower != name:
            fix += " and give the handset that name"
    if cn and "*" in cn:
        extra = " even though it would cover the name" if _wildcard_covers(cn, name) else ""
        return fail(
            "boot-server-wildcard",
            f"The boot server certificate's CN is the wildcard {cn}, which the handset "
            f"compares as plain text{extra}; {fix}.",
        )
    if cn is not None and cn.lower() == lower:
        typing = " (a phone types it in lower case anyway)" if typed and name != lower else ""
        return fail(
            "boot-server-cn-mismatch",
            f"The boot server certificate's CN {cn} differs from {name} in case, and the "
            f"handset compares the two as plain strings{typing}; {fix}.",
        )
    if any(n.lower() == lower for n in san_names(cert)):
        shown = cn if cn else "missing"
        return fail(
            "boot-server-san-only",
            f"{name} is only in the boot server certificate's subjectAltName (CN is {shown}), "
            f"but the handset compares the Common Name only; {fix}.",
        )
    if cn is None:
        return fail(
            "boot-server-cn-mismatch",
            f"The boot server certificate has no Common Name, so it cannot equal {name}; {fix}.",
        )
    other = f", or give the handset the name {cn}" if cn == cn.lower() else ""
    return fail(
        "boot-server-cn-mismatch",
        f"The boot server certificate's CN {cn} is not {name} by plain string comparison "
        f"(the handset does no DNS lookup); {fix}{other}.",
    )
