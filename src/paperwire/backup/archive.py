"""The archive format: gzip-compressed JSON lines, version 1 (documented in docs/backup.md).

Line 1, the header::

    {"format": "paperwire-archive", "version": 1, "schema_revision": "0007",
     "created_at": "2026-11-28T09:30:00+00:00", "paperwire_version": "0.1.0",
     "source_backend": "sqlite", "excluded": ["job_locks", ...],
     "tables": [{"name": "papers", "columns": [["id", "int"], ...], "rows": 32034}, ...]}

then one line per row, table by table in the header's order (parents before children)::

    {"t": "votes", "r": {"user_id": 3, "paper_id": 17, "voted_at": 1764322200}}

and a final line with what was written, so a cut or edited archive is noticed::

    {"end": true, "rows": {"papers": 32034, ...}, "total": 45678, "sha256": "<hex>"}

``sha256`` is over the bytes of every row line, newlines included, in file order.
Which tables are carried is decided here (every table of ``metadata`` but ``EXCLUDED``),
so a table added later is carried without anyone remembering to.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import orjson

from paperwire import __version__
from paperwire.backup.codecs import CODECS, CodecError, decoder, encoder
from paperwire.db import dump
from paperwire.db.dump import Table
from paperwire.errors import ArchiveError

FORMAT = "paperwire-archive"
VERSION = 1

# Tables an archive does not carry, and why. Everything else in ``metadata`` is carried.
EXCLUDED: dict[str, str] = {
    "user_sessions": "sign-in sessions: everyone signs in again on the restored site",
    "login_tokens": "sign-in links, valid for minutes; they die with the sessions",
    "job_locks": "held by running processes, which do not move with the data",
    "job_failures": "why background jobs failed: queue state, not data (the queue's own"
                    " tables, procrastinate's on PostgreSQL, are not ours and not carried)",
    "embedding_claims": "which running embedder holds which pending papers, for minutes",
    "reader_models": "readers' trained For-you models: the retrain_for_you task trains them again",
    "outbox": "the mail spool: messages already handed over, sign-in links among them",
    "change_log": "where each host's indexes stand; a restore rebuilds them from the papers",
    "rate_limit_events": "who did what in the last hour, to rate-limit them: gone within a day",
    "service_pacing": "when this deployment last asked arXiv for something",
    "github_limits": "GitHub's rate limit on this deployment's token, which lifts within the hour",
}


def archived_tables() -> list[Table]:
    """The tables an archive carries, parents before children."""
    return [t for t in dump.tables() if t.name not in EXCLUDED]


@dataclass(frozen=True, slots=True)
class TableSpec:
    name: str
    columns: tuple[tuple[str, str], ...]  # (column, codec name), in the store's order
    rows: int

    @classmethod
    def of(cls, source: Table, rows: int) -> TableSpec:
        return cls(str(source.name), tuple(dump.column_kinds(source)), rows)


@dataclass(frozen=True, slots=True)
class Header:
    schema_revision: str
    created_at: str
    paperwire_version: str
    source_backend: str
    tables: tuple[TableSpec, ...]
    version: int = VERSION

    @classmethod
    def describe(cls, counts: dict[str, int], *, revision: str, backend: str) -> Header:
        specs = tuple(TableSpec.of(t, counts[t.name]) for t in archived_tables())
        return cls(revision, datetime.now(UTC).isoformat(), __version__, backend, specs)

    @property
    def total_rows(self) -> int:
        return sum(spec.rows for spec in self.tables)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT, "version": self.version, "schema_revision": self.schema_revision,
            "created_at": self.created_at, "paperwire_version": self.paperwire_version,
            "source_backend": self.source_backend, "excluded": sorted(EXCLUDED),
            "tables": [{"name": s.name, "columns": [list(c) for c in s.columns], "rows": s.rows}
                       for s in self.tables],
        }


# -- writing ------------------------------------------------------------------------------


def partial_path(final: Path, pid: int | None = None) -> Path:
    """Where an export writes until it is complete: obviously partial, per process."""
    return final.with_name(f"{final.name}.partial-{os.getpid() if pid is None else pid}")


class ArchiveWriter:
    """Writes to ``FILE.partial-<pid>`` and renames it to ``FILE`` only once the final
    line is written and on disk: a crash or kill leaves no file under the final name."""

    def __init__(self, final: Path, *, compresslevel: int = 6) -> None:
        self.final, self.temp = final, partial_path(final)
        self._raw: IO[bytes] = self.temp.open("wb")
        self._gzip = gzip.GzipFile(fileobj=self._raw, mode="wb", compresslevel=compresslevel,
                                   mtime=0)
        self._hash = hashlib.sha256()
        self.counts: dict[str, int] = {}
        self._encoders: dict[str, list[tuple[str, Callable[[Any], Any]]]] = {}

    def start(self, header: Header) -> None:
        self._gzip.write(orjson.dumps(header.to_json()) + b"\n")
        for spec in header.tables:
            self.counts[spec.name] = 0
            self._encoders[spec.name] = [(name, encoder(CODECS[codec]))
                                         for name, codec in spec.columns]

    def write_rows(self, table_name: str, rows: Sequence[Sequence[Any]]) -> None:
        """Rows as the store returned them, values in the header's column order."""
        columns = self._encoders[table_name]
        lines = []
        for row in rows:
            encoded = {name: encode(value) for (name, encode), value in zip(columns, row, strict=True)}
            lines.append(orjson.dumps({"t": table_name, "r": encoded}) + b"\n")
        chunk = b"".join(lines)
        self._hash.update(chunk)
        self._gzip.write(chunk)
        self.counts[table_name] += len(rows)

    def finish(self) -> str:
        """Write the final line, sync, rename into place; returns the checksum."""
        digest = self._hash.hexdigest()
        trailer = {"end": True, "rows": self.counts, "total": sum(self.counts.values()),
                   "sha256": digest}
        self._gzip.write(orjson.dumps(trailer) + b"\n")
        self._gzip.close()
        self._raw.flush()
        os.fsync(self._raw.fileno())
        self._raw.close()
        os.replace(self.temp, self.final)
        _sync_directory(self.final.parent)
        return digest

    def abandon(self) -> None:
        self._gzip.close()
        self._raw.close()
        self.temp.unlink(missing_ok=True)


def _sync_directory(directory: Path) -> None:
    handle = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def remove_stale_partials(final: Path) -> list[Path]:
    """Delete ``FILE.partial-<pid>`` left by exports whose process is gone."""
    removed = []
    for candidate in final.parent.glob(f"{final.name}.partial-*"):
        pid = candidate.name.rsplit("-", 1)[-1]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            candidate.unlink(missing_ok=True)
            removed.append(candidate)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# -- reading ------------------------------------------------------------------------------


def _lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """(line number, line) from a gzip (or, if it was unpacked, plain) archive; a damaged
    or cut compressed stream is an ``ArchiveError`` naming the line it reached."""
    with path.open("rb") as raw:
        packed = raw.read(2) == b"\x1f\x8b"
        raw.seek(0)
        stream: IO[bytes] = gzip.GzipFile(fileobj=raw, mode="rb") if packed else raw
        number = 0
        try:
            for number, line in enumerate(stream, start=1):
                yield number, line
        except (EOFError, gzip.BadGzipFile, zlib.error, OSError) as error:
            raise ArchiveError(
                f"{path}:{number + 1}: the compressed data is cut short or damaged ({error})"
            ) from None


@dataclass(slots=True)
class _Table:
    spec: TableSpec
    position: int
    names: frozenset[str]
    decoders: list[tuple[str, Callable[[Any], Any]]] = field(default_factory=list)


class ArchiveReader:
    """Reads and checks an archive line by line: ``header`` first, then ``rows()``, which
    raises ``ArchiveError`` (file and line) at the first thing wrong, including a final
    line whose counts or checksum differ from the rows read."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lines = _lines(path)
        self.header = self._read_header()

    def _where(self, number: int) -> str:
        return f"{self.path}:{number}"

    def _read_header(self) -> Header:
        first = next(self._lines, None)
        if first is None:
            raise ArchiveError(f"{self.path}:1: empty file, not a paperwire archive")
        data = self._parse(*first)
        if data.get("format") != FORMAT:
            raise ArchiveError(f"{self._where(1)}: not a paperwire archive (no {FORMAT} header)")
        version = data.get("version")
        if not isinstance(version, int) or version > VERSION:
            raise ArchiveError(f"{self._where(1)}: archive format version {version!r}; this "
                               f"paperwire reads up to version {VERSION}: upgrade paperwire")
        try:
            return _header_of(data)
        except (KeyError, TypeError, ValueError) as error:
            raise ArchiveError(f"{self._where(1)}: malformed header ({error})") from None

    def _parse(self, number: int, line: bytes) -> dict[str, Any]:
        try:
            data = orjson.loads(line)
        except orjson.JSONDecodeError:
            raise ArchiveError(f"{self._where(number)}: not valid JSON") from None
        if not isinstance(data, dict):
            raise ArchiveError(f"{self._where(number)}: not a JSON object")
        return data

    def rows(self) -> Iterator[tuple[TableSpec, dict[str, Any]]]:
        tables = {spec.name: _table(spec, n) for n, spec in enumerate(self.header.tables)}
        counts = dict.fromkeys(tables, 0)
        digest, position, number = hashlib.sha256(), -1, 1
        for number, line in self._lines:
            data = self._parse(number, line)
            if "end" in data:
                self._check_end(number, data, counts, digest.hexdigest())
                return
            known = self._row_table(number, data, tables, position)
            position = known.position
            digest.update(line)
            counts[known.spec.name] += 1
            yield known.spec, self._decode(number, known, data["r"])
        raise ArchiveError(f"{self._where(number + 1)}: the archive ends before its final "
                           "line: it is truncated")

    def _row_table(self, number: int, data: dict[str, Any], tables: dict[str, _Table],
                   position: int) -> _Table:
        name, row = data.get("t"), data.get("r")
        if not isinstance(row, dict):
            raise ArchiveError(f"{self._where(number)}: not a row line (no \"t\" and \"r\")")
        known = tables.get(name)  # type: ignore[arg-type]
        if known is None:
            raise ArchiveError(f"{self._where(number)}: table {name!r} is not in the header")
        if known.position < position:
            raise ArchiveError(f"{self._where(number)}: a row of {name} after later tables' rows")
        if row.keys() != known.names:
            raise ArchiveError(f"{self._where(number)}: {name} row has columns "
                               f"{sorted(row)}, the header says {sorted(known.names)}")
        return known

    def _decode(self, number: int, known: _Table, row: dict[str, Any]) -> dict[str, Any]:
        decoded = {}
        for name, decode in known.decoders:
            try:
                decoded[name] = decode(row[name])
            except CodecError as error:
                raise ArchiveError(
                    f"{self._where(number)}: {known.spec.name}.{name}: {error}"
                ) from None
        return decoded

    def _check_end(self, number: int, data: dict[str, Any], counts: dict[str, int],
                   digest: str) -> None:
        for spec in self.header.tables:
            listed, read = data.get("rows", {}).get(spec.name), counts[spec.name]
            if listed != read or spec.rows != read:
                raise ArchiveError(f"{self._where(number)}: {spec.name}: {read:,} rows read, "
                                   f"{listed} listed at the end, {spec.rows} in the header")
        if data.get("sha256") != digest:
            raise ArchiveError(f"{self._where(number)}: checksum mismatch: the rows differ "
                               "from what was exported")
        for extra, line in self._lines:
            if line.strip():
                raise ArchiveError(f"{self._where(extra)}: text after the final line")


def _table(spec: TableSpec, position: int) -> _Table:
    found = _Table(spec, position, frozenset(name for name, _ in spec.columns))
    found.decoders = [(name, decoder(CODECS[codec])) for name, codec in spec.columns]
    return found


def _header_of(data: dict[str, Any]) -> Header:
    specs = []
    for item in data["tables"]:
        columns = tuple((str(name), str(codec)) for name, codec in item["columns"])
        unknown = [codec for _, codec in columns if codec not in CODECS]
        if unknown:
            raise ValueError(f"{item['name']}: unknown column codecs {unknown}")
        specs.append(TableSpec(str(item["name"]), columns, int(item["rows"])))
    return Header(
        schema_revision=str(data["schema_revision"]), created_at=str(data["created_at"]),
        paperwire_version=str(data["paperwire_version"]),
        source_backend=str(data.get("source_backend", "")), tables=tuple(specs),
        version=int(data["version"]),
    )


def check_archive(path: Path, on_row: Callable[[int, int], None] | None = None) -> Header:
    """Read the whole archive and check every line; returns its header.
    ``on_row(done, total)`` every thousand rows."""
    reader = ArchiveReader(path)
    done, total = 0, reader.header.total_rows
    for _ in reader.rows():
        done += 1
        if on_row and done % 1000 == 0:
            on_row(done, total)
    if on_row:
        on_row(done, total)
    return reader.header
