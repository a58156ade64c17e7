"""The reads the search engine runs on the store: its filters as conditions, keyword
matches from the database's full text (``fulltext``), the check of semantic
candidates, the orders other than relevance, and the filter-only listing.

Which of these a query runs, and how their answers combine, is
``paperwire.search.engine``'s rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, exists, func, select
from sqlalchemy.sql.elements import ColumnElement

from paperwire.db import fulltext
from paperwire.db.queries import SUMMARY_COLUMNS, paper_from_row
from paperwire.db.tables import paper_categories, papers
from paperwire.models import Paper, Sort
from paperwire.search.query import ParsedQuery


def sort_columns(sort: Sort) -> list[Any]:
    """ORDER BY for the non-relevance sorts (ties: newest arXiv id first)."""
    if sort is Sort.UPVOTES:
        return [papers.c.upvotes.desc(), papers.c.announced_on.desc(), papers.c.id.desc()]
    return [papers.c.announced_on.desc(), papers.c.id.desc()]


def filter_conditions(query: ParsedQuery) -> list[ColumnElement[bool]]:
    """Conditions on ``papers`` for ``author:`` and ``cat:`` parts of a query."""
    conditions: list[ColumnElement[bool]] = []
    for author in query.authors:
        conditions.append(papers.c.authors_text.ilike(f"%{_escape_like(author)}%", escape="\\"))
    for category in query.categories:
        conditions.append(
            exists().where(
                paper_categories.c.paper_id == papers.c.id,
                func.lower(paper_categories.c.category) == category.lower(),
            )
        )
    if query.date_from:
        conditions.append(papers.c.announced_on >= query.date_from)
    if query.date_until:
        conditions.append(papers.c.announced_on < query.date_until)
    return conditions


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def constraint_conditions(connection: Connection, query: ParsedQuery) -> list[Any]:
    """Filters plus ``-excluded`` words and ``"quoted phrases"``: what a semantic hit
    must satisfy too (plain words need not appear: that is the point of meaning)."""
    conditions: list[Any] = filter_conditions(query)
    for phrase in query.quoted:
        conditions.append(fulltext.phrase_match(connection, phrase))
    for word in query.excluded:
        conditions.append(~fulltext.phrase_match(connection, [word]))
    return conditions


def keyword_matches(
    connection: Connection, query: ParsedQuery, *, limit: int, offset: int, sort: Sort,
    groups: fulltext.Groups = None,
) -> fulltext.Ranked:
    """Papers matching the query's words (every one, or one of ``groups``) and every
    filter, best first (or newest / most upvoted first), and how many match in all: two
    statements."""
    order = None if sort is Sort.RELEVANCE else sort_columns(sort)
    return fulltext.matches(
        connection, query, filters=filter_conditions(query), order=order,
        limit=limit, offset=offset, groups=groups,
    )


def candidate_texts(
    connection: Connection, query: ParsedQuery, ids: Sequence[int]
) -> dict[int, str]:
    """Those of ``ids`` that exist and satisfy the query's constraints, each with its
    searchable text (title, authors, abstract): one statement."""
    rows = connection.execute(
        select(papers.c.id, papers.c.title_text, papers.c.abstract_text, papers.c.authors_text)
        .where(papers.c.id.in_(list(ids)), *constraint_conditions(connection, query))
    )
    return {
        row.id: f"{row.title_text} {row.authors_text} {row.abstract_text}" for row in rows
    }


def titles_and_abstracts(
    connection: Connection, ids: Sequence[int]
) -> dict[int, tuple[str, str]]:
    """(title, abstract) of those of ``ids`` that exist: one statement."""
    rows = connection.execute(
        select(papers.c.id, papers.c.title, papers.c.abstract).where(papers.c.id.in_(list(ids)))
    )
    return {row.id: (row.title, row.abstract) for row in rows}


def ordered_ids(connection: Connection, ids: Sequence[int], sort: Sort) -> list[int]:
    """Those of ``ids`` that exist, newest or most upvoted first: one statement."""
    rows = connection.execute(
        select(papers.c.id).where(papers.c.id.in_(list(ids))).order_by(*sort_columns(sort))
    )
    return [row.id for row in rows]


def filtered_papers(
    connection: Connection, query: ParsedQuery, *, limit: int, offset: int, sort: Sort
) -> tuple[list[Paper], int]:
    """A page of the papers matching the query's filters (most upvoted first with
    ``Sort.UPVOTES``, else newest first) and how many match: two statements."""
    conditions = filter_conditions(query)
    order = sort_columns(Sort.UPVOTES if sort is Sort.UPVOTES else Sort.NEWEST)
    rows = connection.execute(
        select(*SUMMARY_COLUMNS).where(*conditions).order_by(*order).limit(limit).offset(offset)
    )
    total = connection.execute(select(func.count()).select_from(papers).where(*conditions))
    return [paper_from_row(row) for row in rows], total.scalar_one()


def newest_texts(connection: Connection, limit: int) -> Iterable[tuple[str, str]]:
    """(title, abstract) rows of the newest ``limit`` papers, by store id."""
    return connection.execute(
        select(papers.c.title_text, papers.c.abstract_text)
        .order_by(papers.c.id.desc())
        .limit(limit)
    )
