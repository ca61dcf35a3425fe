"""Can a technician type this URL into the handset, and may the handset fetch it?

The bulletin: the URL field starts as ``http://`` (that part can be edited), all
characters are entered as lower case, and ``ftp://user:pass@host/ca.crt`` URLs
are allowed. So the URL checked and fetched is the one the handset downloads
(core.handset.procedure.entered_url: lower case, a scheme-less URL typed after
the field's ``http://``), the very string a rehearsal types; upper case in the
user name, password or path is reported on its own (WARN ``upper-case``). The
scheme and the host name are case-insensitive (RFC 3986; DNS), so upper case
there changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from core.check.verdict import Reason, fail, warn
from core.handset.procedure import entered_url
from core.redact import mask_url

SCHEMES = ("http", "https", "ftp")
DEFAULT_SCHEME = "http"  # the handset's URL field starts as "http://" (bulletin)

_SCHEME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
_PERCENT_RE = re.compile(r"%[0-9A-Fa-f]{2}")


@dataclass
class UrlReport:
    """The typing and scheme findings for one URL, and what to fetch."""

    given: str
    fetch_url: str  # with a scheme; what the handset would request
    scheme: str  # lower case, "" when unusable
    display: str  # the URL with any password masked, for output
    reasons: list[Reason] = field(default_factory=list)

    @property
    def fetchable(self) -> bool:
        return self.scheme in SCHEMES


def split_netloc(rest: str) -> tuple[str, str, str]:
    """Split what follows ``scheme://`` into (userinfo, hostport, path-and-after)."""
    cut = len(rest)
    for ch in "/?#":
        pos = rest.find(ch)
        if pos != -1:
            cut = min(cut, pos)
    netloc, tail = rest[:cut], rest[cut:]
    userinfo, _, hostport = netloc.rpartition("@")
    return userinfo, hostport, tail


def analyse_url(url: str) -> UrlReport:
    """Typing and scheme rules for one URL (no network)."""
    given = url.strip()
    reasons: list[Reason] = []
    if not given:
        return UrlReport(url, "", "", url, [fail("bad-url", "The URL is empty; give a URL.")])
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in given):
        return UrlReport(
            url,
            "",
            "",
            mask_url(given).encode("unicode_escape").decode("ascii"),
            [fail("bad-url", "The URL contains control characters; retype it.")],
        )

    m = _SCHEME_RE.match(given)
    fetch_url = entered_url(given)  # what the handset downloads: a rehearsal types the same
    if m:
        scheme = m.group(1).lower()
        written = given
    else:
        scheme = DEFAULT_SCHEME
        written = f"{DEFAULT_SCHEME}://{given}"
        reasons.append(
            warn(
                "no-scheme",
                f"The URL has no scheme, so a technician types it after the http:// that "
                f"the handset's URL field starts with, and it was checked as "
                f"{mask_url(fetch_url)}; write the scheme to be sure.",
            )
        )
    display = mask_url(written)
    if scheme not in SCHEMES:
        reasons.append(
            fail(
                "scheme",
                f"The handset downloads certificates over http, https or ftp only, "
                f"not {scheme}; publish ca.crt on a web or FTP server.",
            )
        )
        return UrlReport(url, fetch_url, "", display, reasons)

    rest = written[written.index("://") + 3 :]
    userinfo, hostport, tail = split_netloc(rest)
    if not hostport:
        reasons.append(fail("bad-url", "The URL has no host name; write it as http://HOST/ca.crt."))
        return UrlReport(url, fetch_url, "", display, reasons)

    if any(ch.isspace() for ch in hostport):
        reasons.append(
            fail(
                "space",
                "The URL's host name contains a space, which no server name has; "
                "check that this is a URL and write the server's name or address without "
                "spaces (e.g. http://bootserver1.example.com/ca.crt).",
            )
        )
    elif any(ch.isspace() for ch in userinfo):
        reasons.append(
            fail(
                "space",
                "The URL's user name or password contains a space, which the handset cannot "
                "send as typed; give the FTP account a name and password without spaces.",
            )
        )
    elif any(ch.isspace() for ch in given):
        reasons.append(
            fail(
                "space",
                "The URL contains a space, which the handset cannot send as typed; "
                "rename the file or folder on the server without spaces.",
            )
        )
    odd = sorted({ch for ch in given if ord(ch) > 127})
    if odd:
        reasons.append(
            fail(
                "non-ascii",
                f"The URL contains characters the handset keypad cannot type "
                f"({''.join(odd[:5])}); use plain ASCII names on the server.",
            )
        )
    places = []
    if any(ch.isupper() for ch in userinfo):
        places.append("the user name or password")
    if any(ch.isupper() for ch in _PERCENT_RE.sub("", tail)):
        places.append("the path")
    if places:
        reasons.append(
            warn(
                "upper-case",
                f"The handset enters lower case only, so it types {' and '.join(places)} in "
                f"lower case and downloads {mask_url(fetch_url)}, which is what was checked; "
                f"give technicians that lower-case URL.",
            )
        )
    return UrlReport(url, fetch_url, scheme, display, reasons)
