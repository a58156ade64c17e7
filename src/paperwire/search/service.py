"""Search-side work the core delegates: the embedding job, the index, similar papers."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from paperwire.db import changes, embeddings
from paperwire.db import embedding_claims as claims
from paperwire.db.changes import FeedPosition
from paperwire.db.locks import delete_rows, is_held, own_lock
from paperwire.db.session import (
    Engine,
    read_transaction,
    snapshot_transaction,
    write_transaction,
)
from paperwire.errors import JobBusy
from paperwire.search.concepts import ConceptExtractor
from paperwire.search.indexing import EmbedReport, compute_rows, index_lock, sync_index
from paperwire.search.semantic import SemanticSearcher
from paperwire.search.vectors import VectorIndexWriter

ProgressCallback = Callable[[int, int], None]  # (done, total)
log = logging.getLogger(__name__)
# A batch job amid a backlog syncs its host's vector index at most this often; the
# backlog's last batch always does. Loading and rewriting the index file costs ~4 s at
# 1M papers, against ~25 s for a job's 1,024 papers (docs/benchmarks.md); the web
# hosts follow the change feed on their own meanwhile.
INDEX_SYNC_EVERY_S = 60.0


class SearchIndexer:
    """Embeds pending papers and keeps the vector index file in step. Any number of
    embedders (threads, processes, hosts) run at once: each batch claims its own pending
    papers (``db/embedding_claims.py``), owned by a lock of the embedder's own
    (``own_lock``), so a dead embedder's claims are free again at once."""

    def __init__(self, engine: Engine, semantic: SemanticSearcher, *, batch_size: int,
                 claim_seconds: float = 900) -> None:
        self.engine, self.semantic, self.batch_size = engine, semantic, batch_size
        self.claim_seconds = claim_seconds
        self.extractor = ConceptExtractor(semantic.embedder)
        self._job = threading.Lock()  # a rebuild or a forget, not the batches

    @property
    def model(self) -> str:
        return self.semantic.model

    def pending(self) -> int:
        with read_transaction(self.engine) as connection:
            return embeddings.count_pending(connection, self.model)

    def unclaimed(self) -> int:
        """Pending papers no live batch holds now (what another job could take); the
        claims of dead embedders are freed first."""
        self._free_dead_claims(None)
        with read_transaction(self.engine) as connection:
            return max(0, embeddings.count_pending(connection, self.model)
                       - claims.count_claimed(connection, self.model, now=datetime.now(UTC)))

    def embed_pending(
        self, *, on_progress: ProgressCallback | None = None, limit: int | None = None
    ) -> EmbedReport:
        """Embed every pending paper no other batch holds (or ``limit`` of them), newest
        first, batch by batch, then sync this host's index (a ``limit`` job amid a
        backlog only when the last sync is ``INDEX_SYNC_EVERY_S`` old)."""
        report = EmbedReport()
        with own_lock(self.engine, "embedder") as claimer:
            total = self.pending() if limit is None else min(limit, self.pending())
            done = 0
            if on_progress:
                on_progress(0, total)
            while limit is None or done < limit:
                size = self.batch_size if limit is None else min(self.batch_size, limit - done)
                rows = self._claim(claimer.name, size)
                if not rows:
                    break
                self._embed_batch(claimer.name, rows, report)
                done += len(rows)
                if on_progress:
                    on_progress(done, max(total, done))
            if limit is None or self._sync_due():
                report.indexed = self._sync(fresh=False)
        return report

    def _sync_due(self) -> bool:
        """Whether a batch job syncs the index now: the last sync is older than
        ``INDEX_SYNC_EVERY_S`` (or never was), or no pending paper waits unclaimed."""
        meta = self.semantic.index.meta()
        if meta is None or meta.synced_at is None:
            return True
        return time.time() - meta.synced_at >= INDEX_SYNC_EVERY_S or self.unclaimed() == 0

    def _claim(self, owner: str, size: int) -> list[Any]:
        self._free_dead_claims(owner)
        for _ in range(5):  # a claimer committing at this instant may take our candidates
            now = datetime.now(UTC)
            with write_transaction(self.engine) as connection:
                rows = claims.claim(connection, self.model, owner=owner, limit=size, now=now,
                                    expires_at=now + timedelta(seconds=self.claim_seconds))
            if rows or self.unclaimed() == 0:
                return rows
        return []

    def _free_dead_claims(self, mine: str | None) -> None:
        with read_transaction(self.engine) as connection:
            owners = claims.owners(connection, self.model)
        dead = [owner for owner in owners if owner != mine and not is_held(self.engine, owner)]
        if dead:
            log.info("freeing the embedding claims of %d dead embedder(s)", len(dead))
            with write_transaction(self.engine) as connection:
                claims.release(connection, self.model, dead)
                delete_rows(connection, dead)

    def _embed_batch(self, owner: str, rows: list[Any], report: EmbedReport) -> None:
        try:
            new_rows, reuse = compute_rows(rows, self.semantic.embedder, self.extractor,
                                           EmbedReport())
        except BaseException:
            with write_transaction(self.engine) as connection:
                claims.release(connection, self.model, [owner])
            raise
        with write_transaction(self.engine) as connection:
            kept = claims.finish(connection, self.model, owner=owner,
                                 ids=[row.id for row in rows])
            new_rows = [row for row in new_rows if row["paper_id"] in kept]
            reuse = [pair for pair in reuse if pair[0] in kept]
            embeddings.write_embeddings(connection, self.model, new_rows, reuse)
        report.embedded += len(new_rows)
        report.reused += len(reuse)

    def lag(self) -> changes.Lag:
        """How far this host's vector index is behind the stored vectors."""
        meta = self.semantic.index.meta()
        position = None if meta is None or meta.feed is None else FeedPosition.from_json(meta.feed)
        with read_transaction(self.engine) as connection:
            lag = changes.lag_of(connection, position, meta and meta.synced_at,
                                 (changes.EMBEDDING,))
            if lag.rebuild:
                return replace(lag, behind=embeddings.count_embedded(connection, self.model))
        return lag

    def follow(self) -> int:
        """Take in the vectors stored since the last sync (by a worker on another host,
        say), unless none were or this process is rebuilding it; returns how many."""
        lag = self.lag()
        if not (lag.behind or lag.rebuild) or not self._job.acquire(blocking=False):
            return 0
        try:
            return self._sync(fresh=False)
        finally:
            self._job.release()

    def sync_index(self) -> int:
        """Bring the index file up to date with the stored vectors (the feed's changes);
        the index file's own lock, not the job's, so it never waits for a batch."""
        return self._sync(fresh=False)

    def rebuild_index(self, on_progress: Callable[[int], None] | None = None) -> int:
        """Rebuild the index file from stored vectors (no model run)."""
        with self._job:
            return self._sync(fresh=True, on_progress=on_progress)

    def forget_embeddings(self) -> None:
        """Drop this model's stored vectors so the next job embeds every paper again."""
        with self._job, write_transaction(self.engine) as connection:
            embeddings.delete_embeddings(connection, self.model)

    def _sync(self, *, fresh: bool, on_progress: Callable[[int], None] | None = None) -> int:
        directory = self.semantic.index.path.parent
        embedder = self.semantic.embedder
        with index_lock(directory, self.model):
            writer = VectorIndexWriter(directory, self.model, embedder.dim, fresh=fresh)
            written = sync_index(
                lambda: snapshot_transaction(self.engine), writer, self.model, on_progress
            )
        self.semantic.index.recheck()  # this process's searches see it at once
        return written


def exclude_duplicates(
    paper_id: int, text_hash: str | None, ranked: list[tuple[int, float]],
    stored: dict[int, Any],
) -> list[tuple[int, float]]:
    """Drop the paper itself and papers whose embedded text is identical to it."""
    return [
        (pid, sim) for pid, sim in ranked
        if pid != paper_id and sim < 0.9999
        and (text_hash is None or getattr(stored.get(pid), "text_hash", None) != text_hash)
    ]


class BackgroundEmbedder:
    """A daemon thread that runs its jobs (a web process's index syncs: the keyword
    index, then the vector index file) whenever it is woken, whenever a look every
    ``poll_seconds`` finds work waiting (``due``), and hourly."""

    def __init__(
        self, jobs: list[Callable[[], Any]], on_error: Callable[[Exception], Any], *,
        poll_seconds: float = 3600, due: Callable[[], bool] | None = None,
        name: str = "paperwire-embed",
    ) -> None:
        self.jobs, self.on_error = jobs, on_error
        self.poll_seconds, self.due = poll_seconds, due
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._wake.set()
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        last_run = float("-inf")
        while not self._stop.is_set():
            woken = self._wake.wait(timeout=min(self.poll_seconds, 3600))
            self._wake.clear()
            if self._stop.is_set():
                return
            hourly = time.monotonic() - last_run >= 3600
            if not (woken or hourly or self._is_due()):
                continue
            last_run = time.monotonic()
            for job in self.jobs:
                try:
                    job()
                except JobBusy as busy:  # another process is at it: skip this round
                    log.info("search index job skipped: %s", busy)
                except Exception as error:  # the thread must outlive one bad batch
                    self.on_error(error)

    def _is_due(self) -> bool:
        if self.due is None:
            return False
        try:
            return self.due()
        except Exception as error:  # e.g. the store is briefly unreachable
            self.on_error(error)
            return False


def has_embeddings(engine: Engine, model: str) -> bool:
    with read_transaction(engine) as connection:
        return embeddings.has_embeddings(connection, model)
