"""Passphrases for the CLI: prompted on a terminal, else a file or the environment.

Never accepted as a command-line value (it would sit in shell history and ps).
"""

from __future__ import annotations

import getpass
import os
import sys
from typing import Literal, overload

from core.errors import UserError
from core.fileio import PASSPHRASE_FILE, read_small_file
from core.locations import CA_PASSPHRASE_ENV, EXPORT_PASSPHRASE_ENV, KEY_PASSPHRASE_ENV

ENV_FOR = {"ca": CA_PASSPHRASE_ENV, "key": KEY_PASSPHRASE_ENV, "export": EXPORT_PASSPHRASE_ENV}
LABEL_FOR = {
    "ca": "CA key passphrase",
    "key": "server key passphrase",
    "export": "export passphrase",
}
# The command-line option that names each kind's passphrase file (`issue` takes both).
FILE_OPTION_FOR = {
    "ca": "--passphrase-file",
    "key": "--key-passphrase-file",
    "export": "--export-passphrase-file",
}
MIN_NEW_LENGTH = 4  # openssl refuses to encrypt a key with a shorter passphrase
MAX_BYTES = 1023  # openssl's PEM_BUFSIZE less one; cryptography refuses longer ones too


def check_new_passphrase(passphrase: bytes, label: str = "passphrase") -> None:
    """A passphrase for a new key: UserError when openssl would refuse it (under 4
    characters, or over 1,023 bytes)."""
    if len(passphrase) > MAX_BYTES:
        raise UserError(
            f"The {label} is {len(passphrase):,} bytes long, and keys can be encrypted with "
            f"at most {MAX_BYTES:,} (openssl's limit too); choose a shorter one."
        )
    if len(passphrase.decode("utf-8", "replace")) < MIN_NEW_LENGTH:
        raise UserError(
            f"The {label} must be at least {MIN_NEW_LENGTH} characters (openssl refuses "
            "shorter ones); choose a longer one."
        )


def read_passphrase_file(passphrase_file: str) -> str:
    """The first line of a passphrase file; UserError when unreadable or empty.

    Read through core.fileio's bounded reader: a FIFO, /dev/zero or a folder is
    refused with one sentence, never waited on or read into memory."""
    data = read_small_file(passphrase_file, PASSPHRASE_FILE)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise UserError(
            f"Cannot read the passphrase file {passphrase_file} (not UTF-8 text); save it as UTF-8."
        ) from None
    value = text.splitlines()[0] if text else ""
    if not value:
        raise UserError(
            f"The passphrase file {passphrase_file} is empty; put the passphrase on its first line."
        )
    return value


# Two signatures so the type checker knows a required passphrase (the default) is
# bytes, never None: only `required=False` can give None.
@overload
def read_passphrase(
    kind: str,
    *,
    new: bool = ...,
    passphrase_file: str | None = ...,
    required: Literal[True] = ...,
    file_option: str | None = ...,
) -> bytes: ...


@overload
def read_passphrase(
    kind: str,
    *,
    new: bool = ...,
    passphrase_file: str | None = ...,
    required: bool,
    file_option: str | None = ...,
) -> bytes | None: ...


def read_passphrase(
    kind: str,
    *,
    new: bool = False,
    passphrase_file: str | None = None,
    required: bool = True,
    file_option: str | None = None,
) -> bytes | None:
    """Return the passphrase for ``kind`` ("ca" or "key") as bytes.

    Order: --passphrase-file, then the environment variable, then a getpass
    prompt when stdin is a terminal (asked twice when ``new``). Returns None
    when nothing is given and ``required`` is false. ``file_option``: the option
    the refusal names (default: the one of ``kind``, FILE_OPTION_FOR).
    """
    label = LABEL_FOR[kind]
    if passphrase_file:
        return _checked(read_passphrase_file(passphrase_file), label, required, new)
    env = os.environ.get(ENV_FOR[kind])
    if env is not None:
        return _checked(env, label, required, new)
    if sys.stdin is not None and sys.stdin.isatty():
        first = ask(f"{label}: ")
        if new:
            if first:
                check_new_passphrase(first.encode("utf-8"), label)  # before asking again
            second = ask(f"{label} again: ")
            if first != second:
                raise UserError("The two passphrases differ; run the command again.")
        return _checked(first, label, required, new)
    if not required:
        return None
    raise UserError(
        f"No {label} given: type it at a terminal, or use "
        f"{file_option or FILE_OPTION_FOR[kind]} FILE or the environment variable "
        f"{ENV_FOR[kind]}."
    )


def ask(prompt: str) -> str:
    """getpass; Ctrl+C leaves the cursor after the prompt, so mark it for handset_ca.cli."""
    try:
        return getpass.getpass(prompt)
    except KeyboardInterrupt as exc:
        exc.at_prompt = True  # type: ignore[attr-defined]
        raise


def _checked(value: str, label: str, required: bool, new: bool = False) -> bytes | None:
    if not value:
        if required:
            raise UserError(f"The {label} cannot be empty; choose one and keep it safe.")
        return None
    if "\0" in value:  # openssl and PKCS#12 end a passphrase at a NUL: the file would not open
        raise UserError(f"The {label} holds a NUL character; choose one without it.")
    if new:
        check_new_passphrase(value.encode("utf-8"), label)
    return value.encode("utf-8")
