"""Upvotes: one row per (user, paper) and an exact denormalized count on ``papers``.

The count only ever moves by ``upvotes = upvotes ± 1`` in SQL, and only when the
insert or delete of the vote row actually happened, so it stays equal to a
recount of the votes table however many writers race. The statements are in
``paperwire.db.votes``.
"""

from __future__ import annotations

from paperwire.community.models import VoteState
from paperwire.db import votes as store
from paperwire.db.session import Connection
from paperwire.errors import PaperNotFound


def paper_id_of(connection: Connection, arxiv_id: str) -> int:
    paper_id = store.paper_id(connection, arxiv_id)
    if paper_id is None:
        raise PaperNotFound(arxiv_id)
    return paper_id


def set_vote(
    connection: Connection, *, user_id: int, arxiv_id: str, up: bool, now: int
) -> VoteState:
    """Make the user's vote on the paper ``up`` (or not); idempotent."""
    paper_id = paper_id_of(connection, arxiv_id)
    if up:
        changed = store.insert_vote(connection, user_id=user_id, paper_id=paper_id, voted_at=now)
    else:
        changed = store.delete_vote(connection, user_id=user_id, paper_id=paper_id)
    if changed:
        return VoteState(arxiv_id, up, store.bump_upvotes(connection, paper_id, 1 if up else -1))
    return VoteState(arxiv_id, up, store.upvotes(connection, paper_id))


def toggle_vote(connection: Connection, *, user_id: int, arxiv_id: str, now: int) -> VoteState:
    """Flip the user's vote: the delete either removes a row or the insert adds one."""
    paper_id = paper_id_of(connection, arxiv_id)
    if store.delete_vote(connection, user_id=user_id, paper_id=paper_id):
        return VoteState(arxiv_id, False, store.bump_upvotes(connection, paper_id, -1))
    if store.insert_vote(connection, user_id=user_id, paper_id=paper_id, voted_at=now):
        return VoteState(arxiv_id, True, store.bump_upvotes(connection, paper_id, 1))
    return VoteState(arxiv_id, True, store.upvotes(connection, paper_id))

