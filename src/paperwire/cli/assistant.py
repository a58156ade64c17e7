"""``paperwire mcp``: the MCP server (``paperwire/mcp_server``) over stdio, for an
assistant on this machine (docs/mcp.md)."""

from __future__ import annotations

from typing import Annotated

import typer

from paperwire.cli.app import app, fail, one_line_errors, open_core


@app.command("mcp")
@one_line_errors
def mcp_stdio(
    token: Annotated[str | None, typer.Option(
        envvar="PAPERWIRE_MCP_TOKEN", show_envvar=True,
        help="An API token (pw_...): the personal tools (For you, collections) act as its"
             " owner. Without one only the public tools answer.")] = None,
) -> None:
    """Serve paperwire's MCP tools and paper:// resources over stdio (JSON-RPC on stdin
    and stdout), for Claude Desktop and other MCP clients; logs go to stderr."""
    from paperwire.mcp_server import build_server

    core = open_core()
    try:
        if token is not None and core.user_for_api_token(token.strip()) is None:
            raise fail("--token: unknown or revoked API token")
        build_server(core, local_token=token.strip() if token else None).run("stdio")
    finally:
        core.close()
