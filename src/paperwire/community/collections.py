"""Collections: named lists of papers with notes, private or public."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from paperwire.community.accounts import USER_COLUMNS, user_from_row
from paperwire.community.models import Collection, CollectionItem, User
from paperwire.community.votes import paper_id_of
from paperwire.db.tables import collection_items, collections, papers, users
from paperwire.errors import InvalidInput, NotFound, PermissionDenied

OWNER = tuple(column.label(f"u_{column.name}") for column in USER_COLUMNS)


def check_name(name: str) -> str:
    value = " ".join(name.replace("\x00", "").split())  # PostgreSQL text holds no NUL
    if not 1 <= len(value) <= 100:
        raise InvalidInput("a collection name has 1 to 100 characters")
    return value


def check_text(value: str, *, what: str, limit: int = 2000) -> str:
    text = value.replace("\r\n", "\n").replace("\x00", "").strip()
    if len(text) > limit:
        raise InvalidInput(f"a {what} has at most {limit:,} characters")
    return text


def _size() -> Any:
    return (
        select(func.count())
        .where(collection_items.c.collection_id == collections.c.id)
        .scalar_subquery()
        .label("size")
    )


def _select() -> Any:
    return select(collections, *OWNER, _size()).join(users, users.c.id == collections.c.user_id)


def _from_row(row: Row[Any]) -> Collection:
    data = row._mapping
    return Collection(
        id=data["id"], owner=user_from_row(row, "u_"), name=data["name"],
        description=data["description"], public=bool(data["public"]),
        created_at=data["created_at"], size=data["size"],
    )


def create(connection: Connection, *, user: User, name: str, description: str, public: bool,
           now: int) -> int:
    return connection.execute(
        insert(collections)
        .values(
            user_id=user.id, name=check_name(name),
            description=check_text(description, what="description"), public=public,
            created_at=now,
        )
        .returning(collections.c.id)
    ).scalar_one()


def visible(connection: Connection, collection_id: int, viewer: User | None) -> Collection:
    """A collection with its items, if the viewer may see it (public, or their own)."""
    row = connection.execute(_select().where(collections.c.id == collection_id)).one_or_none()
    found = None if row is None else _from_row(row)
    if found is None or not (found.public or (viewer and viewer.id == found.owner.id)):
        raise NotFound("no such collection (or it is private)")
    items = connection.execute(
        select(papers.c.arxiv_id, papers.c.title_text, collection_items.c.note,
               collection_items.c.added_at)
        .join(papers, papers.c.id == collection_items.c.paper_id)
        .where(collection_items.c.collection_id == collection_id)
        .order_by(collection_items.c.added_at.desc(), papers.c.arxiv_id)
    )
    found.items = [CollectionItem(*item) for item in items]
    return found


def owned(connection: Connection, collection_id: int, user: User) -> Collection:
    found = visible(connection, collection_id, user)
    if found.owner.id != user.id:
        raise PermissionDenied("only its owner can change a collection")
    return found


def of_user(connection: Connection, user_id: int, *, public_only: bool) -> list[Collection]:
    query = _select().where(collections.c.user_id == user_id)
    if public_only:
        query = query.where(collections.c.public.is_(True))
    return [_from_row(row) for row in connection.execute(query.order_by(collections.c.id))]


def edit(connection: Connection, *, user: User, collection_id: int, name: str,
         description: str, public: bool) -> None:
    owned(connection, collection_id, user)
    connection.execute(
        update(collections)
        .where(collections.c.id == collection_id)
        .values(name=check_name(name), public=public,
                description=check_text(description, what="description"))
    )


def remove(connection: Connection, *, user: User, collection_id: int) -> None:
    owned(connection, collection_id, user)
    connection.execute(delete(collections).where(collections.c.id == collection_id))


def add_item(connection: Connection, *, user: User, collection_id: int, arxiv_id: str,
             note: str, now: int) -> None:
    """Save a paper (again: its note is replaced)."""
    owned(connection, collection_id, user)
    paper_id = paper_id_of(connection, arxiv_id)
    text = check_text(note, what="note", limit=1000)
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(collection_items).values(
        collection_id=collection_id, paper_id=paper_id, note=text, added_at=now
    )
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=["collection_id", "paper_id"], set_={"note": text}
        )
    )


def remove_item(connection: Connection, *, user: User, collection_id: int,
                arxiv_id: str) -> None:
    owned(connection, collection_id, user)
    paper_id = paper_id_of(connection, arxiv_id)
    connection.execute(
        delete(collection_items).where(
            collection_items.c.collection_id == collection_id,
            collection_items.c.paper_id == paper_id,
        )
    )


