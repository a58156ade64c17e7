"""Comments: Markdown with math, one level of replies, edit/delete own, moderators hide.

The rules, run inside the caller's transaction; the statements are in
``paperwire.db.comments``.
"""

from __future__ import annotations

from paperwire.community.markup import render_markdown
from paperwire.community.models import Comment, User
from paperwire.community.votes import paper_id_of
from paperwire.db import comments as store
from paperwire.db.session import Connection
from paperwire.errors import InvalidInput, NotFound, PermissionDenied

MAX_LENGTH = 10_000


def check_body(body: str) -> str:
    text = body.replace("\r\n", "\n").replace("\x00", "").strip()  # PostgreSQL: no NUL
    if not text:
        raise InvalidInput("a comment cannot be empty")
    if len(text) > MAX_LENGTH:
        raise InvalidInput(f"a comment has at most {MAX_LENGTH:,} characters")
    return text


def get_comment(connection: Connection, comment_id: int) -> Comment:
    comment = store.get_comment(connection, comment_id)
    if comment is None:
        raise NotFound("no such comment")
    return comment


def add_comment(connection: Connection, *, user: User, arxiv_id: str, body: str,
                parent_id: int | None, now: int) -> int:
    text = check_body(body)
    paper_id = paper_id_of(connection, arxiv_id)
    if parent_id is not None:
        parent = get_comment(connection, parent_id)
        if parent.paper_id != paper_id:
            raise InvalidInput("that reply belongs to another paper")
        parent_id = parent.parent_id or parent.id  # one level of replies
    return store.insert_comment(
        connection, paper_id=paper_id, user_id=user.id, parent_id=parent_id, body=text,
        body_html=render_markdown(text), created_at=now,
    )


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
    store.update_body(connection, comment_id, body=text, body_html=render_markdown(text),
                      edited_at=now)
    return comment


def delete_comment(connection: Connection, *, user: User, comment_id: int) -> Comment:
    comment = _own(connection, user, comment_id)
    store.mark_deleted(connection, comment_id)
    return comment


def set_hidden(connection: Connection, *, user: User, comment_id: int, hidden: bool) -> Comment:
    if not user.is_moderator:
        raise PermissionDenied("only moderators can hide comments")
    comment = get_comment(connection, comment_id)
    store.set_hidden(connection, comment_id, hidden)
    return comment


def thread(connection: Connection, paper_id: int, viewer: User | None) -> list[Comment]:
    """Top-level comments, oldest first, each with its replies.

    Deleted and hidden comments stay as placeholders where replies hang from them
    and vanish otherwise; moderators see hidden ones, marked.
    """
    roots: dict[int, Comment] = {}
    for comment in store.paper_comments(connection, paper_id):
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
    return store.shown_by_user(connection, user_id, limit=limit)
