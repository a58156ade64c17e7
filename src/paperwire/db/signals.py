"""Storage of readers' signals (``reader_signals``) and their signals version
(``reader_versions``), plus the upvotes and saves the model reads as positives.

Statements inside the caller's transaction; which signals contradict each other and
when the version moves are the core's rules (``paperwire.core.library``).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, and_, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite

from paperwire.db.tables import (
    collection_items,
    collections,
    library_entries,
    reader_signals,
    reader_versions,
    votes,
)
from paperwire.library.models import SignalsVersion

CHUNK = 500
READERS_CHUNK = 2_000  # readers a many-reader statement asks for at once


def _insert(connection: Connection):  # type: ignore[no-untyped-def]
    return (postgresql if connection.dialect.name == "postgresql" else sqlite).insert


def insert_signals(connection: Connection, user_id: int, paper_ids: Iterable[int],
                   kind: str, *, now: int) -> int:
    """Record ``kind`` for each paper; a paper that has it already keeps its first time.
    Returns how many rows were new."""
    rows = [{"user_id": user_id, "paper_id": paper_id, "kind": kind, "created_at": now}
            for paper_id in dict.fromkeys(paper_ids)]
    added = 0
    for start in range(0, len(rows), CHUNK):
        statement = (
            _insert(connection)(reader_signals)
            .values(rows[start : start + CHUNK])
            .on_conflict_do_nothing(index_elements=["user_id", "kind", "paper_id"])
            .returning(reader_signals.c.paper_id)
        )
        added += len(connection.execute(statement).all())
    return added


def delete_signal(connection: Connection, user_id: int, paper_id: int,
                  kinds: Iterable[str]) -> int:
    """Remove the reader's signals of these kinds on one paper; returns how many went."""
    return connection.execute(
        delete(reader_signals).where(and_(
            reader_signals.c.user_id == user_id,
            reader_signals.c.paper_id == paper_id,
            reader_signals.c.kind.in_(list(kinds)),
        ))
    ).rowcount


def delete_signals(connection: Connection, user_id: int) -> int:
    """Remove every signal of the reader; returns how many went."""
    return connection.execute(
        delete(reader_signals).where(reader_signals.c.user_id == user_id)
    ).rowcount


def signals_of(connection: Connection, user_id: int,
               kinds: Iterable[str] | None = None) -> list[tuple[int, str, int]]:
    """(paper id, kind, created at) of the reader's signals, oldest first."""
    statement = select(
        reader_signals.c.paper_id, reader_signals.c.kind, reader_signals.c.created_at
    ).where(reader_signals.c.user_id == user_id)
    if kinds is not None:
        statement = statement.where(reader_signals.c.kind.in_(list(kinds)))
    rows = connection.execute(
        statement.order_by(reader_signals.c.created_at, reader_signals.c.paper_id)
    )
    return [(row[0], row[1], row[2]) for row in rows]


def signal_paper_ids(connection: Connection, user_id: int, kind: str,
                     *, since: int | None = None) -> set[int]:
    """The papers the reader gave ``kind`` (at or after ``since``, when given)."""
    condition = and_(reader_signals.c.user_id == user_id, reader_signals.c.kind == kind)
    if since is not None:
        condition = and_(condition, reader_signals.c.created_at >= since)
    return set(connection.execute(select(reader_signals.c.paper_id).where(condition)).scalars())


# -- upvotes and saves, as the model reads them ------------------------------------------


def upvote_times(connection: Connection, user_id: int) -> list[tuple[int, int]]:
    """(paper id, voted at) of the reader's upvotes."""
    rows = connection.execute(
        select(votes.c.paper_id, votes.c.voted_at).where(votes.c.user_id == user_id)
        .order_by(votes.c.voted_at, votes.c.paper_id)
    )
    return [(row[0], row[1]) for row in rows]


def saved_times(connection: Connection, user_id: int) -> list[tuple[int, int]]:
    """(paper id, first saved at) of the papers in any of the reader's collections."""
    rows = connection.execute(
        select(collection_items.c.paper_id, collection_items.c.added_at)
        .join(collections, collections.c.id == collection_items.c.collection_id)
        .where(collections.c.user_id == user_id)
        .order_by(collection_items.c.added_at, collection_items.c.paper_id)
    )
    first: dict[int, int] = {}
    for paper_id, added_at in rows:
        first.setdefault(paper_id, added_at)
    return list(first.items())


# -- the signals version -----------------------------------------------------------------


def bump_version(connection: Connection, user_id: int, *, now: int) -> int:
    """Move the reader's signals version on by one; returns the new version."""
    statement = (
        _insert(connection)(reader_versions)
        .values(user_id=user_id, version=1, changed_at=now)
        .on_conflict_do_update(
            index_elements=["user_id"],
            set_={"version": reader_versions.c.version + 1, "changed_at": now},
        )
        .returning(reader_versions.c.version)
    )
    return connection.execute(statement).scalar_one()


def version_of(connection: Connection, user_id: int) -> SignalsVersion:
    row = connection.execute(
        select(reader_versions.c.version, reader_versions.c.changed_at)
        .where(reader_versions.c.user_id == user_id)
    ).first()
    return SignalsVersion(0, 0) if row is None else SignalsVersion(row[0], row[1])


def versions_of(connection: Connection, user_ids: Iterable[int]) -> dict[int, SignalsVersion]:
    """Signals versions of many readers at once (readers with none are left out)."""
    found: dict[int, SignalsVersion] = {}
    ids = sorted(set(user_ids))
    for start in range(0, len(ids), CHUNK):
        rows = connection.execute(
            select(reader_versions.c.user_id, reader_versions.c.version,
                   reader_versions.c.changed_at)
            .where(reader_versions.c.user_id.in_(ids[start : start + CHUNK]))
        )
        found.update((row[0], SignalsVersion(row[1], row[2])) for row in rows)
    return found


# -- many readers at once (the digest's path) ---------------------------------------------


def _chunks(user_ids: Iterable[int]) -> list[list[int]]:
    ids = sorted(set(user_ids))
    return [ids[start : start + READERS_CHUNK] for start in range(0, len(ids), READERS_CHUNK)]


def model_rows_of(connection: Connection, user_ids: Iterable[int]
                  ) -> list[tuple[int, int, str, int]]:
    """(user id, paper id, source, at) of everything the readers' models train on —
    library entries, upvotes, saves (first save), and the ``reader_signals`` but
    "seen" — four statements per ``READERS_CHUNK`` readers, in no particular order."""
    found: list[tuple[int, int, str, int]] = []
    for chunk in _chunks(user_ids):
        found += [(row[0], row[1], "library", row[2]) for row in connection.execute(
            select(library_entries.c.user_id, library_entries.c.paper_id,
                   library_entries.c.added_at).where(library_entries.c.user_id.in_(chunk)))]
        found += [(row[0], row[1], "upvote", row[2]) for row in connection.execute(
            select(votes.c.user_id, votes.c.paper_id, votes.c.voted_at)
            .where(votes.c.user_id.in_(chunk)))]
        found += [(row[0], row[1], "saved", row[2]) for row in connection.execute(
            select(collections.c.user_id, collection_items.c.paper_id,
                   func.min(collection_items.c.added_at))
            .join(collections, collections.c.id == collection_items.c.collection_id)
            .where(collections.c.user_id.in_(chunk))
            .group_by(collections.c.user_id, collection_items.c.paper_id))]
        found += [(row[0], row[1], row[2], row[3]) for row in connection.execute(
            select(reader_signals.c.user_id, reader_signals.c.paper_id, reader_signals.c.kind,
                   reader_signals.c.created_at)
            .where(reader_signals.c.user_id.in_(chunk), reader_signals.c.kind != "seen"))]
    return found
