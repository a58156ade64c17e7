"""``reader_models``: each reader's trained For-you model, as ``recommend/stored.py``
packs it, with what trained it; and which readers' models are stale."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, and_, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from paperwire.db.tables import reader_models, reader_versions

CHUNK = 2_000


@dataclass(frozen=True, slots=True)
class StoredModel:
    user_id: int
    signals_version: int
    index_size: int
    trained_at: int
    has_model: bool
    payload: bytes


def stored_models(connection: Connection, model: str, user_ids: Iterable[int]
                  ) -> dict[int, StoredModel]:
    """The stored models of these readers (those with one), one statement a chunk."""
    ids = sorted(set(user_ids))
    found: dict[int, StoredModel] = {}
    for start in range(0, len(ids), CHUNK):
        rows = connection.execute(select(
            reader_models.c.user_id, reader_models.c.signals_version,
            reader_models.c.index_size, reader_models.c.trained_at, reader_models.c.has_model,
            reader_models.c.payload,
        ).where(reader_models.c.model == model,
                reader_models.c.user_id.in_(ids[start : start + CHUNK])))
        found.update((row[0], StoredModel(*row)) for row in rows)
    return found


def save_models(connection: Connection, model: str, rows: Sequence[StoredModel]) -> None:
    """Insert or replace these readers' models."""
    if not rows:
        return
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    for start in range(0, len(rows), CHUNK):
        statement = dialect.insert(reader_models).values([
            {"user_id": row.user_id, "model": model, "signals_version": row.signals_version,
             "index_size": row.index_size, "trained_at": row.trained_at,
             "has_model": row.has_model, "payload": row.payload}
            for row in rows[start : start + CHUNK]
        ])
        connection.execute(statement.on_conflict_do_update(
            index_elements=["user_id", "model"],
            set_={name: statement.excluded[name]
                  for name in ("signals_version", "index_size", "trained_at", "has_model",
                               "payload")},
        ))


def _stale(model: str, *, index_size: int, trained_before: int) -> tuple[object, object]:
    joined = reader_versions.outerjoin(reader_models, and_(
        reader_models.c.user_id == reader_versions.c.user_id, reader_models.c.model == model))
    grown = reader_models.c.index_size != index_size
    condition = or_(
        reader_models.c.user_id.is_(None),
        reader_models.c.signals_version != reader_versions.c.version,
        and_(grown, ~reader_models.c.has_model),  # its papers may have vectors now
        and_(grown, reader_models.c.trained_at < trained_before),
    )
    return joined, condition


def stale_readers(connection: Connection, model: str, *, index_size: int,
                  trained_before: int, limit: int) -> list[int]:
    """Readers (with signals) whose model is missing, older than their signals, or
    trained on a different vector index (at once for a reader with no model yet, after
    ``trained_before`` for the rest); the most recently changed first."""
    joined, condition = _stale(model, index_size=index_size, trained_before=trained_before)
    return list(connection.execute(
        select(reader_versions.c.user_id).select_from(joined).where(condition)
        .order_by(reader_versions.c.changed_at.desc(), reader_versions.c.user_id)
        .limit(limit)
    ).scalars())


def count_stale(connection: Connection, model: str, *, index_size: int,
                trained_before: int) -> int:
    joined, condition = _stale(model, index_size=index_size, trained_before=trained_before)
    return connection.execute(
        select(func.count()).select_from(joined).where(condition)).scalar_one()
