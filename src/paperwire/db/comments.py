"""Storage of comments, each read with its paper's id and title and its author.

Statements inside the caller's transaction; checking, rendering Markdown, permissions
and threading are the core's rules (``paperwire.community.comments``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, Select, insert, select, update

from paperwire.community.models import Comment
from paperwire.db.accounts import user_from_row
from paperwire.db.tables import comments, papers, users

COLUMNS = (
    comments.c.id, comments.c.paper_id, comments.c.parent_id, comments.c.body,
    comments.c.body_html, comments.c.created_at, comments.c.edited_at, comments.c.deleted,
    comments.c.hidden, papers.c.arxiv_id, papers.c.title_text,
    users.c.id.label("u_id"), users.c.email.label("u_email"),
    users.c.username.label("u_username"), users.c.display_name.label("u_display_name"),
    users.c.role.label("u_role"), users.c.banned.label("u_banned"),
    users.c.created_at.label("u_created_at"),
)


def _from_row(row: Row[Any]) -> Comment:
    data = row._mapping
    return Comment(
        id=data["id"], paper_id=data["paper_id"], arxiv_id=data["arxiv_id"],
        paper_title=data["title_text"], author=user_from_row(row, "u_"),
        parent_id=data["parent_id"], body=data["body"], body_html=data["body_html"],
        created_at=data["created_at"], edited_at=data["edited_at"],
        deleted=bool(data["deleted"]), hidden=bool(data["hidden"]),
    )


def _select() -> Select[Any]:
    return select(*COLUMNS).select_from(
        comments.join(papers, papers.c.id == comments.c.paper_id).join(
            users, users.c.id == comments.c.user_id
        )
    )


def get_comment(connection: Connection, comment_id: int) -> Comment | None:
    row = connection.execute(_select().where(comments.c.id == comment_id)).one_or_none()
    return None if row is None else _from_row(row)


def insert_comment(connection: Connection, *, paper_id: int, user_id: int,
                   parent_id: int | None, body: str, body_html: str, created_at: int) -> int:
    """A new, shown comment; returns its id."""
    return connection.execute(
        insert(comments)
        .values(
            paper_id=paper_id, user_id=user_id, parent_id=parent_id, body=body,
            body_html=body_html, created_at=created_at, deleted=False, hidden=False,
        )
        .returning(comments.c.id)
    ).scalar_one()


def update_body(connection: Connection, comment_id: int, *, body: str, body_html: str,
                edited_at: int) -> None:
    connection.execute(
        update(comments)
        .where(comments.c.id == comment_id)
        .values(body=body, body_html=body_html, edited_at=edited_at)
    )


def mark_deleted(connection: Connection, comment_id: int) -> None:
    """Keep the row (replies hang from it) but drop its text."""
    connection.execute(
        update(comments)
        .where(comments.c.id == comment_id)
        .values(deleted=True, body="", body_html="")
    )


def set_hidden(connection: Connection, comment_id: int, hidden: bool) -> None:
    connection.execute(update(comments).where(comments.c.id == comment_id).values(hidden=hidden))


def paper_comments(connection: Connection, paper_id: int) -> list[Comment]:
    """Every comment on the paper, deleted and hidden ones too, oldest first."""
    rows = connection.execute(
        _select().where(comments.c.paper_id == paper_id).order_by(comments.c.id)
    )
    return [_from_row(row) for row in rows]


def shown_by_user(connection: Connection, user_id: int, *, limit: int = 50) -> list[Comment]:
    """The user's comments that are neither deleted nor hidden, newest first."""
    rows = connection.execute(
        _select()
        .where(
            comments.c.user_id == user_id,
            comments.c.deleted.is_(False),
            comments.c.hidden.is_(False),
        )
        .order_by(comments.c.id.desc())
        .limit(limit)
    )
    return [_from_row(row) for row in rows]
