"""``build_server(core)``: paperwire's MCP tools and its ``paper://`` resource, each a
call into the core.

Who is asking is ``access.py``'s: public tools need no token; personal ones (For you,
collections) are listed only for a caller with a valid API token and refuse without one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any, Literal

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ToolError
from mcp.types import ToolAnnotations
from pydantic import Field

from paperwire import __version__
from paperwire.errors import PaperwireError
from paperwire.markdown import paper_markdown
from paperwire.mcp_server.access import Access, PersonalToolsGate
from paperwire.mcp_server.listing import PaperResourceList
from paperwire.mcp_server.shapes import collection_dict, paper_dict
from paperwire.models import Paper, PaperFilter, Period, SearchOptions, SortOrder

if TYPE_CHECKING:
    from paperwire.core import Paperwire

INSTRUCTIONS = (
    "paperwire is a self-hosted arXiv discovery site. search_papers finds papers (keyword"
    " and semantic, with arXiv's query syntax); daily_papers, weekly_papers and"
    " monthly_papers list a day's, week's or month's papers, most upvoted first;"
    " trending ranks recent upvotes; get_paper and the paper://{id} resource give one"
    " paper in full. for_you and the collection tools need the user's API token."
)
READ_ONLY = ToolAnnotations(read_only_hint=True, open_world_hint=False)

Limit = Annotated[int, Field(ge=1, le=100, description="How many papers, 1 to 100.")]
Page = Annotated[int, Field(ge=0, le=1000, description="0-based page of results.")]
ArxivId = Annotated[str, Field(min_length=1, max_length=100,
                               description="An arXiv id such as 2401.01234 or hep-th/9901001.")]
Category = Annotated[str | None, Field(
    max_length=40, description="Only papers in this arXiv category, e.g. cs.CL (primary or cross-list).")]
ListSort = Annotated[Literal["upvotes", "trending", "publishedAt"], Field(
    description="upvotes: most upvoted first; trending: time-decayed upvotes; publishedAt: newest first.")]


@contextmanager
def _domain_errors(kind: type[Exception] = ToolError) -> Iterator[None]:
    """paperwire's own errors (a bad date, an unknown paper) reach the caller as the
    tool's error message; anything else stays a generic failure."""
    try:
        yield
    except PaperwireError as error:
        raise kind(str(error)) from error


def build_server(core: Paperwire, *, local_token: str | None = None) -> MCPServer:
    """The MCP server over ``core``. ``local_token``: the API token a stdio server acts
    with for personal tools (over HTTP each request brings its own)."""
    access = Access(core, local_token)
    server = MCPServer("paperwire", version=__version__, instructions=INSTRUCTIONS,
                       middleware=[PersonalToolsGate(access), PaperResourceList(core)])
    base = core.settings.base_url

    def shaped(papers: list[Paper]) -> list[dict[str, Any]]:
        return [paper_dict(paper, base_url=base) for paper in papers]

    def listed(params: dict[str, str], *, limit: int, page: int) -> dict[str, Any]:
        with _domain_errors():
            params = {key: value for key, value in params.items() if value}
            paper_filter = PaperFilter.from_params({**params, "p": str(page)}, limit=limit)
            result = core.list_papers(paper_filter)
        return {"window": result.window.label if result.window else None,
                "total": result.total, "papers": shaped(result.papers)}

    @server.tool(annotations=READ_ONLY)
    def search_papers(
        query: Annotated[str, Field(max_length=500, description=(
            "Words to find, with arXiv-style syntax: \"quoted phrases\", -excluded words,"
            " au:name, ti:word, abs:word, cat:cs.LG. May be empty when filters are given."))],
        date_from: Annotated[str | None, Field(description="Listed on or after this day, YYYY-MM-DD.")] = None,
        date_to: Annotated[str | None, Field(description="Listed on or before this day, YYYY-MM-DD.")] = None,
        category: Category = None,
        author: Annotated[str | None, Field(max_length=200, description="Only papers by this author.")] = None,
        sort: Annotated[Literal["relevance", "newest", "upvotes"], Field(
            description="Order of results.")] = "relevance",
        limit: Limit = 10,
        page: Page = 0,
    ) -> dict[str, Any]:
        """Search paperwire's papers by keywords and meaning, with filters. Returns the
        total and one page of papers (id, title, authors, dates, categories, summary,
        links, upvotes)."""
        with _domain_errors():
            options = SearchOptions.from_params({
                "sort": sort, "from": date_from or "", "to": date_to or "",
                "cat": category or "", "author": author or "",
            })
            results = core.search_papers(query, limit=limit, offset=page * limit, options=options)
        return {"total": results.total, "papers": shaped([hit.paper for hit in results.hits])}

    @server.tool(annotations=READ_ONLY)
    def get_paper(arxiv_id: ArxivId) -> dict[str, Any]:
        """One paper in full: the whole abstract, its concepts, code and project links,
        and comments, journal reference and DOI when known."""
        with _domain_errors():
            paper = core.get_paper(arxiv_id)
            concepts = core.paper_concepts(paper.arxiv_id)
        shape = paper_dict(paper, base_url=base, whole=True)
        shape.update(concepts=concepts, pdf_url=paper.pdf_url, comments=paper.comments,
                     journal_ref=paper.journal_ref, doi=paper.doi, withdrawn=paper.withdrawn)
        return shape

    @server.tool(annotations=READ_ONLY)
    def daily_papers(
        date: Annotated[str | None, Field(
            description="The day, YYYY-MM-DD; default: the latest day with papers.")] = None,
        category: Category = None, sort: ListSort = "upvotes", limit: Limit = 20, page: Page = 0,
    ) -> dict[str, Any]:
        """The papers announced on one day, most upvoted first (like Daily Papers)."""
        return listed({"date": date or "", "category": category or "", "sort": sort},
                      limit=limit, page=page)

    @server.tool(annotations=READ_ONLY)
    def weekly_papers(
        week: Annotated[str | None, Field(
            description="An ISO week, YYYY-Www (e.g. 2026-W05); default: the latest.")] = None,
        category: Category = None, sort: ListSort = "upvotes", limit: Limit = 20, page: Page = 0,
    ) -> dict[str, Any]:
        """The papers announced in one ISO week, most upvoted first."""
        return listed({"week": week or "", "period": "week", "category": category or "",
                       "sort": sort}, limit=limit, page=page)

    @server.tool(annotations=READ_ONLY)
    def monthly_papers(
        month: Annotated[str | None, Field(description="A month, YYYY-MM; default: the latest.")] = None,
        category: Category = None, sort: ListSort = "upvotes", limit: Limit = 20, page: Page = 0,
    ) -> dict[str, Any]:
        """The papers announced in one calendar month, most upvoted first."""
        return listed({"month": month or "", "period": "month", "category": category or "",
                       "sort": sort}, limit=limit, page=page)

    @server.tool(annotations=READ_ONLY)
    def trending(
        period: Annotated[Literal["day", "week", "month"], Field(
            description="Which upvotes count: the last day, 7 days or 30 days.")] = "week",
        category: Category = None, limit: Limit = 20,
    ) -> dict[str, Any]:
        """Papers ranked by recent upvotes, decayed with age (the site's Trending tab)."""
        with _domain_errors():
            result = core.list_papers(PaperFilter(period=Period(period), category=category or None,
                                                  sort=SortOrder.TRENDING, limit=limit))
        return {"total": result.total, "papers": shaped(result.papers)}

    @server.tool(annotations=READ_ONLY)
    def similar_papers(arxiv_id: ArxivId, limit: Annotated[int, Field(ge=1, le=50)] = 10) -> dict[str, Any]:
        """The papers nearest in meaning to one paper, each with its similarity (0 to 1)."""
        with _domain_errors():
            found = core.similar_papers(arxiv_id, limit=limit)
        return {"papers": [{**paper_dict(item.paper, base_url=base), "similarity": round(item.similarity, 4)}
                           for item in found]}

    @server.tool(annotations=READ_ONLY)
    def for_you(ctx: Context, limit: Limit = 20) -> dict[str, Any]:
        """The token owner's For-you picks (from their library, votes, saves and
        signals), each with why it was picked. Needs an API token."""
        user = access.user(ctx.headers)
        with _domain_errors():
            result = core.recommend(user.id, limit=limit)
        return {"basis": result.basis, "formula": result.formula,
                "papers": [{**paper_dict(pick.paper, base_url=base), "because": pick.because}
                           for pick in result.picks]}

    @server.tool(annotations=READ_ONLY)
    def list_collections(ctx: Context) -> dict[str, Any]:
        """The token owner's collections (id, name, size). Needs an API token."""
        user = access.user(ctx.headers)
        with _domain_errors():
            found = core.collections_of(user)
        return {"collections": [collection_dict(item, base_url=base) for item in found]}

    @server.tool(annotations=READ_ONLY)
    def get_collection(ctx: Context, collection_id: Annotated[int, Field(ge=1)]) -> dict[str, Any]:
        """One collection the token owner may see, with its papers and their notes.
        Needs an API token."""
        user = access.user(ctx.headers)
        with _domain_errors():
            found = core.collection(collection_id, user)
            papers = core.papers_by_arxiv_ids([item.arxiv_id for item in found.items])
        notes = {item.arxiv_id: item.note for item in found.items}
        return {**collection_dict(found, base_url=base),
                "papers": [{**paper_dict(paper, base_url=base), "note": notes.get(paper.arxiv_id, "")}
                           for paper in papers]}

    @server.tool(annotations=ToolAnnotations(read_only_hint=False, destructive_hint=False,
                                             idempotent_hint=True, open_world_hint=False))
    def save_to_collection(
        ctx: Context, collection_id: Annotated[int, Field(ge=1)], arxiv_id: ArxivId,
        note: Annotated[str, Field(max_length=1000, description="An optional note.")] = "",
    ) -> dict[str, Any]:
        """Save a stored paper to one of the token owner's own collections. Needs an
        API token."""
        user = access.user(ctx.headers)
        with _domain_errors():
            paper = core.get_paper(arxiv_id)
            core.save_paper(user, collection_id, paper.arxiv_id, note=note)
        return {"saved": paper.arxiv_id, "collection_id": collection_id}

    @server.resource("paper://{+arxiv_id}", name="paper", mime_type="text/markdown",
                     description="A paper as Markdown: title, authors, dates, categories,"
                                 " links, abstract, concepts and its BibTeX.")
    def paper_resource(arxiv_id: str) -> str:
        with _domain_errors(ResourceError):
            paper = core.get_paper(arxiv_id)
            return paper_markdown(paper, base_url=base, concepts=core.paper_concepts(paper.arxiv_id))

    return server
