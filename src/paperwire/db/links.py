"""Storage of code and project links (``paper_links``): the authors' links, written with
each paper by ``db/upsert.py``, and reading them for pages, lists and the API. Statements
inside the caller's transaction."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, delete, exists, func, insert, select, update

from paperwire.db.tables import paper_links, papers, users
from paperwire.links import Link, extract_links
from paperwire.models import PaperLink

ACTIVE = "active"
PENDING = "pending"
REJECTED = "rejected"
REPLACED = "replaced"  # an approved reader's correction names a better link


def author_link_rows(paper_id: int, abstract: str | None, comments: str | None,
                     now: int, corrected: frozenset[str] = frozenset()) -> list[dict[str, Any]]:
    """The ``paper_links`` rows the paper's own text gives (``corrected``: URLs a reader's
    approved correction replaces, kept as ``replaced``)."""
    return [
        {"paper_id": paper_id, "position": position, "kind": link.kind, "host": link.host,
         "url": link.url, "owner": link.owner, "name": link.name, "source": "authors",
         "status": REPLACED if link.url in corrected else ACTIVE, "created_at": now}
        for position, link in enumerate(extract_links(abstract, comments))
    ]


def write_author_links(connection: Connection,
                       items: list[tuple[int, str | None, str | None]]) -> None:
    """Store the authors' links of papers just inserted (no rows of theirs yet)."""
    now = int(time.time())
    rows = [row for paper_id, abstract, comments in items
            for row in author_link_rows(paper_id, abstract, comments, now)]
    if rows:
        connection.execute(insert(paper_links), rows)


def replace_author_links(connection: Connection,
                         items: list[tuple[int, str | None, str | None]]) -> None:
    """Re-derive the authors' links of updated papers; readers' links stay, and an
    authors' link that a shown reader's link already names is left to the reader's
    row. A pending or rejected reader's row for a link the authors now give is dropped:
    the authors' word settles it (and a refused proposal must not hide it)."""
    paper_ids = [paper_id for paper_id, _, _ in items]
    if not paper_ids:
        return
    connection.execute(delete(paper_links).where(
        paper_links.c.paper_id.in_(paper_ids), paper_links.c.source == "authors"))
    corrected = _corrected(connection, paper_ids)
    now = int(time.time())
    rows = [row for paper_id, abstract, comments in items
            for row in author_link_rows(paper_id, abstract, comments, now,
                                        corrected.get(paper_id, frozenset()))]
    _drop_unsettled_readers_rows(connection, paper_ids, {(r["paper_id"], r["url"]) for r in rows})
    taken = {tuple(row) for row in connection.execute(
        select(paper_links.c.paper_id, paper_links.c.url).where(
            paper_links.c.paper_id.in_(paper_ids))).all()}
    rows = [row for row in rows if (row["paper_id"], row["url"]) not in taken]
    if rows:
        connection.execute(insert(paper_links), rows)


def _drop_unsettled_readers_rows(connection: Connection, paper_ids: list[int],
                                 given: set[tuple[int, str]]) -> None:
    """Delete readers' pending or rejected rows whose (paper, URL) is in ``given``."""
    unsettled = connection.execute(
        select(paper_links.c.id, paper_links.c.paper_id, paper_links.c.url).where(
            paper_links.c.paper_id.in_(paper_ids), paper_links.c.source == "reader",
            paper_links.c.status.in_([PENDING, REJECTED]))).all()
    doomed = [row.id for row in unsettled if (row.paper_id, row.url) in given]
    if doomed:
        connection.execute(delete(paper_links).where(paper_links.c.id.in_(doomed)))


def _corrected(connection: Connection, paper_ids: list[int]) -> dict[int, frozenset[str]]:
    """By paper, the URLs that approved readers' corrections replace."""
    found: dict[int, set[str]] = {}
    for paper_id, url in connection.execute(
            select(paper_links.c.paper_id, paper_links.c.corrects).where(
                paper_links.c.paper_id.in_(paper_ids), paper_links.c.status == ACTIVE,
                paper_links.c.corrects.is_not(None))):
        found.setdefault(paper_id, set()).add(url)
    return {paper_id: frozenset(urls) for paper_id, urls in found.items()}


def links_of(connection: Connection, paper_ids: list[int]) -> dict[int, list[PaperLink]]:
    """The active links of the papers, by paper, repositories first, in paper order."""
    found: dict[int, list[PaperLink]] = {}
    if not paper_ids:
        return found
    rows = connection.execute(
        select(paper_links.c.paper_id, paper_links.c.kind, paper_links.c.host,
               paper_links.c.url, paper_links.c.owner, paper_links.c.name,
               paper_links.c.source)
        .where(paper_links.c.paper_id.in_(paper_ids), paper_links.c.status == ACTIVE)
        .order_by(paper_links.c.paper_id, paper_links.c.kind.desc(), paper_links.c.position,
                  paper_links.c.id)
    )
    for row in rows:
        found.setdefault(row.paper_id, []).append(PaperLink(
            kind=row.kind, host=row.host, url=row.url, owner=row.owner, name=row.name,
            source=row.source))
    return found


def has_code() -> ColumnElement[bool]:
    """A WHERE clause: the paper has an active repository link."""
    return exists().where(and_(paper_links.c.paper_id == papers.c.id,
                               paper_links.c.kind == "repo",
                               paper_links.c.status == ACTIVE))




# -- readers' proposals ---------------------------------------------------------------------


def is_active_link(connection: Connection, paper_id: int, url: str) -> bool:
    """Whether the paper shows this link now (what a correction may replace)."""
    return connection.execute(select(paper_links.c.id).where(
        paper_links.c.paper_id == paper_id, paper_links.c.url == url,
        paper_links.c.status == ACTIVE)).first() is not None


def propose(connection: Connection, *, paper_id: int, link: Link, user_id: int,
            now: int, corrects: str | None = None) -> bool:
    """Store a reader's proposed link, pending, replacing the paper's link ``corrects``
    once approved (None: an added link); False when the paper already has it (from the
    authors, or proposed before)."""
    known = connection.execute(select(paper_links.c.id).where(
        paper_links.c.paper_id == paper_id, paper_links.c.url == link.url)).first()
    if known is not None:
        return False
    in_place = paper_links.c.url == corrects  # a correction shows where its link was
    position = connection.execute(
        select(paper_links.c.position).where(paper_links.c.paper_id == paper_id, in_place)
        if corrects else
        select(func.coalesce(func.max(paper_links.c.position), -1) + 1)
        .where(paper_links.c.paper_id == paper_id)).scalar_one()
    connection.execute(insert(paper_links).values(
        paper_id=paper_id, position=position, kind=link.kind, host=link.host, url=link.url,
        owner=link.owner, name=link.name, source="reader", status=PENDING, created_at=now,
        proposed_by=user_id, corrects=corrects))
    return True


def pending_proposals(connection: Connection) -> list[dict[str, Any]]:
    """Proposals waiting for a moderator, oldest first, with the paper, the reader and
    the link a correction replaces."""
    return [dict(row._mapping) for row in connection.execute(
        select(paper_links.c.id, paper_links.c.kind, paper_links.c.url,
               paper_links.c.corrects, paper_links.c.created_at, papers.c.arxiv_id,
               papers.c.title_text, users.c.username)
        .join(papers, papers.c.id == paper_links.c.paper_id)
        .outerjoin(users, users.c.id == paper_links.c.proposed_by)
        .where(paper_links.c.status == PENDING)
        .order_by(paper_links.c.created_at, paper_links.c.id))]


def decide_proposal(connection: Connection, link_id: int, *, approve: bool,
                    moderator_id: int) -> bool:
    """Approve (shown from now on, in place of the link it corrects) or reject a pending
    proposal; False if none is pending."""
    proposal = connection.execute(select(paper_links.c.paper_id, paper_links.c.corrects).where(
        paper_links.c.id == link_id, paper_links.c.status == PENDING)).first()
    if proposal is None:
        return False
    decided = connection.execute(
        update(paper_links).where(paper_links.c.id == link_id, paper_links.c.status == PENDING)
        .values(status=ACTIVE if approve else REJECTED,
                approved_by=moderator_id if approve else None))
    if decided.rowcount != 1:
        return False  # another moderator decided it meanwhile
    if approve and proposal.corrects is not None:
        connection.execute(update(paper_links).where(
            paper_links.c.paper_id == proposal.paper_id,
            paper_links.c.url == proposal.corrects).values(status=REPLACED))
    return True
