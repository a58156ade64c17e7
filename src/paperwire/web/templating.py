"""Jinja2 environment: autoescaping on, and the few filters the templates need."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from paperwire.authors import author_key
from paperwire.models import DateWindow, Period, author_url
from paperwire.settings import Settings
from paperwire.text import excerpt

TEMPLATES = Path(__file__).parent / "templates"


def format_day(value: date | datetime | None) -> str:
    if value is None:
        return ""
    return f"{value:%b} {value.day}, {value.year}"


def author_line(authors: list[str], shown: int = 3) -> str:
    if len(authors) <= shown + 1:
        return ", ".join(authors)
    return ", ".join(authors[:shown]) + f" and {len(authors) - shown} more"


def shown_authors(authors: list[str], shown: int = 3) -> tuple[list[str], int]:
    """The names a card shows and how many it leaves out (``author_line``'s rule)."""
    if len(authors) <= shown + 1:
        return authors, 0
    return authors[:shown], len(authors) - shown


@lru_cache(maxsize=50_000)
def author_href(name: str) -> str:
    """The author page of a name as a paper spells it ("" for a name without letters)."""
    key = author_key(name)
    return author_url(key) if key else ""


def window_title(window: DateWindow | None) -> str:
    if window is None:
        return ""
    if window.period is Period.DAY:
        return f"{window.start:%A}, {format_day(window.start)}"
    if window.period is Period.WEEK:
        year, week, _ = window.start.isocalendar()
        return f"Week {week}, {year}"
    return f"{window.start:%B %Y}"


def window_query(window: DateWindow) -> str:
    key = {Period.DAY: "date", Period.WEEK: "week", Period.MONTH: "month"}[window.period]
    return f"{key}={window.label}"


def paragraphs(text: str) -> Markup:
    """Plain text with blank-line paragraphs as escaped ``<p>`` elements."""
    escaped = [Markup("<p>%s</p>") % part for part in text.split("\n\n") if part.strip()]
    return Markup("").join(escaped)


def request_context(request: Request) -> dict[str, Any]:
    """What every page needs: who is signed in, the CSRF token and the CSP nonce."""
    from paperwire.web.viewer import viewer  # here: viewer imports the core

    state = request.state
    return {
        "viewer": viewer(request),
        "csrf_token": getattr(state, "csrf_token", ""),
        "csp_nonce": getattr(state, "csp_nonce", ""),
        "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
    }


def when(epoch: int | None) -> str:
    if epoch is None:
        return ""
    return format_day(datetime.fromtimestamp(epoch, UTC))


@lru_cache(maxsize=20_000)
def search_url(query: str) -> str:
    """The search page's address for a query (concept links repeat across pages)."""
    return "/papers?" + urlencode({"q": query})


def stars_label(stars: int) -> str:
    """A star count the way GitHub shows one: 987, 1.2k, 34k."""
    if stars < 1000:
        return str(stars)
    if stars < 10_000:
        return f"{stars / 1000:.1f}k".replace(".0k", "k")
    return f"{stars // 1000}k"


def make_templates(settings: Settings) -> Jinja2Templates:
    templates = Jinja2Templates(directory=TEMPLATES, context_processors=[request_context])
    env = templates.env
    # Templates ship with the package. Checking each file's mtime on every include
    # (150 stat calls for a page of 50 results) cost a quarter of a loaded search page.
    env.auto_reload = False
    env.filters.update(
        day=format_day,
        authors=author_line,
        shown_authors=shown_authors,
        author_href=author_href,
        author_page_url=author_url,
        excerpt=excerpt,
        paragraphs=paragraphs,
        window_title=window_title,
        window_query=window_query,
        when=when,
        search_url=search_url,
        stars=stars_label,
    )
    env.globals.update(site_name=settings.site_name, digest_categories=settings.categories,
                       open_signup=settings.open_signup)
    return templates


def compile_templates(templates: Jinja2Templates) -> None:
    """Compile every template now (auto-reload is off, so each compiles once)."""
    for name in templates.env.list_templates(extensions=["html", "txt", "xml"]):
        templates.env.get_template(name)
