"""What the MCP tools answer: compact, JSON-able dicts an assistant can read."""

from __future__ import annotations

from typing import Any

from paperwire.community.models import Collection
from paperwire.models import Paper

SUMMARY_CHARS = 600  # of the abstract in lists; get_paper gives it whole


def paper_dict(paper: Paper, *, base_url: str, whole: bool = False) -> dict[str, Any]:
    abstract = paper.abstract if whole or len(paper.abstract) <= SUMMARY_CHARS else (
        paper.abstract[:SUMMARY_CHARS].rsplit(" ", 1)[0] + " …")
    shape: dict[str, Any] = {
        "id": paper.arxiv_id,
        "title": paper.title,
        "authors": paper.authors,
        "published": paper.published_or_announced.isoformat(),
        "announced": paper.announced_on.isoformat(),
        "categories": paper.categories,
        "summary": abstract,
        "url": f"{base_url.rstrip('/')}/papers/{paper.arxiv_id}",
        "arxiv_url": paper.abs_url,
        "upvotes": paper.upvotes,
    }
    code = paper.repo.url if paper.repo else paper.code_url
    if code:
        shape["code"] = code
    if paper.project_page:
        shape["project_page"] = paper.project_page.url
    return shape


def collection_dict(collection: Collection, *, base_url: str) -> dict[str, Any]:
    return {
        "id": collection.id,
        "name": collection.name,
        "description": collection.description,
        "public": collection.public,
        "size": collection.size or len(collection.items),
        "url": f"{base_url.rstrip('/')}{collection.url}",
    }
