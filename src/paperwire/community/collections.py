"""Collections: named lists of papers with notes, private or public.

The rules, run inside the caller's transaction; the statements are in
``paperwire.db.collections``.
"""

from __future__ import annotations

from paperwire.community.models import Collection, User
from paperwire.community.votes import paper_id_of
from paperwire.db import collections as store
from paperwire.db.session import Connection
from paperwire.errors import InvalidInput, NotFound, PermissionDenied


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


def create(connection: Connection, *, user: User, name: str, description: str, public: bool,
           now: int) -> int:
    return store.insert_collection(
        connection, user_id=user.id, name=check_name(name),
        description=check_text(description, what="description"), public=public, created_at=now,
    )


def visible(connection: Connection, collection_id: int, viewer: User | None) -> Collection:
    """A collection with its items, if the viewer may see it (public, or their own)."""
    found = store.get_collection(connection, collection_id)
    if found is None or not (found.public or (viewer and viewer.id == found.owner.id)):
        raise NotFound("no such collection (or it is private)")
    found.items = store.items(connection, collection_id)
    return found


def owned(connection: Connection, collection_id: int, user: User) -> Collection:
    found = visible(connection, collection_id, user)
    if found.owner.id != user.id:
        raise PermissionDenied("only its owner can change a collection")
    return found


def of_user(connection: Connection, user_id: int, *, public_only: bool) -> list[Collection]:
    return store.collections_of(connection, user_id, public_only=public_only)


def edit(connection: Connection, *, user: User, collection_id: int, name: str,
         description: str, public: bool) -> None:
    owned(connection, collection_id, user)
    store.update_collection(
        connection, collection_id, name=check_name(name), public=public,
        description=check_text(description, what="description"),
    )


def remove(connection: Connection, *, user: User, collection_id: int) -> None:
    owned(connection, collection_id, user)
    store.delete_collection(connection, collection_id)


def add_item(connection: Connection, *, user: User, collection_id: int, arxiv_id: str,
             note: str, now: int) -> None:
    """Save a paper (again: its note is replaced)."""
    owned(connection, collection_id, user)
    paper_id = paper_id_of(connection, arxiv_id)
    text = check_text(note, what="note", limit=1000)
    store.save_item(connection, collection_id=collection_id, paper_id=paper_id, note=text,
                    added_at=now)


def remove_item(connection: Connection, *, user: User, collection_id: int,
                arxiv_id: str) -> None:
    owned(connection, collection_id, user)
    paper_id = paper_id_of(connection, arxiv_id)
    store.delete_item(connection, collection_id=collection_id, paper_id=paper_id)
