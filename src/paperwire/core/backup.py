"""Export and restore: the whole store as one archive (docs/backup.md)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from paperwire.backup.archive import (
    ArchiveReader,
    ArchiveWriter,
    Header,
    TableSpec,
    archived_tables,
    check_archive,
    remove_stale_partials,
)
from paperwire.core.search import SearchCore
from paperwire.db import dump, migrate
from paperwire.db.session import (
    Connection,
    read_transaction,
    snapshot_transaction,
    write_transaction,
)
from paperwire.errors import ArchiveError, StoreNotEmpty

RESTORE_BATCH = 1_000
ExportProgress = Callable[[int, int], None]  # (rows written, rows in all)
RestoreProgress = Callable[[str, int, int | None], None]  # (phase, done, total)


@dataclass(slots=True)
class ExportReport:
    path: Path
    rows: dict[str, int]
    sha256: str
    size: int
    revision: str

    @property
    def total(self) -> int:
        return sum(self.rows.values())


@dataclass(slots=True)
class RestoreReport:
    rows: dict[str, int] = field(default_factory=dict)
    revision: str = ""  # the archive's
    upgraded_to: str | None = None  # set when the archive's revision was older
    keyword_indexed: int = 0
    vectors_indexed: int = 0  # vectors from the archive put in the vector index
    embedded: int = 0  # papers the archive's vectors did not cover, embedded now

    @property
    def total(self) -> int:
        return sum(self.rows.values())


class _Pacer:
    """At most ``rate`` rows a second (None: as fast as the store goes)."""

    def __init__(self, rate: float | None) -> None:
        self.rate, self.started = rate, time.monotonic()

    def wait(self, done: int) -> None:
        if self.rate:
            ahead = done / self.rate - (time.monotonic() - self.started)
            if ahead > 0:
                time.sleep(ahead)


class BackupCore(SearchCore):
    """Builds on search: a restore ends by rebuilding the search indexes."""

    def row_counts(self) -> dict[str, int]:
        """The row count of every table, e.g. ``{"papers": 32034, "votes": 10000, ...}``."""
        with read_transaction(self.engine) as connection:
            return dump.row_counts(connection, dump.tables())

    # -- export ---------------------------------------------------------------------

    def export_archive(self, path: Path, *, on_progress: ExportProgress | None = None,
                       rows_per_second: float | None = None) -> ExportReport:
        """Write the whole store, as of one moment, to one archive (docs/backup.md).

        One read transaction, so the site keeps serving and writing meanwhile; the file
        appears under ``path`` only when complete."""
        self.ensure_ready()
        tables, pacer = archived_tables(), _Pacer(rows_per_second)
        with snapshot_transaction(self.engine) as connection:
            counts = dump.row_counts(connection, tables)
            header = Header.describe(counts, revision=migrate.revision_of(connection) or "",
                                     backend=connection.dialect.name)
            writer = ArchiveWriter(path)
            try:
                writer.start(header)
                done = 0
                for source in tables:
                    for chunk in _paced(dump.stream_rows(connection, source), pacer, done):
                        writer.write_rows(source.name, chunk)
                        done += len(chunk)
                        if on_progress:
                            on_progress(done, header.total_rows)
                digest = writer.finish()
            except BaseException:
                writer.abandon()
                raise
        remove_stale_partials(path)
        return ExportReport(path, writer.counts, digest, path.stat().st_size,
                            header.schema_revision)

    # -- restore --------------------------------------------------------------------

    def restore_archive(self, path: Path, *,
                        on_progress: RestoreProgress | None = None) -> RestoreReport:
        """Load an archive into an empty store, then rebuild the search indexes.

        The whole archive is checked before the store is touched, and loaded in one
        transaction: a bad archive or a failed load leaves the store as it was."""
        progress = on_progress or (lambda _phase, _done, _total: None)
        self._refuse_unless_empty()
        header = check_archive(path, lambda done, total: progress("checking", done, total))
        report = RestoreReport(revision=header.schema_revision)
        head = self._restore_revision(header)
        self._migrate_to(header.schema_revision)
        report.rows = self._load(path, header, progress)
        if head != header.schema_revision:
            migrate.upgrade(self.engine)
            report.upgraded_to = head
        self._rebuild_indexes(report, progress)
        return report

    def _refuse_unless_empty(self) -> None:
        with read_transaction(self.engine) as connection:
            _refuse_if_occupied(connection)

    def _restore_revision(self, header: Header) -> str:
        """The code's head; refuses an archive from a schema this code does not know."""
        order = migrate.revision_order(self.engine)
        if header.schema_revision not in order:
            raise ArchiveError(
                f"the archive's schema revision {header.schema_revision!r} is unknown here "
                f"(this paperwire knows {order[0]} to {order[-1]}): restore it with the "
                f"paperwire that wrote it ({header.paperwire_version}) or a newer one"
            )
        return order[-1]

    def _migrate_to(self, revision: str) -> None:
        """Bring the (empty) store's schema to the archive's revision."""
        order = migrate.revision_order(self.engine)
        current = migrate.current_revision(self.engine)
        if current is None or order.index(current) < order.index(revision):
            migrate.upgrade(self.engine, revision)
        elif order.index(current) > order.index(revision):
            migrate.downgrade(self.engine, revision)  # empty: there is nothing to lose

    def _load(self, path: Path, header: Header, progress: RestoreProgress) -> dict[str, int]:
        total = header.total_rows
        with write_transaction(self.engine) as connection:
            _refuse_if_occupied(connection)  # again, under the write lock
            targets = _targets(connection, header)
            counts = dict.fromkeys(targets, 0)
            batch: list[dict[str, Any]] = []
            current: TableSpec | None = None
            for spec, row in ArchiveReader(path).rows():
                if current is not None and (spec is not current or len(batch) >= RESTORE_BATCH):
                    dump.insert_rows(connection, targets[current.name], batch)
                    counts[current.name] += len(batch)
                    batch = []
                    progress("loading", sum(counts.values()), total)
                current = spec
                batch.append(row)
            if current is not None:
                dump.insert_rows(connection, targets[current.name], batch)
                counts[current.name] += len(batch)
            progress("loading", sum(counts.values()), total)
            dump.reset_sequences(connection, targets)
        return counts

    def _rebuild_indexes(self, report: RestoreReport, progress: RestoreProgress) -> None:
        """The tantivy keyword index from the papers (FTS5 and PostgreSQL's tsvector filled
        themselves as rows went in); the vector index from the archive's vectors, then
        the model runs only for papers those vectors do not cover."""
        papers = report.rows.get("papers", 0)
        if self.text_index is not None:
            report.keyword_indexed = self.text_index.sync(
                fresh=True, on_progress=lambda done: progress("keyword index", done, papers)
            )
        report.vectors_indexed = self.rebuild_vector_index()
        embedded = self.embed_pending(
            on_progress=lambda done, total: progress("embedding", done, total)
        )
        report.embedded = embedded.embedded


def _paced(chunks: Any, pacer: _Pacer, done: int) -> Any:
    for chunk in chunks:
        pacer.wait(done + len(chunk))
        done += len(chunk)
        yield chunk


def _refuse_if_occupied(connection: Connection) -> None:
    occupied = dump.occupied_tables(connection)
    if occupied:
        shown = ", ".join(occupied[:6]) + (" ..." if len(occupied) > 6 else "")
        raise StoreNotEmpty(
            f"the store is not empty ({shown} have rows): restore loads only into an empty "
            "store; nothing was changed"
        )


def _targets(connection: Connection, header: Header) -> dict[str, Any]:
    """The store's tables as the archive names them; refuses a table or column the store
    (now at the archive's revision) lacks."""
    present = dump.existing_tables(connection)
    targets = {}
    for spec in header.tables:
        if spec.name not in present:
            raise ArchiveError(f"the store has no table {spec.name} at schema revision "
                               f"{header.schema_revision}")
        missing = {name for name, _ in spec.columns} - dump.store_columns(connection, spec.name)
        if missing:
            raise ArchiveError(f"the store's {spec.name} has no column(s) {sorted(missing)}")
        targets[spec.name] = dump.table_for(spec.name, spec.columns)
    return targets
