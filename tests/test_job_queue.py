"""The job queue on PostgreSQL (procrastinate), with real `paperwire worker` subprocesses.

- a job deferred by one process (an import from another shell) is run by a worker;
- two workers embed at once, each batch its own papers; one killed with SIGKILL in the
  middle of its batch leaves its papers to the other (its claims die with it) and its job
  to the stalled-job task, and every paper is embedded once;
- a failing job is retried with backoff, then shows as failed in `paperwire jobs list`
  and on /status; `paperwire jobs retry` and `cancel` change it.

Nothing here is timed: every wait polls with a generous deadline.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from conftest import SAMPLE
from factories import make_paper
from paperwire.core import Paperwire
from paperwire.db.tables import change_log, embedding_claims, job_failures, paper_embeddings
from paperwire.jobs.queue import STALLED_TASK, make_app
from paperwire.jobs.tasks import TASKS
from servers import store_env

DEADLINE_S = 120  # only so a broken build cannot hang the suite


@pytest.fixture
def pg(core: Paperwire, backend: str) -> Paperwire:
    if backend != "postgres":
        pytest.skip("the job queue is PostgreSQL's (SQLite runs its jobs in-process)")
    return core


def wait_for(condition: Callable[[], Any], what: str, *logs: Path) -> Any:
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.2)
    said = "\n".join(log.read_text(errors="replace")[-3000:] for log in logs)
    pytest.fail(f"waited {DEADLINE_S} s for {what}\n{said}")


def queue_env(core: Paperwire, **extra: str) -> dict[str, str]:
    settings = {
        "PAPERWIRE_EMBEDDER": "fake", "PAPERWIRE_HARVEST_ENABLED": "false",
        "PAPERWIRE_SUMMARIES_IN_BACKGROUND": "false", "PAPERWIRE_DIGEST_ENABLED": "false",
        "PAPERWIRE_JOBS_HEARTBEAT_SECONDS": "0.5", "PAPERWIRE_JOBS_STALLED_SECONDS": "2",
        "PAPERWIRE_JOBS_POLL_SECONDS": "0.2", "PAPERWIRE_EMBED_POLL_SECONDS": "3600",
    }
    return store_env(core, **{**settings, **extra})


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Callable[..., tuple[subprocess.Popen[bytes], Path]]]:
    started: list[subprocess.Popen[bytes]] = []

    def start(env: dict[str, str], *args: str) -> tuple[subprocess.Popen[bytes], Path]:
        log = tmp_path / f"worker-{len(started)}.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                [sys.executable, "-m", "paperwire", "worker", *args], env=env,
                stdout=output, stderr=subprocess.STDOUT,
            )
        started.append(process)
        return process, log

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "paperwire", *args],
                          env={**env, "COLUMNS": "300"},  # a table row on one line
                          capture_output=True, text=True, timeout=120)


def count(core: Paperwire, table: Any, *where: Any) -> int:
    with core.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table).where(*where)
                                  ).scalar_one()


def queue_jobs(core: Paperwire, task: str) -> list[Any]:
    with core.engine.connect() as connection:
        return list(connection.execute(text(
            "SELECT id, status, attempts FROM procrastinate_jobs WHERE task_name = :task"
            " ORDER BY id"), {"task": task}))


def test_every_task_and_schedule_is_registered(pg: Paperwire) -> None:
    pg.settings.harvest_enabled = True
    app = make_app(pg)
    assert {spec.name for spec in TASKS} | {STALLED_TASK} <= set(app.tasks)
    periodic = {task.task.name for task in app.periodic_registry.periodic_tasks.values()}
    assert {"harvest_daily", "embed_pending", "prune_change_log", "prune_jobs",
            "retrain_for_you", STALLED_TASK} <= periodic
    assert "publish_index_snapshot" not in periodic  # no snapshot folder set
    assert "send_digests" not in periodic  # deferred by the harvest, not on a clock
    assert app.tasks["harvest_daily"].lock == "harvest_daily"  # one running at a time
    assert app.tasks["embed_pending"].lock is None  # batches claim their papers: several


def test_embedding_jobs_wait_in_parallel_up_to_the_setting(pg: Paperwire) -> None:
    pg.settings.jobs_embed_parallel = 3
    deferred = [pg.defer_job("embed_pending") for _ in range(4)]
    assert all(job is not None for job in deferred[:3])
    assert deferred[3] is None  # three wait already
    assert pg.defer_job("prune_change_log") is not None
    assert pg.defer_job("prune_change_log") is None  # one at a time for the rest


def test_a_job_deferred_by_another_process_is_run_by_a_worker(
    pg: Paperwire, workers: Callable[..., Any], tmp_path: Path
) -> None:
    env = queue_env(pg)
    lines = [line for _, line in zip(range(12), SAMPLE.open(encoding="utf-8"), strict=False)]
    snapshot = tmp_path / "papers.jsonl"
    snapshot.write_text("".join(lines), encoding="utf-8")
    done = cli(env, "import", str(snapshot), "--no-embed")  # a third shell's import
    assert done.returncode == 0, done.stderr
    assert [job.status for job in queue_jobs(pg, "embed_pending")] == ["todo"]

    worker, log = workers(env, "--concurrency", "2")
    wait_for(lambda: count(pg, paper_embeddings) == 12, "the worker to embed the import", log)
    wait_for(lambda: queue_jobs(pg, "embed_pending") == [], "the job to leave the queue", log)
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=60) == 0


def test_two_workers_embed_at_once_and_a_killed_ones_papers_are_embedded_once(
    pg: Paperwire, workers: Callable[..., Any]
) -> None:
    """Two workers take one batch each (disjoint claims), both held at their write by a
    table lock; one is killed with SIGKILL mid-batch. The other goes on: it finds the dead
    worker's claims free at once, and every paper is embedded exactly once."""
    for n in range(1, 21):
        make_paper(pg, f"2602.{n:05d}", abstract=f"Paper {n} on topic {n * 3}.")
    env = queue_env(pg, PAPERWIRE_EMBED_BATCH_SIZE="5", PAPERWIRE_JOBS_EMBED_BATCH="5",
                    PAPERWIRE_JOBS_EMBED_PARALLEL="2")
    blocker = pg.engine.connect()
    try:
        # Nobody may write an embedding until the blocker lets go: each worker claims a
        # batch, embeds it and waits at its write.
        blocker.execute(text("LOCK TABLE paper_embeddings IN SHARE MODE"))
        assert pg.defer_job("embed_pending") is not None  # it queues a second itself
        first, log = workers(env)
        second, log2 = workers(env)
        wait_for(lambda: len(claim_owners(pg)) == 2 and waiting_on_a_lock(pg) == 2,
                 "both workers to claim a batch and wait at their writes", log, log2)
        owners = claim_owners(pg)
        assert sorted(owners.values()) == [5, 5]  # disjoint batches of five, one each
        doing = [job for job in queue_jobs(pg, "embed_pending") if job.status == "doing"]
        assert len(doing) == 2
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    finally:
        blocker.rollback()
        blocker.close()

    wait_for(lambda: count(pg, paper_embeddings) == 20, "the other worker to finish", log2)
    pg.defer_job("embed_pending")  # the killed one's job comes back once it is stalled
    wait_for(lambda: all(job.status != "doing" for job in queue_jobs(pg, "embed_pending")),
             "the killed worker's job to be recovered", log2)
    with pg.engine.connect() as connection:
        per_paper = connection.execute(
            select(change_log.c.paper_id, func.count()).where(change_log.c.kind == "embedding")
            .group_by(change_log.c.paper_id)
        ).all()
    assert len(per_paper) == 20
    assert {number for _, number in per_paper} == {1}  # once each
    assert claim_owners(pg) == {}
    assert count(pg, job_failures) == 0
    second.send_signal(signal.SIGTERM)
    assert second.wait(timeout=60) == 0


def claim_owners(core: Paperwire) -> dict[str, int]:
    with core.engine.connect() as connection:
        return dict(connection.execute(
            select(embedding_claims.c.owner, func.count()).group_by(embedding_claims.c.owner)
        ).all())


def waiting_on_a_lock(core: Paperwire) -> int:
    with core.engine.connect() as connection:
        return int(connection.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock'")).scalar_one())


def test_a_worker_publishes_index_snapshots_and_a_fresh_host_adopts_one(
    pg: Paperwire, workers: Callable[..., Any], tmp_path: Path
) -> None:
    from paperwire.search import snapshots

    for n in range(1, 5):
        make_paper(pg, f"2602.{n:05d}", title=f"Graph networks part {n}")
    pg.embed_pending()
    shared = tmp_path / "snapshots"
    env = {**queue_env(pg, PAPERWIRE_INDEX_SNAPSHOT_DIR=str(shared),
                       PAPERWIRE_INDEX_SNAPSHOT_SECONDS="1"),
           "PAPERWIRE_DATA_DIR": str(tmp_path / "worker-host")}
    worker, log = workers(env)
    wait_for(lambda: snapshots.latest(shared) is not None, "a published snapshot", log)
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=60) == 0
    latest = snapshots.latest(shared)
    assert latest is not None
    assert latest.papers == 4
    fresh = Paperwire(pg.settings.model_copy(update={
        "data_dir": tmp_path / "fresh-host", "index_snapshot_dir": shared}), engine=pg.engine)
    assert fresh.adopt_index_snapshot() == ["keyword", "vectors"]
    assert fresh.health().ok
    assert count(pg, job_failures) == 0


def test_a_failing_job_is_retried_with_backoff_then_shows_failed_and_can_be_retried(
    pg: Paperwire, workers: Callable[..., Any]
) -> None:
    from fastapi.testclient import TestClient

    from paperwire.web.app import create_app

    env = queue_env(pg, PAPERWIRE_ARXIV_RSS_URL="http://127.0.0.1:9",  # nothing listens
                    PAPERWIRE_ARXIV_OAI_URL="http://127.0.0.1:9/oai",
                    PAPERWIRE_ARXIV_MAX_BACKOFF_SECONDS="0",  # give up at the first refusal
                    PAPERWIRE_JOBS_RETRY_SECONDS="0.2",
                    PAPERWIRE_HARVEST_ENABLED="true")
    job_id = pg.defer_job("harvest_daily")
    assert job_id is not None
    worker, log = workers(env)
    wait_for(lambda: [j.status for j in queue_jobs(pg, "harvest_daily")] == ["failed"],
             "three failed attempts", log)
    with pg.engine.connect() as connection:
        attempts = connection.execute(
            select(job_failures.c.attempt, job_failures.c.final, job_failures.c.error)
            .where(job_failures.c.job_id == job_id).order_by(job_failures.c.id)).all()
    assert [(a, f) for a, f, _ in attempts] == [(1, False), (2, False), (3, True)]
    assert all("ConnectError" in error for _, _, error in attempts), attempts

    listed = cli(env, "jobs", "list", "--status", "failed")
    assert listed.returncode == 0, listed.stderr
    assert str(job_id) in listed.stdout
    assert "harvest_daily" in listed.stdout
    assert "ConnectError" in listed.stdout  # the last error, shown with the job

    page = TestClient(create_app(core=pg)).get("/status")
    assert page.status_code == 200
    assert "Latest failures" in page.text
    assert "harvest_daily" in page.text
    assert "not retried" in page.text
    overview = TestClient(create_app(core=pg)).get("/status.json").json()["queue"]
    assert overview["counts"]["harvest_daily"]["failed"] == 1

    retried = cli(env, "jobs", "retry", str(job_id))
    assert retried.returncode == 0, retried.stderr
    assert f"job {job_id} (harvest_daily)" in retried.stdout
    wait_for(lambda: count(pg, job_failures, job_failures.c.job_id == job_id) == 4,
             "the retried job to run (and fail) again", log)
    wait_for(lambda: [j.status for j in queue_jobs(pg, "harvest_daily")] == ["failed"],
             "the retried job to end failed", log)
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=60) == 0


def test_cancel_a_waiting_job_and_refuse_what_cannot_be_changed(pg: Paperwire) -> None:
    env = queue_env(pg)
    job_id = pg.defer_job("prune_change_log")  # no worker runs: it waits
    assert job_id is not None
    assert pg.defer_job("prune_change_log") is None  # one waits already
    cancelled = cli(env, "jobs", "cancel", str(job_id))
    assert cancelled.returncode == 0, cancelled.stderr
    assert "cancelled" in cancelled.stdout
    assert [job.status for job in queue_jobs(pg, "prune_change_log")] == ["cancelled"]

    again = cli(env, "jobs", "cancel", str(job_id))
    assert again.returncode == 1
    assert again.stderr.strip().count("\n") == 0
    assert "only a waiting (todo) job can be cancelled" in again.stderr
    retry = cli(env, "jobs", "retry", str(job_id))
    assert retry.returncode == 1
    assert "only a failed job is retried" in retry.stderr
    missing = cli(env, "jobs", "retry", "999999")
    assert missing.returncode == 1
    assert "no job 999999" in missing.stderr
    bad = cli(env, "jobs", "list", "--status", "lost")
    assert bad.returncode == 1
    assert "no job status 'lost'" in bad.stderr


def test_a_web_host_without_jobs_finds_papers_a_worker_on_another_host_embedded(
    pg: Paperwire, workers: Callable[..., Any], tmp_path: Path
) -> None:
    """Three "hosts" (each its own data folder): `serve` with PAPERWIRE_JOBS_IN_SERVE=false,
    a `paperwire worker`, and a shell importing with --no-embed. The worker embeds; the
    web host's own vector index follows the stored vectors, and its similar papers work."""
    from browser.conftest import start_serve
    from conftest import ReservedPort
    from test_serve_background import import_no_embed, sample_lines, wait_until_similar

    def host(name: str, **extra: str) -> dict[str, str]:
        return {**queue_env(pg, PAPERWIRE_EMBED_POLL_SECONDS="1", **extra),
                "PAPERWIRE_DATA_DIR": str(tmp_path / name)}

    web_env = host("web", PAPERWIRE_JOBS_IN_SERVE="false")
    _, log = workers(host("worker"))
    with ReservedPort() as reserved:
        serve, url = start_serve(web_env, reserved)
        try:
            lines = sample_lines(4)
            imported = import_no_embed(host("shell"), lines, tmp_path / "import.jsonl")
            wait_until_similar(url, imported[0], set(imported[1:]))
        finally:
            serve.terminate()
            serve.wait(timeout=30)
    assert "runs the background jobs" not in (serve.stdout.read() or b"").decode()
    assert count(pg, paper_embeddings) == 4
    assert log.exists()
