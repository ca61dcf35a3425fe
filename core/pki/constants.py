"""The bulletin's defaults as named constants, used by the TUI and the CLI alike."""

from __future__ import annotations

DEFAULT_CA_KEY_SIZE = 2048  # bulletin: openssl genrsa -des3 -out ca.key 2048
KEY_SIZES = (2048, 3072, 4096)
MIN_RSA_BITS = 2048  # smaller RSA keys are refused when signing and FAIL in `check`
DEFAULT_CA_DAYS = 2555  # bulletin: seven years
DEFAULT_SERVER_KEY_SIZE = 2048
DEFAULT_SERVER_DAYS = 365  # bulletin: openssl x509 -days 365
MAX_SERVER_DAYS = 825  # clients have refused longer server certificates since 2019
MAX_DAYS = 36500  # a sanity bound: a hundred years

CA_KEY = "ca.key"
CA_CRT = "ca.crt"
CA_SRL = "ca.srl"
AUDIT_LOG = "audit.log"
ISSUED = "issued"
LOCK = ".ca.lock"
SERVER_KEY = "server.key"
SERVER_CSR = "server.csr"
SERVER_CRT = "server.crt"
