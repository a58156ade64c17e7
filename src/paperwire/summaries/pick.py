"""Which stored summary a paper shows: the abstractive one made from its latest version,
else the extractive one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from paperwire.db.summaries import ABSTRACTIVE, EXTRACTIVE


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
