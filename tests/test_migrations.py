"""Upgrading a store that holds data, from every older revision, on both backends.

For each revision in the Alembic chain: migrate an empty store to it, put rows in
every table that exists there (generated from the reflected columns in foreign-key
order, with hand-written values where the app needs real ones), upgrade to head,
and check that every row is still there with the same values and that the app reads
them. New migrations are covered without touching this file.

And the migrated schema is what ``db/tables.py`` says (``compare_metadata`` is empty).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Engine,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    select,
)

from conftest import fresh_postgres_database, make_settings, worker_id
from paperwire.core import Paperwire
from paperwire.db import migrate
from paperwire.models import PaperFilter

ROWS = 2  # per table: two, so unique keys and foreign keys are exercised


def revision_chain() -> list[str]:
    script = ScriptDirectory.from_config(migrate.alembic_config(engine=None))  # type: ignore[arg-type]
    return [revision.revision for revision in reversed(list(script.walk_revisions()))]


REVISIONS = revision_chain()


@pytest.fixture
def store(backend: str, tmp_path: Path) -> Iterator[Paperwire]:
    """An empty, unmigrated store on the backend under test."""
    url = None
    if backend == "postgres":
        url = fresh_postgres_database(f"paperwire_migrations_{worker_id()}")
    core = Paperwire(make_settings(tmp_path / "data", database_url=url))
    yield core
    core.close()


# -- rows: hand-written where the app reads real values, generated everywhere else --------

ANNOUNCED = date(2024, 3, 5)
PUBLISHED = datetime(2024, 3, 4, 18, 0, tzinfo=UTC)


def paper_row(i: int) -> dict[str, Any]:
    arxiv_id = f"2403.0000{i + 1}"
    return {
        "arxiv_id": arxiv_id, "title": f"Migrated paper {i}", "abstract": "Kept.",
        "authors": ["Ada Lovelace", f"Author {i}"], "title_text": f"Migrated paper {i}",
        "abstract_text": "Kept.", "authors_text": f"Ada Lovelace, Author {i}",
        "comments": f"Code: github.com/ada/repo{i}.", "primary_category": "cs.LG", "categories": ["cs.LG", "stat.ML"],
        "latest_version": 2, "published": PUBLISHED, "updated": PUBLISHED + timedelta(days=3),
        "update_date": date(2024, 3, 7), "announced_on": ANNOUNCED, "withdrawn": False,
        "upvotes": i + 1, "content_hash": f"{i:032x}", "freshness": f"2|2024-03-0{7 + i}",
        "created_at": PUBLISHED, "modified_at": PUBLISHED,
    }


HANDWRITTEN: dict[str, Any] = {
    "papers": paper_row,
    "paper_categories": lambda i: {"category": "cs.LG", "position": 0},
    "users": lambda i: {
        "email": f"Reader{i}@Example.org", "email_key": f"reader{i}@example.org",
        "username": f"reader{i}", "display_name": f"Reader {i}", "role": "user",
        "banned": False,
    },
    "comments": lambda i: {"body": f"comment {i}", "body_html": f"<p>comment {i}</p>",
                           "deleted": False, "hidden": False, "edited_at": None},
    "collections": lambda i: {"public": True},
    "digest_subscriptions": lambda i: {
        "email": f"sub{i}@example.org", "email_key": f"sub{i}@example.org",
        "frequency": "daily", "status": "confirmed", "bounces": 0,
        "topics": {"categories": ["cs.LG"], "keywords": [], "authors": []},
    },
    "digest_issues": lambda i: {"kind": "daily", "period": f"2024-03-0{5 + i}",
                                "day": date(2024, 3, 5 + i), "papers": [],
                                "paused_until": None, "pause_reason": None},
    "digest_sends": lambda i: {"kind": "daily", "period": f"2024-03-0{5 + i}",
                               "papers": [], "status": "sent", "attempts": 1},
}


def generated_value(table: Table, column: Column[Any], i: int) -> Any:
    kind = column.type
    if isinstance(kind, Boolean):
        return i % 2 == 0
    if isinstance(kind, Integer):  # BigInteger too: epoch seconds are plausible integers
        return 1_700_000_000 + i
    if isinstance(kind, Float):
        return 1_700_000_000.5 + i
    if isinstance(kind, DateTime):
        return datetime(2024, 3, 1 + i, 12, 30, tzinfo=UTC)
    if isinstance(kind, Date):
        return date(2024, 3, 1 + i)
    if isinstance(kind, JSON):
        return {"row": i, "table": table.name}
    if isinstance(kind, LargeBinary):
        return bytes([i]) * 16
    if isinstance(kind, String | Text):
        value = f"{table.name}.{column.name}.{i}"
        length = getattr(kind, "length", None)
        return value[-length:] if length else value
    raise AssertionError(f"no generated value for {table.name}.{column.name}: {kind!r}")


def row_for(table: Table, i: int, inserted: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    handwritten = HANDWRITTEN.get(table.name, lambda i: {})(i)
    row: dict[str, Any] = {}
    for column in table.columns:
        if column.computed is not None:
            continue  # generated by the store (PostgreSQL's search_vector)
        if column.foreign_keys:
            (key,) = column.foreign_keys
            target = key.column
            if target.table.name == table.name:  # a reply points at the first comment
                row[column.name] = None if i == 0 else inserted[table.name][0][target.name]
            else:
                row[column.name] = inserted[target.table.name][i][target.name]
        elif column.name in handwritten:
            row[column.name] = handwritten[column.name]
        elif column.primary_key and column.autoincrement is not False and _serial(table, column):
            continue  # the store assigns it, as it would in use
        else:
            row[column.name] = generated_value(table, column, i)
    return row


def _serial(table: Table, column: Column[Any]) -> bool:
    return isinstance(column.type, Integer) and len(table.primary_key.columns) == 1


def reflect(engine: Engine) -> list[Table]:
    reflected = MetaData()
    reflected.reflect(engine)
    return [
        table for table in reflected.sorted_tables
        if table.name != "alembic_version"
        and migrate.include_object(table, table.name, "table", True, None)
    ]


def fill(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    inserted: dict[str, list[dict[str, Any]]] = {}
    with engine.begin() as connection:
        for table in reflect(engine):
            inserted[table.name] = []
            for i in range(ROWS):
                row = row_for(table, i, inserted)
                result = connection.execute(table.insert().values(row))
                keys = dict(zip(table.primary_key.columns.keys(),
                                result.inserted_primary_key or (), strict=False))
                inserted[table.name].append({**row, **keys})
    return inserted


def snapshot(engine: Engine, columns: dict[str, list[str]]) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the named tables, only the named columns, in a stable order."""
    tables = {table.name: table for table in reflect(engine)}
    rows: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as connection:
        for name, names in columns.items():
            assert name in tables, f"table {name} is gone after the upgrade"
            chosen = [tables[name].c[column] for column in names]
            fetched = connection.execute(select(*chosen)).all()
            rows[name] = sorted((tuple(_comparable(v) for v in row) for row in fetched), key=repr)
    return rows


def _comparable(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


# -- the tests ------------------------------------------------------------------------------


# Tables that triggers write into as well as the fill (migration 0011).
TRIGGER_WRITTEN = {"change_log"}


def test_the_chain_is_linear_and_starts_at_0001() -> None:
    assert REVISIONS[0] == "0001"
    assert len(set(REVISIONS)) == len(REVISIONS)
    script = ScriptDirectory.from_config(migrate.alembic_config(engine=None))  # type: ignore[arg-type]
    assert script.get_heads() == [REVISIONS[-1]], "more than one head: chain the migrations"


@pytest.mark.parametrize("revision", REVISIONS)
def test_upgrade_from_each_revision_keeps_every_row(store: Paperwire, revision: str) -> None:
    migrate.upgrade(store.engine, revision)
    assert migrate.current_revision(store.engine) == revision
    inserted = fill(store.engine)
    columns = {table.name: [c.name for c in table.columns] for table in reflect(store.engine)}
    before = snapshot(store.engine, columns)
    for name, rows in before.items():
        if name in TRIGGER_WRITTEN:  # the fill's rows, and what the triggers logged
            assert len(rows) > ROWS, f"{name}: the triggers did not write"
        else:
            assert len(rows) == ROWS, f"{name}: the fill did not take"

    store.migrate()

    assert migrate.current_revision(store.engine) == migrate.head_revision(store.engine)
    after = snapshot(store.engine, columns)
    for name in before:
        assert after[name] == before[name], f"{name} changed in the upgrade from {revision}"
    assert_app_reads(store, inserted)


def assert_app_reads(core: Paperwire, inserted: dict[str, list[dict[str, Any]]]) -> None:
    listed = core.list_papers(PaperFilter())
    assert [p.arxiv_id for p in listed.papers] == ["2403.00002", "2403.00001"]  # by upvotes
    paper = core.get_paper("2403.00001")
    assert paper.title == "Migrated paper 0"
    assert paper.authors == ["Ada Lovelace", "Author 0"]
    assert paper.announced_on == ANNOUNCED
    assert paper.latest_version == 2
    # Papers stored before the authors index (0008) are in it after the upgrade.
    if "paper_authors" not in inserted:
        ada = core.author_page("Ada Lovelace")
        assert sorted(p.arxiv_id for p in ada.page.papers) == ["2403.00001", "2403.00002"]
        assert [c.name for c in core.author_page("author-0").coauthors] == ["Ada Lovelace"]
    # And in the links (0010) their comments name.
    if "paper_links" not in inserted:
        assert [link.url for link in paper.links] == ["https://github.com/ada/repo0"]
        assert paper.links[0].source == "authors"
    stats = core.stats()
    assert stats.papers == ROWS
    assert stats.revision == migrate.head_revision(core.engine)
    if "users" in inserted:
        profile = core.profile("reader0")
        assert profile.user.display_name == "Reader 0"
        assert [arxiv_id for arxiv_id, _ in profile.upvoted] == ["2403.00001"]
        comments = core.paper_comments(inserted["papers"][0]["id"])
        assert [c.body for c in comments] == ["comment 0"]
    if "digest_issues" in inserted:
        periods = {issue.period for issue in core.digest_status()}
        assert {"2024-03-05", "2024-03-06"} <= periods


def test_migrated_schema_matches_tables_py(store: Paperwire) -> None:
    store.migrate()
    assert migrate.schema_drift(store.engine) == []


def test_drift_is_seen() -> None:
    """The comparison can fail: a column tables.py does not know is reported."""
    from sqlalchemy import create_engine, text

    engine = create_engine("sqlite://")
    migrate.upgrade(engine)
    with engine.begin() as connection:
        connection.execute(text("ALTER TABLE users ADD COLUMN nickname TEXT"))
    drift = migrate.schema_drift(engine)
    assert [(d[0], d[2], d[3].name) for d in drift] == [("remove_column", "users", "nickname")]


def test_hosts_starting_at_once_migrate_once(tmp_path: Path) -> None:
    """Three hosts start on one empty PostgreSQL store together: one migrates, the
    others wait for it and find the schema current (none fails on a half-made table)."""
    import threading

    url = fresh_postgres_database(f"paperwire_race_{worker_id()}")
    hosts = [Paperwire(make_settings(tmp_path / f"host{n}", database_url=url)) for n in range(3)]
    failures: list[BaseException] = []
    start = threading.Barrier(len(hosts))

    def boot(host: Paperwire) -> None:
        start.wait()
        try:
            host.migrate()
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=boot, args=(host,), daemon=True) for host in hosts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads), "the upgrades deadlocked"
    assert failures == []
    assert all(migrate.is_current(host.engine) for host in hosts)
    for host in hosts:
        host.close()
