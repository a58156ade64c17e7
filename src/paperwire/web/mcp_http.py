"""``/mcp``: the MCP server (``paperwire/mcp_server``) over streamable HTTP, mounted on
the web app.

Stateless and answering in JSON: each POST is one JSON-RPC exchange, so any worker of
``serve --workers N`` can answer it. It reads no cookie: personal tools check the
request's ``Authorization: Bearer`` token (the JSON API's), which browsers never send
on their own, so it is exempt from CSRF (security.py). The SDK's Host/Origin check
(DNS-rebinding protection, which the MCP specification requires) is on: it answers
only the site's own host name (``PAPERWIRE_BASE_URL``'s) and loopback names, on any
port, so a page on another name that rebinds to this server's address is refused
(``transport_security``). Every request counts against ``PAPERWIRE_RATE_LIMIT_MCP``
per client address.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

from mcp.server.mcpserver import MCPServer
from mcp.server.transport_security import TransportSecuritySettings
from starlette.requests import Request
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from paperwire.core import Paperwire
from paperwire.errors import StoreNotReady
from paperwire.mcp_server import build_server
from paperwire.surface import rate
from paperwire.web.viewer import client_ip

MCP_PATH = "/mcp"
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")


def transport_security(base_url: str) -> TransportSecuritySettings:
    """The SDK's DNS-rebinding protection for a site at ``base_url``: a request's Host
    must be the site's host name or a loopback name (any port), and its Origin, when it
    sends one (browsers do on every POST), one of those names too."""
    hostname = urlsplit(base_url).hostname or "localhost"
    site = f"[{hostname}]" if ":" in hostname else hostname
    names = dict.fromkeys((site, *LOOPBACK_NAMES))
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=[form for name in names for form in (name, f"{name}:*")],
        allowed_origins=[form for name in names for scheme in ("https", "http")
                         for form in (f"{scheme}://{name}", f"{scheme}://{name}:*")],
    )


class McpEndpoint:
    """The ASGI endpoint at ``/mcp``; ``running()`` (in the app's lifespan) starts the
    SDK's session manager, a fresh one for each lifespan."""

    def __init__(self, core: Paperwire) -> None:
        self.server: MCPServer = build_server(core)
        self.security = transport_security(core.settings.base_url)
        self.started = False

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        self.server.streamable_http_app(
            streamable_http_path=MCP_PATH, stateless_http=True, json_response=True,
            transport_security=self.security,
        )
        async with self.server.session_manager.run():
            self.started = True
            try:
                yield
            finally:
                self.started = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope)
        if not self.started:  # an app used without its lifespan (a bare test client)
            raise StoreNotReady("the MCP endpoint runs once the app has started")
        rate(request, "mcp", client_ip(request), "rate_limit_mcp")  # 429 past the limit
        await self.server.session_manager.handle_request(scope, receive, send)

    def route(self) -> Route:
        return Route(MCP_PATH, endpoint=self, methods=["GET", "POST", "DELETE"])
