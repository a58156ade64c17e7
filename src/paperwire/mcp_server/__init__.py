"""The MCP server over the core (``build_server``): ``paperwire mcp`` serves it over
stdio, ``paperwire serve`` at ``/mcp`` over streamable HTTP (docs/mcp.md)."""

from paperwire.mcp_server.server import build_server

__all__ = ["build_server"]
