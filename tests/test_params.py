"""One parser for list parameters (``PaperFilter.from_params``), one for search filters
(``SearchOptions.from_params``), one arXiv category check and one arXiv id grammar:
every surface answers a bad value with the same message."""


import json
import re
from datetime import date

import httpx
import pytest
from markupsafe import escape

from conftest import SAMPLE
from paperwire.digest.models import Topics
from paperwire.errors import InvalidInput, InvalidQuery
from paperwire.ids import ARXIV_ID_PATTERN, is_arxiv_category, parse_arxiv_id
from paperwire.models import DateWindow, PaperFilter, Period, SearchOptions, Sort, SortOrder


def test_from_params_reads_every_list_parameter():
    paper_filter = PaperFilter.from_params(
        {"week": "2026-W27", "period": "week", "category": "cs.LG", "p": "2", "limit": "20"},
        limit=50, max_limit=100, viewer_id=7,
    )
    assert paper_filter == PaperFilter(
        window=DateWindow.week("2026-W27"), period=Period.WEEK, category="cs.LG", limit=20,
        offset=40, sort=SortOrder.UPVOTES, viewer_id=7,
    )


def test_from_params_blank_means_unset_and_surfaces_fix_what_they_must():
    assert PaperFilter.from_params({"date": "", "category": " ", "p": ""}) == PaperFilter()
    # A surface that fixes the page size or the order ignores the request's.
    fixed = PaperFilter.from_params({"limit": "3", "sort": "trending", "date": "2026-07-01"},
                                    limit=25, sort=SortOrder.UPVOTES)
    assert (fixed.limit, fixed.sort, fixed.window) == (25, SortOrder.UPVOTES, DateWindow.day(date(2026, 7, 1)))
    # Trending keeps a window it is given (that window's papers, by the trending score).
    trending = PaperFilter.from_params({"sort": "trending", "date": "2026-07-01", "period": "month"})
    assert (trending.sort, trending.window, trending.period) == (
        SortOrder.TRENDING, DateWindow.day(date(2026, 7, 1)), Period.MONTH)
    assert PaperFilter.from_params({"sort": "trending"}).window is None
    assert PaperFilter.from_params({"submitter": "ada"}).submitter == "ada"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"date": "yesterday"}, "date must look like 2026-01-02, got 'yesterday'"),
        ({"date": "2026-02-30"}, "no such date for date: '2026-02-30'"),
        ({"week": "2026-W99"}, "no such week: '2026-W99'"),
        ({"month": "2026-13"}, "month must look like 2026-01, got '2026-13'"),
        ({"period": "year"}, "period must be one of day, week, month, got 'year'"),
        ({"sort": "best"}, "sort must be one of upvotes, trending, publishedAt, for-you, got 'best'"),
        ({"category": "cs.lg"}, "category must be an arXiv category such as cs.LG or hep-th, got 'cs.lg'"),
        ({"category": "cs\x00LG"}, "category must be an arXiv category"),
        ({"p": "-1"}, "p must be between 0 and 10000, got -1"),
        ({"p": "two"}, "p must be a whole number, got 'two'"),
        ({"limit": "0"}, "limit must be between 1 and 100, got 0"),
        ({"limit": "101"}, "limit must be between 1 and 100, got 101"),
    ],
)
def test_from_params_names_the_bad_parameter(params, message):
    with pytest.raises(InvalidQuery, match=re.escape(message)):
        PaperFilter.from_params(params, max_limit=100)


def test_search_options_from_params():
    options = SearchOptions.from_params({"sort": "newest", "from": "2024-01-01", "to": "",
                                         "cat": "hep-th", "author": " Vafa ", "semantic": "false"})
    assert options == SearchOptions(sort=Sort.NEWEST, date_from=date(2024, 1, 1), category="hep-th",
                                    author="Vafa", semantic=False)
    assert SearchOptions.from_params({}) == SearchOptions()
    for params, message in [({"from": "soon"}, "from must look like"), ({"to": "2024-02-30"}, "no such date for to"),
                            ({"cat": "CS.LG"}, "cat must be an arXiv category"),
                            ({"sort": "oldest"}, "sort must be one of"),
                            ({"keyword": "maybe"}, "keyword must be true or false"),
                            ({"author": "x" * 201}, "author must be at most 200")]:
        with pytest.raises(InvalidQuery, match=message):
            SearchOptions.from_params(params)


@pytest.mark.parametrize(
    "category",
    ["cs.LG", "hep-th", "math.AG", "astro-ph.CO", "q-bio.NC", "stat.ML", "cond-mat.supr-con",
     "physics.atom-ph", "math-ph", "supr-con", "eess.SP", "q-fin.ST", "nlin.CD"],
)
def test_real_categories_are_accepted_everywhere(category):
    assert is_arxiv_category(category)
    assert PaperFilter(category=category).category == category
    assert SearchOptions(category=category).category == category
    assert Topics.parse(categories=[category]).categories == (category,)


@pytest.mark.parametrize(
    "category",
    ["cs.lg", "CS.LG", "math.ag", "cs.", ".LG", "cs..LG", "-cs", "cs LG", "hep--th", "cs.LGX",
     "68T07", "I.2.7;", "(Primary)", "cond-mat.Supr-con", "x" * 41],
)
def test_what_is_no_category_is_refused_everywhere(category):
    assert not is_arxiv_category(category)
    with pytest.raises(InvalidQuery):
        PaperFilter(category=category)
    with pytest.raises(InvalidQuery):
        SearchOptions(category=category)
    with pytest.raises(InvalidInput):
        Topics.parse(categories=[category])


def test_the_validators_hold_over_the_sample():
    """Every id in the sample is canonical by ids.py's grammar (and the API's path
    pattern, built from it); every paper's primary category passes the category check,
    and the classification codes some records list among their categories do not."""
    primaries, others = set(), set()
    with SAMPLE.open() as lines:
        for line in lines:
            record = json.loads(line)
            assert parse_arxiv_id(record["id"]) == (record["id"], None)
            assert re.fullmatch(ARXIV_ID_PATTERN, record["id"])
            first, *rest = record["categories"].split()
            primaries.add(first)
            others.update(rest)
    assert not {c for c in primaries if not is_arxiv_category(c)}
    assert len(primaries) > 100
    codes = {c for c in others if re.search(r"[0-9;,()]", c)}  # MSC / ACM codes, e.g. 68T07
    assert codes
    assert not {c for c in codes if is_arxiv_category(c)}


def says(response: httpx.Response, message: str) -> bool:
    """A 400 that says ``message``: as JSON (API, feeds) or on an HTML page."""
    if response.headers["content-type"].startswith("application/json"):
        return response.status_code == 400 and response.json()["error"] == message
    return response.status_code == 400 and str(escape(message)) in response.text


@pytest.mark.parametrize(
    "params",
    [{"date": "yesterday"}, {"date": "2026-02-30"}, {"week": "2026-W99"}, {"month": "0999-01"},
     {"category": "cs.lg"}, {"category": "cs\x00LG"}, {"category": "x" * 41}],
)
def test_page_feed_and_api_answer_the_same_error(read_client, params):
    with pytest.raises(InvalidQuery) as expected:
        PaperFilter.from_params(params)
    message = str(expected.value)
    for path in ("/", "/daily.atom", "/api/daily_papers"):
        assert says(read_client.get(path, params=params), message), path
    if "category" in params:
        assert says(read_client.get("/api/trending", params=params), message)


@pytest.mark.parametrize("params", [{"from": "soon"}, {"to": "2024-02-30"}, {"cat": "CS.LG"}])
def test_search_page_feed_and_api_answer_the_same_error(read_client, params):
    with pytest.raises(InvalidQuery) as expected:
        SearchOptions.from_params(params)
    message = str(expected.value)
    for path in ("/papers", "/search.atom", "/api/papers/search"):
        assert says(read_client.get(path, params={"q": "x", **params}), message), path


def test_search_feed_takes_the_search_pages_filters(read_client):
    """The feed of a filtered search lists what the page and the API list (it ignored
    everything but ``q`` before)."""
    params = {"q": "quantum", "cat": "hep-th", "sort": "newest"}
    feed = read_client.get("/search.json", params=params).json()["items"]
    api = read_client.get("/api/papers/search", params={**params, "limit": 100}).json()
    assert feed
    assert [item["_paperwire"]["arxiv_id"] for item in feed] == [item["paper"]["id"] for item in api]
    assert all("hep-th" in item["paper"]["categories"] for item in api)
    unfiltered = read_client.get("/search.json", params={"q": "quantum"}).json()["items"]
    assert len(unfiltered) > len(feed)
    page = read_client.get("/papers", params=params).text
    assert 'href="/search.atom?q=quantum&amp;cat=hep-th&amp;sort=newest"' in page


def test_every_window_named_is_checked_even_when_unused():
    with pytest.raises(InvalidQuery, match="week must look like"):
        PaperFilter.from_params({"date": "2026-07-01", "week": "soon"})
    with pytest.raises(InvalidQuery, match="date must look like"):
        PaperFilter.from_params({"sort": "trending", "date": "soon"})
    narrowest = PaperFilter.from_params({"month": "2026-07", "date": "2026-07-01"})
    assert narrowest.window == DateWindow.day(date(2026, 7, 1))
