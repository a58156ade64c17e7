"""Parse what a person types into a search box.

Syntax: plain words (all must match), ``"exact phrase"``, ``-excluded``,
``author:name`` (or ``author:"full name"``), ``cat:cs.LG``, ``after:2020`` and
``before:2021-06`` (a year, month or day; listing date). An arXiv id or URL on
its own is a jump to that paper.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from paperwire.ids import parse_arxiv_id

MAX_QUERY_CHARS = 500
_TOKEN = re.compile(
    r'(?P<neg>-)?(?:(?P<field>author|cat|category|after|before):)?(?:"(?P<quoted>[^"]*)"?|(?P<bare>\S+))'
)
_WORD = re.compile(r"\w+", re.UNICODE)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")  # PostgreSQL refuses NUL; none has meaning here


@dataclass(slots=True)
class ParsedQuery:
    raw: str
    terms: list[str] = field(default_factory=list)  # single words
    phrases: list[list[str]] = field(default_factory=list)  # word sequences, incl. hyphenated
    excluded: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    quoted: list[list[str]] = field(default_factory=list)  # "typed in quotes": must appear
    date_from: date | None = None  # listed on or after
    date_until: date | None = None  # listed before (exclusive)
    arxiv_id: str | None = None
    problems: list[str] = field(default_factory=list)  # parts ignored, and why
    ordered: list[str] = field(default_factory=list)  # words and phrases as typed, in order

    @property
    def has_text(self) -> bool:
        return bool(self.terms or self.phrases)

    @property
    def is_empty(self) -> bool:
        return not (self.has_text or self.has_filters or self.arxiv_id)

    @property
    def has_filters(self) -> bool:
        return bool(self.authors or self.categories or self.date_from or self.date_until)

    @property
    def has_constraints(self) -> bool:
        """Anything beyond plain words that a semantic hit must also satisfy."""
        return bool(self.has_filters or self.excluded or self.quoted)

    @property
    def highlight_words(self) -> list[str]:
        return [*self.terms, *(word for phrase in self.phrases for word in phrase)]

    @property
    def text(self) -> str:
        """The free-text part (for semantic search): words and phrases in the order typed,
        without operators."""
        return " ".join(self.ordered)


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def parse_query(raw: str) -> ParsedQuery:
    text = _CONTROL.sub(" ", raw).strip()[:MAX_QUERY_CHARS]
    parsed = ParsedQuery(raw=text)
    single = text.split()
    if len(single) == 1:
        try:
            parsed.arxiv_id = parse_arxiv_id(single[0])[0]
            return parsed
        except ValueError:
            pass
    for match in _TOKEN.finditer(text):
        _add_token(parsed, match)
    return parsed


def _add_token(parsed: ParsedQuery, match: re.Match[str]) -> None:
    value = match.group("quoted") if match.group("quoted") is not None else match.group("bare")
    value = value.strip()
    if not value:
        return
    field_name = match.group("field")
    if field_name == "author":
        parsed.authors.append(value)
        return
    if field_name in ("cat", "category"):
        parsed.categories.append(value)
        return
    if field_name in ("after", "before"):
        _add_date(parsed, field_name, value)
        return
    tokens = words(value)
    if not tokens:
        return
    if match.group("neg"):
        parsed.excluded.extend(tokens)
    elif match.group("quoted") is not None or len(tokens) > 1:
        # "exact phrase" and hyphenated or dotted words ("task-specific") match as phrases.
        if len(tokens) == 1:
            parsed.terms.append(tokens[0])
        else:
            parsed.phrases.append(tokens)
        parsed.ordered.append(" ".join(tokens))
        if match.group("quoted") is not None:
            parsed.quoted.append(tokens)
    else:
        parsed.terms.append(tokens[0])
        parsed.ordered.append(tokens[0])


_DATE = re.compile(r"(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?")


def date_span(value: str) -> tuple[date, date]:
    """``2020`` → the year, ``2020-05`` → the month, ``2020-05-03`` → the day: [start, end)."""
    match = _DATE.fullmatch(value)
    if not match:
        raise ValueError(value)
    year, month, day = int(match[1]), match[2], match[3]
    if month is None:
        return date(year, 1, 1), date(year + 1, 1, 1)
    if day is None:
        start = date(year, int(month), 1)
        return start, date(year + int(month) // 12, int(month) % 12 + 1, 1)
    start = date(year, int(month), int(day))
    return start, start + timedelta(days=1)


def _add_date(parsed: ParsedQuery, field_name: str, value: str) -> None:
    try:
        start, _ = date_span(value)
    except ValueError:
        parsed.problems.append(
            f"ignored {field_name}:{value} (write a year, month or day: 2020, 2020-05, 2020-05-03)"
        )
        return
    if field_name == "after":
        parsed.date_from = max(filter(None, (parsed.date_from, start)))
    else:
        parsed.date_until = min(filter(None, (parsed.date_until, start)))


def apply_options(
    parsed: ParsedQuery, *, date_from: date | None = None, date_to: date | None = None,
    category: str | None = None, author: str | None = None,
) -> ParsedQuery:
    """Add form / API filters to what the query's own syntax said (both must hold)."""
    if category:
        parsed.categories.append(category)
    if author:
        parsed.authors.append(author)
    if date_from:
        parsed.date_from = max(filter(None, (parsed.date_from, date_from)))
    if date_to:
        until = date_to + timedelta(days=1)
        parsed.date_until = min(filter(None, (parsed.date_until, until)))
    return parsed
