"""GitHub metadata: the refresh job against a fake GitHub (tests/github_server.py) in
GitHub's response format, the star history, "Trending by code", pages, API and CLI."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from conftest import REPO
from factories import make_paper
from github_server import FakeGithub
from paperwire.core import Paperwire
from paperwire.core.github import check_interval
from paperwire.db import github as store
from paperwire.db.tables import github_repos, github_stars
from paperwire.models import PaperFilter
from servers import store_env

T0 = int(datetime(2026, 11, 20, 12, tzinfo=UTC).timestamp())
DAY = 86_400


@pytest.fixture
def github():
    with FakeGithub() as fake:
        yield fake


@pytest.fixture
def linked(core: Paperwire, github: FakeGithub) -> Paperwire:
    """Four papers linking four repositories: one fine, one renamed, one gone, one whose
    answer is malformed; the core pointed at the fake and its clock at T0."""
    for arxiv_id, repo in [("2611.00001", "ada/engine"), ("2611.00002", "bob/old-name"),
                           ("2611.00003", "cy/vanished"), ("2611.00004", "dee/broken")]:
        make_paper(core, arxiv_id, abstract=f"Code: https://github.com/{repo}.")
    github.add("ada/engine", 120, description="<script>alert(1)</script> engine")
    github.add("bob/new-name", 40)
    github.state.renamed["bob/old-name"] = "bob/new-name"
    github.state.malformed.add("dee/broken")
    core.settings = core.settings.model_copy(update={
        "github_api_url": github.url, "github_requests_per_hour": 100_000.0})
    core.clock = lambda: T0
    return core


def rows(core: Paperwire) -> dict[str, dict]:
    with core.engine.connect() as connection:
        return {row.key: dict(row._mapping) for row in connection.execute(select(github_repos))}


def history(core: Paperwire) -> set[tuple[str, date, int]]:
    with core.engine.connect() as connection:
        return {tuple(row) for row in connection.execute(select(github_stars))}


def test_a_first_refresh_fetches_every_new_link(linked: Paperwire, github: FakeGithub):
    report = linked.refresh_github()
    assert (report.new, report.fetched, report.gone, report.skipped) == (4, 2, 1, 1)
    assert report.resumes_at is None
    found = rows(linked)
    ada = found["ada/engine"]
    assert (ada["stars"], ada["license"], ada["archived"], ada["gone"]) == (120, "MIT", False, False)
    assert ada["description"] == "<script>alert(1)</script> engine"
    assert ada["pushed_at"].replace(tzinfo=UTC) == datetime(2026, 11, 29, 8, tzinfo=UTC)
    assert ada["etag"].startswith('W/"')
    assert ada["next_check_at"] == T0 + check_interval(120)
    assert found["bob/old-name"]["full_name"] == "bob/new-name"  # the 301 was followed
    assert found["cy/vanished"]["gone"] is True
    assert found["dee/broken"]["fetched_at"] is None  # skipped, tried again tomorrow
    assert found["dee/broken"]["next_check_at"] == T0 + DAY
    today = date(2026, 11, 20)
    assert history(linked) == {("ada/engine", today, 120), ("bob/old-name", today, 40)}
    assert all(seen.headers.get("user-agent", "").startswith("paperwire") for seen in github.state.seen)


def test_a_later_refresh_sends_the_etag_and_a_304_moves_only_the_dates(linked, github):
    linked.refresh_github()
    before = rows(linked)["ada/engine"]
    github.state.seen.clear()
    later = T0 + 8 * DAY
    linked.clock = lambda: later
    report = linked.refresh_github()
    assert report.not_modified == 2
    assert report.fetched == 0
    sent = {seen.path: seen.headers.get("if-none-match") for seen in github.state.seen}
    assert sent["/repos/ada/engine"] == before["etag"]
    after = rows(linked)["ada/engine"]
    assert after["fetched_at"] == later
    assert after["next_check_at"] == later + check_interval(120)
    assert {k: v for k, v in after.items() if k not in ("fetched_at", "next_check_at")} == \
        {k: v for k, v in before.items() if k not in ("fetched_at", "next_check_at")}
    assert ("ada/engine", date(2026, 11, 28), 120) in history(linked)  # today's row all the same


def test_changed_stars_are_stored_with_their_day(linked, github):
    linked.refresh_github()
    github.add("ada/engine", 150)
    linked.clock = lambda: T0 + 8 * DAY
    assert linked.refresh_github().fetched == 1
    assert rows(linked)["ada/engine"]["stars"] == 150
    assert {(d, s) for k, d, s in history(linked) if k == "ada/engine"} == {
        (date(2026, 11, 20), 120), (date(2026, 11, 28), 150)}


def test_only_due_repositories_are_asked(linked, github):
    linked.refresh_github()
    github.state.seen.clear()
    linked.clock = lambda: T0 + DAY + 1  # only the one skipped yesterday is due
    report = linked.refresh_github()
    assert [seen.path for seen in github.state.seen] == ["/repos/dee/broken"]
    assert report.skipped == 1


def test_a_spent_budget_stops_the_run_until_it_resets(linked, github):
    github.state.budget, github.state.reset_at = 1, T0 + 1800
    report = linked.refresh_github()
    assert report.resumes_at == T0 + 1800
    assert report.requests == 1  # its answer said X-RateLimit-Remaining: 0: no 403 asked for
    assert len(github.state.seen) == 1
    assert report.fetched + report.gone + report.skipped == 1
    status = linked.github_status()
    assert status.limited_until == T0 + 1800
    github.state.seen.clear()
    again = linked.refresh_github()
    assert again.resumes_at == T0 + 1800
    assert again.requests == 0
    assert not github.state.seen
    github.state.budget = None
    linked.clock = lambda: T0 + 1801
    assert linked.github_status().limited_until is None
    assert linked.refresh_github().requests == 3  # the rest, not the one already done


def test_a_403_rate_limit_stops_the_run_at_once(linked, github):
    github.state.budget, github.state.reset_at = 0, T0 + 900  # spent by another client
    report = linked.refresh_github()
    assert (report.requests, report.resumes_at) == (1, T0 + 900)
    assert report.fetched + report.gone + report.skipped == 0
    assert linked.github_status().limited_until == T0 + 900


def test_a_renamed_repository_is_followed_to_its_new_name(linked, github):
    from github_server import repo_id

    linked.refresh_github()
    paths = [seen.path for seen in github.state.seen]
    moved = paths.index("/repos/bob/old-name")
    assert paths[moved + 1] == f"/repositories/{repo_id('bob/new-name')}"  # GitHub's Location
    github.state.seen.clear()
    linked.clock = lambda: T0 + 8 * DAY
    assert linked.refresh_github().not_modified == 2
    assert "/repos/bob/new-name" in [seen.path for seen in github.state.seen]  # asked directly
    assert "/repos/bob/old-name" not in [seen.path for seen in github.state.seen]


@pytest.mark.parametrize(("token", "after_304"), [("t", 0.1), (None, 1.0)])
def test_a_304_costs_no_turn_of_the_budget_with_a_token(github, token, after_304):
    """Paced at 3,600 requests an hour: a request a second. GitHub does not count a 304 to
    a request with a token, so the pacer gives its turn back (the next request waits
    MIN_SPACING_S); without a token GitHub counts it, and so does the pacer."""
    from paperwire.sources.github import Fetched, GithubClient, GithubConfig, NotModified

    github.add("ada/engine", 1)
    github.state.token = token
    now, slept = [T0 + 0.0], []

    def sleep(seconds: float) -> None:
        slept.append(round(seconds, 3))
        now[0] += seconds

    client = GithubClient(GithubConfig(api_url=github.url, token=token, requests_per_hour=3600),
                          clock=lambda: now[0], sleep=sleep)
    first = client.repo("ada/engine")
    assert isinstance(first, Fetched)
    assert isinstance(client.repo("ada/engine", first.etag), NotModified)
    assert isinstance(client.repo("ada/engine", first.etag), NotModified)
    client.close()
    assert slept == [1.0, after_304]


def test_the_status_only_reads(linked, github, count_statements):
    with count_statements(linked) as counter:
        status = linked.github_status()
        due = linked.github_due()
    assert (status.counts.known, status.counts.fetched, status.counts.due) == (4, 0, 4)
    assert due
    assert rows(linked) == {}  # nothing written: the refresh adds the linked repositories
    assert not any(statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
                   for statement in counter.statements)
    linked.refresh_github(limit=1)
    after = linked.github_status().counts
    assert (after.known, after.fetched, after.due) == (4, 1, 3)


def test_retry_after_is_honoured(linked, github):
    github.state.retry_after["ada/engine"] = 1
    report = linked.refresh_github(limit=1)
    assert report.fetched == 1
    assert report.requests == 2


def test_a_bad_token_stops_with_one_clear_error(linked, github):
    from paperwire.errors import GithubError
    github.state.token = "right"
    linked.settings = linked.settings.model_copy(update={"github_token": SecretStr("wrong")})
    with pytest.raises(GithubError, match="refused the token"):
        linked.refresh_github()
    assert github.state.seen[0].headers["authorization"] == "Bearer wrong"


def test_check_interval_favours_popular_repositories():
    assert check_interval(0) == 7 * DAY
    assert check_interval(10) < check_interval(1) < check_interval(0)
    assert check_interval(10**6) == DAY


def test_lists_and_the_paper_page_carry_the_stars(linked, web_client):
    linked.refresh_github()
    listed = linked.list_papers(PaperFilter(period="month"))  # type: ignore[arg-type]
    stars = {paper.arxiv_id: paper.code_stars for paper in listed.papers}
    assert stars == {"2611.00001": 120, "2611.00002": 40, "2611.00003": None,
                     "2611.00004": None}
    day = web_client.get("/?period=month").text
    assert "★ 120" in day
    page = web_client.get("/papers/2611.00001").text
    assert "★ 120" in page
    assert "MIT" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; engine" in page
    assert "<script>alert(1)" not in page
    assert "gone" in web_client.get("/papers/2611.00003").text


def test_the_api_gives_github_stars_as_hugging_face_does(linked, web_client):
    linked.refresh_github()
    paper = web_client.get("/api/papers/2611.00001").json()
    assert paper["githubRepo"] == "https://github.com/ada/engine"
    assert paper["githubStars"] == 120
    items = web_client.get("/api/daily_papers", params={"period": "month"}).json()
    by_id = {item["paper"]["id"]: item for item in items}
    assert by_id["2611.00002"]["paper"]["githubStars"] == 40
    assert by_id["2611.00002"]["githubStars"] == 40  # beside, where huggingface_hub reads it
    assert "githubStars" not in by_id["2611.00003"]["paper"]


def _stars(core: Paperwire, key: str, counts: dict[date, int]) -> None:
    with core.engine.begin() as connection:
        for day, stars in counts.items():
            store.record_stars(connection, key, day, stars)


def test_trending_by_code_ranks_by_stars_gained_over_7_days(linked, web_client):
    linked.refresh_github()
    today = date(2026, 11, 20)
    week_ago = today - timedelta(days=7)
    # ada: 100 a week ago (and 10 before that) → 120 today: +20. bob: history of three
    # days only, from its first count, 10 → 40: +30. A repository whose stars fell is left out.
    _stars(linked, "ada/engine", {week_ago - timedelta(days=3): 10, week_ago: 100})
    _stars(linked, "bob/old-name", {today - timedelta(days=3): 10})
    page = linked.trending_by_code(today=today)
    assert [(p.arxiv_id, p.stars_gained, p.code_stars) for p in page.papers] == [
        ("2611.00002", 30, 40), ("2611.00001", 20, 120)]
    assert [i["paper"]["id"] for i in web_client.get("/api/trending/code?limit=1&p=1").json()] \
        == ["2611.00001"]
    refused = web_client.get("/api/trending/code?p=10001")
    assert refused.status_code == 400
    assert "p must be between 0 and 10000" in refused.text
    assert page.total == 2
    linked.clock = lambda: T0 + 3600
    assert 'href="/trending/code"' in web_client.get("/trending").text  # the tab is reachable
    html = web_client.get("/trending/code").text
    assert html.index("2611.00002") < html.index("2611.00001")
    assert "stars today − stars 7 days ago" in html
    assert "+30" in html
    items = web_client.get("/api/trending/code").json()
    assert [(i["paper"]["id"], i["starsGained"], i["githubStars"]) for i in items] == [
        ("2611.00002", 30, 40), ("2611.00001", 20, 120)]
    assert "+30 stars in 7 days" in html
    assert "score" not in html.split('class="paper-list"')[1]


def test_trending_by_code_cards_say_stars_gained_like_other_counts(linked, web_client):
    linked.refresh_github()
    today = date(2026, 11, 20)
    _stars(linked, "bob/old-name", {today - timedelta(days=7): 40, today: 2_540})
    html = web_client.get("/trending/code").text
    card = html.split('class="paper-list"')[1].split("</article>")[0]
    assert "2611.00002" in card
    assert "+2.5k stars in 7 days" in card  # as code badges write counts
    assert 'aria-label="2540 GitHub stars">★ 2.5k' in card  # the badge: its stars now
    assert "score" not in card


def test_trending_by_code_takes_a_window_of_1_to_30_days(linked, web_client):
    linked.refresh_github()
    today = date(2026, 11, 20)
    # ada: 10 twenty days ago, 120 yesterday and today: nothing gained in a day, +110 over
    # 7 or 30 days. bob: 39 yesterday, 40 today: +1 in a day.
    _stars(linked, "ada/engine", {today - timedelta(days=20): 10, today - timedelta(days=1): 120})
    _stars(linked, "bob/old-name", {today - timedelta(days=1): 39})
    assert [(p.arxiv_id, p.stars_gained) for p in linked.trending_by_code(today=today, days=1).papers] \
        == [("2611.00002", 1)]
    assert [(p.arxiv_id, p.stars_gained) for p in linked.trending_by_code(today=today, days=30).papers] \
        == [("2611.00001", 110), ("2611.00002", 1)]
    html = web_client.get("/trending/code?days=1").text
    assert "stars today − stars 1 day ago" in html
    assert "+1 star in 1 day" in html
    assert "2611.00001" not in html
    assert 'href="/trending/code.atom?days=1"' in html  # the <link rel=alternate> and the link
    assert '<link rel="alternate" type="application/atom+xml"' in html
    month = web_client.get("/trending/code?days=30").text
    assert "stars today − stars 30 days ago" in month
    assert "+110 stars in 30 days" in month
    api = web_client.get("/api/trending/code?days=30").json()
    assert [(i["paper"]["id"], i["starsGained"]) for i in api] == [("2611.00001", 110),
                                                                 ("2611.00002", 1)]
    for bad in ("0", "31", "week"):
        page = web_client.get(f"/trending/code?days={bad}")
        assert page.status_code == 400
        assert "days must be" in page.text
        for path in ("/api/trending/code", "/trending/code.atom"):
            answer = web_client.get(path, params={"days": bad})
            assert answer.status_code == 400, (path, bad)
            assert "days must be" in answer.json()["error"]


def test_trending_by_code_has_feeds(linked, web_client):
    linked.refresh_github()
    today = date(2026, 11, 20)
    _stars(linked, "bob/old-name", {today - timedelta(days=3): 10})
    atom = web_client.get("/trending/code.atom")
    assert atom.status_code == 200
    assert atom.headers["content-type"].startswith("application/atom+xml")
    assert "Trending by code (7 days)" in atom.text
    assert "/papers/2611.00002" in atom.text
    assert "/papers/2611.00001" not in atom.text
    assert "/papers/2611.00002" in web_client.get("/trending/code.rss?days=5").text
    feed = web_client.get("/trending/code.json?days=30").json()
    assert [item["_paperwire"]["arxiv_id"] for item in feed["items"]] == ["2611.00002"]


def run_cli(core: Paperwire, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    env = store_env(core, COLUMNS="200", **extra)
    return subprocess.run([sys.executable, "-m", "paperwire", *args], capture_output=True,
                          text=True, env=env, cwd=REPO, timeout=120)


def test_the_cli_refreshes_and_reports(linked, github):
    url = {"PAPERWIRE_GITHUB_API_URL": github.url, "PAPERWIRE_GITHUB_REQUESTS_PER_HOUR": "100000"}
    status = run_cli(linked, "github", "status", **url)
    assert status.returncode == 0, status.stderr
    assert "repositories 4 · fetched 0 · gone 0 · due 4" in status.stdout
    done = run_cli(linked, "github", "refresh", "--limit", "3", **url)
    assert done.returncode == 0, done.stderr
    assert "requests 3" in done.stdout
    after = run_cli(linked, "github", "status", **url)
    assert "fetched 3 · gone 1 · due 1" in after.stdout
    assert "rate limit: not reached" in after.stdout


def test_the_cli_names_a_bad_token_or_an_unreachable_server(linked, github):
    github.state.token = "right"
    bad = run_cli(linked, "github", "refresh", PAPERWIRE_GITHUB_API_URL=github.url,
                  PAPERWIRE_GITHUB_TOKEN="wrong")
    assert bad.returncode == 1
    assert bad.stderr.strip().splitlines()[-1].startswith("error: GitHub refused the token")
    assert "wrong" not in bad.stdout + bad.stderr
    gone = run_cli(linked, "github", "refresh", PAPERWIRE_GITHUB_API_URL="http://127.0.0.1:9")
    assert gone.returncode == 1
    assert "cannot reach GitHub at http://127.0.0.1:9" in gone.stderr


def test_serve_refreshes_in_the_background(linked, github):
    from paperwire.background import BackgroundJobs

    linked.settings = linked.settings.model_copy(update={
        "github_in_background": True, "embed_in_background": False,
        "summaries_in_background": False, "harvest_enabled": False, "embed_poll_seconds": 1})
    jobs = BackgroundJobs(linked, say=lambda _line: None).start()
    try:
        for _ in range(300):
            if rows(linked).get("ada/engine", {}).get("stars") == 120:
                break
            time.sleep(0.1)
    finally:
        jobs.stop()
    assert rows(linked)["ada/engine"]["stars"] == 120
    assert jobs.runner is None  # stopped with the rest


def test_the_token_is_a_secret_setting():
    from paperwire.settings import Settings

    settings = Settings(github_token="ghp_secret_value", secret_key="x" * 40)
    shown = {name: value for name, value, _ in settings.describe()}
    assert shown["PAPERWIRE_GITHUB_TOKEN"] == "(set)"
    assert "ghp_secret_value" not in repr(settings)


def test_a_secondary_limit_without_headers_waits_a_minute_a_refusal_does_not(github):
    """GitHub: a 403 naming a (secondary) rate limit with neither Retry-After nor
    Remaining: 0 asks for at least a minute's wait; any other 403 is a refusal."""
    from paperwire.sources.github import Fetched, GithubClient, GithubConfig, Unreadable

    github.add("ada/engine", 1)
    github.add("ada/blocked", 1)
    github.state.secondary["ada/engine"] = 1
    github.state.forbidden["ada/blocked"] = True
    now, slept = [T0 + 0.0], []

    def sleep(seconds: float) -> None:
        slept.append(round(seconds, 3))
        now[0] += seconds

    client = GithubClient(GithubConfig(api_url=github.url, requests_per_hour=3600),
                          clock=lambda: now[0], sleep=sleep)
    assert isinstance(client.repo("ada/engine"), Fetched)
    assert 60.0 in slept
    slept.clear()
    refused = client.repo("ada/blocked")
    client.close()
    assert isinstance(refused, Unreadable)
    assert "403" in refused.reason
    assert 60.0 not in slept
