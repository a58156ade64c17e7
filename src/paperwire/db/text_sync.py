"""What the tantivy keyword index reads from the store to stay in step with it: the
papers' modification stamps and embedding stamps, and the changed papers with their
categories and concepts.

When to sync, and what goes into the index, is ``paperwire.search.text_index``'s rule.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, or_, select

from paperwire.db.session import as_utc
from paperwire.db.tables import paper_categories, paper_embeddings, papers


def high_water(connection: Connection) -> datetime | None:
    """The store's newest modification, in UTC (an indexed ``max``: cheap on every query)."""
    return as_utc(connection.execute(select(func.max(papers.c.modified_at))).scalar_one())


def changed_after(connection: Connection, moment: datetime) -> bool:
    """Whether any paper was modified after ``moment``."""
    changed = connection.execute(
        select(papers.c.id).where(papers.c.modified_at > moment).limit(1)
    ).first()
    return changed is not None


def count_changed_after(connection: Connection, moment: datetime | None) -> int:
    """Papers modified after ``moment`` (every paper with None)."""
    statement = select(func.count()).select_from(papers)
    if moment is not None:
        statement = statement.where(papers.c.modified_at > moment)
    return connection.execute(statement).scalar_one()


def concepts_high_water(connection: Connection, model: str | None) -> datetime | None:
    """The newest ``embedded_at`` of ``model``'s rows (indexed by model, embedded_at)."""
    if model is None:
        return None
    return as_utc(connection.execute(
        select(func.max(paper_embeddings.c.embedded_at)).where(paper_embeddings.c.model == model)
    ).scalar_one())


def changed_papers(
    connection: Connection, since: datetime | None, *, chunk: int,
    model: str | None = None, concepts_since: datetime | None = None,
) -> Iterator[list[Any]]:
    """Papers modified at or after ``since`` (all with None), and with ``model`` those
    embedded at or after ``concepts_since``, streamed in chunks of rows with ``id``,
    ``title_text``, ``authors_text``, ``abstract_text``, ``announced_on``,
    ``categories`` (space-separated) and ``concepts`` (``model``'s, of the paper's
    current text: a changed paper's old ones would match words it no longer has)."""
    categories = (
        select(func.group_concat(paper_categories.c.category, " "))
        if connection.dialect.name == "sqlite"
        else select(func.string_agg(paper_categories.c.category, " "))
    ).where(paper_categories.c.paper_id == papers.c.id).scalar_subquery()
    concepts = select(paper_embeddings.c.concepts).where(
        paper_embeddings.c.paper_id == papers.c.id, paper_embeddings.c.model == (model or ""),
        paper_embeddings.c.source_hash == papers.c.content_hash,
    ).scalar_subquery()
    statement = select(
        papers.c.id, papers.c.title_text, papers.c.authors_text, papers.c.abstract_text,
        papers.c.announced_on, categories.label("categories"), concepts.label("concepts"),
    )
    if since is not None:
        changed = papers.c.modified_at >= since
        if model is not None:
            embedded = select(paper_embeddings.c.paper_id).where(
                paper_embeddings.c.model == model,
                *([paper_embeddings.c.embedded_at >= concepts_since] if concepts_since else []),
            )
            changed = or_(changed, papers.c.id.in_(embedded.scalar_subquery()))
        statement = statement.where(changed)
    result = connection.execution_options(yield_per=chunk).execute(statement)
    yield from result.partitions(chunk)
