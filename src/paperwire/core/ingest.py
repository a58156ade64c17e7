"""Papers in: snapshot and Hugging Face imports, arXiv harvests, the job locks' holders."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from pathlib import Path

from paperwire.core.base import ProgressCallback
from paperwire.core.search import SearchCore
from paperwire.db import announcements
from paperwire.db.locks import HARVEST_LOCK, JOB_LOCKS, LockHolder, lock_holder
from paperwire.db.session import read_transaction
from paperwire.harvest import listings as harvest_listings
from paperwire.harvest import status as harvest_status
from paperwire.harvest.calendar import ArxivCalendar
from paperwire.harvest.jobs import HarvestEnv, Harvester, HarvestReport
from paperwire.harvest.oai import PageProgress
from paperwire.hf_import import import_hf_daily
from paperwire.ingest import ImportReport, store_items
from paperwire.sources.base import Rejection
from paperwire.sources.hf_daily import looks_like_hf_daily
from paperwire.sources.snapshot import read_snapshot


class IngestCore(SearchCore):
    # -- imports --------------------------------------------------------------------

    def import_snapshot(
        self,
        paths: Iterable[Path],
        *,
        on_progress: ProgressCallback | None = None,
        on_rejection: Callable[[Rejection], None] | None = None,
        report: ImportReport | None = None,
    ) -> ImportReport:
        """Import arXiv snapshot JSON-lines files (plain or .gz), one transaction per batch.

        A file holding a JSON list is read as Hugging Face's ``/api/daily_papers``
        answer instead (papers plus their upvotes). Pass ``report`` to add these
        files' counts to an earlier report.
        """
        report = report or ImportReport()
        for path in paths:
            if looks_like_hf_daily(path):
                import_hf_daily(self.engine, path, batch_size=self.settings.import_batch_size,
                                report=report, on_rejection=on_rejection)
                if on_progress:
                    on_progress(path.stat().st_size)
                continue
            store_items(
                self.engine,
                read_snapshot(path, on_progress),
                batch_size=self.settings.import_batch_size,
                on_rejection=on_rejection,
                report=report,
            )
        self.sync_text_index()
        self._wake_background()
        return report

    # -- harvesting arXiv (see docs/harvesting.md) ------------------------------------

    def harvester(self, env: HarvestEnv | None = None) -> Harvester:
        return Harvester(self.engine, self.settings, env or self.harvest_env,
                         calendar=self.calendar)

    def harvest(
        self,
        *,
        sets: Iterable[str] = ("",),
        from_date: date | None = None,
        until: date | None = None,
        on_page: Callable[[PageProgress], None] | None = None,
        env: HarvestEnv | None = None,
    ) -> HarvestReport:
        """OAI-PMH ListRecords (arXivRaw) for each set ("" = all of arXiv), resumably."""
        report = self.harvester(env).oai(sets, from_date=from_date, until=until, on_page=on_page)
        return self._after_ingest(report)

    def harvest_daily(
        self,
        *,
        first_run: bool = False,
        on_page: Callable[[PageProgress], None] | None = None,
        env: HarvestEnv | None = None,
    ) -> HarvestReport:
        """The scheduled job: the day's listing, then incremental OAI-PMH per category."""
        return self._after_ingest(self.harvester(env).daily(first_run=first_run, on_page=on_page))

    def fetch_announcements(
        self, categories: list[str] | None = None, *, env: HarvestEnv | None = None
    ) -> HarvestReport:
        """Fetch arXiv's current daily listing for the categories and store it."""
        return self.harvester(env).listing(categories)

    def add_papers(self, ids: Iterable[str], *, env: HarvestEnv | None = None) -> HarvestReport:
        """Fetch papers by id or arXiv URL from the arXiv API and store them."""
        return self._after_ingest(self.harvester(env).add(ids))

    def _after_ingest(self, report: HarvestReport) -> HarvestReport:
        """New papers become searchable by keyword now, by meaning in the background."""
        self.sync_text_index()
        self._wake_background()
        return report

    def announcement_status(self, day: date) -> harvest_listings.AnnouncementStatus:
        """Whether ``day`` had an arXiv mailing; if not, why (weekend, holiday ...)."""
        with read_transaction(self.engine) as connection:
            return harvest_listings.announcement_status(
                connection, day, today=datetime.now(UTC).date(), calendar=self.calendar
            )

    def arxiv_calendar(self) -> ArxivCalendar:
        """arXiv's calendar as of now: rules, extra closures and the days its listings
        reported no mailing."""
        with read_transaction(self.engine) as connection:
            return self.calendar.with_reported(announcements.no_mailing_days(connection))

    def harvest_status(self) -> harvest_status.HarvestStatus:
        """The last harvest, the one running (if any), cursors and quarantine."""
        holder = lock_holder(self.engine, HARVEST_LOCK)
        with read_transaction(self.engine) as connection:
            status = harvest_status.harvest_status(connection, holder=holder)
        status.categories = list(self.settings.categories)
        return status

    def job_holders(self) -> dict[str, LockHolder | None]:
        """Who runs the jobs: the live holder of each job lock (``jobs``: the ``serve``
        process running the background jobs; ``harvest``, ``digest``, ``summaries``,
        ``github``: whoever is doing that job now), or None."""
        return {name: lock_holder(self.engine, name) for name in JOB_LOCKS}
