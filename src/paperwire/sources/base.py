"""What every source yields: records to store, and rejections to report."""

from __future__ import annotations

from dataclasses import dataclass

from paperwire.records import PaperRecord


@dataclass(frozen=True, slots=True)
class Rejection:
    """A source item that could not become a paper. ``where`` is ``file:line`` or similar."""

    where: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


SourceItem = PaperRecord | Rejection
