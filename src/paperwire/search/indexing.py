"""The embedding job: embed new and changed papers, store vectors and concepts, sync the index.

Resumable by construction: a paper is pending while it has no row in
``paper_embeddings`` for the model, or its row's ``source_hash`` differs from
the paper's ``content_hash``. Each batch commits on its own, so a crash loses
at most one batch. A paper whose embedded text did not change (only, say, its
comments did) is not run through the model again.
"""

from __future__ import annotations

import fcntl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Connection, and_, delete, func, insert, or_, select, update

from paperwire.db.tables import paper_embeddings, papers
from paperwire.search.concepts import ConceptExtractor
from paperwire.search.embedder import Embedder, paper_text, text_hash
from paperwire.search.vectors import VectorIndexWriter

SYNC_CHUNK = 5_000


@dataclass(slots=True)
class EmbedReport:
    embedded: int = 0  # run through the model
    reused: int = 0  # metadata changed, text did not: kept the stored vector
    indexed: int = 0  # vectors written to the index file


def encode_vector(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype="<f2").tobytes()


def decode_vector(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype="<f2").astype(np.float32)


def _pending_condition(model: str) -> Any:
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
    joined, stale = _pending_condition(model)
    return connection.execute(select(func.count()).select_from(joined).where(stale)).scalar_one()


def pending_batch(
    connection: Connection, model: str, *, after: tuple[date, int] | None, limit: int
) -> list[Any]:
    """The next pending papers, newest announcement first (so recent papers are found
    by meaning soonest); ``after`` is the last batch's (announced_on, id)."""
    joined, stale = _pending_condition(model)
    condition = [stale]
    if after is not None:
        day, paper_id = after
        condition.append(or_(
            papers.c.announced_on < day,
            and_(papers.c.announced_on == day, papers.c.id < paper_id),
        ))
    return connection.execute(
        select(
            papers.c.id, papers.c.announced_on, papers.c.title_text, papers.c.abstract_text,
            papers.c.content_hash, paper_embeddings.c.text_hash.label("old_text_hash"),
        )
        .select_from(joined)
        .where(*condition)
        .order_by(papers.c.announced_on.desc(), papers.c.id.desc())
        .limit(limit)
    ).all()


def compute_rows(
    rows: list[Any], embedder: Embedder, extractor: ConceptExtractor, report: EmbedReport
) -> tuple[list[dict[str, Any]], list[tuple[int, str]]]:
    """New embedding rows for changed text; (paper id, source hash) for unchanged text."""
    texts = {row.id: paper_text(row.title_text, row.abstract_text) for row in rows}
    hashes = {paper_id: text_hash(text) for paper_id, text in texts.items()}
    reuse = [(row.id, row.content_hash) for row in rows if row.old_text_hash == hashes[row.id]]
    fresh = [row for row in rows if row.old_text_hash != hashes[row.id]]
    now = datetime.now(UTC)
    new_rows: list[dict[str, Any]] = []
    if fresh:
        vectors = embedder.embed([texts[row.id] for row in fresh])
        all_concepts = extractor.extract_many([
            (row.title_text, row.abstract_text, vector)
            for row, vector in zip(fresh, vectors, strict=True)
        ])
        for row, vector, concepts in zip(fresh, vectors, all_concepts, strict=True):
            new_rows.append({
                "paper_id": row.id, "model": embedder.model_name,
                "source_hash": row.content_hash, "text_hash": hashes[row.id],
                "vector": encode_vector(vector), "concepts": concepts, "embedded_at": now,
            })
    report.embedded += len(new_rows)
    report.reused += len(reuse)
    return new_rows, reuse


def write_rows(
    connection: Connection, model: str, new_rows: list[dict[str, Any]],
    reuse: list[tuple[int, str]],
) -> None:
    if new_rows:
        ids = [row["paper_id"] for row in new_rows]
        connection.execute(
            delete(paper_embeddings).where(
                paper_embeddings.c.model == model, paper_embeddings.c.paper_id.in_(ids)
            )
        )
        connection.execute(insert(paper_embeddings), new_rows)
    for paper_id, source_hash in reuse:
        connection.execute(
            update(paper_embeddings)
            .where(paper_embeddings.c.model == model, paper_embeddings.c.paper_id == paper_id)
            .values(source_hash=source_hash)
        )


@contextmanager
def index_lock(directory: Path, model: str) -> Iterator[None]:
    """One index writer at a time across processes."""
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / f"{model.replace('/', '_')}.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def sync_index(
    connection_factory: Callable[[], Any], writer: VectorIndexWriter, model: str,
    on_progress: Callable[[int], None] | None = None,
) -> int:
    """Copy vectors embedded since the index's last sync into it; returns how many."""
    since = datetime.fromisoformat(writer.synced_at) if writer.synced_at else None
    newest, done = writer.synced_at, 0
    with connection_factory() as connection:
        condition = [paper_embeddings.c.model == model]
        if since is not None:
            condition.append(paper_embeddings.c.embedded_at >= since)
        result = connection.execution_options(yield_per=SYNC_CHUNK).execute(
            select(
                paper_embeddings.c.paper_id, paper_embeddings.c.vector,
                paper_embeddings.c.embedded_at,
            ).where(*condition)
        )
        for chunk in result.partitions(SYNC_CHUNK):
            keys = [row.paper_id for row in chunk]
            writer.upsert(keys, np.stack([decode_vector(row.vector) for row in chunk]))
            stamp = max(_aware(row.embedded_at) for row in chunk).isoformat()
            newest = max(newest, stamp) if newest else stamp
            done += len(chunk)
            if on_progress:
                on_progress(done)
    writer.save(newest)
    return done


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def stored_concepts(connection: Connection, model: str, ids: list[int]) -> dict[int, list[str]]:
    if not ids:
        return {}
    rows = connection.execute(
        select(paper_embeddings.c.paper_id, paper_embeddings.c.concepts).where(
            paper_embeddings.c.model == model, paper_embeddings.c.paper_id.in_(ids)
        )
    )
    return {row.paper_id: list(row.concepts) for row in rows}


def embedding_facts(connection: Connection, model: str, ids: list[int]) -> dict[int, Any]:
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
