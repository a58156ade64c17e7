"""What the For-you scorer reads from the store: embedded papers' ids, vectors and
dates, in bulk (the background sample, the digest's day of new papers, benchmarks)."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, desc, select

from paperwire.db.tables import (
    author_follows,
    digest_subscriptions,
    paper_authors,
    paper_embeddings,
    papers,
    users,
)
from paperwire.db.trending import trending_scores
from paperwire.ranking import TrendingWindow


def embedded_ids(connection: Connection, model: str) -> list[int]:
    """Every paper id the model has a vector for, ascending."""
    rows = connection.execute(
        select(paper_embeddings.c.paper_id)
        .where(paper_embeddings.c.model == model)
        .order_by(paper_embeddings.c.paper_id)
    )
    return [row.paper_id for row in rows]


def embedded_papers(
    connection: Connection, model: str, *, since: date | None = None, chunk: int = 4096,
    ids: Sequence[int] | None = None,
) -> Iterator[list[Any]]:
    """Rows of ``paper_id``, ``arxiv_id``, ``announced_on``, ``primary_category``,
    ``vector`` (float16 bytes) and ``concepts`` of the papers the model embedded,
    announced on or after ``since`` (or those of ``ids``), streamed in chunks."""
    condition = [paper_embeddings.c.model == model, papers.c.withdrawn.is_(False)]
    if since is not None:
        condition.append(papers.c.announced_on >= since)
    if ids is not None:
        condition.append(papers.c.id.in_(list(ids)))
    result = connection.execution_options(yield_per=chunk).execute(
        select(
            papers.c.id.label("paper_id"), papers.c.arxiv_id, papers.c.announced_on,
            papers.c.primary_category, paper_embeddings.c.vector, paper_embeddings.c.concepts,
        )
        .select_from(papers.join(paper_embeddings, paper_embeddings.c.paper_id == papers.c.id))
        .where(*condition)
        .order_by(papers.c.id)
    )
    yield from result.partitions(chunk)


def trending_of(connection: Connection, window: TrendingWindow, ids: Sequence[int]) -> dict[int, float]:
    """The trending score (``ranking.py``) of those of ``ids`` with votes in the window."""
    if not ids:
        return {}
    scores = trending_scores(window).subquery()
    rows = connection.execute(
        select(scores.c.paper_id, scores.c.score).where(scores.c.paper_id.in_(list(ids)))
    )
    return {row.paper_id: float(row.score) for row in rows}


def announced_days(connection: Connection, ids: Sequence[int]) -> dict[int, Any]:
    """(announced_on, primary_category, withdrawn) of each stored paper of ``ids``."""
    if not ids:
        return {}
    rows = connection.execute(
        select(papers.c.id, papers.c.announced_on, papers.c.primary_category, papers.c.withdrawn)
        .where(papers.c.id.in_(list(ids)))
    )
    return {row.id: row for row in rows}


def readers_of_subscriptions(connection: Connection, subscription_ids: Sequence[int]) -> dict[int, int]:
    """Subscription id → the id of the account with the same address, for the digest
    subscriptions of ``subscription_ids`` that have one."""
    if not subscription_ids:
        return {}
    rows = connection.execute(
        select(digest_subscriptions.c.id, users.c.id.label("user_id"))
        .join(users, users.c.email_key == digest_subscriptions.c.email_key)
        .where(digest_subscriptions.c.id.in_(list(subscription_ids)))
    )
    return {row.id: row.user_id for row in rows}


def papers_announced(connection: Connection, first: date, last: date) -> list[int]:
    """Ids of the papers announced from ``first`` to ``last`` (not withdrawn)."""
    rows = connection.execute(
        select(papers.c.id).where(papers.c.announced_on >= first, papers.c.announced_on <= last,
                                  papers.c.withdrawn.is_(False))
    )
    return [row.id for row in rows]


# -- followed authors, as the model reads them ----------------------------------------


def followed_keys_of(connection: Connection, user_ids: Sequence[int]) -> dict[int, set[str]]:
    """Reader id → the author keys they follow (readers who follow none are left out)."""
    found: dict[int, set[str]] = {}
    ids = sorted(set(user_ids))
    for start in range(0, len(ids), 2_000):
        rows = connection.execute(
            select(author_follows.c.user_id, author_follows.c.author_key)
            .where(author_follows.c.user_id.in_(ids[start : start + 2_000]))
        )
        for user_id, key in rows:
            found.setdefault(user_id, set()).add(key)
    return found


def papers_with_authors(connection: Connection, paper_ids: Sequence[int],
                        keys: Collection[str]) -> dict[int, set[str]]:
    """Paper id → which of ``keys`` are among its authors, for the papers of
    ``paper_ids`` that have any: one statement over the author index (every paper of
    those authors), the ids kept here, so thousands of candidates cost no parameters."""
    found: dict[int, set[str]] = {}
    if not paper_ids or not keys:
        return found
    wanted = set(paper_ids)
    rows = connection.execute(
        select(paper_authors.c.paper_id, paper_authors.c.author_key)
        .where(paper_authors.c.author_key.in_(list(keys)))
    )
    for paper_id, key in rows:
        if paper_id in wanted:
            found.setdefault(paper_id, set()).add(key)
    return found


def concepts_of(connection: Connection, ids: Sequence[int], model: str) -> dict[int, list[str]]:
    """The stored key concepts of those of ``ids`` the model embedded (one statement)."""
    if not ids:
        return {}
    rows = connection.execute(
        select(paper_embeddings.c.paper_id, paper_embeddings.c.concepts)
        .where(paper_embeddings.c.paper_id.in_(list(ids)), paper_embeddings.c.model == model)
    )
    return {row.paper_id: list(row.concepts) for row in rows if row.concepts}


def newest_by_authors(connection: Connection, keys: Collection[str], *, limit: int) -> list[int]:
    """Ids of the newest ``limit`` papers (not withdrawn) by any of the author keys."""
    if not keys:
        return []
    rows = connection.execute(
        select(papers.c.id)
        .join(paper_authors, paper_authors.c.paper_id == papers.c.id)
        .where(paper_authors.c.author_key.in_(list(keys)), papers.c.withdrawn.is_(False))
        .group_by(papers.c.id, papers.c.announced_on)
        .order_by(desc(papers.c.announced_on), desc(papers.c.id))
        .limit(limit)
    )
    return [row.id for row in rows]
