"""A user's topics: the arXiv categories of the papers they upvoted or saved.

Paperwire has no recommender yet; a personal feed lists the newest papers in
these categories (see docs/feeds.md). The statement is in ``paperwire.db.topics``.
"""

from __future__ import annotations

from paperwire.db.session import Connection
from paperwire.db.topics import categories_of_user

MAX_TOPICS = 5


def user_topics(connection: Connection, user_id: int, *, limit: int = MAX_TOPICS) -> list[str]:
    """The primary categories of the user's upvoted and saved papers, most frequent first."""
    return categories_of_user(connection, user_id, limit=limit)
