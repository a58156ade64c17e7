"""Turn papers into Hugging Face Daily Papers JSON shapes (plain dicts, for orjson)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, time
from typing import Any

from paperwire.models import Paper, SearchHit, SimilarPaper


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def published_at(paper: Paper) -> str:
    stamp = paper.published or datetime.combine(paper.announced_on, time(), tzinfo=UTC)
    return _iso(stamp)


def object_id(*parts: object) -> str:
    """A stable 24-hex-digit id, the form of Hugging Face's ``_id`` fields."""
    return hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=12).hexdigest()


def user_ref(name: str | None, fullname: str | None) -> dict[str, Any] | None:
    """A user as Hugging Face names one (``name`` is the handle)."""
    if name is None:
        return None
    return {"_id": object_id("user", name), "name": name, "fullname": fullname or name,
            "type": "user", "avatarUrl": ""}


def hf_paper(
    paper: Paper, *, detail: bool = False, keywords: list[str] | None = None,
    summary: str | None = None,
) -> dict[str, Any]:
    """Hugging Face's paper object; ``ai_keywords`` are the paper's key concepts,
    ``ai_summary`` its one-line summary (omitted until it has one)."""
    data: dict[str, Any] = {
        "id": paper.arxiv_id,
        "authors": [
            {"_id": object_id(paper.arxiv_id, n), "name": name, "hidden": False}
            for n, name in enumerate(paper.authors)
        ],
        "publishedAt": published_at(paper),
        "submittedOnDailyAt": _iso(datetime.combine(paper.announced_on, time(), tzinfo=UTC)),
        "title": paper.title,
        "summary": paper.abstract,
        "upvotes": paper.upvotes,
        "categories": paper.categories,
        "primaryCategory": paper.primary_category,
        "withdrawn": paper.withdrawn,
        "submittedOnDailyBy": user_ref(paper.submitted_by, paper.submitted_by_name),
        "discussionId": object_id("discussion", paper.arxiv_id),
        "ai_keywords": keywords or [],
    }
    if summary:
        data["ai_summary"] = summary
    data.update(code_fields(paper))
    if detail:
        data.update(
            comments=paper.comments,
            journalRef=paper.journal_ref,
            doi=paper.doi,
            license=paper.license,
            versions=[{"version": f"v{n}", "createdAt": _iso(c)} for n, c in paper.versions],
            arxivUrl=paper.abs_url,
            pdfUrl=paper.pdf_url,
            links=[{"kind": link.kind, "host": link.host, "url": link.url,
                    "source": link.source} for link in paper.links],
        )
    return data


def code_fields(paper: Paper) -> dict[str, Any]:
    """``githubRepo`` (the https URL), ``githubStars`` (an int, once GitHub was asked) and
    ``projectPage``, each only when the paper has one, as Hugging Face gives them."""
    fields: dict[str, Any] = {}
    github = _github_repo(paper)
    if github:
        fields["githubRepo"] = github
        if paper.code_stars is not None and paper.code_url == github:
            fields["githubStars"] = paper.code_stars
    project = paper.project_page.url if paper.project_page else paper.project_url
    if project:
        fields["projectPage"] = project
    return fields


def _github_repo(paper: Paper) -> str | None:
    """The GitHub repository as Hugging Face gives it (the full https URL), or None."""
    repo = paper.repo
    if repo is not None:
        return repo.url if repo.host == "github.com" else None
    code = paper.code_url
    return code if code and code.startswith("https://github.com/") else None


def daily_item(
    paper: Paper, keywords: list[str] | None = None, summary: str | None = None
) -> dict[str, Any]:
    """A list item as Hugging Face's /api/daily_papers gives it: the paper, and its title,
    summary and dates beside it (``huggingface_hub`` reads the title only there)."""
    return {
        "paper": hf_paper(paper, keywords=keywords, summary=summary),
        **_beside(paper),
        **_summary_beside(paper, summary, keywords),
        **({"trendingScore": round(paper.trending_score, 6)}
           if paper.trending_score is not None else {}),
    }


def _beside(paper: Paper) -> dict[str, Any]:
    return {
        "publishedAt": published_at(paper),
        "title": paper.title,
        "summary": paper.abstract,
        "numComments": paper.num_comments,
        "thumbnail": "",
        "isAuthorParticipating": False,
        "submittedBy": user_ref(paper.submitted_by, paper.submitted_by_name),
    }


def _summary_beside(paper: Paper, summary: str | None,
                    keywords: list[str] | None) -> dict[str, Any]:
    """``huggingface_hub``'s ``PaperInfo`` reads a list item's ``ai_summary``,
    ``ai_keywords``, ``githubRepo``, ``githubStars`` and ``projectPage`` beside the paper,
    not in it: they are given in both places."""
    return {**({"ai_summary": summary} if summary else {}), "ai_keywords": keywords or [],
            **code_fields(paper)}


def search_item(hit: SearchHit, summary: str | None = None) -> dict[str, Any]:
    return {
        "paper": hf_paper(hit.paper, keywords=hit.concepts, summary=summary),
        **_beside(hit.paper),
        **_summary_beside(hit.paper, summary, hit.concepts),
        "score": round(hit.score, 6),
        "matchedTerms": hit.matched_terms,
        "matchKind": hit.match.value,
        "similarity": None if hit.similarity is None else round(hit.similarity, 6),
        "concepts": hit.concepts,
    }


def similar_item(item: SimilarPaper) -> dict[str, Any]:
    return {"paper": hf_paper(item.paper), "similarity": round(item.similarity, 6)}
