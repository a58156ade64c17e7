"""Which day a digest is for, and which votes make its trending list, whatever the hour:
the digest day is a day in the harvest's time zone, taken from the core's clock."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from factories import make_paper, make_user
from paperwire.db.tables import digest_issues
from paperwire.digest.models import Frequency

NEW_YORK = "America/New_York"  # the default harvest_timezone


def at(core, local: str) -> float:  # type: ignore[no-untyped-def]
    """Pin the core's clock to a wall-clock time in the harvest's time zone."""
    from zoneinfo import ZoneInfo

    moment = datetime.fromisoformat(local).replace(tzinfo=ZoneInfo(core.settings.harvest_timezone))
    core.clock = lambda: moment.timestamp()
    return moment.timestamp()


def frozen_trending(core, issue_id: int) -> list[int]:  # type: ignore[no-untyped-def]
    with core.engine.connect() as connection:
        return connection.execute(
            select(digest_issues.c.papers).where(digest_issues.c.id == issue_id)
        ).scalar_one()


@pytest.mark.parametrize(("local", "day"), [
    ("2026-06-30T00:30:00", date(2026, 6, 30)),
    ("2026-06-30T19:30:00", date(2026, 6, 30)),  # already July 1st in UTC
    ("2026-06-30T23:59:59", date(2026, 6, 30)),
    ("2026-07-01T00:00:00", date(2026, 7, 1)),
])
def test_the_digest_day_is_the_clocks_day_in_the_harvest_time_zone(core, local, day):
    assert core.settings.harvest_timezone == NEW_YORK
    at(core, local)
    assert core.digest_day() == day


@pytest.mark.parametrize("local", ["2026-06-30T09:00:00", "2026-06-30T21:00:00"])
def test_votes_cast_during_the_digest_day_make_its_trending_list(core, local):
    """An evening vote in New York is cast after midnight UTC: it still counts for
    that New York day's digest."""
    at(core, local)
    paper = make_paper(core, "2606.00001", announced_on=date(2026, 6, 30))
    core.upvote(make_user(core, "voter@example.org"), paper, up=True)
    issue_id, built = core.build_digest(Frequency.DAILY)
    assert built
    stored = core.get_paper(paper)
    assert frozen_trending(core, issue_id) == [stored.id]


def test_a_past_days_digest_counts_the_votes_of_that_day_only(core):
    voter, late = make_user(core, "voter@example.org"), make_user(core, "late@example.org")
    on_time = make_paper(core, "2606.00001", announced_on=date(2026, 6, 30))
    too_late = make_paper(core, "2606.00002", announced_on=date(2026, 6, 30))
    at(core, "2026-06-30T22:00:00")
    core.upvote(voter, on_time, up=True)
    at(core, "2026-07-01T00:30:00")  # the next New York day
    core.upvote(late, too_late, up=True)
    issue_id, _ = core.build_digest(Frequency.DAILY, date(2026, 6, 30))
    assert frozen_trending(core, issue_id) == [core.get_paper(on_time).id]
