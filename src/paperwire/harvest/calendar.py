"""arXiv's announcement calendar: which days have a mailing, and when a paper is listed.

arXiv announces at 20:00 US Eastern, Sunday to Thursday; each announcement is
listed under the next weekday's date (the Sunday-evening mailing is Monday's
list). So listing days are Monday to Friday, minus arXiv's holidays. A
submission made before the 14:00 Eastern cutoff of a weekday is in that
evening's mailing; later ones wait for the next weekday's cutoff.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

EASTERN = ZoneInfo("America/New_York")
CUTOFF = time(14, 0)

# Listing days without a mailing (arXiv's published holiday schedule).
HOLIDAYS: dict[date, str] = {
    date(2025, 1, 1): "New Year's Day",
    date(2025, 1, 20): "Martin Luther King Jr. Day",
    date(2025, 6, 19): "Juneteenth",
    date(2025, 7, 4): "Independence Day",
    date(2025, 9, 1): "Labor Day",
    date(2025, 11, 27): "Thanksgiving",
    date(2025, 12, 25): "Christmas Day",
    date(2025, 12, 31): "end-of-year holiday",
    date(2026, 1, 1): "New Year's Day",
    date(2026, 1, 19): "Martin Luther King Jr. Day",
    date(2026, 6, 19): "Juneteenth",
    date(2026, 7, 3): "Independence Day (observed)",
    date(2026, 9, 7): "Labor Day",
    date(2026, 11, 26): "Thanksgiving",
    date(2026, 12, 25): "Christmas Day",
    date(2026, 12, 29): "end-of-year holiday",
    date(2026, 12, 31): "end-of-year holiday",
}


def no_mailing_reason(day: date) -> str | None:
    """Why ``day`` has no announcement (``"weekend"``, a holiday's name), or None."""
    if day.weekday() >= 5:
        return "weekend"
    holiday = HOLIDAYS.get(day)
    return f"holiday: {holiday}" if holiday else None


def is_listing_day(day: date) -> bool:
    return no_mailing_reason(day) is None


def next_listing_day(day: date) -> date:
    """The first listing day strictly after ``day``."""
    day += timedelta(days=1)
    while not is_listing_day(day):
        day += timedelta(days=1)
    return day


def latest_listing_day(now: datetime | None = None) -> date:
    """The listing day whose mailing is the most recent one announced at ``now``."""
    eastern = (now or datetime.now(UTC)).astimezone(EASTERN)
    day = eastern.date()
    if eastern.time() >= time(20, 0):
        day += timedelta(days=1)  # tonight's mailing is tomorrow's list
    while not is_listing_day(day):
        day -= timedelta(days=1)
    return day


def expected_listing_day(submitted: datetime) -> date:
    """The day arXiv lists a paper first submitted at ``submitted`` (estimate).

    The real day comes from the daily listings when they are harvested; this
    fills the gap for papers known only through OAI-PMH or the API.
    """
    eastern = submitted.astimezone(EASTERN) if submitted.tzinfo else submitted.replace(
        tzinfo=UTC
    ).astimezone(EASTERN)
    cutoff_day = eastern.date()
    if eastern.time() >= CUTOFF or cutoff_day.weekday() >= 5:
        cutoff_day += timedelta(days=1)
    while cutoff_day.weekday() >= 5:
        cutoff_day += timedelta(days=1)
    return next_listing_day(cutoff_day)
