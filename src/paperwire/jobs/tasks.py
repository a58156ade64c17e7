"""Every background job of paperwire as a task: its name, queue, retry policy, schedule
and body. Both runners (``runner.py``: in-process on SQLite; ``queue.py``: procrastinate
on PostgreSQL) run exactly these.

A body calls core methods only. The core methods keep taking the store's job locks
(``harvest``, ``digest``, ``summaries`` ...), so a CLI run and a task never overlap: a
task that finds its lock held elsewhere is *skipped* (not failed). The queue's own lock
(``lock``: the task's name) keeps one job of each task running at a time, and a defer is
skipped while a job of the task waits to start. Embedding is the exception: its batches
claim their own papers (``db/embedding_claims.py``), so ``parallel`` jobs of it wait and
run at once, and any number of `paperwire embed` runs beside them.

Work that is never done sits in a batch-sized task that defers itself again while more
is pending (``embed_pending``, ``build_summaries``), so a long backlog is many short jobs
that any worker may take, and a killed worker loses one batch's work at most.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from paperwire.db import harvest as harvest_store
from paperwire.db.session import read_transaction
from paperwire.errors import JobBusy
from paperwire.harvest.scheduler import last_run_before
from paperwire.settings import Settings

if TYPE_CHECKING:
    from paperwire.core import Paperwire

log = logging.getLogger(__name__)



@dataclass(frozen=True, slots=True)
class TaskRun:
    """What a body knows of its run: which attempt (1 for the first), and how to queue one
    more job of a task (``defer(name)``)."""

    attempt: int
    defer: Callable[[str], object]  # the job's id, or None when no more may wait

SKIPPED = "skipped"
DAILY_KINDS = ("daily", "first-run")


@dataclass(frozen=True, slots=True)
class TaskSpec:
    name: str
    queue: str
    body: Callable[[Paperwire, TaskRun], object]
    describe: str
    max_attempts: int = 3  # runs in all, the first one included
    # The periodic schedule, a cron expression in UTC (a sixth field: seconds), or None
    # for tasks only deferred (by another task, an import, or `paperwire jobs`).
    schedule: Callable[[Settings], str | None] = lambda _settings: None
    wanted: Callable[[Settings], bool] = lambda _settings: True
    # Jobs of the task that may wait at once (and, on the queue, run at once); 1: one at a
    # time, under the queue's lock. Only a body safe to run beside itself raises it.
    parallel: Callable[[Settings], int] = lambda _settings: 1


def backoff_seconds(settings: Settings, attempts: int) -> float:
    """How long before the next run of a job that failed ``attempts`` times (1, 2 ...):
    ``jobs_retry_seconds`` doubled with each failure."""
    return settings.jobs_retry_seconds * 2 ** max(0, attempts - 1)


def every(seconds: int) -> str:
    """A cron expression firing every ``seconds`` (rounded to what cron can say)."""
    if seconds < 60:
        return f"* * * * * */{seconds}"
    if seconds < 3600:
        return f"*/{seconds // 60} * * * *"
    return f"0 */{min(23, seconds // 3600)} * * *"


# -- the bodies ---------------------------------------------------------------------------


def daily_harvest_due(core: Paperwire, now: datetime, *, retry: bool = False) -> bool | None:
    """None: not due. True: the first run (an empty store that never harvested). False:
    the daily run, due once ``harvest_time`` has passed since the last daily run began.
    A ``retry`` (the queue running a failed job again) is due until a run succeeds."""
    with read_transaction(core.engine) as connection:
        last = harvest_store.latest_run(connection, kinds=DAILY_KINDS)
        last_ok = harvest_store.latest_run(connection, "ok", kinds=DAILY_KINDS)
    if last_ok is None and (last is None or retry):
        return bool(core.is_empty())
    settings = core.settings
    scheduled = last_run_before(now, settings.harvest_time, settings.harvest_timezone)
    since = last_ok if retry else last
    return False if since is None or since.started_at < scheduled else None


def harvest_daily(core: Paperwire, run: TaskRun) -> object:
    """Checked every few minutes; harvests when the day's ``harvest_time`` has passed (or
    the store is empty), then defers the scheduled digests."""
    first_run = daily_harvest_due(core, datetime.now(UTC), retry=run.attempt > 1)
    if first_run is None:
        return "not due"
    try:
        report = core.harvest_daily(first_run=first_run)
    except JobBusy as busy:
        log.info("harvest skipped: %s", busy)
        return SKIPPED
    if core.settings.digest_enabled:
        run.defer("send_digests")
    counts = report.counts
    return f"{counts.added:,} added, {counts.updated:,} updated"


def send_digests(core: Paperwire, _run: TaskRun) -> object:
    """Build today's issues (and the weekly one on its day) and send them; exactly once
    per message stays the send log's job, so a retried job only finishes the rest."""
    try:
        report = core.send_scheduled_digests()
    except JobBusy as busy:
        log.info("digests skipped: %s", busy)
        return SKIPPED
    return f"{report.sent:,} sent, {report.failed:,} failed"


def embed_pending(core: Paperwire, run: TaskRun) -> object:
    """One batch of pending papers (``jobs_embed_batch``), claimed so that other jobs of
    this task embed other papers at once; while more wait unclaimed, more jobs are
    queued (up to ``jobs_embed_parallel`` waiting), so every free worker takes a batch."""
    if core.unclaimed_embeddings() == 0:
        return "nothing pending"
    batch = core.settings.jobs_embed_batch
    _fan_out(core, run, besides=batch)  # the others start while this one works
    report = core.embed_pending(limit=batch)
    _fan_out(core, run)
    return f"{report.embedded:,} embedded"


def _fan_out(core: Paperwire, run: TaskRun, *, besides: int = 0) -> None:
    """Queue a job per batch waiting unclaimed (``besides`` the one about to be taken)."""
    batch = core.settings.jobs_embed_batch
    left = max(0, core.unclaimed_embeddings() - besides)
    wanted = min(core.settings.jobs_embed_parallel, -(-left // batch))
    for _ in range(wanted):
        if run.defer("embed_pending") is None:  # as many wait as may
            break


def build_summaries(core: Paperwire, run: TaskRun) -> object:
    """One batch of summaries of each kind; again while more wait (abstractive ones only
    while the endpoint answers)."""
    if not any(core.pending_summaries().values()):
        return "nothing pending"
    try:
        report = core.build_summaries(limit=core.settings.jobs_embed_batch)
    except JobBusy as busy:
        log.info("summaries skipped: %s", busy)
        return SKIPPED
    pending = core.pending_summaries()
    if pending.get("extractive") or (pending.get("abstractive") and not report.endpoint_down):
        run.defer("build_summaries")  # a down endpoint waits for the periodic check
    down = "; endpoint unavailable, stopped" if report.endpoint_down else ""
    return f"{report.extractive:,} extractive, {report.abstractive:,} abstractive{down}"


def refresh_github(core: Paperwire, _run: TaskRun) -> object:
    """The GitHub repositories due (new links first), paced to the hourly budget."""
    try:
        report = core.refresh_github(limit=core.settings.jobs_embed_batch)
    except JobBusy as busy:  # `paperwire github refresh` is at it
        log.info("GitHub refresh skipped: %s", busy)
        return SKIPPED
    return (f"{report.fetched:,} fetched, {report.not_modified:,} unchanged,"
            f" {report.gone:,} gone")


def retrain_for_you(core: Paperwire, run: TaskRun) -> object:
    """A batch of stale readers' For-you models, trained and stored; again while more are."""
    retrained, left = core.retrain_for_you(limit=core.settings.jobs_for_you_batch)
    if left:
        run.defer("retrain_for_you")
    return f"{retrained:,} readers retrained, {left:,} stale"


def publish_index_snapshot(core: Paperwire, _run: TaskRun) -> object:
    """This host's indexes, brought up to the store, published for new hosts to start from."""
    snapshot = core.publish_index_snapshot()
    return f"published {snapshot.path.name}: {snapshot.papers:,} papers"


def prune_jobs(core: Paperwire, _run: TaskRun) -> object:
    """Finished jobs and recorded failures older than ``jobs_keep_days``."""
    jobs, failures = core.prune_jobs()
    return f"{jobs:,} finished jobs and {failures:,} failures pruned"


def prune_change_log(core: Paperwire, _run: TaskRun) -> object:
    return f"{core.prune_change_log():,} changes pruned"


# -- the list -----------------------------------------------------------------------------

TASKS: tuple[TaskSpec, ...] = (
    TaskSpec("harvest_daily", "harvest", harvest_daily,
             "the daily harvest (listing + OAI-PMH), checked every 5 minutes",
             schedule=lambda _s: "*/5 * * * *", wanted=lambda s: s.harvest_enabled),
    TaskSpec("send_digests", "digest", send_digests,
             "build and send the scheduled digests (after the daily harvest)",
             wanted=lambda s: s.digest_enabled),
    TaskSpec("embed_pending", "embed", embed_pending,
             "embed a batch of pending papers, every embed_poll_seconds and after imports",
             schedule=lambda s: every(s.embed_poll_seconds),
             wanted=lambda s: s.embed_in_background,
             parallel=lambda s: s.jobs_embed_parallel),
    TaskSpec("build_summaries", "enrich", build_summaries,
             "one-line summaries of a batch of embedded papers",
             schedule=lambda s: every(s.embed_poll_seconds),
             wanted=lambda s: s.summaries_in_background),
    TaskSpec("refresh_github", "enrich", refresh_github,
             "stars and metadata of the GitHub repositories due, every embed_poll_seconds",
             schedule=lambda s: every(s.embed_poll_seconds),
             wanted=lambda s: s.github_in_background),
    TaskSpec("retrain_for_you", "enrich", retrain_for_you,
             "train and store stale readers' For-you models, every embed_poll_seconds",
             schedule=lambda s: every(s.embed_poll_seconds),
             wanted=lambda s: s.for_you_in_background and s.embedder != "none"),
    TaskSpec("publish_index_snapshot", "maintenance", publish_index_snapshot,
             "publish this host's indexes to index_snapshot_dir for new hosts to start from",
             max_attempts=2, schedule=lambda s: every(s.index_snapshot_seconds),
             wanted=lambda s: s.index_snapshot_dir is not None),
    TaskSpec("prune_change_log", "maintenance", prune_change_log,
             "forget the change feed's rows older than a week", max_attempts=1,
             schedule=lambda _s: "17 3 * * *"),
    TaskSpec("prune_jobs", "maintenance", prune_jobs,
             "forget finished jobs and job failures older than jobs_keep_days", max_attempts=1,
             schedule=lambda _s: "37 3 * * *"),
)
BY_NAME: dict[str, TaskSpec] = {spec.name: spec for spec in TASKS}
QUEUES: tuple[str, ...] = tuple(dict.fromkeys(spec.queue for spec in TASKS))


def wanted_tasks(settings: Settings) -> list[TaskSpec]:
    """The tasks the settings turn on (``harvest_enabled``, ``embed_in_background`` ...)."""
    return [spec for spec in TASKS if spec.wanted(settings)]


def one_line(error: BaseException) -> str:
    """An error as ``/status`` and ``paperwire jobs`` show it."""
    text = " ".join(str(error).split()) or type(error).__name__
    return f"{type(error).__name__}: {text}" if text != type(error).__name__ else text

