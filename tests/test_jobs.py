"""The tasks and the in-process runner (what a SQLite deployment runs, with no queue):
the same task bodies, batches that queue the next, retries with backoff, failures
recorded and shown. On both backends: the runner does not care where the store is.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from factories import make_paper
from paperwire.core import Paperwire
from paperwire.db.tables import job_failures
from paperwire.jobs.runner import InProcessRunner
from paperwire.jobs.tasks import BY_NAME, TASKS, backoff_seconds, every, wanted_tasks
from paperwire.web.app import create_app
from servers import store_env

DEADLINE_S = 60  # only so a broken build cannot hang the suite


def wait_for(condition: Callable[[], Any], what: str) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"waited {DEADLINE_S} s for {what}")
        time.sleep(0.05)


@pytest.fixture
def running(core: Paperwire) -> Iterator[Callable[[list[str]], InProcessRunner]]:
    runners: list[InProcessRunner] = []

    def start(names: list[str]) -> InProcessRunner:
        runner = InProcessRunner(core, [BY_NAME[name] for name in names], concurrency=2)
        core.local_runner = runner
        runners.append(runner.start())
        return runner

    yield start
    for runner in runners:
        runner.stop()
    core.local_runner = None


def test_backoff_doubles_and_schedules_read_as_cron() -> None:
    from paperwire.settings import Settings

    settings = Settings(jobs_retry_seconds=5)
    assert [backoff_seconds(settings, n) for n in (1, 2, 3)] == [5, 10, 20]
    assert every(10) == "* * * * * */10"
    assert every(300) == "*/5 * * * *"
    assert every(3600) == "0 */1 * * *"


def test_the_settings_choose_the_tasks(core: Paperwire) -> None:
    core.settings.harvest_enabled = False
    core.settings.summaries_in_background = False
    names = {spec.name for spec in wanted_tasks(core.settings)}
    assert "harvest_daily" not in names
    assert "build_summaries" not in names
    assert {"embed_pending", "prune_change_log"} <= names
    assert {spec.name for spec in TASKS} >= names


def test_the_runner_embeds_in_batches_each_queueing_the_next(
    core: Paperwire, running: Callable[[list[str]], InProcessRunner]
) -> None:
    for number in range(1, 8):
        make_paper(core, f"2602.{number:05d}", abstract=f"Paper {number} on graphs {number}.")
    core.settings.jobs_embed_batch = 2
    runner = running(["embed_pending"])  # its periodic check runs at start
    wait_for(lambda: core.pending_embeddings() == 0, "every paper embedded")
    wait_for(lambda: runner.counts()[("embed_pending", "succeeded")] >= 4,
             "four batch jobs (2 + 2 + 2 + 1 papers)")
    assert runner.counts()[("embed_pending", "failed")] == 0
    assert core.similar_papers("2602.00001")  # and the vector index took them in


def test_the_runner_publishes_index_snapshots_that_a_fresh_host_adopts(
    core: Paperwire, running: Callable[[list[str]], InProcessRunner], tmp_path: Path
) -> None:
    from paperwire.search import snapshots

    core.settings.index_snapshot_dir = tmp_path / "snapshots"
    assert "publish_index_snapshot" in {spec.name for spec in wanted_tasks(core.settings)}
    for number in range(1, 4):
        make_paper(core, f"2602.{number:05d}", title=f"Graph networks part {number}")
    core.embed_pending()
    runner = running(["publish_index_snapshot"])  # its periodic check runs at start
    wait_for(lambda: runner.counts()[("publish_index_snapshot", "succeeded")] >= 1,
             "a snapshot published")
    published = snapshots.latest(tmp_path / "snapshots")
    assert published is not None
    assert published.papers == 3
    fresh = Paperwire(core.settings.model_copy(update={
        "data_dir": tmp_path / "fresh-host",
        "database_url": core.settings.resolved_database_url}))
    try:
        assert fresh.adopt_index_snapshot() == ["keyword", "vectors"]
        assert fresh.health().ok  # nothing to read from the store: it is current
        assert [hit.paper.arxiv_id for hit in fresh.search_papers("part 2").hits][:1] == [
            "2602.00002"]
    finally:
        fresh.close()


def test_snapshots_are_a_task_only_where_a_folder_is_set(core: Paperwire) -> None:
    assert core.settings.index_snapshot_dir is None
    assert "publish_index_snapshot" not in {spec.name for spec in wanted_tasks(core.settings)}
    core.settings.index_snapshot_seconds = 1800
    assert BY_NAME["publish_index_snapshot"].schedule(core.settings) == "*/30 * * * *"


def test_old_failures_and_finished_jobs_are_pruned_recent_ones_stay(core: Paperwire) -> None:
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import text, update

    from paperwire.db import job_failures as failures
    from paperwire.db.session import write_transaction

    now = datetime.now(UTC)
    with write_transaction(core.engine) as connection:
        for job_id, error in ((1, "OSError: long ago"), (2, "OSError: yesterday")):
            failures.record(connection, task="embed_pending", job_id=job_id, attempt=1,
                            final=True, error=error)
        connection.execute(update(job_failures).where(job_failures.c.job_id == 1)
                           .values(failed_at=now - timedelta(days=20)))
    old_job = recent_job = waiting = None
    if core.uses_queue:  # the queue's own finished jobs, aged by hand
        old_job = core.defer_job("prune_change_log")
        core.cancel_job(old_job)
        recent_job = core.defer_job("prune_change_log")
        core.cancel_job(recent_job)
        waiting = core.defer_job("prune_change_log")  # not finished: never pruned
        with write_transaction(core.engine) as connection:
            connection.execute(text("UPDATE procrastinate_events SET at = :then"
                                    " WHERE job_id IN (:old, :waiting)"),
                               {"then": now - timedelta(days=20), "old": old_job,
                                "waiting": waiting})
    core.settings.jobs_keep_days = 14
    assert BY_NAME["prune_jobs"].body(core, None) == (  # type: ignore[arg-type]
        f"{1 if core.uses_queue else 0} finished jobs and 1 failures pruned")
    assert [f.error for f in core.jobs_overview().failures] == ["OSError: yesterday"]
    assert "yesterday" in TestClient(create_app(core=core)).get("/status").text
    if core.uses_queue:
        kept = {job.id: job.status for job in core.list_jobs()}
        assert kept == {recent_job: "cancelled", waiting: "todo"}
    else:
        assert [job.error for job in core.list_jobs()] == ["OSError: yesterday"]


def test_a_failing_task_is_retried_with_backoff_recorded_and_shown(
    core: Paperwire, running: Callable[[list[str]], InProcessRunner]
) -> None:
    core.settings.arxiv_rss_url = "http://127.0.0.1:9"  # nothing listens there
    core.settings.arxiv_max_backoff_seconds = 0  # give up at once
    core.settings.jobs_retry_seconds = 0.05
    core.settings.harvest_enabled = True
    runner = running(["harvest_daily"])  # an empty store: the first run is due at start
    wait_for(lambda: runner.counts()[("harvest_daily", "failed")] == 1, "three attempts")
    with core.engine.connect() as connection:
        rows = connection.execute(select(job_failures.c.attempt, job_failures.c.final,
                                         job_failures.c.error).order_by(job_failures.c.id)).all()
    assert [(attempt, final) for attempt, final, _ in rows] == [(1, False), (2, False), (3, True)]
    assert "ConnectError" in rows[-1].error

    client = TestClient(create_app(core=core))
    page = client.get("/status").text
    assert "Latest failures" in page
    assert "harvest_daily (job" in page
    assert "not retried" in page
    if core.uses_queue:  # PostgreSQL lists the queue's jobs, which this runner does not use
        return
    failed = core.list_jobs(status="failed")
    assert [(job.task, job.attempts) for job in failed] == [("harvest_daily", 3)]
    assert "ConnectError" in (failed[0].error or "")
    assert client.get("/status.json").json()["queue"]["counts"]["harvest_daily"]["failed"] == 1


def test_paperwire_jobs_on_sqlite_lists_failures_and_refuses_to_change_jobs(
    sqlite_core: Paperwire,
) -> None:
    from paperwire.db import job_failures as failures
    from paperwire.db.session import write_transaction

    with write_transaction(sqlite_core.engine) as connection:
        failures.record(connection, task="embed_pending", job_id=42, attempt=3, final=True,
                        error="OSError: disk full")
    env = {**store_env(sqlite_core), "COLUMNS": "300"}
    env.pop("PAPERWIRE_DATABASE_URL")
    listed = subprocess.run([sys.executable, "-m", "paperwire", "jobs", "list"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert listed.returncode == 0, listed.stderr
    assert "embed_pending" in listed.stdout
    assert "disk full" in listed.stdout
    for verb in ("retry", "cancel"):
        done = subprocess.run([sys.executable, "-m", "paperwire", "jobs", verb, "42"], env=env,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 1
        assert done.stderr.strip().count("\n") == 0
        assert f"cannot {verb} jobs on SQLite" in done.stderr


def test_a_sqlite_worker_is_busy_while_serve_runs_the_jobs(sqlite_core: Paperwire) -> None:
    from paperwire.db.locks import JOBS_LOCK
    from servers import held_elsewhere

    env = store_env(sqlite_core)
    env.pop("PAPERWIRE_DATABASE_URL")
    with held_elsewhere(sqlite_core, JOBS_LOCK) as holder:
        done = subprocess.run([sys.executable, "-m", "paperwire", "worker"], env=env,
                              capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "busy: the jobs lock is held by" in done.stderr
    assert holder.owner in done.stderr
