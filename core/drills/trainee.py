"""The trainee's name, written into every drill result so a trainer can keep records.

It comes from ``--trainee NAME``, else ``$HANDSET_CA_TRAINEE``, else the app asks
once per session. A name is one short line of printable text with no path
separators (it is shown in tables and CSV files, never used as a file name).
"""

from __future__ import annotations

import os

from core.errors import UserError
from core.locations import TRAINEE_ENV

MAX_TRAINEE_LENGTH = 40


def validate_trainee(name: str) -> str:
    """The name, stripped of surrounding spaces; UserError (one sentence) if it is unusable."""
    cleaned = name.strip()
    if not cleaned:
        raise UserError("The trainee's name is empty; type a name, for example 'Alex Smith'.")
    if len(cleaned) > MAX_TRAINEE_LENGTH:
        raise UserError(
            f"The trainee's name is {len(cleaned)} characters long; "
            f"use at most {MAX_TRAINEE_LENGTH}."
        )
    if "/" in cleaned or "\\" in cleaned:
        raise UserError(
            "The trainee's name cannot contain / or \\; use letters, digits and spaces."
        )
    if not cleaned.isprintable():
        raise UserError(
            "The trainee's name contains a control character; use letters, digits and spaces."
        )
    return cleaned


def trainee_name(explicit: str | None = None) -> str | None:
    """``explicit`` (--trainee), else $HANDSET_CA_TRAINEE, validated; None when neither is set."""
    if explicit is not None:
        return validate_trainee(explicit)
    env = os.environ.get(TRAINEE_ENV, "")
    if env.strip():
        try:
            return validate_trainee(env)
        except UserError as exc:
            raise UserError(f"${TRAINEE_ENV}: {exc}") from None
    return None
