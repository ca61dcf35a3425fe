"""Passwords out of what is shown or logged: the one home of URL masking.

A URL may carry a password (the bulletin allows ftp://user:pass@host/ca.crt);
screens, logs, saved drill results and error lines show it as ***.
"""

from __future__ import annotations

import re

# A URL's password inside free text: scheme://user:secret@ -> scheme://user:***@.
_URL_PASSWORD = re.compile(r"(\w+://[^/\s:@]*:)[^@\s/]*@")


def mask_url(url: str) -> str:
    """The URL with any password replaced by ***, safe to show or log."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    end = len(rest)
    for ch in "/?#":
        i = rest.find(ch)
        if 0 <= i < end:
            end = i
    netloc = rest[:end]
    userinfo, at, hostport = netloc.rpartition("@")
    if not at or ":" not in userinfo:
        return url
    user = userinfo.split(":", 1)[0]
    return f"{scheme}://{user}:***@{hostport}{rest[end:]}"


def mask_urls_in(text: str) -> str:
    """``text`` (an error message, a log line) with every URL password shown as ***."""
    return _URL_PASSWORD.sub(r"\1***@", text)
