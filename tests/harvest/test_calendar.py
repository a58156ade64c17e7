"""arXiv's calendar: holidays by rule for any year, extra closures, and the days its own
listing reports empty (stored, then honoured by pages, navigation and estimates)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from conftest import TEST_SECRET
from harvest.fake_arxiv import FakeArxiv, FakeRecord, no_mailing_atom, no_mailing_rss
from paperwire.core import Paperwire
from paperwire.harvest.calendar import LISTING_EMPTY, ArxivCalendar, no_mailing_reason
from paperwire.models import DateWindow, PaperFilter
from paperwire.settings import Settings, parse_closures
from paperwire.sources.arxiv_rss import parse_listing
from paperwire.web.app import create_app

# Worked out by hand from the rules: 3rd Monday of January, 1st Monday of September,
# 4th Thursday of November; Saturday -> Friday, Sunday -> Monday.
RULE_DAYS = {
    2027: {
        date(2027, 1, 1): "New Year's Day",  # Friday
        date(2027, 1, 18): "Martin Luther King Jr. Day",
        date(2027, 6, 18): "Juneteenth (observed)",  # the 19th is a Saturday
        date(2027, 7, 5): "Independence Day (observed)",  # the 4th is a Sunday
        date(2027, 9, 6): "Labor Day",
        date(2027, 11, 25): "Thanksgiving",
        date(2027, 12, 24): "Christmas Day (observed)",  # the 25th is a Saturday
        date(2027, 12, 31): "New Year's Day (observed)",  # 2028-01-01 is a Saturday
    },
    2028: {
        date(2028, 1, 17): "Martin Luther King Jr. Day",
        date(2028, 6, 19): "Juneteenth",  # Monday
        date(2028, 7, 4): "Independence Day",  # Tuesday
        date(2028, 9, 4): "Labor Day",
        date(2028, 11, 23): "Thanksgiving",
        date(2028, 12, 25): "Christmas Day",  # Monday
    },
    2029: {
        date(2029, 1, 1): "New Year's Day",  # Monday
        date(2029, 1, 15): "Martin Luther King Jr. Day",
        date(2029, 6, 19): "Juneteenth",  # Tuesday
        date(2029, 7, 4): "Independence Day",  # Wednesday
        date(2029, 9, 3): "Labor Day",
        date(2029, 11, 22): "Thanksgiving",
        date(2029, 12, 25): "Christmas Day",  # Tuesday
    },
    2030: {
        date(2030, 1, 1): "New Year's Day",  # Tuesday
        date(2030, 1, 21): "Martin Luther King Jr. Day",
        date(2030, 6, 19): "Juneteenth",  # Wednesday
        date(2030, 7, 4): "Independence Day",  # Thursday
        date(2030, 9, 2): "Labor Day",
        date(2030, 11, 28): "Thanksgiving",
        date(2030, 12, 25): "Christmas Day",  # Wednesday
    },
}
# Federal holidays arXiv does not keep (Presidents', Memorial, Columbus, Veterans Day,
# observed days included): ordinary listing days.
NOT_KEPT = [
    date(2027, 2, 15), date(2027, 5, 31), date(2027, 10, 11), date(2027, 11, 11),
    date(2028, 2, 21), date(2028, 5, 29), date(2028, 10, 9), date(2028, 11, 10),
    date(2029, 2, 19), date(2029, 5, 28), date(2029, 10, 8), date(2029, 11, 12),
    date(2030, 2, 18), date(2030, 5, 27), date(2030, 10, 14), date(2030, 11, 11),
]
# The table the calendar had before it computed holidays: every day stays a day off.
OLD_TABLE = {
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


def weekdays_off(year: int) -> dict[date, str]:
    day, off = date(year, 1, 1), {}
    while day.year == year:
        reason = no_mailing_reason(day)
        if reason and reason != "weekend":
            off[day] = reason
        day += timedelta(days=1)
    return off


@pytest.mark.parametrize("year", sorted(RULE_DAYS))
def test_holidays_by_rule_with_observed_shifts(year: int) -> None:
    expected = {day: f"holiday: {name}" for day, name in RULE_DAYS[year].items()}
    assert weekdays_off(year) == expected
    assert all(day.weekday() < 5 for day in expected)


def test_federal_holidays_arxiv_does_not_keep_are_ordinary_days() -> None:
    calendar = ArxivCalendar()
    for day in NOT_KEPT:
        assert day.weekday() < 5
        assert calendar.no_mailing_reason(day) is None, day
    # A holiday on a Saturday or Sunday itself says "weekend".
    assert no_mailing_reason(date(2027, 12, 25)) == "weekend"
    assert no_mailing_reason(date(2027, 7, 4)) == "weekend"


def test_the_old_table_is_still_all_days_off() -> None:
    for calendar in (ArxivCalendar(), ArxivCalendar.with_extra(Settings().arxiv_extra_closures)):
        for day, name in OLD_TABLE.items():
            assert calendar.no_mailing_reason(day) == f"holiday: {name}", day
    assert ArxivCalendar().no_mailing_reason(date(2026, 12, 30)) is None  # Wednesday


def test_navigation_and_estimates_step_over_observed_days() -> None:
    calendar = ArxivCalendar()
    assert calendar.next_listing_day(date(2027, 12, 23)) == date(2027, 12, 27)
    assert calendar.next_listing_day(date(2027, 12, 30)) == date(2028, 1, 3)
    assert calendar.next_listing_day(date(2027, 7, 2)) == date(2027, 7, 6)
    # Monday 2027-07-05 at noon Eastern: the latest mailing is Friday's.
    assert calendar.latest_listing_day(datetime(2027, 7, 5, 16, tzinfo=UTC)) == date(2027, 7, 2)
    # Thursday 2027-06-17 10:00 Eastern, before the cutoff: Friday is Juneteenth (observed).
    thursday = datetime(2027, 6, 17, 14, tzinfo=UTC)
    assert calendar.expected_listing_day(thursday) == date(2027, 6, 21)


# -- the extra-closures setting -------------------------------------------------------


def test_extra_closures_setting_parses_dates_and_reasons() -> None:
    settings = Settings(arxiv_extra_closures="2027-12-29:end-of-year holiday, 2027-12-30 ,")
    assert settings.arxiv_extra_closures == {
        date(2027, 12, 29): "end-of-year holiday", date(2027, 12, 30): "arXiv closed",
    }
    assert Settings().arxiv_extra_closures == {}
    assert parse_closures("2028-12-28\n2028-12-29: winter break") == {
        date(2028, 12, 28): "arXiv closed", date(2028, 12, 29): "winter break",
    }
    calendar = ArxivCalendar.with_extra(settings.arxiv_extra_closures)
    assert calendar.no_mailing_reason(date(2027, 12, 29)) == "holiday: end-of-year holiday"
    assert calendar.no_mailing_reason(date(2027, 12, 30)) == "holiday: arXiv closed"
    assert calendar.no_mailing_reason(date(2026, 12, 31)) == "holiday: end-of-year holiday"
    assert calendar.next_listing_day(date(2027, 12, 28)) == date(2028, 1, 3)


@pytest.mark.parametrize("bad", ["2027-02-30", "2027-12-29; 2027-12-30", "20271229", "soon"])
def test_extra_closures_setting_names_the_bad_value(
    bad: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PAPERWIRE_ARXIV_EXTRA_CLOSURES", f"2027-12-29, {bad}")
    with pytest.raises(ValidationError) as raised:
        Settings()
    assert f"PAPERWIRE_ARXIV_EXTRA_CLOSURES: {bad!r} is not a date" in str(raised.value)


def test_commands_show_extra_closures_and_refuse_a_bad_one(tmp_path: Path) -> None:
    env = {**os.environ, "PAPERWIRE_DATA_DIR": str(tmp_path), "PAPERWIRE_SECRET_KEY": TEST_SECRET,
           "PAPERWIRE_ARXIV_EXTRA_CLOSURES": "2027-12-29:end-of-year holiday", "COLUMNS": "200"}
    env.pop("PAPERWIRE_DATABASE_URL", None)
    command = [sys.executable, "-m", "paperwire", "announcements", "2027-12-29"]
    shown = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert "no announcement (holiday: end-of-year holiday)" in shown.stdout, shown.stderr
    env["PAPERWIRE_ARXIV_EXTRA_CLOSURES"] = "2027-12-29, 2027-12-32"
    refused = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines() == [
        "error: PAPERWIRE_ARXIV_EXTRA_CLOSURES: '2027-12-32' is not a date (YYYY-MM-DD or"
        " YYYY-MM-DD:reason, entries separated by commas)"
    ]


def test_an_extra_closure_shows_on_the_store(core: Paperwire) -> None:
    settings = core.settings.model_copy(update={"arxiv_extra_closures": {date(2027, 3, 3): "x"}})
    closed = Paperwire(settings, engine=core.engine)
    status = closed.announcement_status(date(2027, 3, 3))
    assert (status.mailing, status.reason) == (False, "holiday: x")
    assert closed.arxiv_calendar().next_listing_day(date(2027, 3, 2)) == date(2027, 3, 4)
    assert core.announcement_status(date(2027, 3, 3)).mailing is None  # not closed there


# -- a listing that reports no mailing on a day the rules expected one ----------------

TUESDAY, WEDNESDAY, THURSDAY = date(2026, 3, 3), date(2026, 3, 4), date(2026, 3, 5)


def submitted(day: date) -> FakeRecord:
    """A record submitted at 10:00 Eastern on ``day``: estimated onto the next listing day."""
    moment = datetime(day.year, day.month, day.day, 15, 0, tzinfo=UTC)
    return FakeRecord(f"2603.{day.day:05d}", day, versions=[(1, moment, "1kb")])


def day_page(core: Paperwire, day: date):  # type: ignore[no-untyped-def]
    return core.list_papers(PaperFilter(window=DateWindow.day(day)))


def test_the_rss_listing_of_a_day_without_mailing_parses_as_such() -> None:
    for body in (no_mailing_rss(WEDNESDAY), no_mailing_atom(WEDNESDAY)):
        listing = parse_listing(body)
        assert (listing.day, listing.has_mailing) == (WEDNESDAY, False)


def test_an_empty_listing_is_stored_and_then_honoured(hcore: Paperwire, arxiv: FakeArxiv) -> None:
    arxiv.records = [submitted(date(2026, 3, 2)), submitted(TUESDAY)]
    hcore.harvest(sets=["cs"], from_date=date(2026, 3, 1))
    assert hcore.get_paper("2603.00003").announced_on == WEDNESDAY  # the rules' estimate
    assert day_page(hcore, TUESDAY).next.start == WEDNESDAY

    arxiv.listing_body = no_mailing_atom(WEDNESDAY)
    assert hcore.fetch_announcements().listing_day == WEDNESDAY

    status = hcore.announcement_status(WEDNESDAY)
    assert (status.mailing, status.reason, status.papers) == (False, LISTING_EMPTY, 0)
    calendar = hcore.arxiv_calendar()
    assert WEDNESDAY in calendar.reported
    assert calendar.next_listing_day(TUESDAY) == THURSDAY
    assert hcore.get_paper("2603.00003").announced_on == THURSDAY  # the estimate moved on
    assert day_page(hcore, TUESDAY).next.start == THURSDAY
    assert day_page(hcore, THURSDAY).previous.start == TUESDAY
    page = TestClient(create_app(core=hcore)).get(f"/?date={WEDNESDAY}")
    assert "No announcement on this day" in page.text
    assert LISTING_EMPTY in page.text.replace("&#39;", "'")

    # Papers harvested from now on are estimated past it too.
    arxiv.records = [FakeRecord("2603.09999", TUESDAY, versions=[(1, datetime(
        2026, 3, 3, 18, 0, tzinfo=UTC), "1kb")])]  # Tuesday 13:00 Eastern
    hcore.harvest(sets=["cs"], from_date=TUESDAY)
    assert hcore.get_paper("2603.09999").announced_on == THURSDAY


def test_an_empty_fetch_never_erases_a_mailing(hcore: Paperwire, arxiv: FakeArxiv) -> None:
    from harvest.test_harvest_sources import ATOM_LISTING

    listed = date(2026, 2, 24)
    arxiv.listing_body = ATOM_LISTING
    hcore.fetch_announcements()
    arxiv.listing_body = no_mailing_atom(listed)
    hcore.fetch_announcements()
    status = hcore.announcement_status(listed)
    assert (status.mailing, status.papers) == (True, 2)
    assert listed not in hcore.arxiv_calendar().reported


def test_an_empty_listing_on_a_rule_holiday_moves_nothing(
    hcore: Paperwire, arxiv: FakeArxiv, tmp_path: Path
) -> None:
    thanksgiving = date(2026, 11, 26)
    daily = tmp_path / "daily_papers.json"  # Hugging Face listed a paper on the holiday
    daily.write_text(json.dumps([{"paper": {
        "id": "2611.00001", "title": "On a holiday", "summary": "Rest.",
        "authors": [{"_id": "a1", "name": "Ada Lovelace", "hidden": False}],
        "publishedAt": "2026-11-25T18:00:00.000Z",
        "submittedOnDailyAt": "2026-11-26T15:00:00.000Z", "upvotes": 1,
    }}]))
    hcore.import_snapshot([daily])
    arxiv.listing_body = no_mailing_atom(thanksgiving)
    hcore.fetch_announcements()
    status = hcore.announcement_status(thanksgiving)
    assert (status.mailing, status.reason) == (False, "holiday: Thanksgiving")
    assert hcore.get_paper("2611.00001").announced_on == thanksgiving
