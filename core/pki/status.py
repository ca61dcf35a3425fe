"""Expiry at a glance: the CA (and a next CA) and every issued certificate.

Fast on big workspaces: the validity is read straight from the DER (a few
fields at the start of TBSCertificate) instead of parsing each certificate
with cryptography; a file that this reader cannot follow is handed to
cryptography, and one that neither can read is listed as unreadable.
"""

from __future__ import annotations

import binascii
import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509

from core.pki import generations
from core.pki.constants import CA_CRT, SERVER_CRT
from core.pki.summary import serial_hex
from core.pki.workspace import Workspace

DEFAULT_WARN_DAYS = 90
OK, WARNING, EXPIRED = "ok", "warning", "expired"


@dataclass(frozen=True)
class Expiry:
    name: str  # the issued name, or "CA" / "next CA"
    kind: str  # "ca", "next-ca" or "server"
    path: Path
    serial_hex: str
    not_before: dt.datetime
    not_after: dt.datetime
    days_left: int  # whole days; negative once expired
    used_percent: float  # share of the lifetime gone, 0..100
    state: str  # OK, WARNING (inside the window) or EXPIRED

    def as_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "kind": self.kind,
            "path": str(self.path),
            "serial": self.serial_hex,
            "not_before": self.not_before.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "not_after": self.not_after.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "days_left": self.days_left,
            "lifetime_used_percent": self.used_percent,
            "state": self.state,
        }


@dataclass
class StatusReport:
    warn_days: int
    now: dt.datetime
    entries: list[Expiry]  # inside the window (expired first) first, then by not-after
    unreadable: list[Path] = field(default_factory=list)

    @property
    def attention(self) -> list[Expiry]:
        return [e for e in self.entries if e.state != OK]

    def as_json(self) -> dict[str, object]:
        return {
            "warn_days": self.warn_days,
            "now": self.now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "attention": len(self.attention),
            "certificates": [e.as_json() for e in self.entries],
            "unreadable": [str(p) for p in self.unreadable],
        }


# ---- a minimal DER reader: serial and validity only ---------------------------------------


def _header(der: bytes, pos: int) -> tuple[int, int, int]:
    """(tag, start of content, end of content) of the element at ``pos``."""
    tag = der[pos]
    length = der[pos + 1]
    pos += 2
    if length & 0x80:
        count = length & 0x7F
        if not 1 <= count <= 4:
            raise ValueError("length")
        length = int.from_bytes(der[pos : pos + count], "big")
        pos += count
    end = pos + length
    if end > len(der):
        raise ValueError("truncated")
    return tag, pos, end


def _time(der: bytes, tag: int, start: int, end: int) -> dt.datetime:
    text = der[start:end].decode("ascii")
    if not text.endswith("Z"):
        raise ValueError("not UTC")
    if tag == 0x17:  # UTCTime YYMMDDHHMMSSZ (RFC 5280: 50..99 are 19xx)
        year = int(text[0:2])
        year += 1900 if year >= 50 else 2000
        rest = text[2:]
    elif tag == 0x18:  # GeneralizedTime YYYYMMDDHHMMSSZ
        year = int(text[0:4])
        rest = text[4:]
    else:
        raise ValueError("time")
    if len(rest) != 11:
        raise ValueError("time")
    return dt.datetime(
        year,
        int(rest[0:2]),
        int(rest[2:4]),
        int(rest[4:6]),
        int(rest[6:8]),
        int(rest[8:10]),
        tzinfo=dt.UTC,
    )


def read_validity(der: bytes) -> tuple[int, dt.datetime, dt.datetime]:
    """(serial, not_before, not_after) from a DER certificate; ValueError if not one."""
    tag, pos, _ = _header(der, 0)  # Certificate
    if tag != 0x30:
        raise ValueError("not a sequence")
    tag, pos, _ = _header(der, pos)  # TBSCertificate
    if tag != 0x30:
        raise ValueError("not a sequence")
    tag, start, end = _header(der, pos)
    if tag == 0xA0:  # [0] version
        pos = end
        tag, start, end = _header(der, pos)
    if tag != 0x02:
        raise ValueError("serial")
    serial = int.from_bytes(der[start:end], "big", signed=True)
    pos = end
    for _ in range(2):  # signature algorithm, issuer
        tag, _, pos = _header(der, pos)
        if tag != 0x30:
            raise ValueError("sequence")
    tag, pos, _ = _header(der, pos)  # Validity
    if tag != 0x30:
        raise ValueError("validity")
    tag, start, end = _header(der, pos)
    not_before = _time(der, tag, start, end)
    tag, start, end = _header(der, end)
    return serial, not_before, _time(der, tag, start, end)


def _der(data: bytes) -> bytes:
    begin = data.find(b"-----BEGIN CERTIFICATE-----")
    if begin < 0:
        return data
    begin += 27
    end = data.find(b"-----END CERTIFICATE-----", begin)
    if end < 0:
        raise ValueError("no end")
    return binascii.a2b_base64(data[begin:end])


def certificate_validity(data: bytes) -> tuple[int, dt.datetime, dt.datetime]:
    """(serial, not_before, not_after) of a PEM or DER certificate; ValueError if unreadable."""
    try:
        return read_validity(_der(data))
    except (ValueError, IndexError, UnicodeDecodeError, binascii.Error):
        pass
    # What the short reader does not follow (odd encodings): ask the library.
    if b"-----BEGIN" in data:
        cert = x509.load_pem_x509_certificate(data)
    else:
        cert = x509.load_der_x509_certificate(data)
    return cert.serial_number, cert.not_valid_before_utc, cert.not_valid_after_utc


def expiry(
    name: str, kind: str, path: Path, data: bytes, now: dt.datetime, warn_days: int
) -> Expiry:
    number, not_before, not_after = certificate_validity(data)
    left = not_after - now
    days_left = left.days
    lifetime = (not_after - not_before).total_seconds()
    used = (now - not_before).total_seconds() / lifetime * 100 if lifetime > 0 else 100.0
    if left.total_seconds() <= 0:
        state = EXPIRED
    elif left <= dt.timedelta(days=warn_days):
        state = WARNING
    else:
        state = OK
    return Expiry(
        name=name,
        kind=kind,
        path=path,
        serial_hex=serial_hex(number) if number >= 0 else str(number),
        not_before=not_before,
        not_after=not_after,
        days_left=days_left,
        used_percent=round(min(100.0, max(0.0, used)), 1),
        state=state,
    )


def _order(entry: Expiry) -> tuple[int, dt.datetime, str]:
    rank = {EXPIRED: 0, WARNING: 1, OK: 2}[entry.state]
    return rank, entry.not_after, entry.name


def expiry_status(
    ws: Workspace, warn_days: int = DEFAULT_WARN_DAYS, now: dt.datetime | None = None
) -> StatusReport:
    """Every certificate of the workspace with its expiry, the ones needing care first.

    The CA must exist (UserError otherwise); a next CA of a rollover is listed too.
    """
    now = now or dt.datetime.now(dt.UTC)
    ws.ca_certificate()  # "There is no CA in ..." when there is none
    report = StatusReport(warn_days, now, [])
    cas = [("CA", "ca", ws.ca_crt_path)]
    cas.append(("next CA", "next-ca", generations.next_dir(ws.root) / CA_CRT))
    for name, kind, path in cas:
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            continue
        try:
            report.entries.append(expiry(name, kind, path, data, now, warn_days))
        except ValueError:
            report.unreadable.append(path)
    try:
        scan = os.scandir(ws.issued_dir)
    except (FileNotFoundError, NotADirectoryError):
        scan = None
    if scan is not None:
        with scan:
            for entry in scan:
                if entry.name.startswith("."):
                    continue  # temp folders of an issue in progress (or killed)
                path = Path(entry.path, SERVER_CRT)
                try:
                    with open(path, "rb") as handle:
                        data = handle.read(65536)
                except (FileNotFoundError, NotADirectoryError):
                    continue  # not a folder, or a CSR-less leftover: nothing issued there
                except OSError:
                    report.unreadable.append(path)
                    continue
                try:
                    report.entries.append(expiry(entry.name, "server", path, data, now, warn_days))
                except ValueError:
                    report.unreadable.append(path)
    report.entries.sort(key=_order)
    report.unreadable.sort()
    return report
