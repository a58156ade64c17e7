"""The tasks on procrastinate, PostgreSQL's job queue: deferring, running, looking at jobs.

One :func:`make_app` per use: the core's deferring app (opened synchronously, for
defers from any thread and for ``paperwire jobs``) and each worker's own app (opened by
``run_worker`` on its event loop), so no connection pool crosses event loops.

A worker heartbeats every ``jobs_heartbeat_seconds``. A worker killed mid-job leaves its
job ``doing``; the ``retry_stalled_jobs`` task (every few seconds, on any live worker)
puts the jobs of workers silent for ``jobs_stalled_seconds`` back to ``todo``, as
procrastinate's docs advise, and another worker runs them again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
from typing import TYPE_CHECKING, Any

from procrastinate import App, JobContext, PsycopgConnector, RetryDecision
from procrastinate.exceptions import UniqueViolation
from procrastinate.jobs import Job, Status
from procrastinate.retry import BaseRetryStrategy

from paperwire.db.queue import conninfo
from paperwire.jobs.runner import run_body
from paperwire.jobs.tasks import BY_NAME, TASKS, TaskSpec, backoff_seconds, every
from paperwire.settings import Settings

if TYPE_CHECKING:
    from paperwire.core import Paperwire

log = logging.getLogger(__name__)
STALLED_TASK = "retry_stalled_jobs"


class Backoff(BaseRetryStrategy):
    """Retry a failed job after ``backoff_seconds`` (doubling), ``max_attempts`` runs in all."""

    def __init__(self, settings: Settings, max_attempts: int) -> None:
        self.settings, self.max_attempts = settings, max_attempts

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        attempts = job.attempts + 1  # this run included
        if attempts >= self.max_attempts:
            return None
        return RetryDecision(retry_in={"seconds": backoff_seconds(self.settings, attempts)})


def make_app(core: Paperwire) -> App:
    """A procrastinate app with every task registered, and the periodic schedule of the
    tasks this deployment's settings turn on."""
    settings = core.settings
    app = App(connector=PsycopgConnector(conninfo=conninfo(core.engine)))
    wanted = {spec.name for spec in TASKS if spec.wanted(settings)}
    for spec in TASKS:
        task = app.task(
            name=spec.name, queue=spec.queue, pass_context=True,
            lock=spec.name if spec.parallel(settings) == 1 else None,
            retry=Backoff(settings, spec.max_attempts),
        )(_task_function(core, spec, app))
        schedule = spec.schedule(settings)
        if schedule and spec.name in wanted:
            app.periodic(cron=schedule, periodic_id=spec.name)(task)
    _add_stalled_task(app, settings)
    return app


def _task_function(core: Paperwire, spec: TaskSpec, app: App) -> Any:
    def run(context: JobContext, timestamp: int | None = None, **_: Any) -> object:
        job = context.job
        return run_body(core, spec, job_id=int(job.id or 0), attempt=job.attempts + 1,
                        defer=lambda name: defer(app, name, core.settings))

    run.__name__ = spec.name
    return run


def _add_stalled_task(app: App, settings: Settings) -> None:
    stalled = settings.jobs_stalled_seconds

    async def retry_stalled_jobs(timestamp: int | None = None) -> int:
        jobs = list(await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=stalled))
        for job in jobs:
            log.warning("job %s (%s) of a silent worker: retrying it", job.id, job.task_name)
            try:
                await app.job_manager.retry_job(job)
            except UniqueViolation:
                # Another job of the task already waits (its queueing lock): that one does
                # the work; this one ends as failed, so its lock no longer blocks the task.
                await app.job_manager.finish_job(job, status=Status.FAILED, delete_job=False)
        return len(jobs)

    task = app.task(name=STALLED_TASK, queue="maintenance", lock=STALLED_TASK)(
        retry_stalled_jobs)
    app.periodic(cron=every(max(1, min(59, stalled // 2))), periodic_id=STALLED_TASK)(task)


def defer(app: App, name: str, settings: Settings) -> int | None:
    """Queue one job of ``name``; None when as many wait to start as its task's
    ``parallel`` allows (one, for most).

    Not procrastinate's queueing lock: a failed job put back in ``todo`` for its retry
    would then collide with the next periodic or deferred job of its task. Two processes
    deferring at the same instant may queue two; the bodies make the second a no-op."""
    waiting = len(app.job_manager.list_jobs(task=name, status="todo"))
    if waiting >= BY_NAME[name].parallel(settings):
        return None
    return app.configure_task(name, allow_unknown=False).defer()


def worker_options(settings: Settings, *, concurrency: int, queues: list[str] | None,
                   name: str) -> dict[str, Any]:
    return {
        "concurrency": concurrency, "queues": queues or None, "name": name,
        "update_heartbeat_interval": settings.jobs_heartbeat_seconds,
        "stalled_worker_timeout": settings.jobs_stalled_seconds,
        "fetch_job_polling_interval": settings.jobs_poll_seconds,
        "delete_jobs": "successful",
    }


class QueueWorker:
    """A procrastinate worker on an event loop of its own thread: what ``paperwire serve``
    runs when ``jobs_in_serve`` is on. ``stop()`` cancels it (procrastinate then stops
    taking jobs and lets the running ones finish)."""

    def __init__(self, core: Paperwire, *, concurrency: int, name: str) -> None:
        self.app = make_app(core)
        self.options = worker_options(core.settings, concurrency=concurrency, queues=None,
                                      name=name)
        self.pause_s = core.settings.jobs_heartbeat_seconds
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._run, name="paperwire-queue-worker",
                                        daemon=True)

    def start(self) -> QueueWorker:
        self._thread.start()
        self._started.wait(30)
        return self

    def stop(self, timeout: float = 30) -> None:
        if self._loop is not None and self._task is not None:
            self._loop.call_soon_threadsafe(self._task.cancel)
        self._thread.join(timeout)

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except Exception:
            log.exception("the queue worker stopped")

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        async with self.app.open_async():
            self._task = asyncio.create_task(
                run_through_outages(self.app, self.options, self.pause_s))
            self._started.set()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


async def run_through_outages(app: App, options: dict[str, Any], pause_s: float) -> None:
    """Run a worker of ``app`` until cancelled. procrastinate stops a worker when the
    store goes away (its heartbeat, listener or next fetch fails while PostgreSQL
    restarts): start it again ``pause_s`` later, so a restart of the store stops no
    worker. A job whose end the stopped worker could not record stays ``doing`` under
    its old, now silent, worker id: ``retry_stalled_jobs`` puts it back."""
    while True:
        try:
            await app.run_worker_async(install_signal_handlers=False, **options)
            log.warning("the queue worker stopped by itself: starting it again in %g s", pause_s)
        except Exception as error:  # the store went away, or is still starting
            first = str(error).splitlines()[0] if str(error) else ""
            log.warning("the queue worker stopped (%s: %s): starting it again in %g s",
                        type(error).__name__, first, pause_s)
        await asyncio.sleep(pause_s)


def run_until_signalled(app: App, options: dict[str, Any], pause_s: float) -> None:
    """``paperwire worker``: run through outages until SIGTERM or SIGINT, which stop the
    worker as procrastinate's own handlers do (running jobs finish first)."""

    async def main() -> None:
        async with app.open_async():
            task = asyncio.create_task(run_through_outages(app, options, pause_s))
            loop = asyncio.get_running_loop()
            for number in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(number, task.cancel)
            with contextlib.suppress(asyncio.CancelledError):
                await task

    asyncio.run(main())
