"""Embedding claims (``embedding_claims``): the pending papers each embedding batch has
taken, so batches running at once (several workers) take disjoint papers.

A batch claims the newest pending papers nobody holds, commits, embeds them, then writes
their vectors and drops its claims in one transaction (``finish``). A claim is free to
take again once its ``expires_at`` has passed or its owner is dead (the owner is a job
lock's name, ``db/locks.py``: the caller checks it and calls ``release``). Two claimers
never hold one paper: PostgreSQL skips rows another claimer has locked, SQLite writers
queue (``BEGIN IMMEDIATE``), and the insert takes a row only if it is free (the primary
key decides a race).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, exists, func, select
from sqlalchemy.dialects import postgresql, sqlite

from paperwire.db.embeddings import pending_select
from paperwire.db.tables import embedding_claims, papers

claims = embedding_claims


def owners(connection: Connection, model: str) -> list[str]:
    """The owners holding claims of ``model`` (one per batch in flight, or left by a dead one)."""
    return list(connection.execute(
        select(claims.c.owner).where(claims.c.model == model).distinct()
    ).scalars())


def release(connection: Connection, model: str, owners_: Collection[str]) -> int:
    """Drop every claim of these owners (dead ones, or a batch that failed)."""
    if not owners_:
        return 0
    return connection.execute(
        delete(claims).where(claims.c.model == model, claims.c.owner.in_(list(owners_)))
    ).rowcount


def count_claimed(connection: Connection, model: str, *, now: datetime) -> int:
    """Papers held by a live-looking claim (not expired)."""
    return connection.execute(
        select(func.count()).select_from(claims)
        .where(claims.c.model == model, claims.c.expires_at >= now)
    ).scalar_one()


def claim(connection: Connection, model: str, *, owner: str, limit: int, now: datetime,
          expires_at: datetime) -> list[Any]:
    """Claim up to ``limit`` of the newest pending papers no live claim holds; their rows
    as ``embeddings.pending_batch`` gives them, newest first."""
    held = exists().where(claims.c.paper_id == papers.c.id, claims.c.model == model,
                          claims.c.expires_at >= now)
    query = pending_select(model).where(~held).limit(limit)
    if connection.dialect.name == "postgresql":
        query = query.with_for_update(of=papers, skip_locked=True)
    candidates = connection.execute(query).all()
    if not candidates:
        return []
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(claims).values([
        {"paper_id": row.id, "model": model, "owner": owner, "expires_at": expires_at}
        for row in candidates
    ])
    taken = set(connection.execute(statement.on_conflict_do_update(
        index_elements=["paper_id", "model"],
        set_={"owner": statement.excluded.owner, "expires_at": statement.excluded.expires_at},
        where=claims.c.expires_at < now,
    ).returning(claims.c.paper_id)).scalars())
    return [row for row in candidates if row.id in taken]


def finish(connection: Connection, model: str, *, owner: str, ids: Collection[int]) -> set[int]:
    """Drop ``owner``'s claims of ``ids``; the ids it still held (a claim taken over after
    its expiry is the new owner's to write)."""
    if not ids:
        return set()
    return set(connection.execute(
        delete(claims).where(
            claims.c.model == model, claims.c.owner == owner, claims.c.paper_id.in_(list(ids))
        ).returning(claims.c.paper_id)
    ).scalars())

