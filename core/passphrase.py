"""Passphrases for the CLI: prompted on a terminal, else a file or the environment.

Never accepted as a command-line value (it would sit in shell history and ps).
"""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

from core.errors import UserError
from core.locations import CA_PASSPHRASE_ENV, KEY_PASSPHRASE_ENV

ENV_FOR = {"ca": CA_PASSPHRASE_ENV, "key": KEY_PASSPHRASE_ENV}
LABEL_FOR = {"ca": "CA key passphrase", "key": "server key passphrase"}


def read_passphrase(
    kind: str,
    *,
    new: bool = False,
    passphrase_file: str | None = None,
    required: bool = True,
) -> bytes | None:
    """Return the passphrase for ``kind`` ("ca" or "key") as bytes.

    Order: --passphrase-file, then the environment variable, then a getpass
    prompt when stdin is a terminal (asked twice when ``new``). Returns None
    when nothing is given and ``required`` is false.
    """
    label = LABEL_FOR[kind]
    if passphrase_file:
        try:
            text = Path(passphrase_file).read_text(encoding="utf-8")
        except OSError as exc:
            raise UserError(
                f"Cannot read the passphrase file {passphrase_file} ({exc.strerror}); "
                "check the path."
            ) from None
        value = text.splitlines()[0] if text else ""
        return _checked(value, label, required)
    env = os.environ.get(ENV_FOR[kind])
    if env is not None:
        return _checked(env, label, required)
    if sys.stdin is not None and sys.stdin.isatty():
        first = getpass.getpass(f"{label}: ")
        if new:
            second = getpass.getpass(f"{label} again: ")
            if first != second:
                raise UserError("The two passphrases differ; run the command again.")
        return _checked(first, label, required)
    if not required:
        return None
    raise UserError(
        f"No {label} given: type it at a terminal, or use --passphrase-file FILE "
        f"or the environment variable {ENV_FOR[kind]}."
    )


def _checked(value: str, label: str, required: bool) -> bytes | None:
    if not value:
        if required:
            raise UserError(f"The {label} cannot be empty; choose one and keep it safe.")
        return None
    return value.encode("utf-8")
