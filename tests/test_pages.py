"""Pages, as the web app answers them (in process)."""

import re

import pytest

from conftest import announced_between, expected_window
from factories import write_jsonl


def test_daily_page_lists_the_latest_day(read_client, read_core):
    from paperwire.models import PaperFilter

    page = read_core.list_papers(PaperFilter())
    response = read_client.get("/")
    assert response.status_code == 200
    assert "Daily Papers" in response.text
    first = page.papers[0]
    assert f'href="/papers/{first.arxiv_id}"' in response.text
    assert f"{page.total} paper" in response.text
    assert 'rel="prev"' in response.text


LISTED = re.compile(r'<h3 class="paper-title"><a href="/papers/([^"]+)">')


@pytest.mark.parametrize("query", ["period=week", "period=month", "week=2026-W26", "month=2026-06", "date=2026-06-30"])
def test_week_and_month_views(read_client, read_core, query):
    """Every paper of the period, and no other, in list order, page after page."""
    expected = announced_between(read_core, *expected_window(read_core, dict([query.split("=")])))
    assert expected
    shown: list[str] = []
    for number in range(len(expected) // read_core.settings.page_size + 1):
        response = read_client.get(f"/?{query}&p={number}")
        assert response.status_code == 200
        assert f"{len(expected)} papers" in response.text
        shown += LISTED.findall(response.text)
    assert shown == expected


def test_weekend_without_papers_says_there_was_no_announcement(read_client):
    response = read_client.get("/?date=2026-07-04")  # a Saturday
    assert response.status_code == 200
    assert "No announcement on this day" in response.text
    assert "weekend" in response.text


def test_weekday_without_papers_explains_itself(read_client):
    response = read_client.get("/?date=2030-07-03")  # a Wednesday not yet announced
    assert response.status_code == 200
    assert "No papers on this day" in response.text


def test_paper_page(read_client):
    response = read_client.get("/papers/hep-th/9901001")
    assert response.status_code == 200
    expected = ("https://arxiv.org/abs/hep-th/9901001", "https://arxiv.org/pdf/hep-th/9901001", "Versions", "Abstract")
    for text in expected:
        assert text in response.text


def test_versioned_id_redirects_to_the_paper(read_client):
    response = read_client.get("/papers/hep-th/9901001v2")
    assert response.status_code == 301
    assert response.headers["location"] == "/papers/hep-th/9901001"


def test_withdrawn_paper_says_so(read_client):
    assert "has been withdrawn" in read_client.get("/papers/0704.0525").text


def test_unknown_paper_is_a_friendly_404(read_client):
    response = read_client.get("/papers/9999.99999")
    assert response.status_code == 404
    assert "There is no paper 9999.99999" in response.text
    assert "<html" in response.text


@pytest.mark.parametrize("path", ["/papers/not-an-id", "/?date=yesterday", "/?week=2026-W99", "/?p=-1"])
def test_bad_input_is_a_friendly_400(read_client, path):
    response = read_client.get(path)
    assert response.status_code == 400
    assert "<html" in response.text


def test_unknown_address_is_a_404_page(read_client):
    response = read_client.get("/no/such/page")
    assert response.status_code == 404
    assert "nothing at this address" in response.text


def test_search_page_highlights_and_counts(read_client):
    response = read_client.get("/papers", params={"q": "transformer"})
    assert response.status_code == 200
    assert "<mark>" in response.text
    assert "results for" in response.text


def test_search_by_id_jumps(read_client):
    response = read_client.get("/papers", params={"q": "https://arxiv.org/abs/hep-th/9901001v1"})
    assert response.status_code == 303
    assert response.headers["location"] == "/papers/hep-th/9901001"


def test_search_with_no_results_helps(read_client):
    response = read_client.get("/papers", params={"q": "zzyzzyqqq"})
    assert response.status_code == 200
    assert "Nothing found" in response.text


def test_untrusted_text_is_escaped(core, tmp_path, web_client):
    hostile = {
        "id": "2401.00001", "title": "<script>alert(1)</script> $x<y$",
        "authors": "<img src=x onerror=alert(1)>, Bob", "abstract": "<b>bold</b> & <i>it</i>",
        "categories": "cs.LG", "versions": None, "update_date": "2024-01-01",
    }
    core.import_snapshot([write_jsonl(tmp_path / "h.jsonl", [hostile])])
    for url in ("/", "/papers/2401.00001", "/papers?q=bold"):
        body = web_client.get(url).text
        assert "<script>alert(1)" not in body
        assert "<img src=x" not in body
        assert "&lt;script&gt;" in body or "&lt;b&gt;" in body


def test_empty_store_says_how_to_fill_it(web_client):
    body = web_client.get("/").text
    assert "No papers yet" in body
    assert "paperwire import" in body


@pytest.mark.parametrize("path", ["/?month=2026-06", "/?month=2026-06&category=cs.CV", "/papers?q=learning"])
def test_page_links_lead_to_the_next_page(read_client, path):
    import html
    import re

    first = read_client.get(path).text
    link = re.search(r'<a rel="next" href="([^"]+)">Next page', first)
    assert link, "a long list links its next page"
    second = read_client.get(html.unescape(link.group(1)))
    assert second.status_code == 200
    assert "Page 2 of" in second.text
    if "category=" in path:
        assert "category=cs.CV" in html.unescape(link.group(1))
