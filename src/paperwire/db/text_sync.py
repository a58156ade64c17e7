"""What the tantivy keyword index reads from the store: papers with their categories and
concepts, all of them or those the change feed (``db/changes.py``) names.

When to sync, and what goes into the index, is ``paperwire.search.text_index``'s rule.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import Any

from sqlalchemy import Connection, Select, func, select

from paperwire.db.tables import paper_categories, paper_embeddings, papers


def _documents(connection: Connection, model: str | None) -> Select[Any]:
    categories = (
        select(func.group_concat(paper_categories.c.category, " "))
        if connection.dialect.name == "sqlite"
        else select(func.string_agg(paper_categories.c.category, " "))
    ).where(paper_categories.c.paper_id == papers.c.id).scalar_subquery()
    concepts = select(paper_embeddings.c.concepts).where(
        paper_embeddings.c.paper_id == papers.c.id, paper_embeddings.c.model == (model or ""),
        paper_embeddings.c.source_hash == papers.c.content_hash,
    ).scalar_subquery()
    return select(
        papers.c.id, papers.c.title_text, papers.c.authors_text, papers.c.abstract_text,
        papers.c.announced_on, categories.label("categories"), concepts.label("concepts"),
    )


def all_papers(
    connection: Connection, *, chunk: int, model: str | None = None
) -> Iterator[list[Any]]:
    """Every paper, streamed in chunks of rows with ``id``, ``title_text``,
    ``authors_text``, ``abstract_text``, ``announced_on``, ``categories``
    (space-separated) and ``concepts`` (``model``'s, of the paper's current text: a
    changed paper's old ones would match words it no longer has)."""
    result = connection.execution_options(yield_per=chunk).execute(_documents(connection, model))
    yield from result.partitions(chunk)


def papers_by_id(
    connection: Connection, ids: Collection[int], *, chunk: int, model: str | None = None
) -> Iterator[list[Any]]:
    """The papers among ``ids`` that exist, in chunks of ``all_papers``' rows."""
    ordered = sorted(ids)
    for start in range(0, len(ordered), chunk):
        part = ordered[start : start + chunk]
        yield list(connection.execute(
            _documents(connection, model).where(papers.c.id.in_(part))
        ))


def count_papers(connection: Connection) -> int:
    return connection.execute(select(func.count()).select_from(papers)).scalar_one()
