"""``/mcp``: the MCP server (``paperwire/mcp_server``) over streamable HTTP, mounted on
the web app.

Stateless and answering in JSON: each POST is one JSON-RPC exchange, so any worker of
``serve --workers N`` can answer it. It reads no cookie: personal tools check the
request's ``Authorization: Bearer`` token (the JSON API's), which browsers never send
on their own, so it is exempt from CSRF (security.py) and from the SDK's Host/Origin
check, which would refuse the deployment's own host name. Every request counts against
``PAPERWIRE_RATE_LIMIT_MCP`` per client address.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

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


class McpEndpoint:
    """The ASGI endpoint at ``/mcp``; ``running()`` (in the app's lifespan) starts the
    SDK's session manager, a fresh one for each lifespan."""

    def __init__(self, core: Paperwire) -> None:
        self.server: MCPServer = build_server(core)
        self.started = False

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        self.server.streamable_http_app(
            streamable_http_path=MCP_PATH, stateless_http=True, json_response=True,
            transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
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
