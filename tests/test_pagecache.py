"""The anonymous page cache: fast repeats, per-request tokens, never for signed-in readers.

A page served from the cache sends no SQL, so counting statements tells a hit from a
miss; what a page shows (who is signed in, a vote count) tells whose page it is.
"""

import re
from http.cookiejar import DefaultCookiePolicy

import httpx
import pytest
from fastapi.testclient import TestClient

from clients import open_client, session_for
from factories import fill_day as fill
from factories import make_user
from paperwire.web.app import create_app
from paperwire.web.viewer import SESSION_COOKIE

READER = "reader@example.org"
PAPER = "2601.00003"


class SteppedClock:
    """The page cache's clock, moved by the test instead of by sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def serve(core, ttl: float = 60) -> tuple[TestClient, SteppedClock]:  # type: ignore[no-untyped-def]
    """The app with its page cache on, and a client of it that keeps no cookies: each
    request is a new reader's (signed in only by the cookie a test sends)."""
    core.settings.page_cache_seconds = ttl
    app = create_app(core=core)
    clock = SteppedClock()
    app.state.page_cache.clock = clock
    client = open_client(app)
    client.cookies.jar.set_policy(DefaultCookiePolicy(allowed_domains=[]))
    return client, clock


def votes_on(page: httpx.Response, arxiv_id: str) -> int:
    """The upvote count a page shows for one paper."""
    form = re.search(rf'action="/papers/{re.escape(arxiv_id)}/upvote".*?</form>', page.text, re.S)
    assert form, f"no vote button for {arxiv_id}"
    return int(re.search(r'<span class="count">(\d+)</span>', form[0])[1])


def assert_anonymous(page: httpx.Response, reader_name: str) -> None:
    assert page.status_code == 200
    assert ">Sign in</a>" in page.text
    assert "Sign out" not in page.text
    assert reader_name not in page.text
    assert "votes voted" not in page.text


def assert_signed_in(page: httpx.Response, reader_name: str) -> None:
    assert page.status_code == 200
    assert "Sign out" in page.text
    assert f">{reader_name}</a>" in page.text


def test_cached_pages_keep_per_request_nonce_and_token(core, tmp_path, count_statements):
    fill(core, tmp_path, 5)
    site, _clock = serve(core)
    with site, count_statements(core) as counter:
        first = site.get("/")
        statements = counter.count
        assert statements > 0  # rendered
        second = site.get("/")
        assert counter.count == statements  # served from the cache: no SQL
        nonces = [re.search(r'nonce="([^"]+)"', r.text).group(1) for r in (first, second)]
        assert nonces[0] != nonces[1]
        for response, nonce in zip((first, second), nonces, strict=True):
            assert f"'nonce-{nonce}'" in response.headers["content-security-policy"]
            assert "pwnonce" not in response.text
            assert "pwcsrf" not in response.text
        # Each anonymous request got its own CSRF cookie, and its page carries that token.
        tokens = [re.search(r'"X-CSRF-Token": "([0-9a-f]+)"', r.text).group(1) for r in (first, second)]
        assert tokens[0] != tokens[1]
        same = [r.text.replace(n, "").replace(t, "") for r, n, t in zip((first, second), nonces, tokens, strict=True)]
        assert same[0] == same[1]


@pytest.mark.parametrize("url", ["/", "/?period=week", "/trending", "/papers?q=paper"])
def test_each_list_page_is_reused_for_anonymous_readers(core, tmp_path, count_statements, url):
    fill(core, tmp_path, 5)
    site, _clock = serve(core)
    with site, count_statements(core) as counter:
        first = site.get(url)
        assert first.status_code == 200
        rendered = counter.count
        assert rendered > 0
        second = site.get(url)
        assert second.status_code == 200
        assert counter.count == rendered  # a hit


def test_other_urls_and_expiry(core, tmp_path, count_statements):
    fill(core, tmp_path, 5)
    site, clock = serve(core, ttl=5)
    with site, count_statements(core) as counter:
        site.get("/")
        before = counter.count
        site.get("/")
        assert counter.count == before  # within its lifetime: a hit
        site.get("/?period=week")
        assert counter.count > before  # another URL is another page
        before = counter.count
        clock.now += 5
        site.get("/")
        assert counter.count == before  # still fresh at exactly its lifetime
        clock.now += 0.01
        site.get("/")
        assert counter.count > before  # expired: rendered again
        before = counter.count
        site.get("/")
        assert counter.count == before  # and cached again


def test_a_signed_in_page_is_never_served_to_an_anonymous_reader(core, tmp_path, count_statements):
    fill(core, tmp_path, 5)
    reader = make_user(core, READER)
    core.upvote(reader, PAPER, up=True)
    cookie = {"Cookie": f"{SESSION_COOKIE}={session_for(core, READER)}"}
    site, _clock = serve(core)
    with site, count_statements(core) as counter:
        mine = site.get("/", headers=cookie)  # the first render of "/"
        assert_signed_in(mine, reader.display_name)
        assert "votes voted" in mine.text
        theirs = site.get("/")
        assert_anonymous(theirs, reader.display_name)
        assert votes_on(theirs, PAPER) == 1
        before = counter.count
        again = site.get("/")  # the anonymous page, not the reader's, is cached
        assert counter.count == before
        assert_anonymous(again, reader.display_name)


def test_a_cached_anonymous_page_is_never_served_to_a_signed_in_reader(core, tmp_path, count_statements):
    fill(core, tmp_path, 5)
    reader = make_user(core, READER)
    cookie = {"Cookie": f"{SESSION_COOKIE}={session_for(core, READER)}"}
    site, _clock = serve(core)
    with site, count_statements(core) as counter:
        cached = site.get("/")
        assert_anonymous(cached, reader.display_name)
        assert votes_on(cached, PAPER) == 0
        core.upvote(reader, PAPER, up=True)  # the cached page is now out of date
        for _ in range(2):  # each signed-in request renders afresh
            before = counter.count
            mine = site.get("/", headers=cookie)
            assert counter.count > before
            assert_signed_in(mine, reader.display_name)
            assert votes_on(mine, PAPER) == 1
            assert "votes voted" in mine.text
        core.upvote(reader, PAPER, up=False)
        assert votes_on(site.get("/", headers=cookie), PAPER) == 0  # fresh again
        stale = site.get("/")  # anonymous readers still get the cached page
        assert_anonymous(stale, reader.display_name)
        assert votes_on(stale, PAPER) == 0


def test_htmx_requests_bypass_the_cache_and_do_not_fill_it(core, tmp_path, count_statements):
    fill(core, tmp_path, 5)
    voter = make_user(core, "voter@example.org")
    htmx = {"HX-Request": "true"}
    site, _clock = serve(core)
    with site, count_statements(core) as counter:
        assert votes_on(site.get("/"), PAPER) == 0  # cached
        core.upvote(voter, PAPER, up=True)
        before = counter.count
        fragment = site.get("/", headers=htmx)
        assert counter.count > before  # rendered, not served from the cache
        assert votes_on(fragment, PAPER) == 1
        assert votes_on(site.get("/", headers=htmx), PAPER) == 1
        # The fresh htmx render did not replace the anonymous page in the cache.
        before = counter.count
        assert votes_on(site.get("/"), PAPER) == 0
        assert counter.count == before
    # And an htmx request first leaves nothing cached behind it.
    core.upvote(voter, PAPER, up=False)
    site, _clock = serve(core)
    with site, count_statements(core) as counter:
        site.get("/", headers=htmx)
        before = counter.count
        site.get("/")
        assert counter.count > before


def test_errors_and_redirects_are_passed_on_whole_and_never_cached(core, tmp_path):
    fill(core, tmp_path, 5)
    site, _clock = serve(core)
    with site:
        for _ in range(2):  # a cached error would come back as a 200
            response = site.get("/?date=2026-02-30")
            assert response.status_code == 400
            assert "no such date" in response.text
            assert site.get("/?date=nope").status_code == 400
        for _ in range(2):  # a search for an arXiv id jumps to the paper
            jump = site.get(f"/papers?q={PAPER}")
            assert (jump.status_code, jump.headers.get("location")) == (303, f"/papers/{PAPER}")
        assert site.get("/").status_code == 200
