"""The CA engine: keys, CA, CSRs, signing, serial file, inspection, the workspace on disk.

Everything here is compatible with the bulletin's openssl commands in both
directions. No textual import, ever.
"""

from core.pki.constants import (
    DEFAULT_CA_DAYS,
    DEFAULT_CA_KEY_SIZE,
    DEFAULT_SERVER_DAYS,
    DEFAULT_SERVER_KEY_SIZE,
    KEY_SIZES,
    MAX_SERVER_DAYS,
)
from core.pki.inspect import inspect_bytes, inspect_file
from core.pki.keys import WrongPassphrase
from core.pki.names import Subject, check_server_name
from core.pki.summary import CertSummary, summarize
from core.pki.workspace import CAState, IssuedPaths, Result, Signer, Workspace, ca_state_sentence

__all__ = [
    "DEFAULT_CA_DAYS",
    "DEFAULT_CA_KEY_SIZE",
    "DEFAULT_SERVER_DAYS",
    "DEFAULT_SERVER_KEY_SIZE",
    "KEY_SIZES",
    "MAX_SERVER_DAYS",
    "CAState",
    "CertSummary",
    "IssuedPaths",
    "Result",
    "Signer",
    "Subject",
    "Workspace",
    "WrongPassphrase",
    "ca_state_sentence",
    "check_server_name",
    "inspect_bytes",
    "inspect_file",
    "summarize",
]
