"""Turn community objects into the API's JSON shapes (plain dicts, for orjson)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from paperwire.api.shapes import object_id, user_ref
from paperwire.community.models import Collection, Comment, Profile, User


def iso(epoch: int | None) -> str | None:
    if epoch is None:
        return None
    stamp = datetime.fromtimestamp(epoch, UTC)
    return stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def person(user: User) -> dict[str, Any]:
    return user_ref(user.username, user.display_name) or {}


def comment(item: Comment, viewer: User | None) -> dict[str, Any]:
    """A comment; a deleted one, or a hidden one shown to a non-moderator, has no text."""
    blank = item.deleted or (item.hidden and not (viewer and viewer.is_moderator))
    return {
        "id": item.id,
        "parentId": item.parent_id,
        "author": person(item.author),
        "createdAt": iso(item.created_at),
        "editedAt": iso(item.edited_at),
        "hidden": item.hidden,
        "deleted": item.deleted,
        "raw": "" if blank else item.body,
        "html": "" if blank else item.body_html,
        "replies": [comment(reply, viewer) for reply in item.replies],
    }


def collection_summary(found: Collection) -> dict[str, Any]:
    return {
        "id": found.id,
        "slug": str(found.id),
        "title": found.name,
        "description": found.description,
        "private": not found.public,
        "owner": person(found.owner),
        "createdAt": iso(found.created_at),
        "numItems": found.size,
    }


def collection(found: Collection) -> dict[str, Any]:
    items = [
        {"type": "paper", "id": item.arxiv_id, "title": item.title, "note": item.note,
         "addedAt": iso(item.added_at)}
        for item in found.items
    ]
    return {**collection_summary(found), "items": items}


def profile(found: Profile) -> dict[str, Any]:
    user = found.user
    return {
        "_id": object_id("user", user.username),
        "name": user.username,
        "fullname": user.display_name,
        "type": "user",
        "role": user.role.value,
        "createdAt": iso(user.created_at),
        "upvotedPapers": [{"id": arxiv_id, "title": title} for arxiv_id, title in found.upvoted],
        "comments": [
            {"id": c.id, "paperId": c.arxiv_id, "paperTitle": c.paper_title,
             "createdAt": iso(c.created_at), "html": c.body_html}
            for c in found.comments
        ],
        "collections": [collection_summary(c) for c in found.collections],
    }


def whoami(user: User) -> dict[str, Any]:
    return {"type": "user", "_id": object_id("user", user.username), "name": user.username,
            "fullname": user.display_name, "email": user.email, "role": user.role.value}
