"""Comments: Markdown with math, one level of replies, edit/delete own, moderators hide."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, insert, select, update

from paperwire.community.accounts import user_from_row
from paperwire.community.markup import render_markdown
from paperwire.community.models import Comment, User
from paperwire.community.votes import paper_id_of
from paperwire.db.tables import comments, papers, users
from paperwire.errors import InvalidInput, NotFound, PermissionDenied

MAX_LENGTH = 10_000
COLUMNS = (
    comments.c.id, comments.c.paper_id, comments.c.parent_id, comments.c.body,
    comments.c.body_html, comments.c.created_at, comments.c.edited_at, comments.c.deleted,
    comments.c.hidden, papers.c.arxiv_id, papers.c.title_text,
    users.c.id.label("u_id"), users.c.email.label("u_email"),
    users.c.username.label("u_username"), users.c.display_name.label("u_display_name"),
    users.c.role.label("u_role"), users.c.banned.label("u_banned"),
    users.c.created_at.label("u_created_at"),
)


def check_body(body: str) -> str:
    text = body.replace("\r\n", "\n").replace("\x00", "").strip()  # PostgreSQL: no NUL
    if not text:
        raise InvalidInput("a comment cannot be empty")
    if len(text) > MAX_LENGTH:
        raise InvalidInput(f"a comment has at most {MAX_LENGTH:,} characters")
    return text


def _from_row(row: Row[Any]) -> Comment:
    data = row._mapping
    return Comment(
        id=data["id"], paper_id=data["paper_id"], arxiv_id=data["arxiv_id"],
        paper_title=data["title_text"], author=user_from_row(row, "u_"),
        parent_id=data["parent_id"], body=data["body"], body_html=data["body_html"],
        created_at=data["created_at"], edited_at=data["edited_at"],
        deleted=bool(data["deleted"]), hidden=bool(data["hidden"]),
    )


def _select() -> Any:
    return select(*COLUMNS).select_from(
        comments.join(papers, papers.c.id == comments.c.paper_id).join(
            users, users.c.id == comments.c.user_id
        )
    )


def get_comment(connection: Connection, comment_id: int) -> Comment:
    row = connection.execute(_select().where(comments.c.id == comment_id)).one_or_none()
    if row is None:
        raise NotFound("no such comment")
    return _from_row(row)


def add_comment(connection: Connection, *, user: User, arxiv_id: str, body: str,
                parent_id: int | None, now: int) -> int:
    text = check_body(body)
    paper_id = paper_id_of(connection, arxiv_id)
    if parent_id is not None:
        parent = get_comment(connection, parent_id)
        if parent.paper_id != paper_id:
            raise InvalidInput("that reply belongs to another paper")
        parent_id = parent.parent_id or parent.id  # one level of replies
    return connection.execute(
        insert(comments)
        .values(
            paper_id=paper_id, user_id=user.id, parent_id=parent_id, body=text,
            body_html=render_markdown(text), created_at=now, deleted=False, hidden=False,
        )
        .returning(comments.c.id)
    ).scalar_one()


def _own(connection: Connection, user: User, comment_id: int) -> Comment:
    comment = get_comment(connection, comment_id)
    if comment.author.id != user.id:
        raise PermissionDenied("you can only change your own comments")
    if comment.deleted:
        raise NotFound("that comment was deleted")
    return comment


def edit_comment(connection: Connection, *, user: User, comment_id: int, body: str,
                 now: int) -> Comment:
    comment = _own(connection, user, comment_id)
    text = check_body(body)
    connection.execute(
        update(comments)
        .where(comments.c.id == comment_id)
        .values(body=text, body_html=render_markdown(text), edited_at=now)
    )
    return comment


def delete_comment(connection: Connection, *, user: User, comment_id: int) -> Comment:
    comment = _own(connection, user, comment_id)
    connection.execute(
        update(comments)
        .where(comments.c.id == comment_id)
        .values(deleted=True, body="", body_html="")
    )
    return comment


def set_hidden(connection: Connection, *, user: User, comment_id: int, hidden: bool) -> Comment:
    if not user.is_moderator:
        raise PermissionDenied("only moderators can hide comments")
    comment = get_comment(connection, comment_id)
    connection.execute(update(comments).where(comments.c.id == comment_id).values(hidden=hidden))
    return comment


def thread(connection: Connection, paper_id: int, viewer: User | None) -> list[Comment]:
    """Top-level comments, oldest first, each with its replies.

    Deleted and hidden comments stay as placeholders where replies hang from them
    and vanish otherwise; moderators see hidden ones, marked.
    """
    rows = connection.execute(
        _select().where(comments.c.paper_id == paper_id).order_by(comments.c.id)
    )
    every = [_from_row(row) for row in rows]
    roots: dict[int, Comment] = {}
    for comment in every:
        if comment.parent_id is None:
            roots[comment.id] = comment
        elif comment.parent_id in roots and _shown(comment, viewer):
            roots[comment.parent_id].replies.append(comment)
    return [c for c in roots.values() if _shown(c, viewer) or c.replies]


def _shown(comment: Comment, viewer: User | None) -> bool:
    if comment.deleted:
        return False
    return not comment.hidden or (viewer is not None and viewer.is_moderator)


def by_user(connection: Connection, user_id: int, *, limit: int = 50) -> list[Comment]:
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
