"""``paperwire worker`` (run the background jobs) and ``paperwire jobs`` (list, retry,
cancel): the job queue from the CLI (docs/jobs.md)."""

from __future__ import annotations

import signal
import threading
from typing import Annotated

import typer
from rich.table import Table

from paperwire.cli.app import app, err, fail, one_line_errors, open_core, out
from paperwire.core import Paperwire
from paperwire.core.jobs import STATUSES
from paperwire.db.locks import JOBS_LOCK, JobLock
from paperwire.jobs.tasks import QUEUES, wanted_tasks

jobs_app = typer.Typer(help="Background jobs: list, retry, cancel.", no_args_is_help=True)
app.add_typer(jobs_app, name="jobs")

ConcurrencyOption = Annotated[int, typer.Option(
    "--concurrency", min=1, max=64, help="Jobs this worker runs at once.")]
QueuesOption = Annotated[list[str] | None, typer.Option(
    "--queues", help=f"Only these queues (repeatable): {', '.join(QUEUES)}. Default: all.")]


@app.command()
@one_line_errors
def worker(concurrency: ConcurrencyOption = 1, queues: QueuesOption = None) -> None:
    """Run the background jobs in this process until stopped (SIGTERM, Ctrl-C). On
    PostgreSQL, a job-queue worker: run as many as you like, on any host. On SQLite, the
    in-process runner, for deployments whose `paperwire serve` does not run the jobs."""
    unknown = sorted(set(queues or []) - set(QUEUES))
    if unknown:
        raise fail(f"no queue {', '.join(unknown)}: the queues are {', '.join(QUEUES)}")
    core = open_core(migrate=True)
    names = [spec.name for spec in wanted_tasks(core.settings)
             if not queues or spec.queue in queues]
    err.print(f"worker: {concurrency} at once, queues {' '.join(queues or QUEUES)};"
              f" tasks: {' '.join(names) or 'none'}", highlight=False)
    if core.uses_queue:
        _queue_worker(core, concurrency, queues)
    else:
        _in_process_worker(core, concurrency, queues)


def _queue_worker(core: Paperwire, concurrency: int, queues: list[str] | None) -> None:
    from paperwire.db.locks import make_owner
    from paperwire.jobs.queue import make_app, run_until_signalled, worker_options

    options = worker_options(core.settings, concurrency=concurrency, queues=queues,
                             name=f"worker-{make_owner()}")
    run_until_signalled(make_app(core), options, core.settings.jobs_heartbeat_seconds)


def _in_process_worker(core: Paperwire, concurrency: int, queues: list[str] | None) -> None:
    from paperwire.jobs.runner import InProcessRunner

    specs = [spec for spec in wanted_tasks(core.settings) if not queues or spec.queue in queues]
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with JobLock(core.engine, JOBS_LOCK):  # busy: a `serve` or another worker runs them
        runner = InProcessRunner(core, specs, concurrency=concurrency)
        core.local_runner = runner
        runner.start()
        try:
            while not stop.wait(1):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            runner.stop()


StatusOption = Annotated[str | None, typer.Option(
    "--status", help=f"Only jobs in this state: {', '.join(STATUSES)}.")]


@jobs_app.command("list")
@one_line_errors
def list_jobs(
    status: StatusOption = None,
    task: Annotated[str | None, typer.Option(help="Only jobs of this task.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many, newest first.")] = 50,
) -> None:
    """The queue's jobs, newest first, with each failed job's last error. (Jobs that
    succeeded are removed from the queue; on SQLite, the failures recorded.)"""
    core = open_core()
    rows = core.list_jobs(status=status, task=task, limit=limit)
    if not rows:
        out.print("no jobs" + (f" {status}" if status else ""))
        return
    table = Table("id", "task", "queue", "status", "attempts", "scheduled", "last error")
    for row in rows:
        scheduled = f"{row.scheduled_at:%Y-%m-%d %H:%M:%S}" if row.scheduled_at else ""
        table.add_row(str(row.id), row.task, row.queue, row.status, str(row.attempts),
                      scheduled, row.error or "")
    out.print(table)


JobIdArgument = Annotated[int, typer.Argument(help="The job's id (`paperwire jobs list`).")]


@jobs_app.command("retry")
@one_line_errors
def retry(job_id: JobIdArgument) -> None:
    """Run a failed job again now (PostgreSQL)."""
    row = open_core().retry_job(job_id)
    out.print(f"job {row.id} ({row.task}) is {row.status} again")


@jobs_app.command("cancel")
@one_line_errors
def cancel(job_id: JobIdArgument) -> None:
    """Cancel a job that waits to run (PostgreSQL)."""
    row = open_core().cancel_job(job_id)
    out.print(f"job {row.id} ({row.task}) is {row.status}")
