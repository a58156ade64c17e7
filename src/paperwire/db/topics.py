"""Storage read behind a user's topics: the categories of the papers they upvoted or saved."""

from __future__ import annotations

from sqlalchemy import Connection, func, select, union_all

from paperwire.db.tables import collection_items, collections, papers, votes


def categories_of_user(connection: Connection, user_id: int, *, limit: int) -> list[str]:
    """The primary categories of the user's upvoted and saved papers, most frequent first
    (ties by name); a paper upvoted and saved counts twice."""
    voted = (
        select(papers.c.primary_category.label("category"))
        .join(votes, votes.c.paper_id == papers.c.id)
        .where(votes.c.user_id == user_id)
    )
    saved = (
        select(papers.c.primary_category.label("category"))
        .join(collection_items, collection_items.c.paper_id == papers.c.id)
        .join(collections, collections.c.id == collection_items.c.collection_id)
        .where(collections.c.user_id == user_id)
    )
    both = union_all(voted, saved).subquery()
    rows = connection.execute(
        select(both.c.category, func.count().label("n"))
        .where(both.c.category.is_not(None))
        .group_by(both.c.category)
        .order_by(func.count().desc(), both.c.category)
        .limit(limit)
    )
    return [row[0] for row in rows]
