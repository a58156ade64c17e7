"""``GET /papers/{id}.md``: a paper as Markdown for language models (``paperwire/markdown.py``
renders it; the MCP ``paper://`` resource is the same text)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from paperwire.ids import parse_arxiv_id
from paperwire.markdown import paper_markdown
from paperwire.surface import core_of

router = APIRouter(include_in_schema=False)


# Registered before the pages: /papers/{id:path} would take this path for a paper id.
@router.get("/papers/{arxiv_id:path}.md")
def paper_as_markdown(request: Request, arxiv_id: str) -> Response:
    canonical, _ = parse_arxiv_id(arxiv_id)
    if canonical != arxiv_id:
        return RedirectResponse(f"/papers/{canonical}.md", status_code=301)
    core = core_of(request)
    paper = core.get_paper(canonical)
    body = paper_markdown(paper, base_url=core.settings.base_url,
                          concepts=core.paper_concepts(canonical))
    return Response(body, media_type="text/markdown; charset=utf-8")
