"""Citation export: a paper, a collection or a page of search results as BibTeX, RIS
or CSL-JSON (``paperwire/citations.py`` writes them)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from paperwire import citations
from paperwire.ids import parse_arxiv_id
from paperwire.models import Paper, SearchOptions, page_param
from paperwire.surface import core_of
from paperwire.web.viewer import viewer

router = APIRouter(include_in_schema=False)


def cited(papers: Sequence[Paper], fmt: str, filename: str) -> Response:
    if fmt == "bib":
        body = citations.bibtex(papers).encode()
    elif fmt == "ris":
        body = citations.ris(papers).encode()
    else:
        body = orjson.dumps(citations.csl_json(papers), option=orjson.OPT_INDENT_2)
    disposition = f'inline; filename="{filename}.{fmt}"'
    return Response(body, media_type=citations.FORMATS[fmt],
                    headers={"Content-Disposition": disposition})


def _paper_route(fmt: str) -> Callable[[Request, str], Response]:
    def paper_citation(request: Request, arxiv_id: str) -> Response:
        canonical, _ = parse_arxiv_id(arxiv_id)
        if canonical != arxiv_id:
            return RedirectResponse(f"/papers/{canonical}.{fmt}", status_code=301)
        paper = core_of(request).get_paper(canonical)
        return cited([paper], fmt, canonical.replace("/", "_"))
    return paper_citation


def _collection_route(fmt: str) -> Callable[[Request, int], Response]:
    def collection_citation(request: Request, collection_id: int) -> Response:
        core = core_of(request)
        collection = core.collection(collection_id, viewer(request))  # 404 unless visible
        papers = core.papers_by_arxiv_ids([item.arxiv_id for item in collection.items])
        return cited(papers, fmt, f"collection-{collection_id}")
    return collection_citation


def _search_route(fmt: str) -> Callable[..., Response]:
    def search_citation(request: Request, q: str = Query(default="", max_length=500)) -> Response:
        """The page of results the search page shows for the same parameters."""
        core = core_of(request)
        size = core.settings.search_page_size
        params = request.query_params
        results = core.search_papers(q, limit=size, offset=page_param(params) * size,
                                     options=SearchOptions.from_params(params))
        return cited([hit.paper for hit in results.hits], fmt, "search")
    return search_citation


# Registered before the pages and feeds: /papers/{id:path} would take these paths for a
# paper id, /collections/{id}.{fmt} for a feed. A collection's CSL-JSON is .csl.json:
# its .json is the collection's JSON Feed.
for _fmt in citations.FORMATS:
    _suffix = "csl.json" if _fmt == "json" else _fmt
    router.add_api_route(f"/papers.{_fmt}", _search_route(_fmt), methods=["GET"])
    router.add_api_route(f"/papers/{{arxiv_id:path}}.{_fmt}", _paper_route(_fmt), methods=["GET"])
    router.add_api_route(f"/collections/{{collection_id:int}}.{_suffix}", _collection_route(_fmt),
                         methods=["GET"])
