"""The background jobs of ``paperwire serve``: the harvest scheduler (and the scheduled
digests after it) and background embedding, run by exactly one process of a deployment
however many worker processes serve it.

Every web process starts :class:`BackgroundJobs` (``create_app(..., background_jobs=True)``).
Each tries to take the store's ``jobs`` lock (``db/locks.py``: it dies with its holder);
the one that gets it runs the jobs for as long as it lives, the others look again every
``retry_seconds`` and take over when the holder is gone (a worker restarted or killed).
The job locks underneath (``harvest``, ``digest``, ``embed``) still keep a ``paperwire
worker``, a CLI run or a second deployment on the same store from doing a job twice.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from paperwire.db.locks import JOBS_LOCK, JobLock
from paperwire.errors import JobBusy
from paperwire.harvest.scheduler import Scheduler
from paperwire.search.service import BackgroundEmbedder

if TYPE_CHECKING:
    from paperwire.core import Paperwire

log = logging.getLogger(__name__)
RETRY_SECONDS = 10.0


def say_to_stderr(line: str) -> None:
    print(f"paperwire: {line}", file=sys.stderr, flush=True)


class BackgroundJobs:
    """``BackgroundJobs(core).start()`` … ``.stop()``: run the jobs the settings turn on
    (``harvest_enabled``, ``embed_in_background``) if this process holds the jobs lock."""

    def __init__(
        self, core: Paperwire, *, say: Callable[[str], None] = say_to_stderr,
        retry_seconds: float = RETRY_SECONDS,
    ) -> None:
        self.core, self.say, self.retry_seconds = core, say, retry_seconds
        self.scheduler: Scheduler | None = None
        self.lock: JobLock | None = None  # set while this process runs the jobs
        self._stop = threading.Event()
        self._guard = threading.Lock()  # starting the jobs vs. stopping them
        self._thread: threading.Thread | None = None
        self.summaries: BackgroundEmbedder | None = None
        self.github: BackgroundEmbedder | None = None

    @property
    def wanted(self) -> bool:
        settings = self.core.settings
        return (settings.harvest_enabled or settings.embed_in_background
                or settings.summaries_in_background or settings.github_in_background)

    @property
    def running_here(self) -> bool:
        return self.lock is not None

    def start(self) -> BackgroundJobs:
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
            if self.scheduler is not None:
                self.scheduler.stop(timeout)
                self.scheduler = None
            self.core.stop_background_embedding()
            for thread in (self.summaries, self.github):
                if thread is not None:
                    thread.stop()
            self.summaries = self.github = None
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
            settings = self.core.settings
            jobs = [name for name, on in (("daily harvest", settings.harvest_enabled),
                                          ("embedding", settings.embed_in_background),
                                          ("summaries", settings.summaries_in_background),
                                          ("GitHub", settings.github_in_background))
                    if on]
            self.say(f"this process ({lock.owner}) runs the background jobs: {', '.join(jobs)}")
            if settings.embed_in_background:
                self.core.start_background_embedding()
            if settings.summaries_in_background:
                self.summaries = summary_thread(self.core)
            if settings.github_in_background:
                self.github = github_thread(self.core)
            if settings.harvest_enabled:
                self.scheduler = Scheduler(self.core, say=self.say)
                self.scheduler.start()


def summary_thread(core: Paperwire) -> BackgroundEmbedder:
    """The summary jobs in a daemon thread of their own (an endpoint's pace must not hold
    up embedding), run whenever a look every ``embed_poll_seconds`` finds papers waiting."""
    thread = BackgroundEmbedder(
        [core.build_summaries], lambda error: log.exception("summary job failed", exc_info=error),
        poll_seconds=core.settings.embed_poll_seconds,
        due=lambda: any(core.pending_summaries().values()),
    )
    thread.start()
    return thread


def github_thread(core: Paperwire) -> BackgroundEmbedder:
    """The GitHub refresh in a daemon thread of its own (its pace is GitHub's budget),
    run whenever a look every ``embed_poll_seconds`` finds repositories due; it rests
    while GitHub's rate limit holds."""
    thread = BackgroundEmbedder(
        [core.refresh_github], lambda error: log.exception("GitHub refresh failed", exc_info=error),
        poll_seconds=core.settings.embed_poll_seconds, due=core.github_due,
    )
    thread.start()
    return thread
