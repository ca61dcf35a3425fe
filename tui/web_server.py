"""textual-serve's Server behind tui.web_policy's WebPolicy: the one module importing textual_serve.

textual-serve builds an aiohttp Application with the page (/), its WebSocket (/ws),
downloads and static files, and no log-in. GuardedServer keeps all of that and adds
one middleware in front of every route, plus a page whose URLs follow the address
the browser used (so the token cookie, set for that host, goes with them).
"""

from __future__ import annotations

import os
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from textual_serve.server import Server, to_int

from tui.web_policy import (
    DEFAULT_MAX_SESSIONS,
    TOKEN_PARAMETER,
    WebPolicy,
    new_token,
    strip_secrets,
)


class GuardedServer(Server):
    """A textual-serve Server that refuses foreign pages, token-less visits and a flood."""

    def __init__(
        self,
        command: str,
        *,
        host: str = "127.0.0.1",
        port: int = 8000,
        title: str | None = None,
        token: str | None = None,
        max_sessions: int = DEFAULT_MAX_SESSIONS,
    ) -> None:
        super().__init__(command, host=host, port=port, title=title)
        self.policy = WebPolicy(
            host=host, port=port, token=token or new_token(), max_sessions=max_sessions
        )
        self.sessions = 0

    @property
    def url(self) -> str:
        return self.policy.url

    async def _make_app(self) -> web.Application:
        app: web.Application = await super()._make_app()
        app.middlewares.append(self.guard)
        return app

    @web.middleware
    async def guard(self, request: web.Request, handler: Any) -> web.StreamResponse:
        """Host and Origin, then the token, then (for a session) the cap; one sentence each."""
        policy = self.policy
        refusal = policy.address_refusal(request.headers.get("Host"), request.headers.get("Origin"))
        if refusal:
            return web.Response(status=403, text=refusal + "\n")
        from_query = request.query.get(TOKEN_PARAMETER)
        refusal = policy.token_refusal((from_query, request.cookies.get(policy.cookie_name)))
        if refusal:
            return web.Response(status=403, text=refusal + "\n")
        if request.path in ("/", "/ws"):
            refusal = policy.cap_refusal(self.sessions)
            if refusal:
                return web.Response(status=503, text=refusal + "\n")
        if request.path == "/ws":
            # The handler lasts as long as the session (and its app process).
            self.sessions += 1
            try:
                response: web.StreamResponse = await handler(request)
            finally:
                self.sessions -= 1
            return response
        response = await handler(request)
        if from_query is not None and not response.prepared:
            # The page's scripts and its WebSocket carry the token as this cookie;
            # Strict, so no other site's page makes the browser send it.
            response.set_cookie(
                policy.cookie_name, policy.token, httponly=True, samesite="Strict", path="/"
            )
        return response

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        """textual-serve's page, its URLs on the host the browser asked for (checked above)."""
        base = f"http://{request.host}"
        context = {
            "font_size": to_int(request.query.get("fontsize", "16"), 16),
            "app_websocket_url": f"ws://{request.host}/ws",
            "config": {"static": {"url": f"{base}/static/"}},
            "application": {"name": self.title},
        }
        response: web.StreamResponse = aiohttp_jinja2.render_template(
            "app_index.html", request, context
        )
        return response

    async def on_startup(self, app: web.Application) -> None:
        """Quiet: `handset-ca web` prints the URL with its token itself."""

    def serve(self, debug: bool = False) -> None:
        # Each session's app process inherits this process's environment
        # (textual-serve's AppService copies os.environ); the server itself never
        # needs a passphrase, so it drops them before the first session.
        strip_secrets(os.environ)
        super().serve(debug=debug)
