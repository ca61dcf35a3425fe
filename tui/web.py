"""The app in a browser, through textual-serve (an optional extra).

Lives in tui/ because it serves the Textual app; `handset-ca web` in handset_ca
reaches it lazily, as handset_ca.cli reaches tui.app. The guarded server is
`tui/web_server.py`, the only module that imports textual_serve; the policy it
applies is `tui/web_policy.py`.
"""

from __future__ import annotations

import importlib.util

from core.errors import UserError

INSTALL_HINT = "textual-serve is not installed; install it with `pip install 'handset-ca[web]'`."


def load_server_class() -> type:
    """The guarded textual-serve Server (tui.web_server), imported only when `web` runs."""
    if importlib.util.find_spec("textual_serve") is None:
        raise UserError(INSTALL_HINT)
    from tui.web_server import GuardedServer

    return GuardedServer
