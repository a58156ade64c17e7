"""Daily / weekly / monthly lists, and the paper page data, on the shared read-only store."""

from datetime import date

import pytest

from paperwire.errors import InvalidQuery, PaperNotFound
from paperwire.models import DateWindow, PaperFilter, Period, window_from


def test_default_is_the_latest_day_with_papers(read_core):
    page = read_core.list_papers(PaperFilter())
    assert page.window.period is Period.DAY
    assert page.total == len(page.papers) or page.total > page.limit
    assert all(p.announced_on == page.window.start for p in page.papers)
    assert page.next is None
    assert page.previous is not None
    assert page.previous.start < page.window.start


def test_day_week_month_windows(read_core):
    day = read_core.list_papers(PaperFilter()).window.start
    year, week, _ = day.isocalendar()
    weekly = read_core.list_papers(PaperFilter(window=DateWindow.week(f"{year}-W{week:02d}")))
    monthly = read_core.list_papers(PaperFilter(window=DateWindow.month(day.strftime("%Y-%m"))))
    daily = read_core.list_papers(PaperFilter(window=DateWindow.day(day)))
    assert daily.total <= weekly.total
    assert daily.total <= monthly.total
    assert all(weekly.window.start <= p.announced_on < weekly.window.end for p in weekly.papers)


def test_order_is_upvotes_then_announcement_order(read_core):
    papers = read_core.list_papers(PaperFilter(limit=500)).papers
    keys = [(-p.upvotes, p.arxiv_id) for p in papers]
    assert keys == sorted(keys)


def test_category_filter(read_core):
    page = read_core.list_papers(PaperFilter(period=Period.MONTH, category="cs.CL", limit=500))
    assert page.total > 0
    assert all("cs.CL" in p.categories for p in page.papers)


def test_empty_day_has_neighbours(read_core):
    page = read_core.list_papers(PaperFilter(window=DateWindow.day(date(2026, 6, 27))))
    assert page.total == 0
    assert page.previous is not None or page.next is not None


def test_paging(read_core):
    window = read_core.list_papers(PaperFilter(period=Period.MONTH)).window
    first = read_core.list_papers(PaperFilter(window=window, limit=5))
    second = read_core.list_papers(PaperFilter(window=window, limit=5, offset=5))
    assert {p.arxiv_id for p in first.papers}.isdisjoint(p.arxiv_id for p in second.papers)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"date": "2026-13-01"}, "no such date"),
        ({"date": "July 1"}, "date must look like"),
        ({"week": "2026-53x"}, "week must look like"),
        ({"week": "2025-W54"}, "no such week"),
        ({"week": "0000-W01"}, "no such week"),
        ({"month": "2026-00"}, "month must look like"),
    ],
)
def test_bad_windows_are_refused_clearly(kwargs, message):
    with pytest.raises(InvalidQuery, match=message):
        window_from(**kwargs)


def test_paper_detail(read_core):
    paper = read_core.get_paper("hep-th/9901001")
    assert paper.arxiv_id == "hep-th/9901001"
    assert paper.versions
    assert paper.versions[0][0] == 1
    assert read_core.get_paper("0704.0525").withdrawn
    with pytest.raises(PaperNotFound):
        read_core.get_paper("9999.99999")


def test_stats(read_core):
    stats = read_core.stats()
    assert stats.papers > 1900
    assert stats.revision is not None
    assert stats.categories[0][1] >= stats.categories[-1][1]


def test_doctor_is_happy_on_a_migrated_store(read_core):
    assert all(check.ok for check in read_core.doctor())


def test_the_narrowest_window_wins():
    assert window_from(date="2026-01-02", week="2026-W05", month="2026-03").period is Period.DAY
    assert window_from(week="2026-W05", month="2026-03").period is Period.WEEK


def test_week_53_of_a_52_week_year_is_the_following_week():
    assert DateWindow.week("2025-W53").start == date(2025, 12, 29)
    assert DateWindow.week("2026-W53").start == date(2026, 12, 28)
