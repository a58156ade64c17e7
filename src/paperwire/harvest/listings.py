"""The daily announcement: store arXiv's listing of a day and answer "was there one?".

``announcements`` keeps (day, paper, type) for every listed paper;
``announcement_days`` keeps each fetched day and whether it had a mailing.
A paper's ``announced_on`` is the day it was listed as new (or, for a paper
from outside the followed categories, first cross-listed).

An empty listing of a day the calendar expected a mailing on is arXiv saying it
announced nothing: the day stays in ``announcement_days`` with ``mailing`` false,
the calendar reads it back from there (``announcements.no_mailing_days``), and papers
only estimated onto it move to the next listing day. The statements are
``db/announcements.py``; the rules are here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from paperwire.db import announcements as store
from paperwire.db.session import Connection
from paperwire.db.upsert import UpsertCounts, upsert_papers
from paperwire.harvest.calendar import LISTING_EMPTY, ArxivCalendar
from paperwire.sources.arxiv_rss import Listing

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AnnouncementStatus:
    """Whether ``day`` had an arXiv mailing, and if not, why (for pages to say so)."""

    day: date
    mailing: bool | None  # None: not known yet (not fetched, not a known day off)
    reason: str | None  # "weekend", "holiday: ...", "no listing fetched yet" ...
    papers: int  # papers listed that day (new + cross) in the store


def store_listing(
    connection: Connection, listing: Listing, categories: str, calendar: ArxivCalendar
) -> UpsertCounts:
    """Store one day's listing in the caller's transaction. ``calendar`` has the rules
    and closures; the days already reported empty are read here."""
    if listing.day is None:
        return UpsertCounts()
    day = listing.day
    if not listing.has_mailing and store.had_mailing(connection, day):
        return UpsertCounts()  # an empty fetch never erases a mailing seen before
    expected = calendar.with_reported(store.no_mailing_days(connection)).is_listing_day(day)
    records = [item.record for item in listing.items if item.record is not None]
    counts = upsert_papers(connection, records)
    rows = {
        item.arxiv_id: {
            "day": day, "arxiv_id": item.arxiv_id,
            "announce_type": item.announce_type, "version": item.version,
        }
        for item in listing.items
    }
    store.record_listing(connection, day, rows, mailing=listing.has_mailing,
                         categories=categories)
    store.apply_listed_days(connection, list(rows))
    if expected and not listing.has_mailing:
        _no_mailing_reported(connection, day, calendar)
    return counts


def _no_mailing_reported(connection: Connection, day: date, calendar: ArxivCalendar) -> None:
    """arXiv announced nothing on a day the rules expected: papers estimated onto it
    move to the next listing day (as its calendar now stands)."""
    later = calendar.with_reported(store.no_mailing_days(connection)).next_listing_day(day)
    moved = store.move_unlisted_papers(connection, day, later)
    log.warning("arXiv's listing of %s is empty: no mailing that day (%d estimated papers "
                "moved to %s)", day, moved, later)


def announcement_status(
    connection: Connection, day: date, *, today: date, calendar: ArxivCalendar
) -> AnnouncementStatus:
    listed = store.papers_announced_on(connection, day)
    fetched = store.fetched_mailing(connection, day)
    reason = calendar.no_mailing_reason(day)
    if fetched is not None:
        if fetched:
            return AnnouncementStatus(day, True, None, listed)
        return AnnouncementStatus(day, False, reason or LISTING_EMPTY, listed)
    if reason:
        return AnnouncementStatus(day, False, reason, listed)
    if day > today:
        return AnnouncementStatus(day, None, "not announced yet", listed)
    if listed:
        return AnnouncementStatus(day, True, None, listed)
    return AnnouncementStatus(day, None, "no listing fetched yet", listed)
