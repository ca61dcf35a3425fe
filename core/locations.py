"""Where things live. Environment variables override defaults so tests can use tmp_path."""

from __future__ import annotations

import os
from pathlib import Path

WORKSPACE_ENV = "HANDSET_CA_WORKSPACE"
DEFAULT_WORKSPACE = Path("pki")
CA_PASSPHRASE_ENV = "HANDSET_CA_PASSPHRASE"
KEY_PASSPHRASE_ENV = "HANDSET_CA_KEY_PASSPHRASE"
EXPORT_PASSPHRASE_ENV = "HANDSET_CA_EXPORT_PASSPHRASE"  # export --format pkcs12
DRILLS_ENV = "HANDSET_CA_DRILLS"
TRAINEE_ENV = "HANDSET_CA_TRAINEE"  # the trainee's name in drill results


def workspace_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The workspace folder: --workspace, else $HANDSET_CA_WORKSPACE, else ./pki."""
    if explicit:
        return Path(explicit)
    env = os.environ.get(WORKSPACE_ENV)
    if env:
        return Path(env)
    return DEFAULT_WORKSPACE
