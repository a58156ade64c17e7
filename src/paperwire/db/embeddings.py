"""Storage of embeddings: one ``paper_embeddings`` row per (paper, model) holding the
vector, the concepts, and the hashes that say whether it is still current.

A paper is pending while it has no row for the model, or its row's ``source_hash``
differs from the paper's ``content_hash``; what to do about it is
``paperwire.search.indexing``'s rule.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, or_, select, update

from paperwire.db.tables import paper_embeddings, papers


def _pending(model: str) -> tuple[Any, Any]:
    joined = papers.outerjoin(
        paper_embeddings,
        and_(paper_embeddings.c.paper_id == papers.c.id, paper_embeddings.c.model == model),
    )
    stale = or_(
        paper_embeddings.c.paper_id.is_(None),
        paper_embeddings.c.source_hash != papers.c.content_hash,
    )
    return joined, stale


def count_pending(connection: Connection, model: str) -> int:
    """Papers with no current embedding for the model."""
    joined, stale = _pending(model)
    return connection.execute(select(func.count()).select_from(joined).where(stale)).scalar_one()


def count_embedded(connection: Connection, model: str) -> int:
    """Papers with a stored vector of the model (current or not)."""
    return connection.execute(
        select(func.count()).select_from(paper_embeddings).where(paper_embeddings.c.model == model)
    ).scalar_one()


def pending_select(model: str) -> Any:
    """The pending papers, newest announcement first (so recent papers are found by
    meaning soonest): ``id``, ``announced_on``, ``title_text``, ``abstract_text``,
    ``content_hash`` and the stored row's ``old_text_hash`` (None: never embedded)."""
    joined, stale = _pending(model)
    return (
        select(
            papers.c.id, papers.c.announced_on, papers.c.title_text, papers.c.abstract_text,
            papers.c.content_hash, paper_embeddings.c.text_hash.label("old_text_hash"),
        )
        .select_from(joined)
        .where(stale)
        .order_by(papers.c.announced_on.desc(), papers.c.id.desc())
    )


def pending_batch(
    connection: Connection, model: str, *, after: tuple[date, int] | None, limit: int
) -> list[Any]:
    """The next ``limit`` pending papers (``pending_select``'s rows); ``after`` is the last
    batch's (announced_on, id)."""
    query = pending_select(model)
    if after is not None:
        day, paper_id = after
        query = query.where(or_(
            papers.c.announced_on < day,
            and_(papers.c.announced_on == day, papers.c.id < paper_id),
        ))
    return connection.execute(query.limit(limit)).all()


def write_embeddings(
    connection: Connection, model: str, new_rows: list[dict[str, Any]],
    reuse: Sequence[tuple[int, str]],
) -> None:
    """Replace the rows of ``new_rows``' papers with them, and mark the rows of ``reuse``
    (paper id, source hash) current without touching their vectors (restamped, so the
    keyword index takes their concepts back in)."""
    if new_rows:
        ids = [row["paper_id"] for row in new_rows]
        connection.execute(
            delete(paper_embeddings).where(
                paper_embeddings.c.model == model, paper_embeddings.c.paper_id.in_(ids)
            )
        )
        connection.execute(insert(paper_embeddings), new_rows)
    now = datetime.now(UTC)
    for paper_id, source_hash in reuse:
        connection.execute(
            update(paper_embeddings)
            .where(paper_embeddings.c.model == model, paper_embeddings.c.paper_id == paper_id)
            .values(source_hash=source_hash, embedded_at=now)
        )


def all_vectors(connection: Connection, model: str, *, chunk: int) -> Iterator[list[Any]]:
    """Every vector of ``model``, streamed in chunks of rows with ``paper_id`` and ``vector``."""
    result = connection.execution_options(yield_per=chunk).execute(
        select(paper_embeddings.c.paper_id, paper_embeddings.c.vector).where(
            paper_embeddings.c.model == model
        )
    )
    yield from result.partitions(chunk)


def vectors_of(
    connection: Connection, model: str, ids: Collection[int], *, chunk: int
) -> Iterator[list[Any]]:
    """The vectors of ``model`` among ``ids``, in chunks of ``all_vectors``' rows."""
    ordered = sorted(ids)
    for start in range(0, len(ordered), chunk):
        yield list(connection.execute(
            select(paper_embeddings.c.paper_id, paper_embeddings.c.vector).where(
                paper_embeddings.c.model == model,
                paper_embeddings.c.paper_id.in_(ordered[start : start + chunk]),
            )
        ))


def stored_concepts(connection: Connection, model: str, ids: Sequence[int]) -> dict[int, list[str]]:
    """The concepts of those of ``ids`` embedded by the model."""
    if not ids:
        return {}
    rows = connection.execute(
        select(paper_embeddings.c.paper_id, paper_embeddings.c.concepts).where(
            paper_embeddings.c.model == model, paper_embeddings.c.paper_id.in_(ids)
        )
    )
    return {row.paper_id: list(row.concepts) for row in rows}


def embedding_facts(connection: Connection, model: str, ids: Sequence[int]) -> dict[int, Any]:
    """(text_hash, concepts) rows of the papers that have been embedded."""
    if not ids:
        return {}
    rows = connection.execute(
        select(
            paper_embeddings.c.paper_id, paper_embeddings.c.text_hash,
            paper_embeddings.c.concepts,
        ).where(paper_embeddings.c.model == model, paper_embeddings.c.paper_id.in_(ids))
    )
    return {row.paper_id: row for row in rows}


def delete_embeddings(connection: Connection, model: str) -> None:
    """Drop every stored row of the model."""
    connection.execute(paper_embeddings.delete().where(paper_embeddings.c.model == model))


def has_embeddings(connection: Connection, model: str) -> bool:
    """Whether any paper has been embedded by the model."""
    row = connection.execute(
        select(paper_embeddings.c.paper_id).where(paper_embeddings.c.model == model).limit(1)
    ).first()
    return row is not None
