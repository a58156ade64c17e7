"""The OAI-PMH harvest loop: ListRecords page by page, resumable after any crash.

Each page's records, withdrawals, quarantined records and the cursor advance
commit in ONE transaction, so a process killed at any instant leaves the
store at a page boundary, and the next run resumes from the committed token
(or, when the token is refused or expired, from the last committed datestamp).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise

from paperwire.db import harvest as store
from paperwire.db.announcements import apply_listed_days
from paperwire.db.session import Connection, Engine, read_transaction, write_transaction
from paperwire.db.upsert import upsert_papers
from paperwire.errors import HarvestError
from paperwire.harvest.calendar import ArxivCalendar
from paperwire.harvest.client import PoliteClient
from paperwire.sources.arxiv_oai import METADATA_PREFIX, OaiError, OaiPage, parse_list_records
from paperwire.sources.xmlsafe import MalformedDocument

log = logging.getLogger(__name__)
MAX_PAGE_TRIES = 4  # a malformed or empty-but-not-final page is fetched again this often
MAX_RESTARTS = 5  # badResumptionToken restarts in a row before giving up


@dataclass(frozen=True, slots=True)
class PageProgress:
    set_spec: str
    page: int
    records: int  # records in this page
    counts: store.RunCounts  # the run so far


class OaiHarvester:
    def __init__(
        self,
        engine: Engine,
        client: PoliteClient,
        *,
        base_url: str,
        run_id: int | None = None,
        counts: store.RunCounts | None = None,
        on_page: Callable[[PageProgress], None] | None = None,
        calendar: ArxivCalendar | None = None,
    ) -> None:
        self.engine, self.client, self.base_url = engine, client, base_url
        self.calendar = calendar or ArxivCalendar()  # estimates announced_on
        self.run_id, self.on_page = run_id, on_page
        self.counts = counts or store.RunCounts()
        self.errors: list[str] = []  # pages rejected (and fetched again), with positions

    def harvest_set(
        self, set_spec: str = "", *, from_date: date | None = None, until: date | None = None
    ) -> None:
        """Harvest one set ("" = all of arXiv) until the list is complete."""
        with read_transaction(self.engine) as connection:
            cursor = store.load_cursor(connection, set_spec)
        if not _resumable(cursor, from_date, until):
            cursor = _new_pass(cursor, from_date, until)
        restarts = 0
        while True:
            if cursor.resumption_token and _expired(cursor):
                log.info("%s: resumption token expired; restarting", _label(cursor))
                _restart(cursor)
            try:
                page = self._fetch(cursor)
            except OaiError as error:
                if error.code == "noRecordsMatch":
                    page = OaiPage(response_date=None)
                elif error.code == "badResumptionToken" and cursor.resumption_token:
                    restarts += 1
                    if restarts > MAX_RESTARTS:
                        raise HarvestError(f"{_label(cursor)}: tokens keep failing") from None
                    log.warning("%s: %s; restarting from the last committed datestamp %s",
                                _label(cursor), error, cursor.last_datestamp)
                    _restart(cursor)
                    continue
                else:
                    raise HarvestError(f"{_label(cursor)}: OAI-PMH error {error}") from None
            restarts = 0
            self._commit(cursor, page)
            if page.is_last:
                return

    def _fetch(self, cursor: store.Cursor) -> OaiPage:
        params = _params(cursor)
        where = f"{_label(cursor)} page {cursor.pages + 1}"
        for attempt in range(1, MAX_PAGE_TRIES + 1):
            body = self.client.get(self.base_url, params)
            self.counts.requests = self.client.requests
            try:
                page = parse_list_records(body)
            except MalformedDocument as error:
                message = f"{where}: rejected whole ({len(body):,} bytes): {error}"
                log.error(message)
                self.errors.append(message)
                continue
            if page.size == 0 and not page.is_last and attempt < MAX_PAGE_TRIES:
                log.warning("%s: empty page before the end of the list; fetching again", where)
                continue
            if page.replaced_bytes:
                log.warning("%s: %d invalid UTF-8 byte sequences replaced (first at byte %s)",
                            where, page.replaced_bytes, f"{page.first_bad_offset}")
            return page
        raise HarvestError(f"{where}: still malformed after {MAX_PAGE_TRIES} tries: "
                           f"{self.errors[-1] if self.errors else ''}")

    def _commit(self, cursor: store.Cursor, page: OaiPage) -> None:
        number = cursor.pages + 1
        for record in page.records:
            if record.announced_on is None and record.published is not None:
                record.announced_on = self.calendar.expected_listing_day(record.published)
        with write_transaction(self.engine) as connection:
            counts = upsert_papers(connection, page.records)
            apply_listed_days(connection, [r.arxiv_id for r in page.records])
            deleted = store.mark_withdrawn(connection, page.deleted)
            self._quarantine(connection, cursor, page, number)
            self.counts.add_upsert(counts)
            self.counts.deleted += len(page.deleted)
            self.counts.quarantined += len(page.bad)
            self.counts.pages += 1
            _advance(cursor, page)
            store.save_cursor(connection, cursor)
            if self.run_id is not None:
                store.update_run(connection, self.run_id, self.counts)
        log.debug("%s page %d: %d records, %d withdrawn", _label(cursor), number,
                  page.size, deleted)
        if self.on_page:
            self.on_page(PageProgress(cursor.set_spec, number, page.size, self.counts))

    def _quarantine(
        self, connection: Connection, cursor: store.Cursor, page: OaiPage, number: int
    ) -> None:
        for bad in page.bad:
            position = f"{_label(cursor)} page {number} record {bad.index}"
            log.warning("%s (%s) quarantined: %s", position, bad.arxiv_id, bad.reason)
            store.quarantine(
                connection, run_id=self.run_id, source="oai", arxiv_id=bad.arxiv_id,
                position=position, reason=bad.reason, raw=bad.raw,
            )


def _label(cursor: store.Cursor) -> str:
    return f"set {cursor.set_spec}" if cursor.set_spec else "all sets"


def _resumable(cursor: store.Cursor, from_date: date | None, until: date | None) -> bool:
    if not cursor.in_pass:
        return False
    same_from = from_date is None or from_date == cursor.pass_from
    same_until = until is None or until == cursor.pass_until
    return same_from and same_until


def _new_pass(cursor: store.Cursor, from_date: date | None, until: date | None) -> store.Cursor:
    return store.Cursor(
        cursor.set_spec,
        next_from=cursor.next_from,
        pass_from=from_date if from_date is not None else cursor.next_from,
        pass_until=until,
    )


def _params(cursor: store.Cursor) -> dict[str, str]:
    if cursor.resumption_token:  # the token goes alone, as OAI-PMH requires
        return {"verb": "ListRecords", "resumptionToken": cursor.resumption_token}
    params = {"verb": "ListRecords", "metadataPrefix": METADATA_PREFIX}
    if cursor.set_spec:
        params["set"] = cursor.set_spec
    if cursor.pass_from:
        params["from"] = cursor.pass_from.isoformat()
    if cursor.pass_until:
        params["until"] = cursor.pass_until.isoformat()
    return params


def _expired(cursor: store.Cursor) -> bool:
    expires = cursor.token_expires_at
    return expires is not None and datetime.now(UTC) >= expires


def _restart(cursor: store.Cursor) -> None:
    """Drop the token; start again from the last committed datestamp when that is safe."""
    cursor.resumption_token = None
    cursor.token_expires_at = None
    if cursor.ordered and cursor.last_datestamp is not None:
        cursor.pass_from = cursor.last_datestamp


def _advance(cursor: store.Cursor, page: OaiPage) -> None:
    stamps = page.datestamps
    if stamps:
        previous = cursor.last_datestamp
        in_order = all(a <= b for a, b in pairwise(stamps))
        continues = previous is None or previous <= stamps[0]
        cursor.ordered = cursor.ordered and in_order and continues
        cursor.last_datestamp = max([*stamps, *([previous] if previous else [])])
    if cursor.pass_started is None:
        started = page.response_date or datetime.now(UTC)
        cursor.pass_started = started.astimezone(UTC).date()
    cursor.pages += 1
    cursor.records += page.size
    if page.is_last:
        if cursor.pass_until is None:
            cursor.next_from = cursor.pass_started
        _end_pass(cursor)
    else:
        cursor.resumption_token = page.token
        cursor.token_expires_at = _next_utc_midnight()


def _end_pass(cursor: store.Cursor) -> None:
    cursor.pass_from = cursor.pass_until = cursor.pass_started = None
    cursor.resumption_token = cursor.token_expires_at = cursor.last_datestamp = None
    cursor.ordered = True
    cursor.pages = cursor.records = 0


def _next_utc_midnight() -> datetime:
    tomorrow = datetime.now(UTC).date() + timedelta(days=1)
    return datetime.combine(tomorrow, time(0, 0), tzinfo=UTC)
