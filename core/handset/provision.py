"""The bulletin's provisioning rule, applied to the result of a TLS handshake.

The phone connects to https://NAME[:port]/ with a platform profile's trust.
It provisions only when the chain verifies against that profile's CAs and
NAME equals the certificate's Common Name by plain string comparison
(bulletin: "does not perform a DNS lookup ... only a simple string
comparison"). No subjectAltName, no wildcard, no case folding (that last one
is our reading of "simple string comparison": a rehearsal choice).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.errors import UserError
from core.handset.accept import certificate_cn
from core.handset.menu import ALL_CERTIFICATES, BULLETIN, REHEARSAL

if TYPE_CHECKING:
    from core.fetch import TLSResult

# OpenSSL X509_V_ERR_* codes the phone tells apart.
X509_V_ERR_CERT_NOT_YET_VALID = 9
X509_V_ERR_CERT_HAS_EXPIRED = 10

_UNREACHABLE = {"NOT_RESOLVED", "REFUSED", "TIMEOUT", "NETWORK", "BAD_URL"}

OK = "ok"
UNTRUSTED = "untrusted"
NAME_MISMATCH = "name_mismatch"
NO_CN = "no_cn"
EXPIRED = "expired"
NOT_YET_VALID = "not_yet_valid"
UNREACHABLE = "unreachable"
TLS_ERROR = "tls_error"


@dataclass(frozen=True)
class BootServer:
    """Where the phone provisions from: https://host[:port]/."""

    host: str
    port: int = 443

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"https://{host}/" if self.port == 443 else f"https://{host}:{self.port}/"


def parse_boot_server(text: str) -> BootServer:
    """Read NAME, NAME:port or https://NAME[:port]/ (UserError if unusable).

    The name is kept exactly as given: the phone compares it, unchanged, with
    the certificate's Common Name.
    """
    value = text.strip()
    if "://" in value:
        scheme, _, value = value.partition("://")
        if scheme.lower() != "https":
            raise UserError(
                f"The boot server must be an https:// address (got {scheme}://): "
                "give it as https://NAME/."
            )
    value = value.split("/", 1)[0]
    if "@" in value:
        raise UserError("Give the boot server as https://NAME/ without a user name.")
    host, port = value, 443
    if value.startswith("["):
        host, _, rest = value[1:].partition("]")
        if rest.startswith(":"):
            port = _port(rest[1:], text)
    elif value.count(":") == 1:
        host, _, p = value.partition(":")
        port = _port(p, text)
    if not host:
        raise UserError(f"{text!r} has no server name: give the boot server as https://NAME/.")
    return BootServer(host, port)


def _port(text: str, whole: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise UserError(f"{whole!r} has a bad port: use https://NAME:PORT/ with PORT 1-65535.")
    return int(text)


@dataclass(frozen=True)
class ProvisionOutcome:
    ok: bool
    code: str
    message: str
    source: str
    name: str = ""  # the boot server name the phone compared
    cn: str | None = None  # the certificate's Common Name, when it got that far


def _failure_name(failure: object) -> str:
    return getattr(failure, "name", str(failure or "")).upper()


def check_provisioning(
    tls: TLSResult,
    name: str,
    *,
    ca_choice: str = ALL_CERTIFICATES,
    profile: str = "the profile",
    custom_cas: int | None = None,
) -> ProvisionOutcome:
    """Apply the bulletin's rule to a handshake made with the profile's trust.

    ``custom_cas``: how many custom CAs the phone holds (None: not known). With none and
    the profile not on All Certificates, an untrusted server needs both steps: say both."""
    if not tls.ok:
        failure = _failure_name(tls.failure)
        if tls.verify_code == X509_V_ERR_CERT_HAS_EXPIRED:
            return ProvisionOutcome(
                False,
                EXPIRED,
                f"Provisioning failed: the certificate of {name} (or its CA) has expired; "
                "issue a new one.",
                REHEARSAL,
                name,
            )
        if tls.verify_code == X509_V_ERR_CERT_NOT_YET_VALID:
            return ProvisionOutcome(
                False,
                NOT_YET_VALID,
                f"Provisioning failed: the certificate of {name} is not valid yet; "
                "check the clock of the machine that issued it.",
                REHEARSAL,
                name,
            )
        if failure == "TLS_UNTRUSTED" or tls.verify_code is not None:
            install = "install the CA that issued it under Custom CA Certificates"
            choose = f"set {profile}'s CA Certificate to {ALL_CERTIFICATES}"
            if ca_choice == ALL_CERTIFICATES:
                hint = f"{install}."
            elif custom_cas == 0:  # one step alone would only lead to the other's failure
                hint = f"{install}, then {choose}."
            else:
                hint = f"{choose}."
            return ProvisionOutcome(
                False,
                UNTRUSTED,
                f"Provisioning failed: the certificate of {name} is from an issuer "
                f"{profile} does not trust ({ca_choice}); {hint}",
                BULLETIN,
                name,
            )
        if failure in _UNREACHABLE:
            return ProvisionOutcome(
                False,
                UNREACHABLE,
                f"Provisioning failed: the boot server {name} is unreachable. {tls.message}",
                REHEARSAL,
                name,
            )
        return ProvisionOutcome(
            False, TLS_ERROR, f"Provisioning failed: {tls.message}", REHEARSAL, name
        )
    cn = certificate_cn(tls.peer_cert) if tls.peer_cert is not None else None
    if cn is None:
        return ProvisionOutcome(
            False,
            NO_CN,
            f"Provisioning failed: the certificate of {name} has no Common Name; "
            f"reissue it with CN={name}.",
            BULLETIN,
            name,
        )
    if cn != name:  # bulletin: simple string comparison, no DNS, no SAN
        return ProvisionOutcome(
            False,
            NAME_MISMATCH,
            f'Provisioning failed: boot server name "{name}" does not match the '
            f'certificate\'s Common Name "{cn}"; reissue it with CN={name} or set the '
            f"boot server to {cn}.",
            BULLETIN,
            name,
            cn,
        )
    return ProvisionOutcome(
        True,
        OK,
        f'Provisioning succeeded: {name} is trusted and matches Common Name "{cn}".',
        BULLETIN,
        name,
        cn,
    )
