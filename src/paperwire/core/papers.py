"""Reading papers: every list, one paper, the store's figures."""

from __future__ import annotations

from paperwire.core.base import CoreBase
from paperwire.db import migrate, queries
from paperwire.db.session import read_transaction
from paperwire.errors import PaperNotFound
from paperwire.ids import normalize_arxiv_id
from paperwire.models import Paper, PaperFilter, PaperPage, StoreStats


class PapersCore(CoreBase):
    def list_papers(self, paper_filter: PaperFilter) -> PaperPage:
        """Every list surface: daily/weekly/monthly by upvotes, or trending."""
        with read_transaction(self.engine) as connection:
            return queries.list_papers(
                connection, paper_filter,
                half_life_hours=self.settings.trending_half_life_hours,
            )

    def get_paper(self, arxiv_id: str, *, viewer_id: int | None = None) -> Paper:
        canonical = normalize_arxiv_id(arxiv_id)
        with read_transaction(self.engine) as connection:
            paper = queries.get_paper(connection, canonical, viewer_id=viewer_id)
        if paper is None:
            raise PaperNotFound(canonical)
        return paper

    def papers_by_arxiv_ids(self, arxiv_ids: list[str]) -> list[Paper]:
        """Stored papers in the order given (unknown ids are left out)."""
        with read_transaction(self.engine) as connection:
            return queries.papers_by_arxiv_ids(connection, arxiv_ids)

    def stats(self) -> StoreStats:
        with read_transaction(self.engine) as connection:
            return queries.store_stats(
                connection,
                backend=self.engine.dialect.name,
                revision=migrate.current_revision(self.engine),
            )

    def is_empty(self) -> bool:
        return self.stats().papers == 0
