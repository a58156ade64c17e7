"""Store paper records in batches: insert new papers, update papers a newer record
describes, and leave the rest untouched. Every source ends up here."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from paperwire.db.authors import author_rows
from paperwire.db.links import replace_author_links, write_author_links
from paperwire.db.tables import paper_authors, paper_categories, paper_versions, papers
from paperwire.records import PaperRecord, Version


@dataclass(slots=True)
class UpsertCounts:
    added: int = 0
    updated: int = 0
    unchanged: int = 0

    def __iadd__(self, other: UpsertCounts) -> UpsertCounts:
        self.added += other.added
        self.updated += other.updated
        self.unchanged += other.unchanged
        return self


def freshness_key(record: PaperRecord) -> str:
    version, stamp = record.freshness
    return f"{version:04d}|{stamp}"


def upsert_papers(
    connection: Connection, records: Iterable[PaperRecord], *, now: datetime | None = None
) -> UpsertCounts:
    """Upsert one batch inside the caller's transaction. Returns what happened."""
    now = now or datetime.now(UTC)
    batch = _newest_per_id(records)
    if not batch:
        return UpsertCounts()
    existing = {
        row.arxiv_id: row
        for row in connection.execute(
            select(
                papers.c.id, papers.c.arxiv_id, papers.c.content_hash,
                papers.c.freshness, papers.c.announced_on,
            ).where(papers.c.arxiv_id.in_(list(batch)))
        )
    }
    counts = UpsertCounts()
    new, changed = [], []
    for arxiv_id, record in batch.items():
        row = existing.get(arxiv_id)
        if row is None:
            new.append(record)
        elif row.content_hash != record.content_hash() and freshness_key(record) > row.freshness:
            changed.append((row, record))
        else:
            counts.unchanged += 1
    _insert(connection, new, now)
    _update(connection, changed, now)
    counts.added, counts.updated = len(new), len(changed)
    return counts


def set_upvotes(connection: Connection, votes: dict[str, int]) -> None:
    """Set stored papers' upvote counts by arXiv id (an id not in the store changes nothing)."""
    if not votes:
        return
    connection.execute(
        update(papers)
        .where(papers.c.arxiv_id == bindparam("target"))
        .values(upvotes=bindparam("votes")),
        [{"target": arxiv_id, "votes": count} for arxiv_id, count in votes.items()],
    )


def _newest_per_id(records: Iterable[PaperRecord]) -> dict[str, PaperRecord]:
    newest: dict[str, PaperRecord] = {}
    for record in records:
        seen = newest.get(record.arxiv_id)
        if seen is None or freshness_key(record) >= freshness_key(seen):
            newest[record.arxiv_id] = record
    return newest


def _announced_on(record: PaperRecord, now: datetime) -> date:
    if record.announced_on:
        return record.announced_on
    if record.published:
        return record.published.date()
    return record.update_date or now.date()


def _paper_row(record: PaperRecord, versions: list[Version], now: datetime) -> dict:
    return {
        "title": record.title,
        "abstract": record.abstract,
        "authors": record.authors,
        "title_text": record.plain_title(),
        "abstract_text": record.plain_abstract(),
        "authors_text": ", ".join(record.authors),
        "primary_category": record.primary_category,
        "categories": record.categories,
        "submitter": record.submitter,
        "comments": record.comments,
        "journal_ref": record.journal_ref,
        "doi": record.doi,
        "report_no": record.report_no,
        "license": record.license,
        "latest_version": versions[-1].number if versions else 0,
        "published": versions[0].created if versions else None,
        "updated": versions[-1].created if versions else None,
        "update_date": record.update_date,
        "withdrawn": record.withdrawn,
        "content_hash": record.content_hash(),
        "freshness": freshness_key(record),
        "modified_at": now,
    }


def _insert(connection: Connection, records: list[PaperRecord], now: datetime) -> None:
    if not records:
        return
    rows = [
        {
            **_paper_row(record, record.versions, now),
            "arxiv_id": record.arxiv_id,
            "announced_on": _announced_on(record, now),
            "upvotes": record.upvotes or 0,
            "created_at": now,
        }
        for record in records
    ]
    # A plain executemany and one SELECT for the new ids: RETURNING with ordered
    # parameters makes SQLite run one INSERT per row, several times slower.
    connection.execute(insert(papers), rows)
    ids = dict(
        connection.execute(
            select(papers.c.arxiv_id, papers.c.id).where(
                papers.c.arxiv_id.in_([record.arxiv_id for record in records])
            )
        ).all()
    )
    _write_children(connection, [(ids[r.arxiv_id], r.categories, r.versions) for r in records])
    _write_authors(connection, [(ids[r.arxiv_id], r.authors) for r in records])
    write_author_links(connection, [(ids[r.arxiv_id], r.abstract, r.comments) for r in records])


def _update(
    connection: Connection, changed: list[tuple[object, PaperRecord]], now: datetime
) -> None:
    if not changed:
        return
    paper_ids = [row.id for row, _ in changed]
    known = _known_versions(connection, paper_ids)
    rows, children = [], []
    for row, record in changed:
        merged = {v.number: v for v in known.get(row.id, [])}
        merged.update({v.number: v for v in record.versions})
        versions = [merged[number] for number in sorted(merged)]
        values = _paper_row(record, versions, now)
        values["announced_on"] = record.announced_on or row.announced_on
        if record.upvotes is not None:
            values["upvotes"] = record.upvotes
        rows.append({"target_id": row.id, **values})
        children.append((row.id, record.categories, versions))
    # Rows differ in which columns they set (upvotes), so group by shape.
    for shape in {tuple(sorted(r)) for r in rows}:
        group = [r for r in rows if tuple(sorted(r)) == shape]
        columns = {name: bindparam(name) for name in shape if name != "target_id"}
        statement = update(papers).where(papers.c.id == bindparam("target_id")).values(columns)
        connection.execute(statement, group)
    connection.execute(delete(paper_versions).where(paper_versions.c.paper_id.in_(paper_ids)))
    connection.execute(
        delete(paper_categories).where(paper_categories.c.paper_id.in_(paper_ids))
    )
    connection.execute(delete(paper_authors).where(paper_authors.c.paper_id.in_(paper_ids)))
    _write_children(connection, children)
    _write_authors(connection, [(row.id, record.authors) for row, record in changed])
    replace_author_links(connection, [(row.id, r.abstract, r.comments) for row, r in changed])


def _known_versions(connection: Connection, paper_ids: list[int]) -> dict[int, list[Version]]:
    known: dict[int, list[Version]] = {}
    rows = connection.execute(
        select(paper_versions).where(paper_versions.c.paper_id.in_(paper_ids))
    )
    for row in rows:
        created = row.created if row.created.tzinfo else row.created.replace(tzinfo=UTC)
        known.setdefault(row.paper_id, []).append(Version(row.version, created))
    return known


def _write_children(
    connection: Connection, items: list[tuple[int, list[str], list[Version]]]
) -> None:
    version_rows = [
        {"paper_id": pid, "version": v.number, "created": v.created}
        for pid, _, versions in items
        for v in versions
    ]
    category_rows = [
        {"paper_id": pid, "category": category, "position": position}
        for pid, categories, _ in items
        for position, category in enumerate(dict.fromkeys(categories))
    ]
    if version_rows:
        connection.execute(insert(paper_versions), version_rows)
    if category_rows:
        connection.execute(insert(paper_categories), category_rows)


def _write_authors(connection: Connection, items: list[tuple[int, list[str]]]) -> None:
    rows = [row for paper_id, names in items for row in author_rows(paper_id, names)]
    if rows:
        connection.execute(insert(paper_authors), rows)
