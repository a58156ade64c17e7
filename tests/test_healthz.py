"""Every web host follows the store's change feed into its own indexes, and ``/healthz``
says whether it is fit to serve (the store answers, its indexes are not behind)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from conftest import make_settings
from factories import make_paper
from paperwire.core import Paperwire
from paperwire.web.app import create_app


@pytest.fixture
def other_host(core: Paperwire, tmp_path: Path) -> Iterator[Paperwire]:
    """A second web host: the same store, its own data folder and so its own indexes."""
    settings = core.settings.model_copy(update={
        "data_dir": tmp_path / "other-host", "database_url": core.settings.resolved_database_url,
    })
    other = Paperwire(settings)
    yield other
    other.close()


def healthz(core: Paperwire) -> tuple[int, dict]:
    response = TestClient(create_app(core=core)).get("/healthz")
    assert response.headers["cache-control"] == "no-store"
    return response.status_code, response.json()


def test_an_empty_store_is_healthy(core):
    status, body = healthz(core)
    assert status == 200
    assert body["status"] == "ok"
    assert body["store"] == "ok"
    assert set(body["indexes"]) == {"keyword", "vectors"}
    assert body["pending_embeddings"] == 0


def test_a_host_follows_what_another_host_stored(core, other_host):
    other_host.follow_changes()  # both hosts start in step, indexes built
    make_paper(core, "2601.00001", title="Sparse mixture of experts for translation",
               abstract="Routing tokens to a few experts per layer.")
    make_paper(core, "2601.00002", title="Mixture of experts routing at scale",
               abstract="Experts, routers and load balancing losses.")
    core.embed_pending()  # a worker (this host) embeds them

    lagging = other_host.health()
    assert {i.name: i.behind for i in lagging.indexes} == {"keyword": 2, "vectors": 2}
    assert all(i.waited_seconds is not None and i.waited_seconds >= 0 for i in lagging.indexes)
    other_host.clock = lambda: time.time() + 3600  # an hour on: the changes waited too long
    status, body = healthz(other_host)
    assert status == 503
    assert body["status"] == "failing"
    assert body["indexes"]["vectors"] == {"behind": 2, "waited_seconds": pytest.approx(3600, abs=60),
                                          "rebuilding": False, "fresh": False}

    assert other_host.follow_changes() == 4  # two papers into each index, no model run
    assert healthz(other_host)[0] == 200
    found = other_host.search_papers("mixture of experts", limit=5)
    assert {hit.paper.arxiv_id for hit in found.hits} == {"2601.00001", "2601.00002"}
    assert [s.paper.arxiv_id for s in other_host.similar_papers("2601.00001")] == ["2601.00002"]
    assert other_host.follow_changes() == 0  # nothing new: nothing rewritten


def test_a_new_host_is_failing_until_its_indexes_are_built(core, other_host):
    make_paper(core, "2601.00003", title="A paper")
    core.embed_pending()
    health = other_host.health()
    assert not health.ok
    assert {i.name: (i.behind, i.rebuild) for i in health.indexes} == {
        "keyword": (1, True), "vectors": (1, True)}
    other_host.follow_changes()
    assert other_host.health().ok


def test_papers_waiting_for_a_worker_are_reported_not_failed(core):
    core.follow_changes()
    make_paper(core, "2601.00004", title="Not embedded yet")
    core.follow_changes()
    status, body = healthz(core)
    assert status == 200
    assert body["pending_embeddings"] == 1


def test_an_unreachable_store_is_failing(tmp_path):
    settings = make_settings(tmp_path, database_url="postgresql+psycopg://postgres@127.0.0.1:1/none")
    status, body = healthz(Paperwire(settings))
    assert status == 503
    assert body["status"] == "failing"
    assert "OperationalError" in body["store"]


def test_a_serving_process_follows_in_the_background(core, other_host):
    other_host.settings.index_follow_seconds = 0.1
    other_host.settings.harvest_enabled = False
    other_host.settings.embed_in_background = False
    with TestClient(create_app(core=other_host, background_jobs=True)) as client:
        make_paper(core, "2601.00005", title="Followed in the background")
        core.embed_pending()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and client.get("/healthz").json()["indexes"][
                "vectors"]["behind"]:
            time.sleep(0.1)
        assert client.get("/healthz").json()["indexes"]["vectors"]["behind"] == 0
    assert [hit.paper.arxiv_id for hit in other_host.search_papers("followed").hits] == [
        "2601.00005"]


def test_a_new_host_starts_from_a_snapshot_and_follows_from_there(core, other_host, tmp_path):
    shared = tmp_path / "snapshots"
    core.settings.index_snapshot_dir = other_host.settings.index_snapshot_dir = shared
    for n in range(1, 6):
        make_paper(core, f"2601.0001{n}", title=f"Graph neural networks part {n}")
    core.embed_pending()
    published = core.publish_index_snapshot()
    assert published.papers == 5
    assert list(published.vectors.values()) == [5]
    make_paper(core, "2601.00020", title="Graph neural networks after the snapshot")
    core.embed_pending()

    assert other_host.adopt_index_snapshot() == ["keyword", "vectors"]
    health = other_host.health()
    assert {i.name: (i.behind, i.rebuild) for i in health.indexes} == {
        "keyword": (1, False), "vectors": (1, False)}  # only what came after the snapshot
    assert other_host.follow_changes() == 2  # that one paper, into each index
    assert other_host.health().ok
    found = other_host.search_papers("graph neural networks", limit=10)
    assert len(found.hits) == 6
    assert other_host.adopt_index_snapshot() == []  # its own indexes are current now


def test_a_snapshot_of_another_store_is_not_adopted(core, tmp_path):
    shared = tmp_path / "snapshots"
    core.settings.index_snapshot_dir = shared
    for n in range(1, 4):
        make_paper(core, f"2601.0004{n}", title=f"Published by the first store {n}")
    core.embed_pending()
    core.publish_index_snapshot()
    elsewhere = Paperwire(make_settings(tmp_path / "another-store", index_snapshot_dir=shared))
    try:
        elsewhere.migrate()
        for n in range(1, 4):  # the same row ids, other papers
            make_paper(elsewhere, f"2602.0005{n}", title=f"Another store's paper {n}")
        assert elsewhere.adopt_index_snapshot() == []
        elsewhere.follow_changes()
        found = elsewhere.search_papers("paper", limit=10).hits
        assert sorted(hit.paper.arxiv_id for hit in found) == [
            "2602.00051", "2602.00052", "2602.00053"]
    finally:
        elsewhere.close()


def test_a_store_behind_its_snapshot_does_not_adopt_it(core, tmp_path):
    """A store restored from an older backup lacks the snapshot's newest papers."""
    shared = tmp_path / "snapshots"
    core.settings.index_snapshot_dir = shared
    make_paper(core, "2601.00061", title="In the old backup")
    core.embed_pending()
    older = tmp_path / "older.jsonl.gz"
    core.export_archive(older)
    make_paper(core, "2601.00062", title="After the backup")
    core.embed_pending()
    core.publish_index_snapshot()
    restored = Paperwire(make_settings(tmp_path / "restored", index_snapshot_dir=shared))
    try:
        restored.restore_archive(older)
        assert restored.adopt_index_snapshot() == []
        assert [hit.paper.arxiv_id for hit in restored.search_papers("backup").hits] == [
            "2601.00061"]
    finally:
        restored.close()


def test_snapshots_are_published_atomically_and_the_two_newest_kept(core, tmp_path):
    shared = tmp_path / "snapshots"
    core.settings.index_snapshot_dir = shared
    make_paper(core, "2601.00030", title="One paper")
    clock = iter([1_800_000_000.0, 1_800_000_100.0, 1_800_000_200.0])
    core.clock = lambda: next(clock)
    names = [core.publish_index_snapshot().path.name for _ in range(3)]
    assert sorted(p.name for p in shared.iterdir() if not p.name.startswith(".")) == [
        "LATEST", *names[1:]]
    assert (shared / "LATEST").read_text().strip() == names[-1]


def test_snapshot_cli_without_a_folder_is_one_clear_line(core):
    import subprocess
    import sys

    from servers import store_env

    result = subprocess.run([sys.executable, "-m", "paperwire", "index-snapshot"],
                            env=store_env(core), capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "PAPERWIRE_INDEX_SNAPSHOT_DIR" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
