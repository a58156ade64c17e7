"""What the tantivy keyword index reads from the store to stay in step with it: the
papers' modification stamps, and the changed papers with their categories.

When to sync, and what goes into the index, is ``paperwire.search.text_index``'s rule.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from paperwire.db.session import as_utc
from paperwire.db.tables import paper_categories, papers


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


def changed_papers(
    connection: Connection, since: datetime | None, *, chunk: int
) -> Iterator[list[Any]]:
    """Papers modified at or after ``since`` (all with None), streamed in chunks of rows
    with ``id``, ``title_text``, ``authors_text``, ``abstract_text``, ``announced_on``
    and ``categories`` (space-separated)."""
    categories = (
        select(func.group_concat(paper_categories.c.category, " "))
        if connection.dialect.name == "sqlite"
        else select(func.string_agg(paper_categories.c.category, " "))
    ).where(paper_categories.c.paper_id == papers.c.id).scalar_subquery()
    statement = select(
        papers.c.id, papers.c.title_text, papers.c.authors_text, papers.c.abstract_text,
        papers.c.announced_on, categories.label("categories"),
    )
    if since is not None:
        statement = statement.where(papers.c.modified_at >= since)
    result = connection.execution_options(yield_per=chunk).execute(statement)
    yield from result.partitions(chunk)
