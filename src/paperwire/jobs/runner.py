"""Running the tasks: the one body runner both backends share, and the in-process runner
a SQLite deployment uses (no queue service: threads of ``paperwire serve``, or of
``paperwire worker`` in the foreground, behind the store's ``jobs`` lock).

The in-process runner keeps procrastinate's rules for the same tasks: one job of a task
waiting and one running at a time, each periodic task on its cron schedule (checked at
start too), a failed job retried after ``backoff_seconds`` up to ``max_attempts`` runs,
every failed attempt recorded in ``job_failures``. Its queue lives in memory: a job
waiting when the process stops is not kept, and the next periodic check finds the
pending work again (embedding, summaries and harvests look at the store, not the queue).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from croniter import croniter

from paperwire.db import job_failures
from paperwire.db.session import write_transaction
from paperwire.jobs.tasks import TaskRun, TaskSpec, backoff_seconds, one_line

if TYPE_CHECKING:
    from paperwire.core import Paperwire

log = logging.getLogger(__name__)
HISTORY = 200  # finished runs the in-process runner remembers for /status


def run_body(core: Paperwire, spec: TaskSpec, *, job_id: int, attempt: int,
             defer: Callable[[str], object]) -> object:
    """Run a task's body once; a failure is recorded (``job_failures``), then re-raised
    for the runner to retry or give up."""
    try:
        return spec.body(core, TaskRun(attempt, defer))
    except Exception as error:
        final = attempt >= spec.max_attempts
        log.warning("job %s (%s) failed, attempt %d%s: %s", job_id, spec.name, attempt,
                    "" if not final else ", no retry", one_line(error))
        try:
            with write_transaction(core.engine) as connection:
                job_failures.record(connection, task=spec.name, job_id=job_id,
                                    attempt=attempt, final=final, error=one_line(error))
        except Exception:  # e.g. the store is unreachable: the log line above stays
            log.exception("could not record the failure of job %s", job_id)
        raise


@dataclass(slots=True)
class LocalJob:
    id: int
    task: str
    due: float  # time.time()
    attempts: int = 0  # failed runs so far
    status: str = "todo"  # todo, doing, succeeded, failed
    result: str = ""
    finished_at: datetime | None = None


@dataclass(slots=True)
class _State:
    waiting: dict[str, LocalJob] = field(default_factory=dict)
    running: dict[str, LocalJob] = field(default_factory=dict)
    next_periodic: dict[str, float] = field(default_factory=dict)
    finished: deque[LocalJob] = field(default_factory=lambda: deque(maxlen=HISTORY))
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)


class InProcessRunner:
    """``InProcessRunner(core, specs).start()`` … ``.stop()``; ``defer(name)`` any time."""

    def __init__(self, core: Paperwire, specs: list[TaskSpec], *, concurrency: int = 2,
                 clock: Callable[[], float] = time.time) -> None:
        self.core, self.clock = core, clock
        self.specs = {spec.name: spec for spec in specs}
        self.state = _State()
        self._changed = threading.Condition()
        self._stop = threading.Event()
        self._pool = ThreadPoolExecutor(max(1, concurrency), thread_name_prefix="paperwire-job")
        self._thread = threading.Thread(target=self._loop, name="paperwire-jobs-runner",
                                        daemon=True)
        self._ids = time.time_ns() // 1000  # unique across restarts, for job_failures

    # -- control ----------------------------------------------------------------------

    def start(self) -> InProcessRunner:
        now = self.clock()
        for spec in self.specs.values():  # every periodic task checks once at start
            if spec.schedule(self.core.settings):
                self.state.next_periodic[spec.name] = now
        self._thread.start()
        return self

    def stop(self, timeout: float = 30) -> None:
        self._stop.set()
        with self._changed:
            self._changed.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout)
        self._pool.shutdown(wait=True, cancel_futures=True)

    def defer(self, name: str, *, due: float | None = None) -> int | None:
        """Queue a job of ``name`` (BY_NAME); None if one already waits or the task is
        not one this runner runs (its setting is off)."""
        if name not in self.specs:
            return None
        with self._changed:
            if name in self.state.waiting:
                return None
            self._ids += 1
            self.state.waiting[name] = LocalJob(self._ids, name, due or self.clock())
            self._changed.notify_all()
            return self._ids

    def jobs(self) -> list[LocalJob]:
        """Waiting, running, then recently finished jobs."""
        with self._changed:
            state = self.state
            return [*state.waiting.values(), *state.running.values(), *reversed(state.finished)]

    def counts(self) -> Counter[tuple[str, str]]:
        """(task, status) → jobs, since this process started."""
        with self._changed:
            current = Counter(self.state.counts)
            for job in [*self.state.waiting.values(), *self.state.running.values()]:
                current[(job.task, job.status)] += 1
            return current

    # -- the loop ---------------------------------------------------------------------

    def _loop(self) -> None:
        while not self._stop.is_set():
            with self._changed:
                now = self.clock()
                self._defer_periodic(now)
                for job in self._due_jobs(now):
                    job.status = "doing"
                    self.state.running[job.task] = job
                    self._pool.submit(self._run, job)
                self._changed.wait(timeout=self._sleep_for(self.clock()))

    def _defer_periodic(self, now: float) -> None:
        for name, at in list(self.state.next_periodic.items()):
            if at <= now:
                if name not in self.state.waiting:
                    self._ids += 1
                    self.state.waiting[name] = LocalJob(self._ids, name, now)
                cron = self.specs[name].schedule(self.core.settings) or ""
                self.state.next_periodic[name] = croniter(cron, now).get_next(float)

    def _due_jobs(self, now: float) -> list[LocalJob]:
        due = [job for name, job in self.state.waiting.items()
               if job.due <= now and name not in self.state.running]
        for job in due:
            del self.state.waiting[job.task]
        return due

    def _sleep_for(self, now: float) -> float:
        moments = [*self.state.next_periodic.values(),
                   *(job.due for job in self.state.waiting.values())]
        return min(1.0, max(0.05, min(moments, default=now + 1.0) - now))

    def _run(self, job: LocalJob) -> None:
        spec = self.specs[job.task]
        status, retry_at = "succeeded", None
        try:
            job.result = str(run_body(self.core, spec, job_id=job.id, attempt=job.attempts + 1,
                                      defer=self.defer))
        except Exception as error:
            job.attempts += 1
            job.result = one_line(error)
            if job.attempts < spec.max_attempts:
                status = "todo"
                retry_at = self.clock() + backoff_seconds(self.core.settings, job.attempts)
            else:
                status = "failed"
        with self._changed:
            del self.state.running[job.task]
            if retry_at is not None and job.task not in self.state.waiting:
                job.status, job.due = "todo", retry_at
                self.state.waiting[job.task] = job
            elif retry_at is None:
                job.status, job.finished_at = status, datetime.now(UTC)
                self.state.finished.append(job)
                self.state.counts[(job.task, status)] += 1
            self._changed.notify_all()

