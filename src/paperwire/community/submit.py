"""Submitting a paper: a signed-in user names an arXiv id; paperwire stores it if it
must (fetched through the arXiv API by ``Paperwire.add_papers``, the harvest
layer) and lists it with "submitted by".

A paper fetched for a submission is listed on the day it was submitted. One
already stored keeps its listing day and gains the "submitted by" line. Each
paper can be submitted once (the key of ``submissions``), and only while its
first version is younger than ``submission_window_days`` (a paper fetched and
then refused as too old stays stored, listed on its own announcement day).
The statements are in ``paperwire.db.submissions``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from paperwire.community.models import User
from paperwire.db import submissions as store
from paperwire.db.session import Connection
from paperwire.errors import SubmissionRefused


def stored_paper(connection: Connection, arxiv_id: str) -> tuple[int, datetime | None] | None:
    """(paper id, first published) of a stored paper; None if it is not stored."""
    return store.stored_paper(connection, arxiv_id)


def check_window(arxiv_id: str, published: datetime | None, *, today: date,
                 window_days: int) -> None:
    if published is None:
        return
    if published.date() < today - timedelta(days=window_days):
        raise SubmissionRefused(
            f"{arxiv_id} was first published on {published.date():%b %d, %Y}: only papers"
            f" from the last {window_days} days can be submitted"
        )


def record_submission(connection: Connection, *, paper_id: int, arxiv_id: str, user: User,
                      now: int) -> None:
    """Insert the submission; a paper already submitted is refused, by the key."""
    if not store.insert_submission(connection, paper_id=paper_id, user_id=user.id,
                                   submitted_at=now):
        who = store.submitter(connection, paper_id)
        raise SubmissionRefused(f"{arxiv_id} has already been submitted (by {who})")


def list_today(connection: Connection, paper_id: int, today: date) -> None:
    """A paper fetched for its submission is listed on the day it was submitted."""
    store.list_on(connection, paper_id, today)
