"""The summary jobs, batch by batch and resumable: what is pending is read from the store
(``db/summaries.py``), so a stopped job goes on where it was."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from paperwire.db import summaries as store
from paperwire.db.session import Engine, read_transaction, write_transaction
from paperwire.search.indexing import decode_vector
from paperwire.summaries.extractive import ExtractiveSummarizer
from paperwire.summaries.llm import EndpointUnavailable, SummaryClient
from paperwire.summaries.validate import SummaryRejected

Progress = Callable[[int, int], None]  # (done, total)
log = logging.getLogger(__name__)


@dataclass(slots=True)
class SummaryReport:
    extractive: int = 0  # made from the embedded text
    abstractive: int = 0  # accepted from the endpoint
    rejected: int = 0  # answers refused (kept as refused: not asked again for that version)
    unavailable: int = 0  # papers the endpoint did not answer this time (asked again later)


def _batches(engine: Engine, kind: str, model: str, size: int, limit: int | None) -> Any:
    after, done = None, 0
    while limit is None or done < limit:
        with read_transaction(engine) as connection:
            rows = store.pending_batch(connection, kind, model, after=after,
                                       limit=size if limit is None else min(size, limit - done))
        if not rows:
            return
        yield rows
        after, done = (rows[-1].announced_on, rows[-1].id), done + len(rows)


def total(engine: Engine, kind: str, model: str, limit: int | None) -> int:
    with read_transaction(engine) as connection:
        pending = store.count_pending(connection, kind, model)
    return pending if limit is None else min(pending, limit)


def run_extractive(engine: Engine, summarizer: ExtractiveSummarizer, model: str, *,
                   batch_size: int, limit: int | None, report: SummaryReport,
                   on_progress: Progress | None = None) -> None:
    """Summarize every embedded paper whose summary is missing or was made from other text."""
    count, done = total(engine, store.EXTRACTIVE, model, limit), 0
    for rows in _batches(engine, store.EXTRACTIVE, model, batch_size, limit):
        texts = summarizer.summarize_many(
            [(row.title_text, row.abstract_text, decode_vector(row.vector)) for row in rows])
        now = datetime.now(UTC)
        made = [{"paper_id": row.id, "model": model, "text": text, "source_hash": row.text_hash,
                 "version": row.latest_version, "error": None if text else "no abstract",
                 "made_at": now} for row, text in zip(rows, texts, strict=True)]
        with write_transaction(engine) as connection:
            store.write_summaries(connection, store.EXTRACTIVE, made)
        report.extractive += sum(1 for text in texts if text)
        done += len(rows)
        if on_progress:
            on_progress(done, count)


def run_abstractive(engine: Engine, client: SummaryClient, *, limit: int | None,
                    report: SummaryReport, on_progress: Progress | None = None) -> None:
    """Ask the endpoint for each paper without a summary of its latest version; a refused
    answer is stored as refused, an unavailable endpoint leaves the paper pending."""
    model = client.config.model
    count, done = total(engine, store.ABSTRACTIVE, model, limit), 0
    for rows in _batches(engine, store.ABSTRACTIVE, model, 16, limit):
        for row in rows:
            text, error = None, None
            try:
                text = client.summarize(row.title_text, row.abstract_text)
            except SummaryRejected as rejected:
                error = str(rejected)[:200]
            except EndpointUnavailable as unavailable:
                log.warning("summary of paper %s skipped: %s", row.id, unavailable)
                report.unavailable += 1
                continue
            finally:
                done += 1
                if on_progress:
                    on_progress(done, count)
            with write_transaction(engine) as connection:
                store.write_summaries(connection, store.ABSTRACTIVE, [{
                    "paper_id": row.id, "model": model, "text": text,
                    "source_hash": row.content_hash, "version": row.latest_version,
                    "error": error, "made_at": datetime.now(UTC)}])
            if text:
                report.abstractive += 1
            else:
                report.rejected += 1
