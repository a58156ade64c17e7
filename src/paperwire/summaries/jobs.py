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
MAX_UNAVAILABLE_IN_A_ROW = 3  # papers the endpoint leaves unanswered before a pass stops
log = logging.getLogger(__name__)


@dataclass(slots=True)
class SummaryReport:
    extractive: int = 0  # made from the embedded text
    abstractive: int = 0  # accepted from the endpoint
    rejected: int = 0  # answers refused (kept as refused: not asked again for that version)
    unavailable: int = 0  # papers the endpoint did not answer this time (asked again later)
    endpoint_down: bool = False  # the abstractive pass stopped: too many unanswered in a row


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
    answer is stored as refused, an unavailable endpoint leaves the paper pending, and
    ``MAX_UNAVAILABLE_IN_A_ROW`` papers unanswered in a row end the pass (the endpoint is
    down: the next run tries again)."""
    model = client.config.model
    count, done, in_a_row = total(engine, store.ABSTRACTIVE, model, limit), 0, 0
    for rows in _batches(engine, store.ABSTRACTIVE, model, 16, limit):
        for row in rows:
            answer = _ask(client, row)
            done += 1
            if on_progress:
                on_progress(done, count)
            if answer is None:
                report.unavailable, in_a_row = report.unavailable + 1, in_a_row + 1
                if in_a_row >= MAX_UNAVAILABLE_IN_A_ROW:
                    report.endpoint_down = True
                    return
                continue
            in_a_row = 0
            _keep(engine, model, row, *answer)
            if answer[0]:
                report.abstractive += 1
            else:
                report.rejected += 1


def _ask(client: SummaryClient, row: Any) -> tuple[str | None, str | None] | None:
    """(summary, None) or (None, why it was refused); None when the endpoint did not answer."""
    try:
        return client.summarize(row.title_text, row.abstract_text), None
    except SummaryRejected as rejected:
        return None, str(rejected)[:200]
    except EndpointUnavailable as unavailable:
        log.warning("summary of paper %s skipped: %s", row.id, unavailable)
        return None


def _keep(engine: Engine, model: str, row: Any, text: str | None, error: str | None) -> None:
    with write_transaction(engine) as connection:
        store.write_summaries(connection, store.ABSTRACTIVE, [{
            "paper_id": row.id, "model": model, "text": text,
            "source_hash": row.content_hash, "version": row.latest_version,
            "error": error, "made_at": datetime.now(UTC)}])
