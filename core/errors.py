"""The one exception type a user can cause and read, and the sentence for everything else."""

from __future__ import annotations

from core.redact import mask_urls_in


class UserError(Exception):
    """A problem the user can fix; str() is one sentence that says what to do.

    Raised for wrong passphrases, bad names, unreadable files, refused
    overwrites. The CLI prints it without a traceback; the TUI shows it in a
    message line. Code raising it must leave the disk unchanged.
    """


class UsageError(UserError):
    """A UserError about the command line itself: a value given for an option or
    argument that our own validation rejects before anything is done (a country of
    three letters, days out of range). The CLI exits 2 for it, as argparse does for
    its own rejections; any other UserError (a refusal, a wrong passphrase) exits 1."""


class FieldError(UserError):
    """A UserError about one field of a request a form filled in: the form focuses
    ``field`` and clears the fields in ``clear`` (two passphrase entries, say)."""

    def __init__(self, sentence: str, field: str, clear: tuple[str, ...] = ()) -> None:
        super().__init__(sentence)
        self.field = field
        self.clear = clear


def unexpected_error_sentence(exc: BaseException) -> str:
    """One line for a bug: the exception's type and the first line of its message.

    The messages of what we raise never carry a passphrase; a URL's password is
    masked all the same. Every front end (CLI, app, drill screen, checker) says
    an unexpected error with this sentence; $HANDSET_CA_DEBUG shows the traceback.
    """
    lines = str(exc).strip().splitlines()
    message = lines[0] if lines else ""
    if len(message) > 200:
        message = message[:197] + "..."
    message = mask_urls_in(message)
    detail = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    return f"Unexpected error ({detail}); please report it."


def error_sentence(exc: BaseException | None) -> str:
    """What to show for ``exc``: a UserError's own sentence, else the unexpected-error one."""
    if isinstance(exc, UserError):
        return str(exc)
    if exc is None:
        return "Unexpected error (no detail); please report it."
    return unexpected_error_sentence(exc)
