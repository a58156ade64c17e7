"""The database's full text: SQLite FTS5 with BM25, or PostgreSQL ``search_vector``
with ``ts_rank_cd``; what keyword search falls back on while tantivy is behind.

Scores are higher-is-better on both backends.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, and_, column, func, literal_column, select, table

from paperwire.db.tables import papers
from paperwire.search.query import ParsedQuery

# BM25 column weights: title, authors, abstract.
FTS5_WEIGHTS = (5.0, 4.0, 1.0)

_FTS = table("papers_fts", column("rowid"))

Ranked = tuple[list[tuple[int, float]], int]  # (paper id, score) best first; total
# What a match must hold, as alternatives (OR) of word groups (AND) of units (a word, or
# words in order); None: every word and phrase of the query.
Groups = Sequence[Sequence[Sequence[str]]] | None


def matches(
    connection: Connection, query: ParsedQuery, *, filters: Sequence[Any],
    order: Sequence[Any] | None, limit: int, offset: int, groups: Groups = None,
) -> Ranked:
    """Papers matching ``query``'s words (every one, or one of ``groups``) and every
    ``filters`` condition, by rank (``order`` None) or by ``order``, and how many match
    in all."""
    groups = groups or _every_word(query)
    if connection.dialect.name == "sqlite":
        return _matches_sqlite(connection, query, groups, filters, order, limit, offset)
    return _matches_postgres(connection, query, groups, filters, order, limit, offset)


def _every_word(query: ParsedQuery) -> list[list[list[str]]]:
    return [[[term] for term in query.terms] + [list(phrase) for phrase in query.phrases]]


def phrase_match(connection: Connection, words: list[str]) -> Any:
    """A condition on ``papers``: the words, in order, in its text."""
    if connection.dialect.name == "sqlite":
        matched = select(_FTS.c.rowid).where(
            literal_column("papers_fts").op("MATCH")(_fts5_quote(" ".join(words)))
        )
        return papers.c.id.in_(matched.scalar_subquery())
    vector = literal_column("papers.search_vector")
    return vector.op("@@")(func.phraseto_tsquery("english", " ".join(words)))


def fts5_expression(query: ParsedQuery, groups: Groups = None) -> str:
    """An FTS5 MATCH string; every word is quoted, so no user text is FTS5 syntax."""
    alternatives = [
        " AND ".join(_fts5_quote(" ".join(unit)) for unit in group)
        for group in groups or _every_word(query)
    ]
    expression = (
        alternatives[0] if len(alternatives) == 1
        else " OR ".join(f"({alternative})" for alternative in alternatives)
    )
    for word in query.excluded:
        expression += f" NOT {_fts5_quote(word)}"
    return expression


def _fts5_quote(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def _matches_sqlite(
    connection: Connection, query: ParsedQuery, groups: Groups, filters: Sequence[Any],
    order: Sequence[Any] | None, limit: int, offset: int,
) -> Ranked:
    weights = ", ".join(map(str, FTS5_WEIGHTS))
    rank = literal_column(f"bm25(papers_fts, {weights})")
    match = literal_column("papers_fts").op("MATCH")(fts5_expression(query, groups))
    matched = select(papers.c.id).join(_FTS, _FTS.c.rowid == papers.c.id).where(match, *filters)
    rows = connection.execute(
        matched.add_columns(rank.label("rank"))
        .order_by(*([rank] if order is None else order)).limit(limit).offset(offset)
    ).all()
    total = connection.execute(select(func.count()).select_from(matched.subquery()))
    # bm25() is lower-is-better; flip it so every engine ranks higher-is-better.
    return [(row.id, -float(row.rank)) for row in rows], total.scalar_one()


def _tsquery(query: ParsedQuery, groups: Groups) -> Any:
    alternatives = []
    for group in groups or _every_word(query):
        parts = [func.phraseto_tsquery("english", " ".join(unit)) for unit in group]
        alternatives.append(functools.reduce(lambda a, b: a.op("&&")(b), parts))
    combined = functools.reduce(lambda a, b: a.op("||")(b), alternatives)
    for word in query.excluded:  # words() made it \w+ only, so "!" + word is a valid tsquery
        combined = combined.op("&&")(func.to_tsquery("english", "!" + word))
    return combined


def _matches_postgres(
    connection: Connection, query: ParsedQuery, groups: Groups, filters: Sequence[Any],
    order: Sequence[Any] | None, limit: int, offset: int,
) -> Ranked:
    vector = literal_column("papers.search_vector")
    tsquery = _tsquery(query, groups)
    rank = func.ts_rank_cd(vector, tsquery, 1)  # 1: normalise by document length
    conditions = and_(vector.op("@@")(tsquery), *filters)
    rows = connection.execute(
        select(papers.c.id, rank.label("rank"))
        .where(conditions)
        .order_by(*([rank.desc(), papers.c.id] if order is None else order))
        .limit(limit)
        .offset(offset)
    ).all()
    total = connection.execute(select(func.count()).select_from(papers).where(conditions))
    return [(row.id, float(row.rank)) for row in rows], total.scalar_one()


def rebuild(connection: Connection) -> int:
    """Rebuild the full-text index (SQLite FTS5; PostgreSQL's column is always in step,
    its index is rebuilt); returns how many papers it covers."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("INSERT INTO papers_fts(papers_fts) VALUES ('rebuild')")
    else:
        connection.exec_driver_sql("REINDEX INDEX ix_papers_search_vector")
    return connection.execute(select(func.count()).select_from(papers)).scalar_one()
