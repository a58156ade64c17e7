"""Harvest jobs, as plain functions over a store: what the CLI, ``serve`` and the worker run.

Every job that talks to arXiv holds the store's harvest lock (``db/locks.py``:
it dies with its holder), so two processes never talk to arXiv at once. The
jobs that walk arXiv at length (OAI-PMH, the daily listing) also record a run
(``harvest_runs``) with its counts and any error; ``add`` (a handful of ids)
does not.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import httpx

from paperwire.db import harvest as store
from paperwire.db import rate_limits
from paperwire.db.announcements import apply_listed_days, no_mailing_days
from paperwire.db.locks import HARVEST_LOCK, JobLock
from paperwire.db.session import Engine, read_transaction, write_transaction
from paperwire.db.upsert import upsert_papers
from paperwire.errors import HarvestBusy, HarvestError
from paperwire.harvest.calendar import EASTERN, ArxivCalendar
from paperwire.harvest.client import PoliteClient, Politeness
from paperwire.harvest.listings import store_listing
from paperwire.harvest.oai import OaiHarvester, PageProgress
from paperwire.ids import normalize_arxiv_id
from paperwire.settings import Settings
from paperwire.sources.arxiv_api import MAX_IDS_PER_CALL, ArxivApiError, parse_api_feed
from paperwire.sources.arxiv_rss import parse_listing
from paperwire.sources.xmlsafe import MalformedDocument

log = logging.getLogger(__name__)
ARXIV = "arxiv"  # the service_pacing row of arXiv's gap between requests
PHYSICS_ARCHIVES = {
    "astro-ph", "cond-mat", "gr-qc", "hep-ex", "hep-lat", "hep-ph", "hep-th", "math-ph",
    "nlin", "nucl-ex", "nucl-th", "physics", "quant-ph",
}


def category_set(category: str) -> str:
    """The OAI-PMH set of an arXiv category: ``cs.AI`` -> ``cs:cs:AI``, ``hep-th`` ->
    ``physics:hep-th``, ``astro-ph.GA`` -> ``physics:astro-ph:GA``."""
    archive, _, sub = category.partition(".")
    if archive in PHYSICS_ARCHIVES:
        return ":".join(["physics", archive, *([sub] if sub else [])])
    return f"{archive}:{archive}:{sub}" if sub else archive


@dataclass(frozen=True, slots=True)
class HarvestEnv:
    """The outside world as the harvester sees it; tests swap in fakes."""

    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    transport: httpx.BaseTransport | None = None
    wall_clock: Callable[[], float] = time.time  # the shared pacing's, comparable across hosts


@dataclass(slots=True)
class HarvestReport:
    kind: str
    run_id: int | None
    counts: store.RunCounts = field(default_factory=store.RunCounts)
    errors: list[str] = field(default_factory=list)
    listing_day: date | None = None
    missing: list[str] = field(default_factory=list)  # ids arXiv did not return (add)


class StoreTurns:
    """arXiv's pacing kept in the store: every harvest holds the ``harvest`` lock, so the
    one asking arXiv now reads when the last one (on any host) was answered."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def last(self) -> float | None:
        with read_transaction(self.engine) as connection:
            return rate_limits.last_request_at(connection, ARXIV)

    def mark(self, at: float) -> None:
        with write_transaction(self.engine) as connection:
            rate_limits.mark_request(connection, ARXIV, at)


class Harvester:
    def __init__(
        self, engine: Engine, settings: Settings, env: HarvestEnv | None = None,
        *, calendar: ArxivCalendar | None = None,
    ) -> None:
        self.engine, self.settings = engine, settings
        self.env = env or HarvestEnv()
        self.calendar = calendar or ArxivCalendar.with_extra(settings.arxiv_extra_closures)

    def current_calendar(self) -> ArxivCalendar:
        """The calendar with the no-mailing days the store has seen so far."""
        with read_transaction(self.engine) as connection:
            return self.calendar.with_reported(no_mailing_days(connection))

    def client(self) -> PoliteClient:
        politeness = Politeness(
            delay=self.settings.arxiv_delay_seconds,
            initial_backoff=max(10.0, self.settings.arxiv_delay_seconds),
            max_backoff=self.settings.arxiv_max_backoff_seconds,
            timeout=self.settings.arxiv_timeout_seconds,
        )
        return PoliteClient(politeness, clock=self.env.clock, sleep=self.env.sleep,
                            transport=self.env.transport, turns=StoreTurns(self.engine),
                            wall_clock=self.env.wall_clock)

    # -- jobs ----------------------------------------------------------------------

    def oai(
        self,
        sets: Iterable[str] = ("",),
        *,
        from_date: date | None = None,
        until: date | None = None,
        on_page: Callable[[PageProgress], None] | None = None,
    ) -> HarvestReport:
        sets = list(sets) or [""]
        detail = f"sets {' '.join(s or '(all)' for s in sets)}"
        detail += f" from {from_date or 'cursor'}" + (f" until {until}" if until else "")

        def job(report: HarvestReport, client: PoliteClient) -> None:
            harvester = self._oai_harvester(report, client, on_page)
            for set_spec in sets:
                harvester.harvest_set(set_spec, from_date=from_date, until=until)

        return self._locked_run("oai", detail, job)

    def daily(
        self,
        categories: list[str] | None = None,
        *,
        on_page: Callable[[PageProgress], None] | None = None,
        first_run: bool = False,
    ) -> HarvestReport:
        """The scheduled job: today's listing, then an incremental OAI-PMH pass per category."""
        categories = categories or list(self.settings.categories)
        kind = "first-run" if first_run else "daily"

        def job(report: HarvestReport, client: PoliteClient) -> None:
            self._fetch_listing(report, client, categories)
            harvester = self._oai_harvester(report, client, on_page)
            for category in categories:
                set_spec = category_set(category)
                harvester.harvest_set(set_spec, from_date=self._default_from(set_spec))

        return self._locked_run(kind, " ".join(categories), job)

    def listing(self, categories: list[str] | None = None) -> HarvestReport:
        categories = categories or list(self.settings.categories)

        def job(report: HarvestReport, client: PoliteClient) -> None:
            self._fetch_listing(report, client, categories)

        return self._locked_run("listing", " ".join(categories), job)

    def add(self, raw_ids: Iterable[str]) -> HarvestReport:
        """Fetch papers by id or URL from the arXiv API and store them."""
        ids = list(dict.fromkeys(normalize_arxiv_id(raw) for raw in raw_ids))
        report = HarvestReport("api", None)
        with self._arxiv_lock(), self.client() as client:
            for start in range(0, len(ids), MAX_IDS_PER_CALL):
                self._add_chunk(report, client, ids[start : start + MAX_IDS_PER_CALL])
            report.counts.requests = client.requests
        return report

    # -- pieces --------------------------------------------------------------------

    def _arxiv_lock(self) -> JobLock:
        return JobLock(self.engine, HARVEST_LOCK, busy=HarvestBusy)

    def _locked_run(
        self, kind: str, detail: str, job: Callable[[HarvestReport, PoliteClient], None]
    ) -> HarvestReport:
        with self._arxiv_lock():
            # Holding the lock proves that the processes of runs still "running" died.
            with write_transaction(self.engine) as connection:
                store.close_abandoned_runs(connection)
            return self._recorded_run(kind, detail, job)

    def _recorded_run(
        self, kind: str, detail: str, job: Callable[[HarvestReport, PoliteClient], None]
    ) -> HarvestReport:
        report = HarvestReport(kind, None)
        error: str | None = None
        try:
            with write_transaction(self.engine) as connection:
                report.run_id = store.start_run(connection, kind, detail)
            with self.client() as client:
                try:
                    job(report, client)
                finally:
                    report.counts.requests = client.requests
        except BaseException as failure:
            error = str(failure) or type(failure).__name__
            raise
        finally:
            if report.run_id is not None:
                with write_transaction(self.engine) as connection:
                    store.finish_run(connection, report.run_id, report.counts, error)
        return report

    def _oai_harvester(
        self, report: HarvestReport, client: PoliteClient,
        on_page: Callable[[PageProgress], None] | None,
    ) -> OaiHarvester:
        harvester = OaiHarvester(
            self.engine, client, base_url=self.settings.arxiv_oai_url, run_id=report.run_id,
            counts=report.counts, on_page=on_page, calendar=self.current_calendar(),
        )
        harvester.errors = report.errors
        return harvester

    def _default_from(self, set_spec: str) -> date | None:
        """A set never harvested starts a few listing days back, not at arXiv's beginning."""
        with read_transaction(self.engine) as connection:
            cursor = store.load_cursor(connection, set_spec)
        if cursor.next_from or cursor.in_pass:
            return None
        days_back = timedelta(days=self.settings.harvest_first_run_days + 2)
        return self.current_calendar().latest_listing_day() - days_back

    def _fetch_listing(
        self, report: HarvestReport, client: PoliteClient, categories: list[str]
    ) -> None:
        url = f"{self.settings.arxiv_rss_url.rstrip('/')}/atom/{'+'.join(categories)}"
        body = client.get(url)
        try:
            listing = parse_listing(body)
        except MalformedDocument as error:
            raise HarvestError(f"daily listing {url}: {error}") from None
        if listing.day is None:
            listing.day = datetime.now(UTC).astimezone(EASTERN).date()
        with write_transaction(self.engine) as connection:
            counts = store_listing(connection, listing, " ".join(categories), self.calendar)
            for problem in listing.bad:
                store.quarantine(connection, run_id=report.run_id, source="listing",
                                 arxiv_id=None, position=f"{url} {problem}",
                                 reason=problem, raw=None)
        report.counts.add_upsert(counts)
        report.counts.quarantined += len(listing.bad)
        report.counts.pages += 1
        report.listing_day = listing.day
        log.info("listing of %s: %d papers", listing.day, len(listing.items))

    def _add_chunk(self, report: HarvestReport, client: PoliteClient, ids: list[str]) -> None:
        params = {"id_list": ",".join(ids), "max_results": str(len(ids))}
        try:
            result = parse_api_feed(client.get(self.settings.arxiv_api_url, params))
        except (MalformedDocument, ArxivApiError) as error:
            raise HarvestError(f"arXiv API: {error}") from None
        calendar = self.current_calendar()
        for record in result.records:
            if record.announced_on is None and record.published is not None:
                record.announced_on = calendar.expected_listing_day(record.published)
        with write_transaction(self.engine) as connection:
            report.counts.add_upsert(upsert_papers(connection, result.records))
            apply_listed_days(connection, [r.arxiv_id for r in result.records])
        found = {record.arxiv_id for record in result.records}
        report.missing += [arxiv_id for arxiv_id in ids if arxiv_id not in found]
        report.errors += result.bad
        report.counts.pages += 1
