"""Keyword search: the tantivy index when it is current, else the database's full text
(SQLite FTS5 with BM25, or PostgreSQL full text with ts_rank_cd: ``db/fulltext.py``).

Both take a ``ParsedQuery`` and answer ``(paper id, score)`` pairs, best
first, plus the total number of matches. Higher scores are better on both.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from paperwire.db import search as search_store
from paperwire.db.session import Connection
from paperwire.models import Sort
from paperwire.search.analysis import QueryAnalysis, analyse
from paperwire.search.highlight import stem as _stem
from paperwire.search.query import ParsedQuery
from paperwire.search.text_index import TextIndex

__all__ = ["KeywordMatches", "has_enough_words", "keyword_search", "unit_groups"]


@dataclass(frozen=True, slots=True)
class KeywordMatches:
    ranked: list[tuple[int, float]]
    total: int


def keyword_search(
    connection: Connection, query: ParsedQuery, *, limit: int, offset: int = 0,
    sort: Sort = Sort.RELEVANCE, text: TextIndex | None = None,
) -> KeywordMatches:
    """Papers matching the query's words (every one of a short query, most of a long
    one's: ``analysis``), best first (or newest / most upvoted first): from the
    tantivy index when one is current (votes change too often to sort by them there),
    else from the database's full text."""
    if text is not None and sort is not Sort.UPVOTES:
        matches = text.search(query, limit=limit, offset=offset, sort=sort)
        return KeywordMatches(matches.ranked, matches.total)
    ranked, total = search_store.keyword_matches(
        connection, query, limit=limit, offset=offset, sort=sort,
        groups=unit_groups(analyse(query), query.quoted),
    )
    return KeywordMatches(ranked, total)


def has_enough_words(reading: QueryAnalysis, text: str) -> bool:
    """Whether ``text`` holds enough of the query's content words and phrases to be a
    keyword match (every one of a short query's), by Porter stem as the index matches;
    phrase word order is not checked."""
    stems = {_stem(word) for word in _WORDS.findall(text)}
    found = sum(all(_stem(word) in stems for word in unit) for unit in reading.units)
    return found >= reading.minimum_match


GROUPED_UNITS = 7


def unit_groups(reading: QueryAnalysis, quoted: list[list[str]]) -> list[list[list[str]]]:
    """What a database match must hold, as alternatives: every unit of a short query;
    for a long one each way of choosing ``minimum_match`` of its first ``GROUPED_UNITS``
    units (the database engines have no "at least m of n"); quoted phrases always."""
    units = reading.units[:GROUPED_UNITS]
    if reading.all_words or len(units) <= reading.minimum_match:
        groups = [units]
    else:
        groups = [list(group) for group in itertools.combinations(units, reading.minimum_match)]
    return [group + [q for q in quoted if q not in group] for group in groups]


_WORDS = re.compile(r"\w+", re.UNICODE)
