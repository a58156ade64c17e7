"""arXiv's announcement calendar: which days have a mailing, and when a paper is listed.

arXiv announces at 20:00 US Eastern, Sunday to Thursday; each announcement is
listed under the next weekday's date (the Sunday-evening mailing is Monday's
list). So listing days are Monday to Friday, minus the days arXiv is closed:

- the **rules**, for any year: the US federal holidays arXiv observes, with
  their observed-day shifts (a Saturday holiday is observed on Friday, a
  Sunday one on Monday), computed by the ``holidays`` library;
- **extra closures** that no rule gives (arXiv's end-of-year days): those it
  has published (``PUBLISHED_CLOSURES``) plus ``PAPERWIRE_ARXIV_EXTRA_CLOSURES``;
- the days arXiv's own daily listing **reported empty**, stored as they are
  seen (``announcement_days`` rows with ``mailing`` false).

The module functions are the rules alone; ``ArxivCalendar`` adds the other two
and is what the core and the harvester use. A submission made before the
14:00 Eastern cutoff of a weekday is in that evening's mailing; later ones
wait for the next weekday's cutoff.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from types import MappingProxyType
from zoneinfo import ZoneInfo

import holidays

EASTERN = ZoneInfo("America/New_York")
CUTOFF = time(14, 0)
ANNOUNCED_AT = time(20, 0)
OBSERVED = " (observed)"
LISTING_EMPTY = "arXiv's listing was empty"

# The federal holidays arXiv observes: the holidays library's (en_US) name -> the name
# pages show. Not observed by arXiv: Washington's Birthday (Presidents' Day), Memorial
# Day, Columbus Day, Veterans Day.
OBSERVED_HOLIDAYS: Mapping[str, str] = MappingProxyType({
    "New Year's Day": "New Year's Day",
    "Martin Luther King Jr. Day": "Martin Luther King Jr. Day",
    "Juneteenth National Independence Day": "Juneteenth",
    "Independence Day": "Independence Day",
    "Labor Day": "Labor Day",
    "Thanksgiving Day": "Thanksgiving",
    "Christmas Day": "Christmas Day",
})

# arXiv's own closures, which no federal rule gives: the ones it has published.
# Later years' come from PAPERWIRE_ARXIV_EXTRA_CLOSURES or from its empty listings.
PUBLISHED_CLOSURES: Mapping[date, str] = MappingProxyType({
    date(2025, 12, 31): "end-of-year holiday",
    date(2026, 12, 29): "end-of-year holiday",
    date(2026, 12, 31): "end-of-year holiday",
})


@lru_cache(maxsize=128)
def federal_holidays(year: int) -> Mapping[date, str]:
    """The days in ``year`` arXiv keeps a federal holiday (observed days included),
    with the name pages show, e.g. ``{date(2026, 7, 3): "Independence Day (observed)"}``."""
    us = holidays.country_holidays("US", years=year, language="en_US")
    found: dict[date, str] = {}
    for day in us:
        for name in us.get_list(day):
            shown = _shown_name(name)
            if shown and day.year == year:
                found[day] = shown
    return MappingProxyType(found)


def _shown_name(name: str) -> str | None:
    base = name.removesuffix(OBSERVED)
    shown = OBSERVED_HOLIDAYS.get(base)
    if shown is None:
        return None
    return shown + OBSERVED if name != base else shown


def no_mailing_reason(day: date) -> str | None:
    """The rules alone: ``"weekend"``, ``"holiday: <name>"``, or None."""
    if day.weekday() >= 5:
        return "weekend"
    holiday = federal_holidays(day.year).get(day)
    return f"holiday: {holiday}" if holiday else None


def is_listing_day(day: date) -> bool:
    """By the rules alone (see ``ArxivCalendar`` for closures and reported days)."""
    return no_mailing_reason(day) is None


@dataclass(frozen=True, slots=True)
class ArxivCalendar:
    """The rules, plus extra closures (``{day: reason}``) and the days arXiv's listings
    reported no mailing. Immutable: ``with_reported`` gives the calendar as of a store."""

    closures: Mapping[date, str] = field(default_factory=lambda: PUBLISHED_CLOSURES)
    reported: frozenset[date] = frozenset()

    @classmethod
    def with_extra(cls, extra: Mapping[date, str]) -> ArxivCalendar:
        """The published closures plus ``extra`` (the setting), no reported days yet."""
        return cls(closures=MappingProxyType({**PUBLISHED_CLOSURES, **extra}))

    def with_reported(self, days: Iterable[date]) -> ArxivCalendar:
        return replace(self, reported=frozenset(days))

    def no_mailing_reason(self, day: date) -> str | None:
        """Why ``day`` has no announcement (``"weekend"``, ``"holiday: …"``, arXiv's
        listing was empty), or None when it is a listing day."""
        reason = no_mailing_reason(day)
        if reason:
            return reason
        if day in self.closures:
            return f"holiday: {self.closures[day]}"
        return LISTING_EMPTY if day in self.reported else None

    def is_listing_day(self, day: date) -> bool:
        return self.no_mailing_reason(day) is None

    def next_listing_day(self, day: date) -> date:
        """The first listing day strictly after ``day``."""
        day += timedelta(days=1)
        while not self.is_listing_day(day):
            day += timedelta(days=1)
        return day

    def latest_listing_day(self, now: datetime | None = None) -> date:
        """The listing day whose mailing is the most recent one announced at ``now``."""
        eastern = (now or datetime.now(UTC)).astimezone(EASTERN)
        day = eastern.date()
        if eastern.time() >= ANNOUNCED_AT:
            day += timedelta(days=1)  # tonight's mailing is tomorrow's list
        while not self.is_listing_day(day):
            day -= timedelta(days=1)
        return day

    def expected_listing_day(self, submitted: datetime) -> date:
        """The day arXiv lists a paper first submitted at ``submitted`` (estimate).

        The real day comes from the daily listings when they are harvested; this
        fills the gap for papers known only through OAI-PMH or the API.
        """
        moment = submitted if submitted.tzinfo else submitted.replace(tzinfo=UTC)
        eastern = moment.astimezone(EASTERN)
        cutoff_day = eastern.date()
        if eastern.time() >= CUTOFF or cutoff_day.weekday() >= 5:
            cutoff_day += timedelta(days=1)
        while cutoff_day.weekday() >= 5:
            cutoff_day += timedelta(days=1)
        return self.next_listing_day(cutoff_day)
