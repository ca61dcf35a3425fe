"""--boot-server: will the handset accept the boot server once this CA is installed?

Bulletin: the phone does no DNS lookup, "only a simple string comparison" of the
boot server name with the certificate's Common Name. A name present only in the
subjectAltName, a wildcard CN, and a plain mismatch each get their own reason,
because each has a different fix.
"""

from __future__ import annotations

import ipaddress

from cryptography import x509

from core.check.verdict import Reason, fail
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


def name_reason(cert: x509.Certificate, name: str) -> Reason | None:
    """None when CN == NAME exactly (the handset's rule); else one FAIL with its fix."""
    cn = certificate_cn(cert)
    if cn == name:
        return None
    fix = f"reissue the boot server certificate with CN={name}"
    if cn and "*" in cn:
        extra = " even though it would cover the name" if _wildcard_covers(cn, name) else ""
        return fail(
            "boot-server-wildcard",
            f"The boot server certificate's CN is the wildcard {cn}, which the handset "
            f"compares as plain text{extra}; {fix}.",
        )
    if name in san_names(cert) or any(n.lower() == name.lower() for n in san_names(cert)):
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
    return fail(
        "boot-server-cn-mismatch",
        f"The boot server certificate's CN {cn} is not {name} by plain string comparison "
        f"(the handset does no DNS lookup); {fix}, or give the handset the name {cn}.",
    )
