"""Storage of collections (named lists of papers) and their items.

Statements inside the caller's transaction; checking names and notes and who may see
or change a collection are the core's rules (``paperwire.community.collections``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, Select, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from paperwire.community.models import Collection, CollectionItem
from paperwire.db.accounts import USER_COLUMNS, user_from_row
from paperwire.db.tables import collection_items, collections, papers, users

OWNER = tuple(column.label(f"u_{column.name}") for column in USER_COLUMNS)


def _size() -> Any:
    return (
        select(func.count())
        .where(collection_items.c.collection_id == collections.c.id)
        .scalar_subquery()
        .label("size")
    )


def _select() -> Select[Any]:
    return select(collections, *OWNER, _size()).join(users, users.c.id == collections.c.user_id)


def _from_row(row: Row[Any]) -> Collection:
    data = row._mapping
    return Collection(
        id=data["id"], owner=user_from_row(row, "u_"), name=data["name"],
        description=data["description"], public=bool(data["public"]),
        created_at=data["created_at"], size=data["size"],
    )


def insert_collection(connection: Connection, *, user_id: int, name: str, description: str,
                      public: bool, created_at: int) -> int:
    """A new collection; returns its id."""
    return connection.execute(
        insert(collections)
        .values(user_id=user_id, name=name, description=description, public=public,
                created_at=created_at)
        .returning(collections.c.id)
    ).scalar_one()


def get_collection(connection: Connection, collection_id: int) -> Collection | None:
    """The collection with its owner and size (not its items)."""
    row = connection.execute(_select().where(collections.c.id == collection_id)).one_or_none()
    return None if row is None else _from_row(row)


def items(connection: Connection, collection_id: int) -> list[CollectionItem]:
    """The collection's papers, last saved first."""
    rows = connection.execute(
        select(papers.c.arxiv_id, papers.c.title_text, collection_items.c.note,
               collection_items.c.added_at)
        .join(papers, papers.c.id == collection_items.c.paper_id)
        .where(collection_items.c.collection_id == collection_id)
        .order_by(collection_items.c.added_at.desc(), papers.c.arxiv_id)
    )
    return [CollectionItem(*row) for row in rows]


def collections_of(connection: Connection, user_id: int, *, public_only: bool) -> list[Collection]:
    """The user's collections (only the public ones, if asked), oldest first."""
    query = _select().where(collections.c.user_id == user_id)
    if public_only:
        query = query.where(collections.c.public.is_(True))
    return [_from_row(row) for row in connection.execute(query.order_by(collections.c.id))]


def update_collection(connection: Connection, collection_id: int, *, name: str,
                      description: str, public: bool) -> None:
    connection.execute(
        update(collections)
        .where(collections.c.id == collection_id)
        .values(name=name, public=public, description=description)
    )


def delete_collection(connection: Connection, collection_id: int) -> None:
    """The collection and (by the foreign key's cascade) its items."""
    connection.execute(delete(collections).where(collections.c.id == collection_id))


def save_item(connection: Connection, *, collection_id: int, paper_id: int, note: str,
              added_at: int) -> None:
    """Save a paper in the collection; saved again, only its note is replaced."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(collection_items).values(
        collection_id=collection_id, paper_id=paper_id, note=note, added_at=added_at
    )
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=["collection_id", "paper_id"], set_={"note": note}
        )
    )


def delete_item(connection: Connection, *, collection_id: int, paper_id: int) -> None:
    connection.execute(
        delete(collection_items).where(
            collection_items.c.collection_id == collection_id,
            collection_items.c.paper_id == paper_id,
        )
    )
