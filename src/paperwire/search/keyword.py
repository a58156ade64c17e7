"""Keyword search: SQLite FTS5 with BM25, or PostgreSQL full text with ts_rank_cd.

Both take a ``ParsedQuery`` and answer ``(paper id, score)`` pairs, best
first, plus the total number of matches. Higher scores are better on both.
"""

from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, column, exists, func, literal_column, select, table
from sqlalchemy.sql.elements import ColumnElement

from paperwire.db.tables import paper_categories, papers
from paperwire.models import Sort
from paperwire.search.analysis import QueryAnalysis, analyse
from paperwire.search.highlight import stem as _stem
from paperwire.search.query import ParsedQuery
from paperwire.search.text_index import TextIndex

# BM25 column weights: title, authors, abstract.
FTS5_WEIGHTS = (10.0, 4.0, 1.0)


def sort_columns(sort: Sort) -> list[Any]:
    """ORDER BY for the non-relevance sorts (ties: newest arXiv id first)."""
    if sort is Sort.UPVOTES:
        return [papers.c.upvotes.desc(), papers.c.announced_on.desc(), papers.c.id.desc()]
    return [papers.c.announced_on.desc(), papers.c.id.desc()]


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
    if connection.dialect.name == "sqlite":
        return _search_sqlite(connection, query, limit=limit, offset=offset, sort=sort)
    return _search_postgres(connection, query, limit=limit, offset=offset, sort=sort)


def filter_conditions(query: ParsedQuery) -> list[ColumnElement[bool]]:
    """Conditions on ``papers`` for ``author:`` and ``cat:`` parts of a query."""
    conditions: list[ColumnElement[bool]] = []
    for author in query.authors:
        conditions.append(papers.c.authors_text.ilike(f"%{_escape_like(author)}%", escape="\\"))
    for category in query.categories:
        conditions.append(
            exists().where(
                paper_categories.c.paper_id == papers.c.id,
                func.lower(paper_categories.c.category) == category.lower(),
            )
        )
    if query.date_from:
        conditions.append(papers.c.announced_on >= query.date_from)
    if query.date_until:
        conditions.append(papers.c.announced_on < query.date_until)
    return conditions


def constraint_conditions(connection: Connection, query: ParsedQuery) -> list[Any]:
    """Filters plus ``-excluded`` words and ``"quoted phrases"``: what a semantic hit
    must satisfy too (plain words need not appear: that is the point of meaning)."""
    conditions: list[Any] = filter_conditions(query)
    for phrase in query.quoted:
        conditions.append(_text_match(connection, phrase))
    for word in query.excluded:
        conditions.append(~_text_match(connection, [word]))
    return conditions


def _text_match(connection: Connection, words: list[str]) -> Any:
    if connection.dialect.name == "sqlite":
        matched = select(_FTS.c.rowid).where(
            literal_column("papers_fts").op("MATCH")(_fts5_quote(" ".join(words)))
        )
        return papers.c.id.in_(matched.scalar_subquery())
    vector = literal_column("papers.search_vector")
    return vector.op("@@")(func.phraseto_tsquery("english", " ".join(words)))


def has_enough_words(reading: QueryAnalysis, text: str) -> bool:
    """Whether ``text`` holds enough of the query's content words and phrases to be a
    keyword match (every one of a short query's), by Porter stem as the index matches;
    phrase word order is not checked."""
    stems = {_stem(word) for word in _WORDS.findall(text)}
    found = sum(all(_stem(word) in stems for word in unit) for unit in reading.units)
    return found >= reading.minimum_match


_WORDS = re.compile(r"\w+", re.UNICODE)


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def unit_groups(reading: QueryAnalysis) -> list[list[list[str]]]:
    """The content units a match must hold, as alternatives: every unit for a short
    query; for a long one each way of choosing ``minimum_match`` of its first
    ``GROUPED_UNITS`` units (the database engines have no "at least m of n")."""
    units = reading.units[:GROUPED_UNITS]
    if reading.all_words or len(units) <= reading.minimum_match:
        return [units]
    return [list(group) for group in itertools.combinations(units, reading.minimum_match)]


GROUPED_UNITS = 7


def fts5_expression(query: ParsedQuery) -> str:
    """An FTS5 MATCH string; every word is quoted, so no user text is FTS5 syntax."""
    groups = [
        " AND ".join(_fts5_quote(" ".join(unit)) for unit in group)
        for group in unit_groups(analyse(query))
    ]
    expression = groups[0] if len(groups) == 1 else " OR ".join(f"({g})" for g in groups)
    quoted = [_fts5_quote(" ".join(phrase)) for phrase in query.quoted]
    if quoted:
        expression = " AND ".join([f"({expression})", *quoted])
    for word in query.excluded:
        expression += f" NOT {_fts5_quote(word)}"
    return expression


def _fts5_quote(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


_FTS = table("papers_fts", column("rowid"))


def _search_sqlite(
    connection: Connection, query: ParsedQuery, *, limit: int, offset: int, sort: Sort
) -> KeywordMatches:
    weights = ", ".join(map(str, FTS5_WEIGHTS))
    rank = literal_column(f"bm25(papers_fts, {weights})")
    match = literal_column("papers_fts").op("MATCH")(fts5_expression(query))
    conditions = [match, *filter_conditions(query)]
    matched = select(papers.c.id).join(_FTS, _FTS.c.rowid == papers.c.id).where(*conditions)
    order = [rank] if sort is Sort.RELEVANCE else sort_columns(sort)
    rows = connection.execute(
        matched.add_columns(rank.label("rank")).order_by(*order).limit(limit).offset(offset)
    ).all()
    total = connection.execute(select(func.count()).select_from(matched.subquery()))
    # bm25() is lower-is-better; flip it so every engine ranks higher-is-better.
    return KeywordMatches([(row.id, -float(row.rank)) for row in rows], total.scalar_one())


def _tsquery(query: ParsedQuery) -> Any:
    alternatives = []
    for group in unit_groups(analyse(query)):
        parts = [func.phraseto_tsquery("english", " ".join(unit)) for unit in group]
        alternatives.append(functools.reduce(lambda a, b: a.op("&&")(b), parts))
    combined = functools.reduce(lambda a, b: a.op("||")(b), alternatives)
    for phrase in query.quoted:
        combined = combined.op("&&")(func.phraseto_tsquery("english", " ".join(phrase)))
    for word in query.excluded:  # words() made it \w+ only, so "!" + word is a valid tsquery
        combined = combined.op("&&")(func.to_tsquery("english", "!" + word))
    return combined


def _search_postgres(
    connection: Connection, query: ParsedQuery, *, limit: int, offset: int, sort: Sort
) -> KeywordMatches:
    vector = literal_column("papers.search_vector")
    tsquery = _tsquery(query)
    rank = func.ts_rank_cd(vector, tsquery, 1)  # 1: normalise by document length
    conditions = and_(vector.op("@@")(tsquery), *filter_conditions(query))
    rows = connection.execute(
        select(papers.c.id, rank.label("rank"))
        .where(conditions)
        .order_by(*([rank.desc(), papers.c.id] if sort is Sort.RELEVANCE else sort_columns(sort)))
        .limit(limit)
        .offset(offset)
    ).all()
    total = connection.execute(select(func.count()).select_from(papers).where(conditions))
    return KeywordMatches([(row.id, float(row.rank)) for row in rows], total.scalar_one())


def rebuild(connection: Connection) -> int:
    """Rebuild the keyword index (SQLite FTS5; PostgreSQL's column is always in step)."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("INSERT INTO papers_fts(papers_fts) VALUES ('rebuild')")
    else:
        connection.exec_driver_sql("REINDEX INDEX ix_papers_search_vector")
    return connection.execute(select(func.count()).select_from(papers)).scalar_one()
