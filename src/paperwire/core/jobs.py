"""Background jobs: deferring a task, and what ``paperwire jobs`` and ``/status`` show.

On PostgreSQL the jobs are procrastinate's (``jobs/queue.py``): any process defers, any
``paperwire worker`` (or the ``serve`` process running one) runs them. On SQLite they run
in the process holding the ``jobs`` lock (``jobs/runner.py``), which sets
``local_runner``; other processes have no queue to defer to, and the runner's periodic
checks find their work (papers pending) instead.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any

from paperwire.core.digests import DigestCore
from paperwire.db import job_failures
from paperwire.db import queue as queue_store
from paperwire.db.job_failures import JobFailure
from paperwire.db.session import read_transaction, write_transaction
from paperwire.errors import NotFound, PaperwireError
from paperwire.jobs.tasks import BY_NAME

if TYPE_CHECKING:
    from procrastinate import App

    from paperwire.jobs.runner import InProcessRunner

log = logging.getLogger(__name__)
STATUSES = ("todo", "doing", "succeeded", "failed", "cancelled", "aborted")


class JobsUnavailable(PaperwireError):
    """What a SQLite store cannot do with its in-process jobs (no queue to change)."""


@dataclass(frozen=True, slots=True)
class JobRow:
    id: int
    task: str
    queue: str
    status: str
    attempts: int
    scheduled_at: datetime | None = None
    error: str | None = None  # the last failure's, if any


@dataclass(slots=True)
class JobsOverview:
    backend: str  # "queue" (procrastinate on PostgreSQL) or "in-process" (SQLite)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # task → status → n
    failures: list[JobFailure] = field(default_factory=list)
    runs_here: bool = False  # SQLite: this process runs the jobs


class JobsCore(DigestCore):
    local_runner: InProcessRunner | None = None

    @property
    def uses_queue(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @cached_property
    def job_queue(self) -> App:
        """The deferring app (PostgreSQL), opened on first use; closed with the core."""
        from paperwire.jobs.queue import make_app

        return make_app(self).open()  # type: ignore[arg-type]

    def close_job_queue(self) -> None:
        app = self.__dict__.pop("job_queue", None)
        if app is not None:
            app.close()

    def close(self) -> None:
        self.close_job_queue()
        super().close()

    # -- deferring --------------------------------------------------------------------

    def defer_job(self, task: str) -> int | None:
        """Queue one job of ``task``; its id, or None when as many wait as its task allows
        (one, for most) or, on SQLite, when no runner runs in this process."""
        if task not in BY_NAME:
            raise NotFound(f"no task {task!r}: the tasks are {', '.join(BY_NAME)}")
        if self.uses_queue:
            from paperwire.jobs.queue import defer

            return defer(self.job_queue, task, self.settings)
        return None if self.local_runner is None else self.local_runner.defer(task)

    def _wake_background(self) -> None:
        """New papers: this host's indexes catch up, and a job embeds them (any worker)."""
        super()._wake_background()
        # The setting, not ``self.semantic``: a CLI import must not load the model for this.
        if self.settings.embed_in_background and self.settings.embedder != "none":
            try:
                self.defer_job("embed_pending")
            except Exception:  # the periodic check finds them anyway
                log.exception("could not defer embedding")

    # -- looking at jobs --------------------------------------------------------------

    def jobs_overview(self, *, failures: int = 5) -> JobsOverview:
        """Jobs per task and status, and the latest failures with their error."""
        with read_transaction(self.engine) as connection:
            latest = job_failures.latest(connection, limit=failures)
        if self.uses_queue:
            counts = {row["name"]: {status: int(row.get(status, 0)) for status in STATUSES}
                      for row in self.job_queue.job_manager.list_tasks()}
            return JobsOverview("queue", counts, latest, runs_here=False)
        counts: dict[str, dict[str, int]] = {}
        if self.local_runner is not None:
            for (task, status), number in self.local_runner.counts().items():
                counts.setdefault(task, dict.fromkeys(STATUSES, 0))[status] += number
        return JobsOverview("in-process", counts, latest, runs_here=self.local_runner is not None)

    def list_jobs(self, *, status: str | None = None, task: str | None = None,
                  limit: int = 50) -> list[JobRow]:
        """The queue's jobs, newest first (on SQLite: the recorded failures)."""
        if status is not None and status not in STATUSES:
            raise NotFound(f"no job status {status!r}: one of {', '.join(STATUSES)}")
        if not self.uses_queue:
            return self._local_jobs(status, task, limit)
        jobs = self.job_queue.job_manager.list_jobs(status=status, task=task)
        jobs = sorted(jobs, key=lambda job: job.id or 0, reverse=True)[:limit]
        errors = self._errors_of([int(job.id or 0) for job in jobs])
        return [JobRow(int(job.id or 0), job.task_name, job.queue, str(job.status or ""),
                       job.attempts, job.scheduled_at, errors.get(int(job.id or 0)))
                for job in jobs]

    def _local_jobs(self, status: str | None, task: str | None, limit: int) -> list[JobRow]:
        if self.local_runner is not None:
            rows = [JobRow(job.id, job.task, BY_NAME[job.task].queue, job.status, job.attempts,
                           None, job.result if job.status == "failed" else None)
                    for job in self.local_runner.jobs()]
        else:  # another process runs them: what it recorded
            with read_transaction(self.engine) as connection:
                found = job_failures.latest(connection, limit=limit * 4)
            rows = [JobRow(f.job_id, f.task, BY_NAME[f.task].queue if f.task in BY_NAME else "",
                           "failed" if f.final else "todo", f.attempt, None, f.error)
                    for f in found]
            rows = list({row.id: row for row in reversed(rows)}.values())[::-1]
        return [row for row in rows if (status is None or row.status == status)
                and (task is None or row.task == task)][:limit]

    def _errors_of(self, job_ids: list[int]) -> dict[int, str]:
        if not job_ids:
            return {}
        with read_transaction(self.engine) as connection:
            found = job_failures.latest(connection, limit=len(job_ids) * 10, job_ids=job_ids)
        errors: dict[int, str] = {}
        for failure in found:  # newest first: the first one seen is the last error
            errors.setdefault(failure.job_id, failure.error)
        return errors

    # -- forgetting old jobs --------------------------------------------------------

    def prune_jobs(self) -> tuple[int, int]:
        """Delete finished queue jobs and recorded failures older than ``jobs_keep_days``;
        returns (queue jobs, failures) deleted."""
        before = datetime.now(UTC) - timedelta(days=self.settings.jobs_keep_days)
        with write_transaction(self.engine) as connection:
            failures = job_failures.prune(connection, before=before)
            jobs = queue_store.prune_finished_jobs(connection, before=before) \
                if self.uses_queue else 0
        return jobs, failures

    # -- changing jobs ------------------------------------------------------------------

    def retry_job(self, job_id: int) -> JobRow:
        """Run a failed (or stuck ``doing``) job again now."""
        job = self._queue_job(job_id, "retry")
        if job.status not in ("failed", "doing"):
            raise JobsUnavailable(f"job {job_id} is {job.status}: only a failed job is retried")
        try:
            self.job_queue.job_manager.retry_job_by_id(job_id, retry_at=datetime.now(UTC))
        except Exception as error:  # another job of the task already waits (its queueing lock)
            raise JobsUnavailable(f"job {job_id} cannot be retried now: {_first_line(error)}"
                                  ) from None
        return self._queue_job(job_id, "retry")

    def cancel_job(self, job_id: int) -> JobRow:
        """Cancel a job waiting to run (``todo``)."""
        job = self._queue_job(job_id, "cancel")
        if not self.job_queue.job_manager.cancel_job_by_id(job_id):
            raise JobsUnavailable(
                f"job {job_id} is {job.status}: only a waiting (todo) job can be cancelled")
        return self._queue_job(job_id, "cancel")

    def _queue_job(self, job_id: int, verb: str) -> JobRow:
        if not self.uses_queue:
            raise JobsUnavailable(
                f"cannot {verb} jobs on SQLite: they run inside `paperwire serve` with no queue"
                " to change (a failed one runs again at its next periodic check)")
        found = self.job_queue.job_manager.list_jobs(id=job_id)
        if not found:
            raise NotFound(f"no job {job_id} (finished jobs are removed once they succeed)")
        job = found[0]
        return JobRow(job_id, job.task_name, job.queue, str(job.status or ""), job.attempts,
                      job.scheduled_at, self._errors_of([job_id]).get(job_id))


def _first_line(error: Any) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
