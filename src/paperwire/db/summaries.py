"""Storage of one-line summaries: one ``paper_summaries`` row per (paper, kind).

What is pending: for ``extractive``, papers embedded by the model whose summary was made
from other text (or by another model), or has none; for ``abstractive``, papers with no
answer from the endpoint's model for their latest arXiv version. A refused answer is kept
(``text`` None, ``error``) so the same version is not asked again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, or_, select

from paperwire.db.tables import paper_embeddings, paper_summaries, papers

EXTRACTIVE, ABSTRACTIVE = "extractive", "abstractive"


def _joined(kind: str) -> Any:
    return papers.outerjoin(
        paper_summaries,
        and_(paper_summaries.c.paper_id == papers.c.id, paper_summaries.c.kind == kind),
    )


def _extractive(model: str) -> tuple[Any, Any]:
    joined = _joined(EXTRACTIVE).join(
        paper_embeddings,
        and_(paper_embeddings.c.paper_id == papers.c.id, paper_embeddings.c.model == model),
    )
    stale = or_(
        paper_summaries.c.paper_id.is_(None),
        paper_summaries.c.source_hash != paper_embeddings.c.text_hash,
        paper_summaries.c.model != model,
    )
    return joined, stale


def _abstractive(model: str) -> tuple[Any, Any]:
    stale = or_(
        paper_summaries.c.paper_id.is_(None),
        paper_summaries.c.version < papers.c.latest_version,
        paper_summaries.c.model != model,
    )
    return _joined(ABSTRACTIVE), and_(stale, papers.c.abstract_text != "")


def _pending(kind: str, model: str) -> tuple[Any, Any]:
    return _extractive(model) if kind == EXTRACTIVE else _abstractive(model)


def count_pending(connection: Connection, kind: str, model: str) -> int:
    joined, stale = _pending(kind, model)
    return connection.execute(select(func.count()).select_from(joined).where(stale)).scalar_one()


def pending_batch(
    connection: Connection, kind: str, model: str, *, after: tuple[date, int] | None,
    limit: int,
) -> list[Any]:
    """The next papers to summarize, newest first: ``id``, ``announced_on``,
    ``title_text``, ``abstract_text``, ``latest_version``, ``content_hash``, and for
    ``extractive`` the embedded ``vector`` and its ``text_hash``."""
    joined, stale = _pending(kind, model)
    condition = [stale]
    if after is not None:
        day, paper_id = after
        condition.append(or_(
            papers.c.announced_on < day,
            and_(papers.c.announced_on == day, papers.c.id < paper_id),
        ))
    columns = [papers.c.id, papers.c.announced_on, papers.c.title_text, papers.c.abstract_text,
               papers.c.latest_version, papers.c.content_hash]
    if kind == EXTRACTIVE:
        columns += [paper_embeddings.c.vector, paper_embeddings.c.text_hash]
    return connection.execute(
        select(*columns).select_from(joined).where(*condition)
        .order_by(papers.c.announced_on.desc(), papers.c.id.desc()).limit(limit)
    ).all()


def write_summaries(connection: Connection, kind: str, rows: Sequence[dict[str, Any]]) -> None:
    """Replace the ``kind`` summaries of the rows' papers with the rows."""
    if not rows:
        return
    connection.execute(delete(paper_summaries).where(
        paper_summaries.c.kind == kind,
        paper_summaries.c.paper_id.in_([row["paper_id"] for row in rows]),
    ))
    connection.execute(insert(paper_summaries), [{**row, "kind": kind} for row in rows])


def summaries_of(connection: Connection, ids: Sequence[int]) -> dict[int, list[Any]]:
    """Every stored summary of those of ``ids`` that have one, with the paper's
    ``latest_version``: one statement."""
    if not ids:
        return {}
    rows = connection.execute(
        select(paper_summaries.c.paper_id, paper_summaries.c.kind, paper_summaries.c.model,
               paper_summaries.c.text, paper_summaries.c.version, papers.c.latest_version)
        .join(papers, papers.c.id == paper_summaries.c.paper_id)
        .where(paper_summaries.c.paper_id.in_(list(ids)))
    )
    found: dict[int, list[Any]] = {}
    for row in rows:
        found.setdefault(row.paper_id, []).append(row)
    return found


def delete_summaries(connection: Connection, kind: str) -> None:
    connection.execute(delete(paper_summaries).where(paper_summaries.c.kind == kind))
