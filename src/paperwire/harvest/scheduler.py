"""The daily harvest's schedule: ``next_run_after`` and ``last_run_before`` (when
``harvest_time`` falls in ``harvest_timezone``), which the ``harvest_daily`` task
(``jobs/tasks.py``) checks. ``serve`` and ``worker`` run the jobs of ``jobs/`` now; the
``Scheduler`` loop below, calling the same core methods, is no longer started by them
(tests still drive its ``run_once`` and ``send_digests``). The store's job locks
(``db/locks.py``) keep two runs from ever harvesting, or sending digests, in parallel.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from paperwire.errors import (
    ArxivUnreachable,
    HarvestBusy,
    HarvestCancelled,
    JobBusy,
    PaperwireError,
)
from paperwire.harvest.jobs import HarvestEnv
from paperwire.harvest.oai import PageProgress

log = logging.getLogger(__name__)


def next_run_after(moment: datetime, at: object, timezone: str) -> datetime:
    """The first ``at`` o'clock (in ``timezone``) strictly after ``moment`` (UTC-aware)."""
    zone = ZoneInfo(timezone)
    local = moment.astimezone(zone)
    candidate = datetime.combine(local.date(), at, tzinfo=zone)  # type: ignore[arg-type]
    if candidate <= local:
        candidate = datetime.combine(local.date() + timedelta(days=1), at, tzinfo=zone)  # type: ignore[arg-type]
    return candidate.astimezone(UTC)


def last_run_before(moment: datetime, at: object, timezone: str) -> datetime:
    """The last ``at`` o'clock (in ``timezone``) at or before ``moment`` (UTC-aware)."""
    candidate = next_run_after(moment - timedelta(days=1), at, timezone)
    # A 25-hour day (the end of summer time) can put it just after ``moment``.
    return candidate if candidate <= moment else next_run_after(
        moment - timedelta(days=2), at, timezone)


class Scheduler:
    """Harvest once at start when the store is empty, then daily at ``harvest_time``."""

    def __init__(
        self,
        core: object,
        *,
        say: Callable[[str], None] | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.core = core
        self.wait = sleep  # None: wait on the stop event (so stopping interrupts waits)
        self.say = say or log.info
        self.now = now
        self.stop_event = threading.Event()
        self.thread: threading.Thread | None = None
        self.next_run: datetime | None = None

    # -- control -------------------------------------------------------------------

    def start(self) -> threading.Thread:
        self.thread = threading.Thread(target=self.run_forever, name="paperwire-scheduler",
                                       daemon=True)
        self.thread.start()
        return self.thread

    def stop(self, timeout: float = 10) -> None:
        self.stop_event.set()
        if self.thread:
            self.thread.join(timeout)

    def _sleep(self, seconds: float) -> None:
        if self.wait is not None and not self.stop_event.is_set():
            self.wait(seconds)
        elif self.stop_event.wait(seconds):
            raise HarvestCancelled("the scheduler is stopping")

    # -- the loop ------------------------------------------------------------------

    def run_forever(self) -> None:
        try:
            if self.core.is_empty():  # type: ignore[attr-defined]
                self.say("the store is empty: harvesting the latest arXiv announcement days")
                self.run_once(first_run=True)
            while not self.stop_event.is_set():
                settings = self.core.settings  # type: ignore[attr-defined]
                self.next_run = next_run_after(
                    self.now(), settings.harvest_time, settings.harvest_timezone
                )
                wait = (self.next_run - self.now()).total_seconds()
                if self.stop_event.wait(max(0.0, wait)):
                    return
                self.run_once()
                self.send_digests()
        except HarvestCancelled:
            return

    def run_once(self, *, first_run: bool = False) -> bool:
        """One scheduled harvest; never raises for harvest failures (they are recorded)."""
        env = HarvestEnv(sleep=self._sleep)
        try:
            report = self.core.harvest_daily(  # type: ignore[attr-defined]
                first_run=first_run, on_page=self._on_page, env=env
            )
        except HarvestBusy as busy:
            self.say(f"harvest skipped: {busy}")
            return False
        except HarvestCancelled:
            raise
        except ArxivUnreachable as error:
            self.say(f"cannot harvest: {error}")
            return False
        except PaperwireError as error:
            self.say(f"harvest failed: {error}")
            return False
        except Exception:
            log.exception("harvest crashed")
            return False
        counts = report.counts
        self.say(
            f"harvest done: {counts.added:,} added, {counts.updated:,} updated,"
            f" {counts.quarantined:,} quarantined, {counts.requests:,} requests"
        )
        return True

    def send_digests(self) -> None:
        """After the daily harvest: the daily digest, and the weekly one on its weekday.

        Building is idempotent and sending claims rows, so two schedulers (``serve`` and
        ``worker``) running this for the same day send each digest once; the digest lock
        makes the later one skip instead of doing the work twice.
        """
        core: Any = self.core
        if not core.settings.digest_enabled:
            return
        from paperwire.digest.sender import SenderEnv

        try:
            report = core.send_scheduled_digests(env=SenderEnv(stop=self.stop_event))
        except JobBusy as busy:
            self.say(f"digests skipped: {busy}")
            return
        except Exception:
            log.exception("digest sending crashed")
            return
        self.say(f"digests: {report.sent:,} sent, {report.failed:,} failed")

    def _on_page(self, progress: PageProgress) -> None:
        counts = progress.counts
        self.say(
            f"harvesting {progress.set_spec or 'arXiv'}: page {progress.page},"
            f" {counts.added:,} papers added so far"
        )
