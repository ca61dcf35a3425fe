"""The one exception type a user can cause and read."""


class UserError(Exception):
    """A problem the user can fix; str() is one sentence that says what to do.

    Raised for wrong passphrases, bad names, unreadable files, refused
    overwrites. The CLI prints it without a traceback; the TUI shows it in a
    message line. Code raising it must leave the disk unchanged.
    """


def unexpected_error(error: BaseException) -> str:
    """The one sentence shown for a bug (an exception no user can cause)."""
    return f"Unexpected error ({type(error).__name__}: {error}); please report it."
