"""Storage of readers' libraries (``library_entries``) and the paper look-ups matching
uses: by arXiv id, by DOI, and every stored title (for titles with neither).

Statements inside the caller's transaction; which entry matches which paper is the
rule of ``paperwire.library.matching``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy import Connection, and_, delete, desc, func, select
from sqlalchemy.dialects import postgresql, sqlite

from paperwire.db.tables import library_entries, papers
from paperwire.library.models import LibraryItem

CHUNK = 500  # values per IN (...) or per multi-row insert


@dataclass(frozen=True, slots=True)
class NewEntry:
    paper_id: int
    source: str
    source_key: str


def _chunks(values: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def insert_entries(
    connection: Connection, user_id: int, entries: Iterable[NewEntry], *, now: int
) -> int:
    """Add papers to the reader's library; those already in it keep their first entry.
    Returns how many were new."""
    rows = [
        {"user_id": user_id, "paper_id": entry.paper_id, "source": entry.source,
         "source_key": entry.source_key[:500], "added_at": now}
        for entry in {entry.paper_id: entry for entry in entries}.values()
    ]
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    added = 0
    for start in range(0, len(rows), CHUNK):
        statement = (
            dialect.insert(library_entries)
            .values(rows[start : start + CHUNK])
            .on_conflict_do_nothing(index_elements=["user_id", "paper_id"])
            .returning(library_entries.c.paper_id)
        )
        added += len(connection.execute(statement).all())
    return added


def library_paper_ids(connection: Connection, user_id: int) -> list[int]:
    """The papers in the reader's library, first added first."""
    return list(connection.execute(
        select(library_entries.c.paper_id)
        .where(library_entries.c.user_id == user_id)
        .order_by(library_entries.c.added_at, library_entries.c.id)
    ).scalars())


def library_entry_times(connection: Connection, user_id: int) -> list[tuple[int, int]]:
    """(paper id, added at) for each paper in the reader's library."""
    rows = connection.execute(
        select(library_entries.c.paper_id, library_entries.c.added_at)
        .where(library_entries.c.user_id == user_id)
        .order_by(library_entries.c.added_at, library_entries.c.id)
    )
    return [(row[0], row[1]) for row in rows]


def library_items(connection: Connection, user_id: int, *, limit: int | None = None,
                  offset: int = 0) -> list[LibraryItem]:
    """The reader's library with each paper's id and title, newest entry first."""
    statement = (
        select(library_entries.c.paper_id, papers.c.arxiv_id, papers.c.title_text,
               library_entries.c.source, library_entries.c.source_key,
               library_entries.c.added_at)
        .join(papers, papers.c.id == library_entries.c.paper_id)
        .where(library_entries.c.user_id == user_id)
        .order_by(desc(library_entries.c.added_at), desc(library_entries.c.id))
        .offset(offset)
    )
    if limit is not None:
        statement = statement.limit(limit)
    return [LibraryItem(*row) for row in connection.execute(statement)]


def library_size(connection: Connection, user_id: int) -> int:
    return connection.execute(
        select(func.count()).where(library_entries.c.user_id == user_id)
    ).scalar_one()


def delete_entry(connection: Connection, user_id: int, paper_id: int) -> bool:
    """Take one paper out of the reader's library; False if it was not in it."""
    statement = (
        delete(library_entries)
        .where(and_(library_entries.c.user_id == user_id,
                    library_entries.c.paper_id == paper_id))
        .returning(library_entries.c.paper_id)
    )
    return connection.execute(statement).first() is not None


def delete_library(connection: Connection, user_id: int) -> int:
    """Empty the reader's library; returns how many entries went."""
    return connection.execute(
        delete(library_entries).where(library_entries.c.user_id == user_id)
    ).rowcount


# -- look-ups for matching ----------------------------------------------------------------


def ids_by_arxiv_id(connection: Connection, arxiv_ids: Iterable[str]) -> dict[str, int]:
    """Stored paper ids of canonical arXiv ids (those not stored are left out)."""
    found: dict[str, int] = {}
    for chunk in _chunks(sorted(set(arxiv_ids))):
        rows = connection.execute(
            select(papers.c.arxiv_id, papers.c.id).where(papers.c.arxiv_id.in_(chunk))
        )
        found.update((row[0], row[1]) for row in rows)
    return found


def ids_by_doi(connection: Connection, dois: Iterable[str]) -> dict[str, int]:
    """Stored paper ids of DOIs, compared lower-cased (DOIs are case-insensitive); the
    keys are the lower-cased DOIs."""
    found: dict[str, int] = {}
    for chunk in _chunks(sorted({doi.lower() for doi in dois})):
        rows = connection.execute(
            select(func.lower(papers.c.doi), papers.c.id)
            .where(func.lower(papers.c.doi).in_(chunk))
            .order_by(papers.c.id)
        )
        for doi, paper_id in rows:
            found.setdefault(doi, paper_id)
    return found


def stored_titles(connection: Connection) -> Iterator[tuple[int, str]]:
    """(paper id, plain title) of every stored paper, oldest id first, streamed."""
    result = connection.execution_options(yield_per=5000).execute(
        select(papers.c.id, papers.c.title_text).order_by(papers.c.id)
    )
    for row in result:
        yield row[0], row[1]
