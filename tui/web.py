"""The app in a browser, through textual-serve (an optional extra).

Lives in tui/ because it serves the Textual app; `handset-ca web` in core
reaches it lazily, as handset_ca.cli reaches tui.app.
"""

from __future__ import annotations

from core.errors import UserError

INSTALL_HINT = "textual-serve is not installed; install it with `pip install 'handset-ca[web]'`."


def load_server_class() -> type:
    """textual_serve's Server, imported only when `web` runs."""
    try:
        from textual_serve.server import Server
    except ImportError:
        raise UserError(INSTALL_HINT) from None
    return Server
