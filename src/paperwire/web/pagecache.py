"""A few seconds' cache of the pages anonymous readers see most (the lists).

Pages carry a per-request CSP nonce and CSRF token, so a page is rendered
once with random per-process markers in their place and each response gets
its own values swapped in. Signed-in viewers (their votes show) and htmx
fragments always get a fresh render. With a TTL of a few seconds, an upvote
reaches anonymous readers that much later; everything else is unchanged.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from paperwire.web.viewer import viewer

NONCE_MARK = "pwnonce" + secrets.token_hex(12)
CSRF_MARK = "pwcsrf" + secrets.token_hex(12)


class PageCache:
    def __init__(self, ttl_seconds: float, max_entries: int = 512,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl_seconds
        self.max_entries = max_entries
        self.clock = clock  # tests step a clock of their own instead of sleeping
        self._pages: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> str | None:
        with self._lock:
            entry = self._pages.get(key)
            if entry is None or entry[0] < self.clock():
                return None
            self._pages.move_to_end(key)
            return entry[1]

    def put(self, key: str, body: str) -> None:
        with self._lock:
            self._pages[key] = (self.clock() + self.ttl, body)
            self._pages.move_to_end(key)
            while len(self._pages) > self.max_entries:
                self._pages.popitem(last=False)


def cached_page(request: Request, render: Callable[[], Response]) -> Response:
    """``render()``'s page, from the cache when an anonymous reader asked for it lately."""
    cache: PageCache | None = getattr(request.app.state, "page_cache", None)
    if cache is None or cache.ttl <= 0 or request.headers.get("hx-request") or viewer(request):
        return render()
    key = f"{request.url.path}?{sorted(request.query_params.multi_items())}"
    body = cache.get(key)
    if body is None:
        response = _render_with_marks(request, render)
        if response.status_code != 200:
            # Not cached, and handed on whole: a redirect keeps its Location.
            filled = _fill(request, bytes(response.body).decode()).encode()
            response.body = filled
            response.headers["content-length"] = str(len(filled))
            return response
        body = bytes(response.body).decode()
        cache.put(key, body)
    return HTMLResponse(_fill(request, body))


def _fill(request: Request, body: str) -> str:
    """The page with this request's CSP nonce and CSRF token in place of the marks."""
    nonce = getattr(request.state, "csp_nonce", "")
    csrf = getattr(request.state, "csrf_token", "")
    return body.replace(NONCE_MARK, nonce).replace(CSRF_MARK, csrf)


def _render_with_marks(request: Request, render: Callable[[], Response]) -> Response:
    state = request.state
    saved = getattr(state, "csp_nonce", ""), getattr(state, "csrf_token", "")
    state.csp_nonce, state.csrf_token = NONCE_MARK, CSRF_MARK
    try:
        return render()
    finally:
        state.csp_nonce, state.csrf_token = saved
