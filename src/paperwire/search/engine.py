"""The one search engine behind the search page, ``/api/papers/search`` and the CLI.

Today it ranks by keywords; semantic retrieval plugs in here as another
ranked list, fused with the keyword one, without touching any caller.
"""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from paperwire.db.queries import SUMMARY_COLUMNS, paper_from_row, papers_by_ids
from paperwire.db.tables import papers
from paperwire.models import SearchHit, SearchResults
from paperwire.search.highlight import highlight_pattern, matched_words
from paperwire.search.keyword import filter_conditions, keyword_search
from paperwire.search.query import ParsedQuery


def search(
    connection: Connection, query: ParsedQuery, *, limit: int, offset: int = 0
) -> SearchResults:
    if query.arxiv_id:
        return SearchResults(query.raw, [], 0, limit, offset, jump_to=query.arxiv_id)
    if query.is_empty:
        return SearchResults(query.raw, [], 0, limit, offset)
    if not query.has_text:
        return _filter_only(connection, query, limit=limit, offset=offset)
    matches = keyword_search(connection, query, limit=limit, offset=offset)
    found = papers_by_ids(connection, [paper_id for paper_id, _ in matches.ranked])
    pattern = highlight_pattern(query.highlight_words)
    hits = []
    for paper_id, score in matches.ranked:
        paper = found[paper_id]
        terms = matched_words(f"{paper.title} {paper.abstract}", pattern)
        hits.append(SearchHit(paper, score, terms))
    return SearchResults(query.raw, hits, matches.total, limit, offset)


def _filter_only(
    connection: Connection, query: ParsedQuery, *, limit: int, offset: int
) -> SearchResults:
    """``author:`` / ``cat:`` without words: the matching papers, newest first."""
    conditions = filter_conditions(query)
    rows = connection.execute(
        select(*SUMMARY_COLUMNS)
        .where(*conditions)
        .order_by(papers.c.announced_on.desc(), papers.c.arxiv_id.desc())
        .limit(limit)
        .offset(offset)
    )
    hits = [SearchHit(paper_from_row(row), 0.0) for row in rows]
    total = connection.execute(select(func.count()).select_from(papers).where(*conditions))
    return SearchResults(query.raw, hits, total.scalar_one(), limit, offset)
