"""Storage for arXiv's daily announcements: which papers a day's listing named
(``announcements``), each fetched day and whether it had a mailing
(``announcement_days``), and the ``announced_on`` they set on papers.

The rules (which day a listing is expected, what an empty listing means) are
``harvest/listings.py`` and ``harvest/calendar.py``; these are their statements,
run inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, exists, func, insert, select, update

from paperwire.db.tables import announcement_days, announcements, papers
from paperwire.sources.arxiv_rss import LISTED_AS_NEW


def utcnow() -> datetime:
    return datetime.now(UTC)


def no_mailing_days(connection: Connection) -> frozenset[date]:
    """Every day whose fetched listing was empty (``announcement_days.mailing`` false)."""
    rows = connection.execute(
        select(announcement_days.c.day).where(announcement_days.c.mailing.is_(False))
    )
    return frozenset(day for (day,) in rows)


def had_mailing(connection: Connection, day: date) -> bool:
    """Whether a listing of ``day`` was once seen with papers."""
    return connection.execute(
        select(announcement_days.c.mailing).where(announcement_days.c.day == day)
    ).scalar() is True


def fetched_mailing(connection: Connection, day: date) -> bool | None:
    """Whether the fetched listing of ``day`` had a mailing (None: never fetched)."""
    row = connection.execute(
        select(announcement_days.c.mailing).where(announcement_days.c.day == day)
    ).one_or_none()
    return None if row is None else bool(row.mailing)


def papers_announced_on(connection: Connection, day: date) -> int:
    return connection.execute(
        select(func.count()).select_from(papers).where(papers.c.announced_on == day)
    ).scalar_one()


def record_listing(connection: Connection, day: date, rows: Mapping[str, Mapping[str, Any]], *,
                   mailing: bool, categories: str) -> None:
    """Store a fetched listing of ``day``: its papers (arXiv id -> ``announcements`` row,
    replacing what an earlier fetch of the day said about them) and the day itself."""
    if rows:
        connection.execute(
            delete(announcements).where(
                announcements.c.day == day, announcements.c.arxiv_id.in_(list(rows))
            )
        )
        connection.execute(insert(announcements), [dict(row) for row in rows.values()])
    connection.execute(delete(announcement_days).where(announcement_days.c.day == day))
    connection.execute(
        insert(announcement_days).values(
            day=day, mailing=mailing, papers=len(rows), categories=categories,
            fetched_at=utcnow(),
        )
    )


def move_unlisted_papers(connection: Connection, day: date, to: date) -> int:
    """Papers dated ``day`` by an estimate (no listing names them as new or cross) go to
    ``to``: arXiv turned out to have no mailing that day."""
    listed = exists().where(
        announcements.c.arxiv_id == papers.c.arxiv_id,
        announcements.c.announce_type.in_(LISTED_AS_NEW),
    )
    return connection.execute(
        update(papers)
        .where(papers.c.announced_on == day, ~listed)
        .values(announced_on=to, modified_at=utcnow())
    ).rowcount


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
