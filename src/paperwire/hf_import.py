"""Store a Hugging Face daily-papers JSON file: papers through the usual upsert, plus votes.

HF's records carry no version history, so they never overwrite arXiv's own
metadata; their upvote counts are applied to the stored papers regardless.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from paperwire.db.session import Engine, write_transaction
from paperwire.db.upsert import set_upvotes, upsert_papers
from paperwire.ingest import ImportReport
from paperwire.records import PaperRecord
from paperwire.sources.base import Rejection
from paperwire.sources.hf_daily import read_hf_daily


def import_hf_daily(
    engine: Engine,
    path: Path,
    *,
    batch_size: int,
    report: ImportReport,
    on_rejection: Callable[[Rejection], None] | None = None,
) -> ImportReport:
    records: list[PaperRecord] = []
    for item in read_hf_daily(path):
        if isinstance(item, Rejection):
            report.reject(item)
            if on_rejection:
                on_rejection(item)
        else:
            records.append(item)
    for start in range(0, len(records), batch_size):
        batch = records[start : start + batch_size]
        with write_transaction(engine) as connection:
            report.counts += upsert_papers(connection, batch)
            set_upvotes(connection, {r.arxiv_id: r.upvotes or 0 for r in batch})
    return report
