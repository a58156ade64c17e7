"""Which stored summary a paper shows: the abstractive one made from its latest version,
else the extractive one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from paperwire.db import summaries as store
from paperwire.db.session import Connection
from paperwire.db.summaries import ABSTRACTIVE, EXTRACTIVE
from paperwire.models import Paper


@dataclass(frozen=True, slots=True)
class Summary:
    text: str
    kind: str  # extractive | abstractive
    model: str

    @property
    def label(self) -> str:
        return "summary (extractive)" if self.kind == EXTRACTIVE else f"summary by {self.model}"


def pick(rows: Sequence[Any]) -> Summary | None:
    """``rows``: a paper's stored summaries with its ``latest_version``."""
    by_kind = {row.kind: row for row in rows if row.text}
    made = by_kind.get(ABSTRACTIVE)
    if made is not None and made.version >= made.latest_version:
        return Summary(made.text, ABSTRACTIVE, made.model)
    plain = by_kind.get(EXTRACTIVE)
    return Summary(plain.text, EXTRACTIVE, plain.model) if plain is not None else None


def shown(connection: Connection, paper_ids: Sequence[int]) -> dict[int, Summary]:
    """The summary each of several papers shows (those that have one): one statement."""
    chosen = {paper_id: pick(rows) for paper_id, rows in
              store.summaries_of(connection, paper_ids).items()}
    return {paper_id: summary for paper_id, summary in chosen.items() if summary}


def attach(connection: Connection, papers: Sequence[Paper]) -> None:
    """Set each paper's ``ai_summary`` to the text it shows: one statement per list."""
    texts = shown(connection, [paper.id for paper in papers]) if papers else {}
    for paper in papers:
        found = texts.get(paper.id)
        paper.ai_summary = found.text if found else None
