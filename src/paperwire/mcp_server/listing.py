"""``resources/list``: the papers a client can browse as ``paper://`` resources.

The ``paper://{arxiv_id}`` template reads any stored paper; the list names the latest
month's (the calendar month of the latest day with papers), newest first, in pages
of ``PAGE_SIZE`` with the page number as the cursor. The SDK would list only
resources registered one by one, which is none of the papers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import anyio.to_thread
from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.shared.exceptions import MCPError
from mcp.types import INVALID_PARAMS, ListResourcesResult, Resource

from paperwire.models import Paper, PaperFilter, Period, SortOrder

if TYPE_CHECKING:
    from paperwire.core import Paperwire

PAGE_SIZE = 100
MAX_PAGE = 10_000


def paper_resource(paper: Paper) -> Resource:
    return Resource(uri=f"paper://{paper.arxiv_id}", name=paper.arxiv_id, title=paper.title,
                    description=f"{', '.join(paper.authors[:3])}"
                                f"{' et al.' if len(paper.authors) > 3 else ''}"
                                f" ({paper.announced_on.isoformat()})",
                    mime_type="text/markdown")


def page_of(cursor: Any) -> int:
    """The page a cursor names (none: the first); anything else is the caller's error."""
    if cursor is None:
        return 0
    if isinstance(cursor, str) and cursor.isdigit() and int(cursor) <= MAX_PAGE:
        return int(cursor)
    raise MCPError(code=INVALID_PARAMS, message=f"invalid cursor: {str(cursor)[:40]!r}")


class PaperResourceList:
    """Server middleware answering ``resources/list`` with one page of papers."""

    def __init__(self, core: Paperwire) -> None:
        self.core = core

    async def __call__(self, ctx: ServerRequestContext[Any, Any],
                       call_next: CallNext) -> HandlerResult:
        if ctx.method != "resources/list":
            return await call_next(ctx)
        page = page_of((ctx.params or {}).get("cursor"))
        return await anyio.to_thread.run_sync(self.listed, page)

    def listed(self, page: int) -> ListResourcesResult:
        found = self.core.list_papers(PaperFilter(
            period=Period.MONTH, sort=SortOrder.PUBLISHED, limit=PAGE_SIZE,
            offset=page * PAGE_SIZE))
        more = found.offset + len(found.papers) < found.total
        return ListResourcesResult(resources=[paper_resource(paper) for paper in found.papers],
                                   next_cursor=str(page + 1) if more else None)
