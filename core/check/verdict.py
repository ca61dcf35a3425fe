"""One verdict per URL: PASS, WARN or FAIL, with every reason and stable JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Level(StrEnum):
    """Ordered by severity: the verdict is the worst level among the reasons."""

    PASS = "PASS"
    WARN = "WARN"
    FAIL = "FAIL"


_RANK = {Level.PASS: 0, Level.WARN: 1, Level.FAIL: 2}


@dataclass(frozen=True)
class Reason:
    """One finding. ``code`` is stable (documented in docs/check.md); ``message``
    is one sentence for a person and may change wording."""

    level: Level
    code: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"level": str(self.level), "code": self.code, "message": self.message}


def fail(code: str, message: str) -> Reason:
    return Reason(Level.FAIL, code, message)


def warn(code: str, message: str) -> Reason:
    return Reason(Level.WARN, code, message)


def worst(reasons: list[Reason]) -> Level:
    """The verdict for a list of reasons: PASS when there are none."""
    level = Level.PASS
    for reason in reasons:
        if _RANK[reason.level] > _RANK[level]:
            level = reason.level
    return level


@dataclass(frozen=True)
class CertInfo:
    """What the output shows about the served certificate."""

    subject: str
    cn: str | None
    issuer: str
    serial_hex: str
    not_before: str  # ISO 8601, UTC
    not_after: str
    days_left: int
    is_ca: bool
    self_signed: bool
    key_type: str  # "RSA", "EC", ...
    key_bits: int
    signature_hash: str | None  # "sha256", "sha1", ... None when not a hash-based signature
    sha256: str  # "AB:CD:..." upper-case colon hex, as openssl prints
    sha1: str

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class CASource(StrEnum):
    """Which CAs a boot server's chain was checked against."""

    SERVED = "served"  # the certificate the URL serves, as the handset would install it
    CA_FILE = "ca-file"  # --ca: the URL served nothing the handset would install
    BOOT_FILES = "boot-files"  # --boot: the custom CAs the handset's boot files set


# How the handset matches NAME (docs/check.md): the certificate's Common Name, compared as
# a plain string; no DNS lookup, no subjectAltName, no wildcard.
NAME_RULE = "cn-plain-string"
_SOURCE_WORDS = {
    CASource.SERVED: "the served CA",
    CASource.CA_FILE: "the --ca CA",
    CASource.BOOT_FILES: "the boot files' custom CAs",
}


@dataclass(frozen=True)
class CACheckedAgainst:
    """One CA a boot server's chain was checked against."""

    cn: str | None
    sha256: str


@dataclass(frozen=True)
class BootServerResult:
    """How the boot server's HTTPS certificate fares once these CAs are installed, and
    what was checked: its chain against ``cas`` (from ``ca_source``), its CN against
    ``name``."""

    url: str
    name: str
    ok: bool
    cn: str | None = None
    sha256: str | None = None
    ca_source: CASource = CASource.SERVED
    cas: tuple[CACheckedAgainst, ...] = ()
    name_rule: str = NAME_RULE

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.__dict__,
            "ca_source": str(self.ca_source),
            "cas": [dict(ca.__dict__) for ca in self.cas],
        }

    def checked(self) -> str:
        """One sentence: what was checked and how it came out (the readable report's line)."""
        against = _SOURCE_WORDS[self.ca_source]
        names = ", ".join(f"CN {ca.cn}" for ca in self.cas if ca.cn)
        if names:
            against += f" ({names})"
        if self.ok:
            return (
                f"Boot server {self.url} passes: chain checked against {against}; CN equals "
                f"{self.name} by plain string comparison, as the handset compares."
            )
        cn = f" ({self.cn})" if self.cn else ""
        return (
            f"Boot server {self.url} does not pass: chain checked against {against}; CN{cn} "
            f"checked against {self.name} by plain string comparison."
        )


@dataclass
class Verdict:
    """Everything the checker found about one URL."""

    index: int  # position of the URL in the input, from 0
    url: str  # as given, with any FTP password masked
    reasons: list[Reason] = field(default_factory=list)
    status: int | None = None  # HTTP status of the last response, when there was one
    final_url: str = ""
    content_type: str = ""
    size: int = 0  # bytes received (up to the cap)
    fetch_failure: str | None = None  # core.fetch.Failure value when the download failed
    handset_accepts: bool | None = None  # would the emulated handset install it (None: not tried)
    certificate: CertInfo | None = None
    ca_match: bool | None = None  # with --ca: served certificate == local CA
    boot_servers: list[BootServerResult] = field(default_factory=list)
    elapsed_ms: int = 0

    @property
    def level(self) -> Level:
        return worst(self.reasons)

    @property
    def title(self) -> str:
        """What the readable report names this verdict by (check --boot adds the MAC)."""
        return self.url

    def to_dict(self) -> dict[str, Any]:
        """The JSON object documented in docs/check.md (field names are stable)."""
        cert = self.certificate
        return {
            "index": self.index,
            "url": self.url,
            "verdict": str(self.level),
            "reasons": [r.to_dict() for r in self.reasons],
            "sha256": cert.sha256 if cert else None,
            "sha1": cert.sha1 if cert else None,
            "http_status": self.status,
            "final_url": self.final_url,
            "content_type": self.content_type,
            "bytes": self.size,
            "fetch_failure": self.fetch_failure,
            "handset_accepts": self.handset_accepts,
            "certificate": cert.to_dict() if cert else None,
            "ca_match": self.ca_match,
            "boot_servers": [b.to_dict() for b in self.boot_servers],
            "elapsed_ms": self.elapsed_ms,
        }

    def to_json(self) -> str:
        """One line of JSON, no trailing newline."""
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"))
