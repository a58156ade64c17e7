"""The change feed (db/changes.py) and the keyword index that follows it: every change is
logged by the store itself, and a transaction that commits late, with an older stamp
than what a reader has already seen, is still read."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select, update

from factories import CORPUS, write_jsonl
from paperwire.core import Paperwire
from paperwire.db import changes
from paperwire.db.changes import EMBEDDING, PAPER, FeedPosition
from paperwire.db.session import read_transaction, snapshot_transaction, write_transaction
from paperwire.db.tables import change_log, papers
from paperwire.search.query import parse_query


@pytest.fixture
def stored(core: Paperwire, tmp_path) -> dict[str, int]:  # type: ignore[no-untyped-def]
    core.import_snapshot([write_jsonl(tmp_path / "corpus.jsonl", CORPUS)])
    with read_transaction(core.engine) as connection:
        return {row.arxiv_id: row.id for row in connection.execute(
            select(papers.c.arxiv_id, papers.c.id))}


def now_position(core: Paperwire) -> FeedPosition:
    with snapshot_transaction(core.engine) as connection:
        return changes.position(connection)


def changed(core: Paperwire, since: FeedPosition, kinds=(PAPER, EMBEDDING)):  # type: ignore[no-untyped-def]
    with snapshot_transaction(core.engine) as connection:
        return changes.changed_since(connection, since, kinds)


def touch(connection, paper_id: int, **values) -> None:  # type: ignore[no-untyped-def]
    values.setdefault("modified_at", datetime.now(UTC))
    connection.execute(update(papers).where(papers.c.id == paper_id).values(**values))


def test_the_store_logs_every_change_itself(core: Paperwire, stored: dict[str, int]):
    ids, start = changed(core, FeedPosition())
    assert ids == set(stored.values())  # the import's inserts
    bert = stored["2401.00001"]
    with write_transaction(core.engine) as connection:
        connection.execute(update(papers).where(papers.c.id == bert).values(upvotes=7))
    assert changed(core, start)[0] == set(), "a vote does not change what is indexed"
    with write_transaction(core.engine) as connection:
        touch(connection, bert, title_text="A new title")
    ids, after_update = changed(core, start)
    assert ids == {bert}
    with write_transaction(core.engine) as connection:
        connection.execute(delete(papers).where(papers.c.id == stored["2401.00002"]))
    assert changed(core, after_update)[0] == {stored["2401.00002"]}
    core.embed_pending()
    embedded, _ = changed(core, after_update, (EMBEDDING,))
    assert embedded == set(stored.values()) - {stored["2401.00002"]}


def test_a_position_round_trips_and_nothing_lies_after_it(core: Paperwire, stored):
    here = now_position(core)
    assert FeedPosition.from_json(json.loads(json.dumps(here.to_json()))) == here
    assert changed(core, here)[0] == set()
    with read_transaction(core.engine) as connection:
        assert not changes.has_changes(connection, here)
        assert changes.count_changed(connection, FeedPosition()) == len(stored)


def test_a_late_commit_with_an_older_stamp_is_not_missed(core: Paperwire, stored, backend):
    """Transaction A writes first (an older stamp, a lower sequence number) and commits
    after B; a reader that synced between them must still get A's change."""
    start = now_position(core)
    early = datetime.now(UTC) - timedelta(hours=1)
    with core.engine.connect() as slow:
        if backend == "sqlite":  # one writer at a time: A cannot be open while B writes
            pytest.skip("SQLite serializes writers, so a sequence arrives in order")
        late = slow.begin()
        touch(slow, stored["2401.00003"], modified_at=early, title_text="Committed late")
        with write_transaction(core.engine) as quick:
            touch(quick, stored["2401.00004"])
        ids, middle = changed(core, start)
        assert ids == {stored["2401.00004"]}
        with read_transaction(core.engine) as connection:
            assert not changes.has_changes(connection, middle)
        late.commit()
    with read_transaction(core.engine) as connection:
        assert changes.has_changes(connection, middle)
    ids, _ = changed(core, middle)
    assert ids == {stored["2401.00003"]}


def test_the_keyword_index_takes_in_a_late_commit(core: Paperwire, stored, backend):
    if backend == "sqlite":
        pytest.skip("SQLite serializes writers")
    index = core.text_index
    assert index is not None
    index.sync()
    early = datetime.now(UTC) - timedelta(hours=1)
    with core.engine.connect() as slow:
        late = slow.begin()
        touch(slow, stored["2401.00003"], modified_at=early, title_text="Zymurgy of holes")
        with write_transaction(core.engine) as quick:
            touch(quick, stored["2401.00004"])
        index.sync()
        late.commit()
    with read_transaction(core.engine) as connection:
        assert index.ready(connection) is not None  # it catches up on the few itself
        found = index.reader.search(parse_query("zymurgy"), limit=5)
    assert [paper_id for paper_id, _ in found.ranked][:1] == [stored["2401.00003"]]


def test_prune_keeps_a_week_and_an_idle_index_starts_over(core: Paperwire, stored):
    with write_transaction(core.engine) as connection:
        assert changes.prune(connection) == 0
        assert changes.prune(connection, now=time.time() + changes.RETENTION_SECONDS + 60) > 0
    with read_transaction(core.engine) as connection:
        assert connection.execute(select(change_log.c.seq)).first() is None
    assert not changes.trusted(None)
    assert not changes.trusted(time.time() - changes.RETENTION_SECONDS)
    assert changes.trusted(time.time() - 60)
    index = core.text_index
    assert index is not None
    assert index.sync() == 0  # the import synced it, and the feed holds nothing since
    meta_file = core.settings.text_index_dir / "paperwire.json"
    meta = json.loads(meta_file.read_text())
    meta["synced_at"] = 0  # idle past the retention: the feed may have lost its changes
    meta_file.write_text(json.dumps(meta))
    assert index.sync() == len(stored)  # rebuilt from the papers


def test_the_vector_index_follows_the_feed_and_drops_the_deleted(
    core: Paperwire, stored, monkeypatch
):
    monkeypatch.setattr("paperwire.search.vectors.RECHECK_SECONDS", 0.0)
    core.embed_pending()
    semantic = core.semantic
    assert semantic is not None
    assert len(semantic.index) == len(stored)
    with write_transaction(core.engine) as connection:
        connection.execute(delete(papers).where(papers.c.id == stored["2401.00002"]))
    core.embed_pending()  # nothing to embed; its index sync still applies the feed
    assert len(semantic.index) == len(stored) - 1
    assert stored["2401.00002"] not in semantic.index.vectors(list(stored.values()))
