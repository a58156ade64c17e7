"""Feed source items into the store in batches, counting what happened."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from paperwire.db.session import Engine, write_transaction
from paperwire.db.upsert import UpsertCounts, upsert_papers
from paperwire.records import PaperRecord
from paperwire.sources.base import Rejection, SourceItem

MAX_REJECTIONS_KEPT = 1000


@dataclass(slots=True)
class ImportReport:
    counts: UpsertCounts = field(default_factory=UpsertCounts)
    rejected: int = 0
    rejections: list[Rejection] = field(default_factory=list)  # the first MAX_REJECTIONS_KEPT

    @property
    def added(self) -> int:
        return self.counts.added

    @property
    def updated(self) -> int:
        return self.counts.updated

    @property
    def unchanged(self) -> int:
        return self.counts.unchanged

    @property
    def seen(self) -> int:
        return self.added + self.updated + self.unchanged + self.rejected

    def reject(self, rejection: Rejection) -> None:
        self.rejected += 1
        if len(self.rejections) < MAX_REJECTIONS_KEPT:
            self.rejections.append(rejection)


def _batches(items: Iterable[SourceItem], size: int) -> Iterator[list[SourceItem]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def store_items(
    engine: Engine,
    items: Iterable[SourceItem],
    *,
    batch_size: int,
    on_rejection: Callable[[Rejection], None] | None = None,
    report: ImportReport | None = None,
) -> ImportReport:
    """Store records batch by batch, one transaction per batch.

    A crash loses at most the batch in flight; everything committed before it
    stays, and importing again picks up where it stopped (upserts are idempotent).
    """
    report = report or ImportReport()
    for batch in _batches(items, batch_size):
        records: list[PaperRecord] = []
        for item in batch:
            if isinstance(item, Rejection):
                report.reject(item)
                if on_rejection:
                    on_rejection(item)
            else:
                records.append(item)
        if records:
            with write_transaction(engine) as connection:
                report.counts += upsert_papers(connection, records)
    return report
