"""Keyword search: the tantivy index when it is current, else the database's full text
(SQLite FTS5 with BM25, or PostgreSQL full text with ts_rank_cd: ``db/fulltext.py``).

Both take a ``ParsedQuery`` and answer ``(paper id, score)`` pairs, best
first, plus the total number of matches. Higher scores are better on both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from paperwire.db import search as search_store
from paperwire.db.session import Connection
from paperwire.models import Sort
from paperwire.search.highlight import stem as _stem
from paperwire.search.query import ParsedQuery
from paperwire.search.text_index import TextIndex

__all__ = ["KeywordMatches", "has_every_word", "keyword_search"]


@dataclass(frozen=True, slots=True)
class KeywordMatches:
    ranked: list[tuple[int, float]]
    total: int


def keyword_search(
    connection: Connection, query: ParsedQuery, *, limit: int, offset: int = 0,
    sort: Sort = Sort.RELEVANCE, text: TextIndex | None = None,
) -> KeywordMatches:
    """Papers matching every word, best first (or newest / most upvoted first): from the
    tantivy index when one is current (votes change too often to sort by them there),
    else from the database's full text."""
    if text is not None and sort is not Sort.UPVOTES:
        matches = text.search(query, limit=limit, offset=offset, sort=sort)
        return KeywordMatches(matches.ranked, matches.total)
    ranked, total = search_store.keyword_matches(
        connection, query, limit=limit, offset=offset, sort=sort
    )
    return KeywordMatches(ranked, total)


def has_every_word(query: ParsedQuery, text: str) -> bool:
    """Whether ``text`` holds every word of the query (and of its phrases), by Porter
    stem as the index matches; phrase word order is not checked."""
    stems = {_stem(word) for word in _WORDS.findall(text)}
    return all(_stem(word) in stems for word in query.highlight_words)


_WORDS = re.compile(r"\w+", re.UNICODE)
