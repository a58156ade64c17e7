"""Storage of authors: the ``paper_authors`` index (names on papers under their keys,
written with each paper by ``db/upsert.py``), an author's papers and co-authors, author
search, follows and claims. Statements inside the caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from paperwire.authors import author_key, surname_of
from paperwire.db.queries import SUMMARY_COLUMNS, paper_from_row, with_community
from paperwire.db.tables import author_claims, author_follows, paper_authors, papers, users
from paperwire.models import AuthorName, Paper

# -- the index ----------------------------------------------------------------------------


def author_rows(paper_id: int, names: list[str]) -> list[dict[str, Any]]:
    """The ``paper_authors`` rows of one paper (names without letters are left out)."""
    rows = []
    for position, name in enumerate(names):
        key = author_key(name)
        if key:
            rows.append({"paper_id": paper_id, "position": position, "author_key": key,
                         "surname": surname_of(key), "name": name})
    return rows


# -- reading ------------------------------------------------------------------------------


def author_papers(connection: Connection, key: str, *, limit: int, offset: int,
                  viewer_id: int | None = None) -> tuple[list[Paper], int]:
    """The author's papers, newest first, and how many there are (two statements)."""
    theirs = select(paper_authors.c.paper_id).where(paper_authors.c.author_key == key)
    rows = connection.execute(
        with_community(SUMMARY_COLUMNS, viewer_id)
        .where(papers.c.id.in_(theirs))
        .order_by(papers.c.announced_on.desc(), papers.c.arxiv_id.desc())
        .limit(limit)
        .offset(offset)
    )
    total = connection.execute(
        select(func.count(func.distinct(paper_authors.c.paper_id)))
        .where(paper_authors.c.author_key == key)
    ).scalar_one()
    return [paper_from_row(row) for row in rows], total


def spelling_of(connection: Connection, key: str) -> str | None:
    """The key's most common spelling on papers (None: no paper has it)."""
    count = func.count().label("uses")
    return connection.execute(
        select(paper_authors.c.name)
        .where(paper_authors.c.author_key == key)
        .group_by(paper_authors.c.name)
        .order_by(count.desc(), paper_authors.c.name)
        .limit(1)
    ).scalar()


def coauthors(connection: Connection, key: str, *, limit: int = 20) -> list[AuthorName]:
    """Who wrote most papers with the author, with the number of papers shared."""
    mine = paper_authors.alias("mine")
    theirs = paper_authors.alias("theirs")
    shared = func.count(func.distinct(theirs.c.paper_id)).label("shared")
    rows = connection.execute(
        select(theirs.c.author_key, func.min(theirs.c.name), shared)
        .select_from(mine.join(theirs, theirs.c.paper_id == mine.c.paper_id))
        .where(mine.c.author_key == key, theirs.c.author_key != key)
        .group_by(theirs.c.author_key)
        .order_by(shared.desc(), theirs.c.author_key)
        .limit(limit)
    )
    return [AuthorName(k, name, n) for k, name, n in rows]


def same_surname(connection: Connection, key: str, *, limit: int = 200) -> list[AuthorName]:
    """Other keys sharing the key's surname, most papers first."""
    count = func.count(func.distinct(paper_authors.c.paper_id)).label("papers")
    rows = connection.execute(
        select(paper_authors.c.author_key, func.min(paper_authors.c.name), count)
        .where(paper_authors.c.surname == surname_of(key), paper_authors.c.author_key != key)
        .group_by(paper_authors.c.author_key)
        .order_by(count.desc(), paper_authors.c.author_key)
        .limit(limit)
    )
    return [AuthorName(k, name, n) for k, name, n in rows]


def search_authors(connection: Connection, text: str, *, limit: int = 30) -> list[AuthorName]:
    """Keys containing ``text`` (a key itself), most papers first."""
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    count = func.count(func.distinct(paper_authors.c.paper_id)).label("papers")
    # The keys from their index alone, then a spelling for just the ones shown: reading
    # the name of every matching row costs ten times the scan.
    found = (
        select(paper_authors.c.author_key, count)
        .where(paper_authors.c.author_key.like(pattern, escape="\\"))
        .group_by(paper_authors.c.author_key)
        .order_by(count.desc(), paper_authors.c.author_key)
        .limit(limit)
        .subquery()
    )
    spelling = (
        select(func.min(paper_authors.c.name))
        .where(paper_authors.c.author_key == found.c.author_key)
        .scalar_subquery()
    )
    rows = connection.execute(
        select(found.c.author_key, spelling, found.c.papers)
        .order_by(found.c.papers.desc(), found.c.author_key)
    )
    return [AuthorName(k, name, n) for k, name, n in rows]


# -- follows ------------------------------------------------------------------------------


def _insert_for(connection: Connection) -> Any:
    return (postgresql if connection.dialect.name == "postgresql" else sqlite).insert


def insert_follow(connection: Connection, *, user_id: int, key: str, name: str,
                  now: int) -> None:
    """Follow (again: nothing changes)."""
    connection.execute(
        _insert_for(connection)(author_follows)
        .values(user_id=user_id, author_key=key, name=name, created_at=now)
        .on_conflict_do_nothing(index_elements=["user_id", "author_key"])
    )


def delete_follow(connection: Connection, *, user_id: int, key: str) -> None:
    connection.execute(delete(author_follows).where(
        author_follows.c.user_id == user_id, author_follows.c.author_key == key))


def is_following(connection: Connection, *, user_id: int, key: str) -> bool:
    return connection.execute(select(author_follows.c.author_key).where(
        author_follows.c.user_id == user_id, author_follows.c.author_key == key
    )).first() is not None


def followed_authors(connection: Connection, user_id: int) -> list[AuthorName]:
    """The reader's followed authors, newest follow first (``papers`` is 0: not counted)."""
    rows = connection.execute(
        select(author_follows.c.author_key, author_follows.c.name)
        .where(author_follows.c.user_id == user_id)
        .order_by(author_follows.c.created_at.desc(), author_follows.c.author_key)
    )
    return [AuthorName(key, name) for key, name in rows]


def delete_author_follows(connection: Connection, user_id: int) -> int:
    """Forget every author the reader follows (part of deleting a reader's data)."""
    return connection.execute(
        delete(author_follows).where(author_follows.c.user_id == user_id)
    ).rowcount


# -- claims -------------------------------------------------------------------------------


def claim_status(connection: Connection, *, user_id: int, key: str) -> str | None:
    return connection.execute(select(author_claims.c.status).where(
        author_claims.c.user_id == user_id, author_claims.c.author_key == key)).scalar()


def insert_claim(connection: Connection, *, user_id: int, key: str, name: str,
                 now: int) -> None:
    """A pending claim; claiming again changes nothing (a decided claim stays decided)."""
    connection.execute(
        _insert_for(connection)(author_claims)
        .values(user_id=user_id, author_key=key, name=name, status="pending", created_at=now)
        .on_conflict_do_nothing(index_elements=["user_id", "author_key"])
    )


def delete_claim(connection: Connection, *, user_id: int, key: str) -> None:
    connection.execute(delete(author_claims).where(
        author_claims.c.user_id == user_id, author_claims.c.author_key == key))


def approved_claimants(connection: Connection, key: str) -> list[tuple[str, str]]:
    """(user name, display name) of readers whose claim of the key an admin approved."""
    rows = connection.execute(
        select(users.c.username, users.c.display_name)
        .join(author_claims, author_claims.c.user_id == users.c.id)
        .where(author_claims.c.author_key == key, author_claims.c.status == "approved",
               users.c.banned.is_(False))
        .order_by(author_claims.c.decided_at, users.c.username)
    )
    return [(username, display) for username, display in rows]


def claims(connection: Connection, *, status: str | None = None, user_id: int | None = None,
           claim_id: int | None = None) -> list[dict[str, Any]]:
    """Claims with their claimant, oldest first: all, or those with ``status``, of
    ``user_id``, or the one ``claim_id``."""
    conditions = [] if claim_id is None else [author_claims.c.id == claim_id]
    if status is not None:
        conditions.append(author_claims.c.status == status)
    if user_id is not None:
        conditions.append(author_claims.c.user_id == user_id)
    rows = connection.execute(
        select(author_claims, users.c.username, users.c.email)
        .join(users, users.c.id == author_claims.c.user_id)
        .where(*conditions)
        .order_by(author_claims.c.created_at, author_claims.c.id)
    )
    return [dict(row._mapping) for row in rows]


def decide_claim(connection: Connection, claim_id: int, *, status: str, by: int | None,
                 now: int) -> bool:
    """Approve or reject a claim; False if there is no such claim."""
    return connection.execute(
        update(author_claims).where(author_claims.c.id == claim_id)
        .values(status=status, decided_at=now, decided_by=by)
    ).rowcount == 1


def delete_author_claims(connection: Connection, user_id: int) -> int:
    """Withdraw every claim the reader made (part of deleting a reader's data)."""
    return connection.execute(
        delete(author_claims).where(author_claims.c.user_id == user_id)
    ).rowcount
