"""The anonymous page cache: fast repeats, per-request tokens, never for signed-in readers."""

import re

import httpx

from conftest import LiveServer
from paperwire.web.app import create_app
from test_sql_counts import fill


def test_cached_pages_keep_per_request_nonce_and_token(core, tmp_path, count_statements):
    fill(core, tmp_path, 5)
    core.settings.page_cache_seconds = 60
    with LiveServer(create_app(core=core)) as server, count_statements(core) as counter:
        first = httpx.get(server.url + "/")
        statements = counter.count
        second = httpx.get(server.url + "/")
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


def test_other_urls_and_expiry(core, tmp_path, count_statements):
    fill(core, tmp_path, 5)
    core.settings.page_cache_seconds = 0.2
    with LiveServer(create_app(core=core)) as server, count_statements(core) as counter:
        httpx.get(server.url + "/")
        before = counter.count
        httpx.get(server.url + "/?period=week")
        assert counter.count > before  # another URL is another page
        import time

        time.sleep(0.3)
        before = counter.count
        httpx.get(server.url + "/")
        assert counter.count > before  # expired


def test_signed_in_readers_and_errors_are_never_cached(core, tmp_path, count_statements):
    fill(core, tmp_path, 5)
    core.settings.page_cache_seconds = 60
    with LiveServer(create_app(core=core)) as server, count_statements(core) as counter:
        assert httpx.get(server.url + "/?date=nope").status_code == 400
        before = counter.count
        assert httpx.get(server.url + "/?date=nope").status_code == 400
        httpx.get(server.url + "/", headers={"HX-Request": "true"})
        httpx.get(server.url + "/", headers={"HX-Request": "true"})
        assert counter.count > before
