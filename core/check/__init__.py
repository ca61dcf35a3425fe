"""The URL validator: will a handset accept the certificate this URL serves?

Public API (docs/ARCHITECTURE.md tells where it sits)::

    options = CheckOptions(ca=..., boot_servers=[parse_boot_server("https://boot/")])
    async for verdict in check_urls(urls, options, progress=callback):
        verdict.level, verdict.reasons, verdict.to_dict(), verdict.to_json()
"""

from core.check.bootrules import boot_server_option
from core.check.runner import (
    DEFAULT_CONCURRENCY,
    DEFAULT_TIMEOUT,
    Checker,
    CheckOptions,
    check_url,
    check_urls,
    in_input_order,
)
from core.check.table import format_verdict, summary_line
from core.check.verdict import (
    BootServerResult,
    CACheckedAgainst,
    CASource,
    CertInfo,
    Level,
    Reason,
    Verdict,
)
from core.handset.provision import parse_boot_server

__all__ = [
    "DEFAULT_CONCURRENCY",
    "DEFAULT_TIMEOUT",
    "BootServerResult",
    "CACheckedAgainst",
    "CASource",
    "CertInfo",
    "CheckOptions",
    "Checker",
    "Level",
    "Reason",
    "Verdict",
    "boot_server_option",
    "check_url",
    "check_urls",
    "format_verdict",
    "in_input_order",
    "parse_boot_server",
    "summary_line",
]
