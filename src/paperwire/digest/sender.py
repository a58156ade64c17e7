"""The sending worker: claim one row, render, send over one SMTP session, record.

Every message is claimed (with a lease) in one transaction and recorded in another,
right after the server's answer, so a worker killed at any moment leaves at most the
one message it was sending unrecorded; that row comes back ``ambiguous`` when its
lease ends and is sent again with the same Message-ID. Any number of workers may run.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from email.message import Message

from paperwire.db import digest_sends as store
from paperwire.db import digests, queries
from paperwire.db.digest_sends import Claim
from paperwire.db.session import Engine, read_transaction, write_transaction
from paperwire.digest.models import Period, SendReport, SendStatus, unpack_papers
from paperwire.digest.render import DigestRenderer, Recipient
from paperwire.mail.session import Delivery, MailSession, Outcome
from paperwire.models import Paper
from paperwire.settings import Settings
from paperwire.summaries.pick import attach as attach_summaries

log = logging.getLogger("paperwire.digest")
RECLAIM_EVERY_S = 5.0


def make_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass(slots=True)
class Issue:
    period: Period
    trending: list[Paper]


@dataclass(slots=True)
class Prepared:
    """A claimed message, rendered (or the reason it could not be)."""

    claim: Claim
    message: Message | None
    error: str | None = None


@dataclass
class SenderEnv:
    """The clock, sleep and stop signal a worker uses; tests shorten them."""

    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep
    stop: threading.Event = field(default_factory=threading.Event)
    on_progress: Callable[[SendReport], None] | None = None


class DigestSender:
    def __init__(self, engine: Engine, settings: Settings, renderer: DigestRenderer,
                 session: MailSession, env: SenderEnv | None = None) -> None:
        self.engine, self.settings, self.renderer = engine, settings, renderer
        self.session, self.env = session, env or SenderEnv()
        self.owner = make_owner()
        self.report = SendReport()
        self.issues: dict[int, Issue] = {}
        self.papers: dict[int, Paper] = {}
        self.errors_in_a_row = 0
        self.next_slot = 0.0
        self.last_reclaim = 0.0
        self.pause_checked = 0.0

    def run(self) -> SendReport:
        """Send until nothing is left (waiting out retries, leases and pauses).

        While one message is on the wire, a helper thread claims and renders the next,
        so the CPU work overlaps the SMTP round trips.
        """
        with ThreadPoolExecutor(1, thread_name_prefix="digest-render") as pool:
            ahead: Future[Prepared | None] | None = None
            while not self.env.stop.is_set():
                if self._paused():
                    ahead = self._release(ahead)  # its lease must not run out meanwhile
                    continue
                item = ahead.result() if ahead else self._prepare()
                ahead = None
                if item is None:
                    if not self._wait_for_work():
                        break
                    continue
                ahead = pool.submit(self._prepare)
                self._deliver(item)
            self._release(ahead)
        return self.report

    # -- one message -----------------------------------------------------------------

    def _prepare(self) -> Prepared | None:
        """Claim the next due message and render it (None: nothing due now)."""
        self._reclaim_now_and_then()
        with write_transaction(self.engine) as connection:
            claim = store.claim(connection, owner=self.owner, now=self.env.clock(),
                                lease_s=self.settings.digest_lease_seconds)
        if claim is None:
            return None
        try:
            return Prepared(claim, self._render(claim))
        except Exception as error:  # a stored address we cannot mail, say
            log.exception("cannot render digest %s", claim.send_id)
            return Prepared(claim, None, f"cannot build: {error}")

    def _deliver(self, item: Prepared) -> None:
        if item.message is None:
            self._record(item.claim, Delivery(Outcome.PERMANENT, None, item.error or ""))
            return
        self._pace()
        self._record(item.claim, self.session.send(item.message))
        if self.env.on_progress:
            self.env.on_progress(self.report)

    def _release(self, ahead: Future[Prepared | None] | None) -> None:
        """Give back a claimed, unsent message (pausing or stopping)."""
        item = ahead.result() if ahead else None
        if item is None:
            return None
        status = SendStatus.AMBIGUOUS if item.claim.was_ambiguous else SendStatus.QUEUED
        with write_transaction(self.engine) as connection:
            store.mark_retry(connection, item.claim, self.owner, at=self.env.clock(),
                             error="released unsent", status=status, counts=False)
        return None

    def _render(self, claim: Claim) -> Message:
        issue = self._issue(claim.issue_id)
        topics, for_you = unpack_papers(claim.papers)
        extras = [self.papers[i] for i in self._load_papers(topics)]
        picks = [self.papers[i] for i in self._load_papers(for_you)]
        recipient = Recipient(claim.subscription_id, claim.email, claim.message_id)
        return self.renderer.message(recipient, issue.period, issue.trending, extras, picks)

    def _record(self, claim: Claim, delivery: Delivery) -> None:
        now, s, report = self.env.clock(), self.settings, self.report
        error = f"{delivery.code or ''} {delivery.detail}".strip()
        with write_transaction(self.engine) as connection:
            if delivery.outcome is Outcome.SENT:
                store.mark_sent(connection, claim, self.owner, now=now)
                report.sent += 1
            elif delivery.outcome is Outcome.PERMANENT:
                store.mark_failed(connection, claim, self.owner, error=error,
                                  bounce=delivery.code is not None, max_bounces=s.digest_max_bounces)
                report.failed += 1
            elif delivery.outcome is Outcome.TRANSIENT and claim.attempts >= s.digest_max_attempts:
                store.mark_failed(connection, claim, self.owner, error=error, bounce=False,
                                  max_bounces=s.digest_max_bounces)
                report.failed += 1
            elif delivery.outcome is Outcome.TRANSIENT:
                backoff = s.digest_retry_seconds * 2 ** (claim.attempts - 1)
                store.mark_retry(connection, claim, self.owner, at=now + backoff, error=error)
                report.retried += 1
            elif delivery.outcome is Outcome.AMBIGUOUS:
                store.mark_retry(connection, claim, self.owner, at=now, error=error,
                                 status=SendStatus.AMBIGUOUS, counts=False)
                report.ambiguous += 1
            else:  # not delivered: the server is down or closing
                store.mark_retry(connection, claim, self.owner, at=now, error=error, counts=False)
        self._count_errors(delivery, error)

    def _count_errors(self, delivery: Delivery, error: str) -> None:
        if delivery.outcome not in (Outcome.CONNECTION, Outcome.AMBIGUOUS):
            self.errors_in_a_row = 0
            return
        self.errors_in_a_row += 1
        if self.errors_in_a_row < self.settings.digest_pause_after_errors:
            return
        until = self.env.clock() + self.settings.digest_pause_seconds
        with write_transaction(self.engine) as connection:
            store.pause(connection, until=until, reason=f"{self.errors_in_a_row} errors in a row: {error}")
        log.warning("digest sending paused for %ss: %s", self.settings.digest_pause_seconds, error)
        self.report.pauses += 1
        self.errors_in_a_row = 0
        self.pause_checked = 0.0  # wait from the next message on

    # -- waiting ---------------------------------------------------------------------

    def _pace(self) -> None:
        rate = self.settings.digest_send_rate
        if rate <= 0:
            return
        now = time.monotonic()
        if self.next_slot > now:
            self.env.sleep(self.next_slot - now)
        self.next_slot = max(now, self.next_slot) + 1.0 / rate

    def _paused(self) -> bool:
        now = self.env.clock()
        if now - self.pause_checked < 0.5:
            return False
        self.pause_checked = now
        with read_transaction(self.engine) as connection:
            until = store.paused_until(connection, now=now)
        if until is None:
            return False
        self.env.sleep(min(until - now, 1.0))  # re-check each second: `digest resume`
        return True

    def _wait_for_work(self) -> bool:
        """Sleep until the next retry or lease expiry; False when nothing is left."""
        self._reclaim_now_and_then(force=True)
        with read_transaction(self.engine) as connection:
            wake = store.next_wakeup(connection)
        if wake is None:
            return False
        self.env.sleep(min(max(wake - self.env.clock(), 0.02), 1.0))
        return True

    def _reclaim_now_and_then(self, force: bool = False) -> None:
        now = self.env.clock()
        if not force and now - self.last_reclaim < RECLAIM_EVERY_S:
            return
        self.last_reclaim = now
        with write_transaction(self.engine) as connection:
            self.report.reclaimed += store.reclaim_expired(connection, now=now)

    # -- the frozen issue and its papers -------------------------------------------------

    def _issue(self, issue_id: int) -> Issue:
        if issue_id not in self.issues:
            with read_transaction(self.engine) as connection:
                period, trending = digests.get_issue(connection, issue_id)
            ids = self._load_papers(trending)
            self._preload_extras(issue_id)
            self.issues[issue_id] = Issue(period, [self.papers[i] for i in ids])
        return self.issues[issue_id]

    def _preload_extras(self, issue_id: int) -> None:
        """Every paper of the issue's topic sections, in a few queries instead of one per
        message (the distinct papers are few; subscribers are many)."""
        with read_transaction(self.engine) as connection:
            lists = store.papers_of_issue(connection, issue_id)
            wanted = sorted({i for value in lists for ids in unpack_papers(value) for i in ids}
                            - set(self.papers))
        for first in range(0, len(wanted), 500):
            self._load_papers(wanted[first : first + 500])

    def _load_papers(self, ids: list[int]) -> list[int]:
        """Load missing papers into the cache; the ids still in the store, in order."""
        missing = [i for i in ids if i not in self.papers]
        if missing:
            with read_transaction(self.engine) as connection:
                found = queries.papers_by_ids(connection, missing)
                attach_summaries(connection, list(found.values()))
            self.papers.update(found)
        return [i for i in ids if i in self.papers]
