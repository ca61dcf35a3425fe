"""Expiry at a glance: the CA (and a next CA) and every issued certificate.

Fast on big workspaces: the validity is read straight from the DER (a few
fields at the start of TBSCertificate) instead of parsing each certificate
with cryptography; a file that this reader cannot follow is handed to
cryptography, and one that neither can read is listed as unreadable.
"""

from __future__ import annotations

import binascii
import datetime as dt
import errno
import os
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509

from core.errors import UserError
from core.fileio import WORKSPACE_FILE, UnreadableFile, read_if_exists, read_small_file
from core.pki import generations
from core.pki.constants import CA_CRT, SERVER_CRT
from core.pki.issuers import CURRENT, NEXT, RETIRED, Authorities, authorities
from core.pki.summary import serial_hex
from core.pki.workspace import Workspace

DEFAULT_WARN_DAYS = 90
OK, WARNING, EXPIRED = "ok", "warning", "expired"
# A server certificate whose issuer phones no longer hold (or never held): it fails
# whatever its dates say, so it needs care too.
ISSUER_RETIRED, UNKNOWN_ISSUER = "issuer retired", "unknown issuer"


@dataclass(slots=True)
class Expiry:
    """One certificate's expiry. Times are kept as epoch seconds and ISO text (cheap for
    10,000 entries); ``not_before`` and ``not_after`` give aware UTC datetimes."""

    name: str  # the issued name, or "CA" / "next CA"
    kind: str  # "ca", "next-ca" or "server"
    file: str  # the certificate's path
    serial_hex: str
    start: int  # notBefore, epoch seconds
    end: int  # notAfter, epoch seconds
    not_before_iso: str  # "2026-12-01T20:02:50Z"
    not_after_iso: str
    days_left: int  # whole days; negative once expired
    used_percent: float  # share of the lifetime gone, 0..100
    state: str  # OK, WARNING (inside the window), EXPIRED, ISSUER_RETIRED or UNKNOWN_ISSUER
    issuer: str = ""  # a server's: "current", "next", "retired" or "unknown" (issuers.py)

    @property
    def path(self) -> Path:
        return Path(self.file)

    @property
    def not_before(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.start, dt.UTC)

    @property
    def not_after(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.end, dt.UTC)

    def as_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "kind": self.kind,
            "path": self.file,
            "serial": self.serial_hex,
            "not_before": self.not_before_iso,
            "not_after": self.not_after_iso,
            "days_left": self.days_left,
            "lifetime_used_percent": self.used_percent,
            "state": self.state,
            "issuer": self.issuer or None,
        }


@dataclass
class StatusReport:
    warn_days: int
    now: dt.datetime
    entries: list[Expiry]  # inside the window (expired first) first, then by not-after
    unreadable: list[Path] = field(default_factory=list)

    @property
    def attention(self) -> list[Expiry]:
        """Expired, inside the warning window or signed by a retired or unknown CA (exit 1
        of `status`)."""
        return [e for e in self.entries if e.state != OK]

    @property
    def next_expiry(self) -> Expiry | None:
        """The certificate that expires next (not yet expired), for a status line."""
        ahead = [e for e in self.entries if e.state != EXPIRED]
        return min(ahead, key=lambda e: e.end) if ahead else None

    def as_json(self) -> dict[str, object]:
        return {
            "warn_days": self.warn_days,
            "now": self.now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "attention": len(self.attention),
            "next_expiry": None if (nxt := self.next_expiry) is None else nxt.as_json(),
            "certificates": [e.as_json() for e in self.entries],
            "unreadable": [str(p) for p in self.unreadable],
        }


# ---- a minimal DER reader: serial and validity only ---------------------------------------


def _header(der: bytes, pos: int, whole: bool = True) -> tuple[int, int, int]:
    """(tag, start of content, end of content) of the element at ``pos``; ``whole``
    checks the content is all in ``der`` (the outer two may run past a prefix)."""
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
    if whole and end > len(der):
        raise ValueError("truncated")
    return tag, pos, end


_DAYS: dict[str, int] = {}  # "YYYY-MM-DD" -> days since the epoch (dates repeat a lot)
_EPOCH = dt.date(1970, 1, 1).toordinal()


def _time(der: bytes, tag: int, start: int, end: int) -> tuple[int, str]:
    """(epoch seconds, ISO text) of a UTCTime or GeneralizedTime in Z form."""
    text = der[start:end].decode("ascii")
    if tag == 0x17 and len(text) == 13:  # UTCTime YYMMDDHHMMSSZ (RFC 5280: 50..99 are 19xx)
        century = "19" if text[0] >= "5" else "20"
        text = century + text
    elif tag != 0x18 or len(text) != 15:  # GeneralizedTime YYYYMMDDHHMMSSZ
        raise ValueError("time")
    if text[14] != "Z" or not text[:14].isdigit():
        raise ValueError("time")
    day = f"{text[0:4]}-{text[4:6]}-{text[6:8]}"
    days = _DAYS.get(day)
    if days is None:
        days = _DAYS[day] = dt.date.fromisoformat(day).toordinal() - _EPOCH
    seconds = days * 86400 + int(text[8:10]) * 3600 + int(text[10:12]) * 60 + int(text[12:14])
    return seconds, f"{day}T{text[8:10]}:{text[10:12]}:{text[12:14]}Z"


def read_validity(der: bytes) -> tuple[int, tuple[int, str], tuple[int, str]]:
    """(serial, not_before, not_after) from a DER certificate, each time as (epoch
    seconds, ISO text); ValueError if not one."""
    serial, _, not_before, not_after = read_fields(der)
    return serial, not_before, not_after


def read_fields(der: bytes) -> tuple[int, bytes, tuple[int, str], tuple[int, str]]:
    """As read_validity, with the issuer name's DER second."""
    tag, pos, _ = _header(der, 0, False)  # Certificate
    if tag != 0x30:
        raise ValueError("not a sequence")
    tag, pos, _ = _header(der, pos, False)  # TBSCertificate
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
    tag, _, pos = _header(der, pos)  # signature algorithm
    if tag != 0x30:
        raise ValueError("sequence")
    issuer_at = pos
    tag, _, pos = _header(der, pos)  # issuer
    if tag != 0x30:
        raise ValueError("sequence")
    issuer = der[issuer_at:pos]
    tag, pos, _ = _header(der, pos)  # Validity
    if tag != 0x30:
        raise ValueError("validity")
    tag, start, end = _header(der, pos)
    not_before = _time(der, tag, start, end)
    tag, start, end = _header(der, end)
    return serial, issuer, not_before, _time(der, tag, start, end)


PREFIX_LINES = 1040  # base64 characters (16 PEM lines): 780 bytes of DER, past the validity


def der_prefix(data: bytes) -> bytes:
    """The start of the DER inside a PEM certificate (all of it for a DER file).

    The validity sits in the first few hundred bytes; decoding only those is the
    biggest saving on 10,000 files. A subject too long for the prefix makes
    read_validity fail, and the caller then reads the whole certificate.
    """
    begin = data.find(b"-----BEGIN CERTIFICATE-----")
    if begin < 0:
        return data
    begin = data.index(b"\n", begin) + 1
    end = data.find(b"-----END CERTIFICATE-----", begin)
    if end < 0:
        raise ValueError("no end")
    cut = data.rfind(b"\n", begin, min(end, begin + PREFIX_LINES))  # whole lines: whole quads
    return binascii.a2b_base64(data[begin : cut if cut > begin else end])


def certificate_validity(data: bytes) -> tuple[int, tuple[int, str], tuple[int, str]]:
    """As read_validity, for a PEM or DER certificate; ValueError if unreadable."""
    serial, _, not_before, not_after = certificate_fields(data)
    return serial, not_before, not_after


def certificate_fields(data: bytes) -> tuple[int, bytes, tuple[int, str], tuple[int, str]]:
    """As read_fields, for a PEM or DER certificate; ValueError if unreadable."""
    try:
        return read_fields(der_prefix(data))
    except (ValueError, IndexError, UnicodeDecodeError, binascii.Error):
        pass
    # What the short reader does not follow (odd encodings): ask the library.
    cert = _load(data)
    return (
        cert.serial_number,
        cert.issuer.public_bytes(),
        _stamp(cert.not_valid_before_utc),
        _stamp(cert.not_valid_after_utc),
    )


def _load(data: bytes) -> x509.Certificate:
    if b"-----BEGIN" in data:
        return x509.load_pem_x509_certificate(data)
    return x509.load_der_x509_certificate(data)


def _stamp(when: dt.datetime) -> tuple[int, str]:
    return int(when.timestamp()), when.strftime("%Y-%m-%dT%H:%M:%SZ")


def expiry(
    name: str,
    kind: str,
    path: str,
    data: bytes,
    now: float,
    warn_days: int,
    cas: Authorities | None = None,
) -> Expiry:
    """``now`` in epoch seconds; ``cas`` tells who signed a server certificate."""
    number, issuer, (start, start_iso), (end, end_iso) = certificate_fields(data)
    left = end - now
    lifetime = end - start
    used = (now - start) / lifetime * 100 if lifetime > 0 else 100.0
    if left <= 0:
        state = EXPIRED
    elif left <= warn_days * 86400:
        state = WARNING
    else:
        state = OK
    role = ""
    if cas is not None:
        role = cas.role_of_issuer(issuer) or cas.role_of(_load(data))
        if role not in (CURRENT, NEXT) and state != EXPIRED:
            state = ISSUER_RETIRED if role == RETIRED else UNKNOWN_ISSUER
    return Expiry(
        name,
        kind,
        path,
        serial_hex(number) if number >= 0 else str(number),
        start,
        end,
        start_iso,
        end_iso,
        int(left // 86400),  # floor, as timedelta.days (and CertSummary.days_left)
        round(min(100.0, max(0.0, used)), 1),
        state,
        role,
    )


_RANK = {EXPIRED: 0, ISSUER_RETIRED: 1, UNKNOWN_ISSUER: 1, WARNING: 2, OK: 3}


def expiry_status(
    ws: Workspace, warn_days: int = DEFAULT_WARN_DAYS, now: dt.datetime | None = None
) -> StatusReport:
    """Every certificate of the workspace with its expiry, the ones needing care first.

    The CA must exist (UserError otherwise); a next CA of a rollover is listed too.
    """
    now = now or dt.datetime.now(dt.UTC)
    stamp = now.timestamp()
    signers = authorities(ws)  # "There is no CA in ..." when there is none
    report = StatusReport(warn_days, now, [])
    cas = [("CA", "ca", ws.ca_crt_path)]
    cas.append(("next CA", "next-ca", generations.next_dir(ws.root) / CA_CRT))
    for name, kind, path in cas:
        try:  # bounded: a FIFO or /dev/zero put there is listed, never waited on
            data = read_if_exists(path, WORKSPACE_FILE)
        except UserError:
            report.unreadable.append(path)
            continue
        if data is None:
            continue
        try:
            report.entries.append(expiry(name, kind, str(path), data, stamp, warn_days))
        except ValueError:
            report.unreadable.append(path)
    try:
        scan = os.scandir(ws.issued_dir)
    except (FileNotFoundError, NotADirectoryError):
        scan = None
    if scan is not None:
        tail = os.sep + SERVER_CRT
        with scan:
            for entry in scan:
                if entry.name.startswith("."):
                    continue  # temp folders of an issue in progress (or killed)
                crt = entry.path + tail  # str, not Path: 10,000 of them
                try:  # bounded, non-blocking: a FIFO or a device is listed as unreadable
                    data = read_small_file(crt, WORKSPACE_FILE)
                except UnreadableFile as exc:
                    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
                        continue  # not a folder, or a CSR-less leftover: nothing issued there
                    report.unreadable.append(Path(crt))
                    continue
                except UserError:  # not a regular file, or too large
                    report.unreadable.append(Path(crt))
                    continue
                try:
                    item = expiry(entry.name, "server", crt, data, stamp, warn_days, signers)
                except ValueError:
                    report.unreadable.append(Path(crt))
                else:
                    report.entries.append(item)
    report.entries.sort(key=lambda e: (_RANK[e.state], e.end, e.name))
    report.unreadable.sort()
    return report
