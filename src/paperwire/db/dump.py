"""Storage for export and restore: every table's rows read in one snapshot, rows written in
batches, row counts, and the PostgreSQL sequences set after explicit ids.

Which tables an archive carries, and how values are encoded, is the archive's business
(``paperwire.backup.archive`` and ``codecs``); this module only speaks SQL, and names
each column's kind (``int``, ``datetime`` ...), the name an archive's header gives it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Connection,
    Date,
    DateTime,
    Float,
    Integer,
    LargeBinary,
    String,
    Table,
    UniqueConstraint,
    column,
    func,
    insert,
    inspect,
    select,
    table,
    text,
)
from sqlalchemy.types import TypeEngine

from paperwire.db.tables import metadata

__all__ = [
    "KIND_TYPES", "Table", "column_kind", "column_kinds", "existing_tables", "insert_rows",
    "occupied_tables", "order_columns", "reset_sequences", "row_counts", "store_columns",
    "stream_rows", "table_for", "tables",
]

STREAM_CHUNK = 2_000  # rows per server-side cursor fetch

# Each column kind an archive knows, and the SQL type its values are written back with.
KIND_TYPES: dict[str, Callable[[], TypeEngine[Any]]] = {
    "int": Integer, "float": Float, "str": String, "bool": Boolean,
    "datetime": lambda: DateTime(timezone=True), "date": Date, "bytes": LargeBinary,
    "json": JSON,
}
# Checked in this order: Boolean before Integer, DateTime before Date (unrelated classes,
# but kept apart for clarity), Text is a String, BigInteger an Integer.
_KIND_OF: list[tuple[type, str]] = [
    (Boolean, "bool"), (DateTime, "datetime"), (Date, "date"), (LargeBinary, "bytes"),
    (JSON, "json"), (Float, "float"), (Integer, "int"), (String, "str"),
]


def tables() -> list[Table]:
    """Every table of the store, parents before children."""
    return list(metadata.sorted_tables)


def column_kind(column_type: TypeEngine[Any]) -> str:
    """A column type's kind; a type with none is a bug to fix here, not data to lose."""
    for sql_class, kind in _KIND_OF:
        if isinstance(column_type, sql_class):
            return kind
    raise TypeError(f"no archive codec for column type {column_type!r}: add a kind to "
                    f"{__name__} and its codec to paperwire.backup.codecs")


def column_kinds(source: Table) -> list[tuple[str, str]]:
    """A table's columns in the store's order, each with its kind."""
    return [(str(c.name), column_kind(c.type)) for c in source.columns]


def order_columns(source: Table) -> list[Any]:
    """A stable order for a table's rows: its primary key, else its first unique
    constraint, else every column. Parents come before replies (comments.parent_id)
    because ids grow."""
    if source.primary_key.columns:
        return list(source.primary_key.columns)
    uniques = [c for c in source.constraints if isinstance(c, UniqueConstraint)]
    for constraint in sorted(uniques, key=lambda c: str(c.name or "")):
        return list(constraint.columns)
    return list(source.columns)


def stream_rows(connection: Connection, source: Table) -> Iterator[Sequence[Any]]:
    """A table's rows in chunks, through a server-side cursor where the driver has one
    (PostgreSQL), so memory stays flat however big the table is."""
    statement = (
        select(source).order_by(*order_columns(source)).execution_options(yield_per=STREAM_CHUNK)
    )
    result = connection.execute(statement)
    try:
        yield from result.partitions()
    finally:
        result.close()


def existing_tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


def row_counts(connection: Connection, tables: Iterable[Table]) -> dict[str, int]:
    """Exact row counts, one statement for all the tables."""
    chosen = list(tables)
    if not chosen:
        return {}
    counts = [select(func.count()).select_from(t).scalar_subquery() for t in chosen]
    values = connection.execute(select(*counts)).one()
    return {str(t.name): int(value) for t, value in zip(chosen, values, strict=True)}


def occupied_tables(connection: Connection) -> list[str]:
    """The store's known tables that hold at least one row (sessions, locks and mail
    included: a store with any of them is not empty)."""
    present = existing_tables(connection)
    found = []
    for known in metadata.sorted_tables:
        if known.name in present and connection.execute(
            select(text("1")).select_from(table(known.name)).limit(1)
        ).first():
            found.append(str(known.name))
    return found


def table_for(name: str, columns: Sequence[tuple[str, str]]) -> Any:
    """A table as the archive describes it: its name and columns with their kinds (the
    store's own columns at the archive's schema revision, which may be older than the
    code's)."""
    return table(name, *(column(col, KIND_TYPES[kind]()) for col, kind in columns))


def insert_rows(connection: Connection, target: Any, rows: list[Mapping[str, Any]]) -> None:
    if rows:
        connection.execute(insert(target), rows)


def store_columns(connection: Connection, name: str) -> set[str]:
    return {col["name"] for col in inspect(connection).get_columns(name)}


_SERIAL_COLUMNS = text(
    "SELECT c.relname, a.attname,"
    " pg_get_serial_sequence(quote_ident(c.relname), a.attname) AS seq"
    " FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
    " WHERE c.relname = ANY(:names) AND c.relkind = 'r' AND pg_table_is_visible(c.oid)"
    " AND a.attnum > 0 AND NOT a.attisdropped"
    " AND pg_get_serial_sequence(quote_ident(c.relname), a.attname) IS NOT NULL"
)


def reset_sequences(connection: Connection, names: Iterable[str]) -> int:
    """After rows were inserted with their own ids, make each PostgreSQL serial or
    identity column hand out max(id) + 1 next. SQLite needs nothing. Returns how many."""
    if connection.dialect.name != "postgresql":
        return 0
    quote = connection.dialect.identifier_preparer.quote
    serials = connection.execute(_SERIAL_COLUMNS, {"names": list(names)}).all()
    for relname, attname, sequence in serials:
        connection.execute(
            text(
                f"SELECT setval(:seq, COALESCE((SELECT MAX({quote(attname)})"
                f" FROM {quote(relname)}), 0) + 1, false)"
            ),
            {"seq": sequence},
        )
    return len(serials)
