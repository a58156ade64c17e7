"""The daily announcement: store arXiv's listing of a day and answer "was there one?".

``announcements`` keeps (day, paper, type) for every listed paper;
``announcement_days`` keeps each fetched day and whether it had a mailing.
A paper's ``announced_on`` is the day it was listed as new (or, for a paper
from outside the followed categories, first cross-listed).

An empty listing of a day the calendar expected a mailing on is arXiv saying it
announced nothing: the day stays in ``announcement_days`` with ``mailing`` false,
the calendar reads it back from there (``store.no_mailing_days``), and papers only
estimated onto it move to the next listing day.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, and_, delete, func, insert, select, update

from paperwire.db.tables import announcement_days, announcements, papers
from paperwire.db.upsert import UpsertCounts, upsert_papers
from paperwire.harvest import store
from paperwire.harvest.calendar import LISTING_EMPTY, ArxivCalendar
from paperwire.harvest.store import utcnow
from paperwire.sources.arxiv_rss import LISTED_AS_NEW, Listing

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
    if rows:
        connection.execute(
            delete(announcements).where(
                announcements.c.day == day, announcements.c.arxiv_id.in_(list(rows))
            )
        )
        connection.execute(insert(announcements), list(rows.values()))
    connection.execute(delete(announcement_days).where(announcement_days.c.day == day))
    connection.execute(
        insert(announcement_days).values(
            day=day, mailing=listing.has_mailing, papers=len(rows),
            categories=categories, fetched_at=utcnow(),
        )
    )
    apply_listed_days(connection, list(rows))
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


def apply_listed_days(connection: Connection, arxiv_ids: Iterable[str]) -> None:
    """Set ``announced_on`` from the listings for these papers, where a listing names them.

    The first day a paper was listed as new wins; a paper never listed as new
    (a cross-list from a category we do not follow) takes its first cross-list.
    """
    ids = list(arxiv_ids)
    if not ids:
        return
    for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
        firsts = connection.execute(
            select(announcements.c.arxiv_id, announcements.c.announce_type,
                   func.min(announcements.c.day))
            .where(announcements.c.arxiv_id.in_(chunk),
                   announcements.c.announce_type.in_(LISTED_AS_NEW))
            .group_by(announcements.c.arxiv_id, announcements.c.announce_type)
        ).all()
        days: dict[str, date] = {}
        for arxiv_id, _kind, day in sorted(firsts, key=lambda r: r[1] != "new"):
            days.setdefault(arxiv_id, day)
        for arxiv_id, day in days.items():
            connection.execute(
                update(papers)
                .where(and_(papers.c.arxiv_id == arxiv_id, papers.c.announced_on != day))
                .values(announced_on=day, modified_at=utcnow())
            )


def announcement_status(
    connection: Connection, day: date, *, today: date, calendar: ArxivCalendar
) -> AnnouncementStatus:
    listed = connection.execute(
        select(func.count()).select_from(papers).where(papers.c.announced_on == day)
    ).scalar_one()
    fetched = connection.execute(
        select(announcement_days).where(announcement_days.c.day == day)
    ).one_or_none()
    reason = calendar.no_mailing_reason(day)
    if fetched is not None:
        if fetched.mailing:
            return AnnouncementStatus(day, True, None, listed)
        return AnnouncementStatus(day, False, reason or LISTING_EMPTY, listed)
    if reason:
        return AnnouncementStatus(day, False, reason, listed)
    if day > today:
        return AnnouncementStatus(day, None, "not announced yet", listed)
    if listed:
        return AnnouncementStatus(day, True, None, listed)
    return AnnouncementStatus(day, None, "no listing fetched yet", listed)
