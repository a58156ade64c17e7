"""The background work of ``paperwire serve``: each process keeps its host's search
indexes in step with the store, and exactly one process of a deployment runs the jobs
(``jobs/tasks.py``: the daily harvest, embedding, summaries, digests ...).

Every web process starts :class:`BackgroundJobs` (``create_app(..., background_jobs=True)``).
Each tries to take the store's ``jobs`` lock (``db/locks.py``: it dies with its holder);
the one that gets it runs the jobs for as long as it lives, the others look again every
``retry_seconds`` and take over when the holder is gone (a worker restarted or killed).
On SQLite the holder runs the tasks in-process (``jobs/runner.py``); on PostgreSQL it runs
a procrastinate worker (``jobs/queue.py``) unless ``jobs_in_serve`` is off, when
``paperwire worker`` processes on any host run them. The job locks underneath
(``harvest``, ``digest``, ``embed``, ``summaries``) still keep a CLI run from doing a job
at the same time.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from paperwire.db.locks import JOBS_LOCK, JobLock
from paperwire.errors import JobBusy
from paperwire.jobs.queue import QueueWorker
from paperwire.jobs.runner import InProcessRunner
from paperwire.jobs.tasks import wanted_tasks

if TYPE_CHECKING:
    from paperwire.core import Paperwire

log = logging.getLogger(__name__)
RETRY_SECONDS = 10.0


def say_to_stderr(line: str) -> None:
    print(f"paperwire: {line}", file=sys.stderr, flush=True)


class BackgroundJobs:
    """``BackgroundJobs(core).start()`` … ``.stop()``: follow the store with this host's
    indexes, and run the jobs the settings turn on if this process holds the jobs lock."""

    def __init__(
        self, core: Paperwire, *, say: Callable[[str], None] = say_to_stderr,
        retry_seconds: float = RETRY_SECONDS,
    ) -> None:
        self.core, self.say, self.retry_seconds = core, say, retry_seconds
        self.runner: InProcessRunner | QueueWorker | None = None
        self.lock: JobLock | None = None  # set while this process runs the jobs
        self._stop = threading.Event()
        self._guard = threading.Lock()  # starting the jobs vs. stopping them
        self._thread: threading.Thread | None = None

    @property
    def tasks(self) -> list[str]:
        return [spec.name for spec in wanted_tasks(self.core.settings)]

    @property
    def wanted(self) -> bool:
        """Whether this process offers to run the jobs (PostgreSQL: ``jobs_in_serve``)."""
        if self.core.uses_queue and not self.core.settings.jobs_in_serve:
            return False
        return bool(self.tasks)

    @property
    def running_here(self) -> bool:
        return self.lock is not None

    def start(self) -> BackgroundJobs:
        self.core.start_index_follower()
        if self.wanted:
            self._thread = threading.Thread(target=self._take_and_run, name="paperwire-jobs",
                                            daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 10) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        with self._guard:
            if self.runner is not None:
                self.runner.stop()
                self.runner = None
                self.core.local_runner = None
            self.core.stop_index_follower()
            if self.lock is not None:
                self.lock.release()
                self.lock = None

    def _take_and_run(self) -> None:
        lock = JobLock(self.core.engine, JOBS_LOCK)
        while not self._stop.is_set():
            try:
                lock.acquire()
            except JobBusy:
                pass  # another process runs them; look again later
            except Exception:  # e.g. the store is briefly unreachable
                log.exception("could not take the jobs lock")
            else:
                self._run_jobs(lock)
                return
            self._stop.wait(self.retry_seconds)

    def _run_jobs(self, lock: JobLock) -> None:
        with self._guard:
            if self._stop.is_set():
                lock.release()
                return
            self.lock = lock
            core = self.core
            how = "a queue worker" if core.uses_queue else "in-process"
            self.say(f"this process ({lock.owner}) runs the background jobs ({how}):"
                     f" {', '.join(self.tasks)}")
            concurrency = core.settings.jobs_concurrency
            if core.uses_queue:
                self.runner = QueueWorker(core, concurrency=concurrency,
                                          name=f"serve-{lock.owner}").start()
            else:
                runner = InProcessRunner(core, wanted_tasks(core.settings),
                                         concurrency=concurrency)
                core.local_runner = runner
                self.runner = runner.start()
