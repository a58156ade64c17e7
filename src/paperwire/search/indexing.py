"""The embedding job: embed new and changed papers, store vectors and concepts, sync the index.

Resumable by construction: a paper is pending while it has no row in
``paper_embeddings`` for the model, or its row's ``source_hash`` differs from
the paper's ``content_hash``. Each batch commits on its own, so a crash loses
at most one batch. A paper whose embedded text did not change (only, say, its
comments did) is not run through the model again.
"""

from __future__ import annotations

import fcntl
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from paperwire.db import changes, embeddings
from paperwire.db.changes import FeedPosition
from paperwire.search.concepts import ConceptExtractor, embed_for_concepts
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
        vectors, concept_rows = embed_for_concepts(embedder, [texts[row.id] for row in fresh])
        all_concepts = extractor.extract_many([
            (row.title_text, row.abstract_text, concept_row)
            for row, concept_row in zip(fresh, concept_rows, strict=True)
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
    """Apply the vectors the change feed names since the index's last sync (or every
    vector, when the index is new or was idle past the feed's retention); returns how
    many were written. ``connection_factory`` opens a snapshot transaction."""
    done = 0
    with connection_factory() as connection:
        if writer.feed is None or not changes.trusted(writer.synced_at):
            writer.clear()
            now = changes.position(connection)
            chunks = embeddings.all_vectors(connection, model, chunk=SYNC_CHUNK)
        else:
            ids, now = changes.changed_since(
                connection, FeedPosition.from_json(writer.feed), (changes.EMBEDDING,)
            )
            chunks = _removing_gone(writer, ids, embeddings.vectors_of(
                connection, model, ids, chunk=SYNC_CHUNK
            ))
        for chunk in chunks:
            if not chunk:
                continue
            writer.upsert([row.paper_id for row in chunk],
                          np.stack([decode_vector(row.vector) for row in chunk]))
            done += len(chunk)
            if on_progress:
                on_progress(done)
    writer.save(now.to_json(), time.time())
    return done


def _removing_gone(
    writer: VectorIndexWriter, ids: set[int], chunks: Iterator[list[Any]]
) -> Iterator[list[Any]]:
    """The chunks; then the ids that had no vector (deleted papers, dropped models) leave
    the index."""
    found: set[int] = set()
    for chunk in chunks:
        found.update(row.paper_id for row in chunk)
        yield chunk
    writer.remove(sorted(key for key in ids - found if writer.index.contains(key)))
