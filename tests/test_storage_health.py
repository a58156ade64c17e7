"""What ``paperwire doctor`` asks of the store (db/health.py), on a real SQLite file and
the real PostgreSQL, without the core's rules or the web."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import create_engine

from conftest import make_settings
from paperwire.core import Paperwire
from paperwire.db import health
from paperwire.db.session import write_transaction
from paperwire.ingest import store_items
from paperwire.records import PaperRecord, Version


def _paper(arxiv_id: str) -> PaperRecord:
    published = datetime(2027, 1, 10, 12, tzinfo=UTC)
    return PaperRecord(
        arxiv_id=arxiv_id, title=f"Paper {arxiv_id}", abstract="An abstract.",
        authors=["Ada Lovelace"], categories=["cs.LG"], versions=[Version(1, published)],
        announced_on=published.date(),
    )


def test_fulltext_coverage_counts_papers_and_their_index_rows(core: Paperwire) -> None:
    store_items(core.engine, [_paper("2701.00001"), _paper("2701.00002")], batch_size=10)
    coverage = health.fulltext_coverage_of(core.engine)
    if core.engine.dialect.name != "sqlite":
        assert coverage is None  # a generated tsvector column cannot fall behind
        return
    assert coverage == (2, 2)
    with write_transaction(core.engine) as connection:
        connection.exec_driver_sql("DELETE FROM papers_fts")  # the index loses its rows
    assert health.fulltext_coverage_of(core.engine) == (2, 0)


def test_tables_and_reachability(core: Paperwire) -> None:
    assert {"papers", "paper_versions", "paper_categories"} <= health.table_names(core.engine)
    assert health.can_connect(core.engine) is None


def test_an_unreachable_store_says_why_and_urls_hide_passwords() -> None:
    engine = create_engine("postgresql+psycopg://someone:hunter2@127.0.0.1:1/nothing")
    problem = health.can_connect(engine)
    assert problem is not None
    assert problem.startswith("OperationalError")
    assert "hunter2" not in health.store_url(engine)
    assert "someone" in health.store_url(engine)


def test_the_store_url_shown_is_the_one_configured(tmp_path) -> None:
    from paperwire.db.engine import make_engine

    url = "postgresql+psycopg://someone@127.0.0.1:1/nothing"
    shown = health.store_url(make_engine(make_settings(tmp_path, database_url=url)))
    assert shown == url  # not "?connect_timeout=10", which paperwire adds itself
    own = f"{url}?connect_timeout=3"
    assert health.store_url(make_engine(make_settings(tmp_path, database_url=own))) == own
