"""Which of the workspace's CAs signed each issued certificate: current, next or retired.

After `ca rollover --finish` the former CA is retired: phones drop it from slot 1,
and a boot server certificate it signed no longer verifies against ca.crt. This
module tells those apart for `status` (flagged), `ca show` (listed under their
real issuer) and the finish itself (refused while the current CA still signs
some, since finishing would retire it under them).

A certificate is matched to a CA by its issuer name, as openssl's chain building
starts; `ca renew` keeps the subject and key, so every generation of a renewed CA
is the same issuer. Only when two roles share a subject (a rollover started with
the current CA's own name) does the signature decide.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

from cryptography import x509

from core.errors import UserError
from core.pki import generations
from core.pki.constants import CA_CRT
from core.pki.workspace import Workspace, load_certificate

CURRENT, NEXT, RETIRED, UNKNOWN = "current", "next", "retired", "unknown"
SHOWN = 3  # names spelled out in a sentence before "and N more"


@dataclass
class Authorities:
    """The workspace's CA certificates by role, to say which one issued a certificate."""

    current: x509.Certificate
    next: x509.Certificate | None = None
    retired: list[x509.Certificate] = field(default_factory=list)
    _by_der: dict[bytes, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        names: dict[bytes, list[str]] = {}
        for role, ca in self.roles():
            names.setdefault(ca.subject.public_bytes(), []).append(role)
        # An issuer name that belongs to one role only is answered from its bytes.
        self._by_der = {der: roles[0] for der, roles in names.items() if len(set(roles)) == 1}

    def roles(self) -> list[tuple[str, x509.Certificate]]:
        found = [(CURRENT, self.current)]
        if self.next is not None:
            found.append((NEXT, self.next))
        found += [(RETIRED, ca) for ca in self.retired]
        return found

    def role_of_issuer(self, issuer_der: bytes) -> str | None:
        """The role for an issuer name's DER; None when the certificate itself must be read."""
        return self._by_der.get(issuer_der)

    def role_of(self, cert: x509.Certificate) -> str:
        """CURRENT, NEXT, RETIRED or UNKNOWN for a certificate of this workspace."""
        matches = [(role, ca) for role, ca in self.roles() if ca.subject == cert.issuer]
        if len({role for role, _ in matches}) == 1:
            return matches[0][0]
        for role, ca in matches:  # the same name in two roles: the signature decides
            try:
                cert.verify_directly_issued_by(ca)
            except Exception:  # any failure (signature, key type) means: not this one
                continue
            return role
        return UNKNOWN


def authorities(ws: Workspace) -> Authorities:
    """The current CA, the next one during a rollover, and the retired ones (previous/
    holds former certificates of the current CA too, after `ca renew`: not retired)."""
    current = ws.ca_certificate()
    upcoming = None
    with contextlib.suppress(FileNotFoundError, UserError, OSError):
        upcoming = load_certificate(generations.next_dir(ws.root) / CA_CRT, "CA certificate")
    live = {current.subject} | ({upcoming.subject} if upcoming is not None else set())
    retired = []
    prev = generations.previous_dir(ws.root)
    if prev.is_dir():
        for path in sorted(prev.glob("ca-*.crt")):
            with contextlib.suppress(UserError, OSError):
                ca = load_certificate(path, "CA certificate")
                if ca.subject not in live:
                    retired.append(ca)
    return Authorities(current, upcoming, retired)


def issued_roles(ws: Workspace, cas: Authorities | None = None) -> dict[str, str]:
    """Each issued name with the role of the CA that signed its certificate."""
    cas = cas or authorities(ws)
    roles = {}
    for name in ws.issued_names():
        with contextlib.suppress(FileNotFoundError, UserError, OSError):
            roles[name] = cas.role_of(load_certificate(ws.issued_paths(name).crt, "certificate"))
    return roles


def still_under_current(ws: Workspace) -> list[str]:
    """During a rollover: the names whose certificate the current CA (not the next) signed."""
    return [name for name, role in issued_roles(ws).items() if role == CURRENT]


def names_text(names: list[str], shown: int = SHOWN) -> str:
    """ "a", "a and b", "a, b, c and 2 more"."""
    if len(names) > shown:
        return f"{', '.join(names[:shown])} and {len(names) - shown} more"
    if len(names) > 1:
        return f"{', '.join(names[:-1])} and {names[-1]}"
    return names[0] if names else ""


def unfinished_sentence(names: list[str], anyway: str, how: str = "") -> str:
    """Why the finish is refused, one sentence: what it would break and what to run
    (``how``: the app's own words for `renew NAME --next`)."""
    these = "its certificate" if len(names) == 1 else "their certificates"
    how = how or (
        f"with `handset-ca renew NAME --next` (e.g. `handset-ca renew {names[0]} --next`)"
    )
    return (
        f"The current CA still signs {names_text(names)}, so finishing the rollover would "
        f"retire it under {these}; re-issue each under the next CA first {how}, {anyway}."
    )
