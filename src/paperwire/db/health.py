"""What `paperwire doctor` and `/healthz` ask of the store itself, and the fingerprint that
tells one store from another (index snapshots)."""

from __future__ import annotations

from sqlalchemy import Connection, Engine, inspect, select

from paperwire.db.engine import CONNECT_TIMEOUT_S
from paperwire.db.session import read_transaction
from paperwire.db.tables import papers


def store_url(engine: Engine) -> str:
    """The store's URL with any password hidden, and without the connect timeout
    paperwire adds to it (one the URL named itself stays)."""
    url = engine.url
    if url.query.get("connect_timeout") == str(CONNECT_TIMEOUT_S):
        url = url.difference_update_query(["connect_timeout"])
    return url.render_as_string(hide_password=True)


def can_connect(engine: Engine) -> str | None:
    """None when the store answers, else why not (the error's type and message)."""
    try:
        with engine.connect():
            return None
    except Exception as error:  # any driver's failure is the answer here
        return f"{type(error).__name__}: {error}"


def ping(engine: Engine) -> str | None:
    """None when the store answers a query now, else the first line of why not."""
    try:
        with engine.connect() as connection:
            connection.execute(select(1))
            return None
    except Exception as error:  # any driver's failure is the answer here
        return f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"


def table_names(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def fulltext_coverage(connection: Connection) -> tuple[int, int] | None:
    """(papers, papers in SQLite's FTS5 index); None on PostgreSQL, whose tsvector is a
    generated column and so always in step."""
    if connection.dialect.name != "sqlite":
        return None
    papers, indexed = connection.exec_driver_sql(
        "SELECT (SELECT count(*) FROM papers), (SELECT count(*) FROM papers_fts_docsize)"
    ).one()
    return int(papers), int(indexed)


def fulltext_coverage_of(engine: Engine) -> tuple[int, int] | None:
    with read_transaction(engine) as connection:
        return fulltext_coverage(connection)


def store_fingerprint(connection: Connection, per_end: int = 4) -> dict[int, str]:
    """The arXiv ids of the first and the last papers by row id: enough to tell this
    store from another (ids are the store's own, so another's index would be wrong)."""
    first = select(papers.c.id, papers.c.arxiv_id).order_by(papers.c.id).limit(per_end)
    last = select(papers.c.id, papers.c.arxiv_id).order_by(papers.c.id.desc()).limit(per_end)
    rows = [*connection.execute(first), *connection.execute(last)]
    return {int(row.id): str(row.arxiv_id) for row in rows}


def arxiv_ids_of(connection: Connection, ids: list[int]) -> dict[int, str]:
    rows = connection.execute(
        select(papers.c.id, papers.c.arxiv_id).where(papers.c.id.in_(ids)))
    return {int(row.id): str(row.arxiv_id) for row in rows}
