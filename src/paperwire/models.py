"""The shapes the core hands to surfaces: filters in, papers and pages out."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import date as date_type
from enum import StrEnum
from typing import TypeVar
from urllib.parse import quote

from markupsafe import Markup

from paperwire.authors import author_slug
from paperwire.errors import InvalidQuery
from paperwire.ids import abs_url, is_arxiv_category, pdf_url
from paperwire.search.highlight import Highlighter, highlight, window_around_match
from paperwire.search.query import ParsedQuery


class Period(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


@dataclass(frozen=True, slots=True)
class DateWindow:
    """A day, an ISO week or a calendar month: the span a list page shows."""

    period: Period
    start: date
    end: date  # exclusive

    @classmethod
    def day(cls, day: date) -> DateWindow:
        return cls(Period.DAY, day, day + timedelta(days=1))

    @classmethod
    def week(cls, label: str) -> DateWindow:
        match = re.fullmatch(r"([0-9]{4})-W([0-9]{2})", label)
        if not match:
            raise InvalidQuery(f"week must look like 2026-W01, got {label!r}")
        year, week = int(match[1]), int(match[2])
        if not 1000 <= year <= 9998 or not 1 <= week <= 53:
            raise InvalidQuery(f"no such week: {label!r}")
        if week == 53 and date(year, 12, 28).isocalendar()[1] == 52:
            start = date.fromisocalendar(year, 52, 1) + timedelta(days=7)  # a 52-week year
        else:
            start = date.fromisocalendar(year, week, 1)
        return cls(Period.WEEK, start, start + timedelta(days=7))

    @classmethod
    def month(cls, label: str) -> DateWindow:
        match = re.fullmatch(r"([0-9]{4})-([0-9]{2})", label)
        if not match or not 1 <= int(match[2]) <= 12 or not 1000 <= int(match[1]) <= 9998:
            raise InvalidQuery(f"month must look like 2026-01, got {label!r}")
        start = date(int(match[1]), int(match[2]), 1)
        following = date(start.year + start.month // 12, start.month % 12 + 1, 1)
        return cls(Period.MONTH, start, following)

    @property
    def label(self) -> str:
        if self.period is Period.WEEK:
            year, week, _ = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        if self.period is Period.MONTH:
            return self.start.strftime("%Y-%m")
        return self.start.isoformat()

    @classmethod
    def around(cls, period: Period, day: date) -> DateWindow:
        """The day, ISO week or month that contains ``day``."""
        if period is Period.DAY:
            return cls.day(day)
        if period is Period.WEEK:
            year, week, _ = day.isocalendar()
            return cls.week(f"{year}-W{week:02d}")
        return cls.month(day.strftime("%Y-%m"))


def parse_day(value: str | date, name: str = "date") -> date:
    """A ``YYYY-MM-DD`` day; ``InvalidQuery`` naming the parameter ``name`` if it is not one."""
    if isinstance(value, date):
        return value
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise InvalidQuery(f"{name} must look like 2026-01-02, got {value[:40]!r}")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidQuery(f"no such date for {name}: {value!r}") from None


def window_from(
    date: str | date_type | None = None, week: str | None = None, month: str | None = None
) -> DateWindow | None:
    """The window a request names with ``date``, ``week`` or ``month`` (or none).

    Given several, the narrowest wins: a date, then a week, then a month.
    """
    if date:
        return DateWindow.day(parse_day(date))
    if week:
        return DateWindow.week(week)
    if month:
        return DateWindow.month(month)
    return None


class SortOrder(StrEnum):
    UPVOTES = "upvotes"  # most upvoted first, then announcement order (Daily Papers)
    TRENDING = "trending"  # time-decayed upvotes of the last day/week/month (ranking.py)
    PUBLISHED = "publishedAt"  # newest first (Hugging Face's name and default)
    FOR_YOU = "for-you"  # the viewer's For-you score (recommend/blend.py); signed-in only


@dataclass(frozen=True, slots=True)
class PaperFilter:
    """What a list surface asks for. ``window`` None means the latest day with papers.

    With ``sort=TRENDING``, ``period`` picks how far back votes count (a day, 7 days or
    30 days before ``now``); with a window too, that window's papers are ranked by it.
    ``submitter``: only papers that user submitted.
    """

    window: DateWindow | None = None
    period: Period = Period.DAY  # the span around the latest day, when window is None
    category: str | None = None
    categories: tuple[str, ...] = ()  # any of these (a personal feed's topics)
    limit: int = 50
    offset: int = 0
    sort: SortOrder = SortOrder.UPVOTES
    viewer_id: int | None = None  # mark the papers this user has upvoted
    now: int | None = None  # epoch seconds for trending; None: the current time
    submitter: str | None = None  # a username
    has_code: bool = False  # only papers with a repository link

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= 500:
            raise InvalidQuery(f"limit must be between 1 and 500, got {self.limit}")
        if self.offset < 0:
            raise InvalidQuery(f"offset must not be negative, got {self.offset}")
        if self.category is not None:
            check_category(self.category)
        if self.submitter is not None and not 1 <= len(self.submitter) <= MAX_USERNAME_CHARS:
            raise InvalidQuery(f"submitter must be a username of at most {MAX_USERNAME_CHARS}"
                               f" characters, got {self.submitter[:40]!r}")

    @classmethod
    def from_params(
        cls, params: Mapping[str, str], *, limit: int = 50, max_limit: int | None = None,
        sort: SortOrder | None = None, viewer_id: int | None = None,
    ) -> PaperFilter:
        """The filter a request's parameters name: the one parser behind every list
        surface (pages, feeds, the API). Blank values mean unset.

        Reads ``date`` / ``week`` / ``month`` (the window), ``period``, ``category``,
        ``submitter``, ``code`` (1: only papers with a repository link), ``p`` (0-based
        page) and, where the surface lets the request choose (``sort`` None,
        ``max_limit`` given), ``sort`` and ``limit``.
        A bad value raises ``InvalidQuery`` naming the parameter.
        """
        value = {key: params.get(key, "").strip() for key in LIST_PARAMS}
        order = sort or _choice(SortOrder, "sort", value["sort"] or SortOrder.UPVOTES)
        if max_limit is not None:
            limit = whole_param(params, "limit", 1, max_limit, default=limit)
        page = page_param(params)
        # Every window named is checked (even when trending ignores it); the narrowest wins.
        windows = [
            window_from(**{key: value[key]}) for key in ("date", "week", "month") if value[key]
        ]
        return cls(
            window=windows[0] if windows else None,
            period=_choice(Period, "period", value["period"] or Period.DAY),
            category=value["category"] or None,
            limit=limit,
            offset=page * limit,
            sort=order,
            viewer_id=viewer_id,
            submitter=value["submitter"] or None,
            has_code=_flag(value["code"], "code"),
        )


def _flag(value: str, name: str) -> bool:
    """An opt-in flag: blank is no."""
    return bool(value) and _yes_or_no(value, name)


_Choice = TypeVar("_Choice", bound=StrEnum)
LIST_PARAMS = ("date", "week", "month", "period", "category", "submitter", "sort", "p", "limit",
               "code")
MAX_USERNAME_CHARS = 64
MAX_PAGE = 10_000


def page_param(params: Mapping[str, str]) -> int:
    """The 0-based page ``p`` a request names (0 when it names none)."""
    return whole_param(params, "p", 0, MAX_PAGE, default=0)


CODE_DAYS = 7  # "Trending by code": stars gained over this many days unless asked ...
MAX_CODE_DAYS = 30  # ... and at most this many


def code_days_param(params: Mapping[str, str]) -> int:
    """The ``days`` of "Trending by code" (1-30, default 7)."""
    return whole_param(params, "days", 1, MAX_CODE_DAYS, default=CODE_DAYS)


def whole_param(params: Mapping[str, str], name: str, low: int, high: int, *, default: int) -> int:
    """A whole-number parameter between ``low`` and ``high``; ``default`` when blank."""
    value = params.get(name, "").strip()
    return _whole(value, name, low, high) if value else default


def check_category(value: str, name: str = "category") -> str:
    """``value`` if it is an arXiv category, else ``InvalidQuery`` naming the parameter."""
    if not is_arxiv_category(value):
        raise InvalidQuery(f"{name} must be an arXiv category such as cs.LG or hep-th,"
                           f" got {value[:40]!r}")
    return value


def _whole(value: str, name: str, low: int, high: int) -> int:
    try:
        number = int(value)
    except ValueError:
        raise InvalidQuery(f"{name} must be a whole number, got {value[:20]!r}") from None
    if not low <= number <= high:
        raise InvalidQuery(f"{name} must be between {low} and {high}, got {number}")
    return number


def _choice(kind: type[_Choice], name: str, value: str) -> _Choice:
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise InvalidQuery(f"{name} must be one of {allowed}, got {value[:20]!r}") from None


@dataclass(slots=True)
class Paper:
    """A stored paper as surfaces show it."""

    id: int
    arxiv_id: str
    title: str
    abstract: str
    authors: list[str]
    categories: list[str]
    primary_category: str | None
    published: datetime | None
    updated: datetime | None
    announced_on: date
    latest_version: int
    withdrawn: bool
    upvotes: int
    comments: str | None = None
    journal_ref: str | None = None
    doi: str | None = None
    report_no: str | None = None
    license: str | None = None
    submitter: str | None = None
    versions: list[tuple[int, datetime]] = field(default_factory=list)
    num_comments: int = 0
    voted: bool = False  # by the viewer the filter named
    submitted_by: str | None = None  # user name of who submitted it, if anyone did
    submitted_by_name: str | None = None  # their display name
    trending_score: float | None = None
    code_url: str | None = None  # the first repository link (lists carry only this)
    links: list[PaperLink] = field(default_factory=list)  # active code and project links (pages)
    project_url: str | None = None  # the first project page (lists carry only this)
    code_stars: int | None = None  # the first repository's GitHub stars, once fetched
    stars_gained: int | None = None  # over the window asked for ("Trending by code")
    ai_summary: str | None = None  # its one-line summary, where a list asked for it

    @property
    def repo(self) -> PaperLink | None:
        """The first repository link (GitHub first), or None."""
        repos = [link for link in self.links if link.kind == "repo"]
        return next((link for link in repos if link.host == "github.com"), None) or (
            repos[0] if repos else None)

    @property
    def project_page(self) -> PaperLink | None:
        return next((link for link in self.links if link.kind == "project"), None)

    @property
    def abs_url(self) -> str:
        return abs_url(self.arxiv_id)

    @property
    def pdf_url(self) -> str:
        return pdf_url(self.arxiv_id)

    @property
    def published_or_announced(self) -> date:
        return self.published.date() if self.published else self.announced_on


@dataclass(frozen=True, slots=True)
class PaperLink:
    """A paper's code or project link (see paperwire/links.py)."""

    kind: str  # repo | project
    host: str
    url: str
    owner: str | None = None  # GitHub only
    name: str | None = None
    source: str = "authors"  # authors | reader

    @property
    def label(self) -> str:
        """What a page shows for it: owner/name for a repository, the host and path else."""
        return self.url.split("://", 1)[-1].removeprefix(self.host + "/") if \
            self.kind == "repo" else self.url.split("://", 1)[-1]


@dataclass(slots=True)
class PaperPage:
    """One page of a list: the papers plus what navigation needs."""

    papers: list[Paper]
    total: int
    window: DateWindow | None
    previous: DateWindow | None = None  # nearest earlier window with papers
    next: DateWindow | None = None  # nearest later window with papers
    limit: int = 50
    offset: int = 0
    categories: list[tuple[str, int]] = field(default_factory=list)  # the window's top ones


class Sort(StrEnum):
    """Orders of search results."""

    RELEVANCE = "relevance"
    NEWEST = "newest"
    UPVOTES = "upvotes"


@dataclass(frozen=True, slots=True)
class SearchOptions:
    """Filters and order from a form or API parameters; they add to the query's syntax."""

    sort: Sort = Sort.RELEVANCE
    date_from: date | None = None  # listed on or after
    date_to: date | None = None  # listed on or before
    category: str | None = None
    author: str | None = None
    semantic: bool = True  # False: keyword matches only
    keyword: bool = True  # False: semantic matches only

    def __post_init__(self) -> None:
        if self.category is not None:
            check_category(self.category, "cat")
        if self.author is not None and len(self.author) > MAX_AUTHOR_CHARS:
            raise InvalidQuery(f"author must be at most {MAX_AUTHOR_CHARS} characters")

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> SearchOptions:
        """From the search form's, the feed's or the API's parameters (``sort``, ``from``,
        ``to``, ``cat``, ``author``, ``semantic``, ``keyword``), where blank means unset.
        A bad value raises ``InvalidQuery`` naming the parameter."""
        value = {key: params.get(key, "") for key in SEARCH_PARAMS}
        return cls(
            sort=_choice(Sort, "sort", value["sort"].strip() or Sort.RELEVANCE),
            date_from=_day_or_none(value["from"].strip(), "from"),
            date_to=_day_or_none(value["to"].strip(), "to"),
            category=_clean(value["cat"]),
            author=_clean(value["author"]),
            semantic=_yes_or_no(value["semantic"], "semantic"),
            keyword=_yes_or_no(value["keyword"], "keyword"),
        )


MAX_AUTHOR_CHARS = 200
SEARCH_PARAMS = ("sort", "from", "to", "cat", "author", "semantic", "keyword")


def _yes_or_no(value: str, name: str) -> bool:
    """Blank is yes (the default); otherwise the spellings FastAPI accepts for a bool."""
    word = value.strip().lower()
    if word in ("", "1", "true", "t", "yes", "y", "on"):
        return True
    if word in ("0", "false", "f", "no", "n", "off"):
        return False
    raise InvalidQuery(f"{name} must be true or false, got {value[:20]!r}")


def _clean(value: str | None) -> str | None:
    """Blank means unset; NUL characters (which PostgreSQL refuses) are dropped."""
    return (value or "").replace("\x00", "").strip() or None


def _day_or_none(value: str, name: str) -> date | None:
    return parse_day(value, name) if value else None


class MatchKind(StrEnum):
    KEYWORD = "keyword"  # every word found
    SEMANTIC = "semantic"  # close in meaning, not every word found
    BOTH = "both"
    FILTER = "filter"  # no words: matched the filters


@dataclass(slots=True)
class SearchHit:
    """One result as every surface shows it: the paper, why it matched (``match``: every
    word, close in meaning, both, or only filters), the words found, and its title and
    abstract with those words marked."""

    paper: Paper
    score: float
    matched_terms: list[str] = field(default_factory=list)
    match: MatchKind = MatchKind.KEYWORD
    similarity: float | None = None  # cosine to the query, when semantic search saw it
    concepts: list[str] = field(default_factory=list)
    highlighter: Highlighter | None = field(default=None, repr=False, compare=False)
    _title: Markup | None = field(default=None, repr=False, compare=False)
    _snippet: Markup | None = field(default=None, repr=False, compare=False)

    @property
    def title(self) -> Markup:
        """The title, escaped, with the query's words in ``<mark>`` (made on first use:
        the API and the CLI never pay for it)."""
        if self._title is None:
            self._title = highlight(self.paper.title, self.highlighter)
        return self._title

    @property
    def snippet(self) -> Markup:
        """The abstract's start, or a window around its first match, escaped and marked."""
        if self._snippet is None:
            window = window_around_match(self.paper.abstract, self.highlighter)
            self._snippet = highlight(window, self.highlighter)
        return self._snippet


@dataclass(slots=True)
class SearchResults:
    query: str
    hits: list[SearchHit]
    total: int
    limit: int
    offset: int
    jump_to: str | None = None  # an arXiv id the query named: surfaces may redirect
    sort: Sort = Sort.RELEVANCE
    semantic: bool = False  # semantic retrieval took part
    suggestion: str | None = None  # "did you mean", when words matched nothing
    related_concepts: list[str] = field(default_factory=list)  # for empty result pages
    problems: list[str] = field(default_factory=list)  # parts of the query ignored
    parsed: ParsedQuery | None = None  # the query as the engine read it (with the options)


@dataclass(slots=True)
class SimilarPaper:
    paper: Paper
    similarity: float


@dataclass(slots=True)
class PaperExtras:
    """What search adds to a paper's page."""

    concepts: list[str]
    similar: list[SimilarPaper]


@dataclass(slots=True)
class StoreStats:
    papers: int
    withdrawn: int
    first_day: date | None
    last_day: date | None
    days: int
    categories: list[tuple[str, int]]
    backend: str
    revision: str | None


@dataclass(frozen=True, slots=True)
class AuthorName:
    """An author as a key and its most common spelling, with a count of papers (on an
    author's page, a co-author's count is of the papers they share)."""

    key: str
    name: str
    papers: int = 0

    @property
    def url(self) -> str:
        return author_url(self.key)


def author_url(key: str) -> str:
    return "/authors/" + quote(author_slug(key), safe="-")


@dataclass(slots=True)
class AuthorPage:
    """What an author's page shows: their papers (newest first), who they write with,
    other spellings that may be them, who claimed the name (approved claims only:
    (user name, display name)) and, for a signed-in viewer, their follow and claim."""

    author: AuthorName
    page: PaperPage
    coauthors: list[AuthorName]
    spellings: list[AuthorName]
    claimed_by: list[tuple[str, str]]
    following: bool = False
    my_claim: str | None = None  # the viewer's claim's status: pending | approved | rejected
