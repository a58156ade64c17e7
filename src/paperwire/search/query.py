"""Parse what a person types into a search box.

Syntax: plain words (all must match), ``"exact phrase"``, ``-excluded``,
``author:name`` (or ``author:"full name"``), ``cat:cs.LG``. An arXiv id or
URL on its own is a jump to that paper.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from paperwire.ids import parse_arxiv_id

MAX_QUERY_CHARS = 500
_TOKEN = re.compile(
    r'(?P<neg>-)?(?:(?P<field>author|cat|category):)?(?:"(?P<quoted>[^"]*)"?|(?P<bare>\S+))'
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
    arxiv_id: str | None = None

    @property
    def has_text(self) -> bool:
        return bool(self.terms or self.phrases)

    @property
    def is_empty(self) -> bool:
        return not (self.has_text or self.authors or self.categories or self.arxiv_id)

    @property
    def highlight_words(self) -> list[str]:
        return [*self.terms, *(word for phrase in self.phrases for word in phrase)]

    @property
    def text(self) -> str:
        """The free-text part (for semantic search): words and phrases, no operators."""
        return " ".join([*self.terms, *(" ".join(p) for p in self.phrases)])


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
    else:
        parsed.terms.append(tokens[0])
