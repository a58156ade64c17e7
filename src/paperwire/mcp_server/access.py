"""Who is calling the MCP server, and what they are offered.

Over streamable HTTP the caller is the request's ``Authorization: Bearer <API token>``
(checked like the JSON API's); over stdio, which is local, the token the process was
started with (``paperwire mcp --token``). ``PersonalToolsGate`` leaves the personal tools
out of ``tools/list`` for a caller without a valid token; calling one anyway is the
tool's error saying a token is needed (``Access.user``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import anyio.to_thread
from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.server.mcpserver.exceptions import ToolError

from paperwire.community.models import User

if TYPE_CHECKING:
    from paperwire.core import Paperwire

PERSONAL_TOOLS = frozenset({"for_you", "list_collections", "get_collection", "save_to_collection"})
TOKEN_HELP = ("send `Authorization: Bearer <API token>` (create one on your paperwire"
              " account settings page)")
STDIO_HELP = "start `paperwire mcp` with --token or PAPERWIRE_MCP_TOKEN"


def bearer(headers: Mapping[str, str]) -> str | None:
    """The token of an ``Authorization: Bearer`` header, if it has one."""
    scheme, _, secret = headers.get("authorization", "").partition(" ")
    return secret.strip() if scheme.lower() == "bearer" and secret.strip() else None


@dataclass(frozen=True, slots=True)
class Access:
    """Identifies callers from a request's headers (None: stdio, the local token)."""

    core: Paperwire
    local_token: str | None

    def _secret(self, headers: Mapping[str, str] | None) -> str | None:
        return self.local_token if headers is None else bearer(headers)

    def user_or_none(self, headers: Mapping[str, str] | None) -> User | None:
        """The token owner, or None without a valid token."""
        secret = self._secret(headers)
        return None if secret is None else self.core.user_for_api_token(secret)

    def user(self, headers: Mapping[str, str] | None) -> User:
        """The token owner, or a ``ToolError`` that says a token is needed."""
        how = STDIO_HELP if headers is None else TOKEN_HELP
        secret = self._secret(headers)
        if secret is None:
            raise ToolError(f"this tool needs an API token: {how}")
        user = self.core.user_for_api_token(secret)
        if user is None:
            raise ToolError(f"this tool needs a valid API token (this one is unknown or"
                            f" revoked): {how}")
        return user


class PersonalToolsGate:
    """Server middleware: ``tools/list`` offers the personal tools only to a caller with
    a valid API token."""

    def __init__(self, access: Access) -> None:
        self.access = access

    async def __call__(self, ctx: ServerRequestContext[Any, Any],
                       call_next: CallNext) -> HandlerResult:
        result = await call_next(ctx)
        if ctx.method != "tools/list" or result is None:
            return result
        headers = getattr(ctx.request, "headers", None)
        user = await anyio.to_thread.run_sync(self.access.user_or_none, headers)
        return result if user is not None else _without_personal(result)


def _without_personal(result: HandlerResult) -> HandlerResult:
    if isinstance(result, dict):
        return {**result, "tools": [tool for tool in result.get("tools", [])
                                    if tool.get("name") not in PERSONAL_TOOLS]}
    tools = getattr(result, "tools", None)
    if tools is None or result is None:
        return result
    return result.model_copy(update={"tools": [tool for tool in tools
                                               if tool.name not in PERSONAL_TOOLS]})
