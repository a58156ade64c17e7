"""paperwire driven by Hugging Face's own client: ``HfApi(endpoint=<paperwire>)``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from huggingface_hub import HfApi

from conftest import LiveServer
from factories import make_paper, make_user
from paperwire.web.app import create_app

# Noon, so that the minutes added below never carry a paper across midnight UTC.
NOW = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
DAY1, DAY0 = NOW - timedelta(days=1), NOW - timedelta(days=2)


@pytest.fixture
def hub(core):
    for arxiv_id, title, published in [
        ("2601.00001", "Task-specific heads for multi-task vision", DAY1),
        ("2601.00002", "Sparse attention for long documents", DAY1 + timedelta(minutes=5)),
        ("2601.00003", "Quantum error correction codes", DAY1 + timedelta(minutes=9)),
        ("2601.00004", "Black hole entropy from string theory", DAY0),
    ]:
        make_paper(core, arxiv_id, title=title, published=published,
                   abstract=f"{title}: we study {title.lower()} with new experiments.")
    core.embed_pending()
    core.build_summaries()
    ada = make_user(core, "ada@example.org", username="ada")
    bob = make_user(core, "bob@example.org", username="bob")
    core.submit_paper(ada, "2601.00003")
    for voter, arxiv_id in [(ada, "2601.00002"), (bob, "2601.00002"), (bob, "2601.00001")]:
        core.upvote(voter, arxiv_id, up=True)
    with LiveServer(create_app(core=core)) as server:
        yield HfApi(endpoint=server.url)


def ids(papers) -> list[str]:  # type: ignore[no-untyped-def]
    return [paper.id for paper in papers]


def test_paper_info(hub):
    info = hub.paper_info("2601.00001")
    assert info.title == "Task-specific heads for multi-task vision"
    assert [author.name for author in info.authors] == ["Ada Lovelace", "Alan Turing"]
    assert info.upvotes == 1
    assert info.published_at.date() == DAY1.date()
    assert info.ai_keywords
    assert all(isinstance(keyword, str) for keyword in info.ai_keywords)
    assert info.ai_summary == ("Task-specific heads for multi-task vision: we study task-specific"
                               " heads for multi-task vision with new experiments.")


def test_list_daily_papers_by_date_week_and_month(hub):
    day = hub.list_daily_papers(date=DAY1.date().isoformat())
    papers = list(day)
    assert ids(papers) == ["2601.00002", "2601.00001", "2601.00003"]  # most upvoted first
    assert all(paper.title for paper in papers)
    assert all(paper.ai_summary and paper.ai_summary.startswith(paper.title) for paper in papers)
    assert papers[0].upvotes == 2
    year, week, _ = DAY1.isocalendar()
    in_week = set(ids(hub.list_daily_papers(week=f"{year}-W{week:02d}")))
    assert {"2601.00001", "2601.00002", "2601.00003"} <= in_week
    assert ("2601.00004" in in_week) == (DAY0.isocalendar()[:2] == DAY1.isocalendar()[:2])
    in_month = set(ids(hub.list_daily_papers(month=DAY1.strftime("%Y-%m"))))
    assert {"2601.00001", "2601.00002", "2601.00003"} <= in_month


def test_list_daily_papers_by_submitter_sort_and_page(hub):
    assert ids(hub.list_daily_papers(date=DAY1.date().isoformat(), submitter="ada")) == ["2601.00003"]
    assert ids(hub.list_daily_papers(date=DAY1.date().isoformat(), submitter="bob")) == []
    assert ids(hub.list_daily_papers(submitter="ada", sort="trending")) == ["2601.00003"]
    assert ids(hub.list_daily_papers(submitter="bob", sort="trending")) == []
    trending = ids(hub.list_daily_papers(sort="trending"))
    assert trending[:2] == ["2601.00002", "2601.00001"]
    newest = ids(hub.list_daily_papers(date=DAY1.date().isoformat(), sort="publishedAt"))
    assert newest == ["2601.00003", "2601.00002", "2601.00001"]
    day_trending = ids(hub.list_daily_papers(date=DAY1.date().isoformat(), sort="trending"))
    assert day_trending == ["2601.00002", "2601.00001", "2601.00003"]  # same papers, other order
    pages = [ids(hub.list_daily_papers(date=DAY1.date().isoformat(), limit=1, p=p)) for p in range(4)]
    assert pages == [["2601.00002"], ["2601.00001"], ["2601.00003"], []]


def test_list_papers_searches_with_titles(hub):
    found = list(hub.list_papers(query="task-specific heads"))
    assert found[0].id == "2601.00001"
    assert found[0].title == "Task-specific heads for multi-task vision"
    assert all(paper.title and paper.authors for paper in found)
    assert all(isinstance(paper.ai_summary, str) for paper in found)
    assert len(list(hub.list_papers(query="attention", limit=1))) == 1


def test_trending_without_votes_lists_the_latest_day(core):
    make_paper(core, "2601.00011", published=DAY1)
    make_paper(core, "2601.00012", published=DAY0)
    with LiveServer(create_app(core=core)) as server:
        assert ids(HfApi(endpoint=server.url).list_daily_papers(sort="trending")) == ["2601.00011"]


@pytest.fixture
def coded_hub(core):
    """A paper linking a GitHub repository (fetched from a fake GitHub) and a project page."""
    from github_server import FakeGithub

    make_paper(core, "2601.00021", title="Engines with code", published=DAY1,
               abstract="Engines with code: code at https://github.com/ada/engine and the"
                        " project page https://ada.github.io/engine for demos.")
    core.embed_pending()
    core.build_summaries()
    with FakeGithub() as github:
        github.add("ada/engine", 321)
        core.settings = core.settings.model_copy(update={
            "github_api_url": github.url, "github_requests_per_hour": 100_000.0})
        assert core.refresh_github().fetched == 1
    with LiveServer(create_app(core=core)) as server:
        yield HfApi(endpoint=server.url)


def assert_code_fields(paper) -> None:  # type: ignore[no-untyped-def]
    assert paper.github_repo == "https://github.com/ada/engine"
    assert paper.github_stars == 321
    assert isinstance(paper.github_stars, int)
    assert paper.project_page == "https://ada.github.io/engine"
    assert isinstance(paper.ai_summary, str)
    assert paper.ai_summary.startswith("Engines with code")
    assert paper.ai_keywords
    assert all(isinstance(keyword, str) for keyword in paper.ai_keywords)


def test_code_summary_and_keywords_arrive_through_every_endpoint(coded_hub):
    assert_code_fields(coded_hub.paper_info("2601.00021"))
    (listed,) = list(coded_hub.list_daily_papers(date=DAY1.date().isoformat()))
    assert_code_fields(listed)
    found = [paper for paper in coded_hub.list_papers(query="engines with code")
             if paper.id == "2601.00021"]
    assert found
    assert_code_fields(found[0])
