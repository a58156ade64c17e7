"""Daily / weekly / monthly lists, and the paper page data, on the shared read-only store."""

from datetime import UTC, date, datetime

import pytest

from conftest import announced_between, expected_window
from factories import make_paper, make_user
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
    """Each window lists every paper announced in it, and no other, in list order."""
    day = read_core.list_papers(PaperFilter()).window.start
    year, week, _ = day.isocalendar()
    asked = {"date": day.isoformat(), "week": f"{year}-W{week:02d}", "month": day.strftime("%Y-%m")}
    listed = {}
    for name, label in asked.items():
        window = window_from(**{name: label})
        page = read_core.list_papers(PaperFilter(window=window, limit=500))
        assert page.total == len(page.papers)  # the sample slice fits on one page
        expected = announced_between(read_core, *expected_window(read_core, {name: label}))
        assert expected
        assert [p.arxiv_id for p in page.papers] == expected
        listed[name] = set(expected)
    assert listed["date"] <= listed["week"]
    assert listed["date"] <= listed["month"]


def test_order_is_upvotes_then_announcement_order(core):
    # Two days of one week; ties in votes, and arXiv ids that disagree with the votes.
    votes = {"2603.00001": 0, "2603.00002": 2, "2603.00003": 1, "2603.00004": 2,
             "2603.00005": 0, "2603.00006": 3}
    days = {"2603.00001": 2, "2603.00002": 2, "2603.00003": 2, "2603.00004": 3,
            "2603.00005": 3, "2603.00006": 3}
    for arxiv_id, day in days.items():
        make_paper(core, arxiv_id, announced_on=date(2026, 3, day),
                   published=datetime(2026, 3, day, 12, tzinfo=UTC))
    voters = [make_user(core, f"v{n}@example.org") for n in range(3)]
    for arxiv_id, count in votes.items():
        for voter in voters[:count]:
            core.upvote(voter, arxiv_id, up=True)

    def listed(window: DateWindow) -> list[tuple[str, int]]:
        return [(p.arxiv_id, p.upvotes) for p in core.list_papers(PaperFilter(window=window)).papers]

    assert listed(DateWindow.day(date(2026, 3, 2))) == [
        ("2603.00002", 2), ("2603.00003", 1), ("2603.00001", 0)]
    expected = [("2603.00006", 3), ("2603.00002", 2), ("2603.00004", 2), ("2603.00003", 1),
                ("2603.00001", 0), ("2603.00005", 0)]
    assert listed(DateWindow.week("2026-W10")) == expected
    assert listed(DateWindow.month("2026-03")) == expected


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
