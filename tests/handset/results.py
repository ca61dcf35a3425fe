"""Results to feed the sans-IO handset: core.fetch's own FetchResult, TLSResult and Failure.

``Fetched`` and ``Handshake`` are the real classes under the names these tests use, so
a change to core.fetch's result shapes breaks these tests too (nothing re-declared).
"""

from __future__ import annotations

from core.fetch import Failure
from core.fetch import FetchResult as Fetched
from core.fetch import TLSResult as Handshake

__all__ = ["Failure", "Fetched", "Handshake"]
