"""Email digests: double opt-in, unsubscribe and manage links, building each period's
issue once and sending it."""

from __future__ import annotations

import threading
from datetime import date, datetime
from email.message import Message
from zoneinfo import ZoneInfo

from paperwire.core.recommend import ForYouCore
from paperwire.db import digest_sends, digests
from paperwire.db import recommend as recommend_store
from paperwire.db.locks import DIGEST_LOCK, JobLock
from paperwire.db.queries import papers_by_ids
from paperwire.db.session import read_transaction, write_transaction
from paperwire.digest import build
from paperwire.digest import subscriptions as subs
from paperwire.digest.models import (
    Frequency,
    InvalidDigestLink,
    IssueStatus,
    Period,
    SendReport,
    Subscription,
    Topics,
)
from paperwire.digest.render import SUBSCRIBER_TOKEN, DigestRenderer, Recipient
from paperwire.digest.sender import DigestSender, SenderEnv
from paperwire.errors import NotFound
from paperwire.mail.message import OutgoingMail, parse_address, sender_domain
from paperwire.mail.session import MailSession, open_session
from paperwire.mail.tokens import Signer, fingerprint
from paperwire.models import Paper, PaperFilter, SortOrder
from paperwire.summaries.pick import attach as attach_summaries

CONFIRM_TOKEN = "digest-confirm"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class DigestCore(ForYouCore):
    """Builds on search: a digest's topics are searches, its trending part a list."""

    @property
    def signer(self) -> Signer:
        return Signer(self.settings.require_secret(), clock=lambda: self.clock())

    def _link(self, path: str, token: str) -> str:
        return f"{self.settings.base_url.rstrip('/')}{path}?token={token}"

    # -- subscribing ------------------------------------------------------------------

    def subscribe_digest(self, email: str, *, frequency: Frequency, topics: Topics,
                         user_id: int | None = None) -> OutgoingMail:
        """Start double opt-in. Known and unknown addresses get the same answer; the mail
        (a confirmation, or for a confirmed address a manage link) goes out afterwards."""
        address = parse_address(email)
        with write_transaction(self.engine) as connection:
            todo = subs.subscribe(connection, address=address, frequency=frequency,
                                  topics=topics, user_id=user_id, now=int(self.clock()))
        return self._opt_in_mail(todo)

    def renew_digest_link(self, email: str) -> OutgoingMail | None:
        """A new confirmation link for a pending subscription (None: nothing to send)."""
        with write_transaction(self.engine) as connection:
            todo = subs.renew(connection, address=parse_address(email))
        return None if todo is None else self._opt_in_mail(todo)

    def _opt_in_mail(self, todo: subs.MailToSend) -> OutgoingMail:
        site, days = self.settings.site_name, self.settings.digest_confirm_days
        if todo.kind == "manage":
            token = self.subscriber_token(todo.subscription_id, todo.email)
            text = (f"{todo.email} is already subscribed to the {site} digest. To change"
                    f" its topics or frequency, or to unsubscribe:\n\n"
                    f"{self._link('/digest/manage', token)}\n")
            return OutgoingMail(to=todo.email, subject=f"Your {site} digest", text=text,
                                kind="digest-manage")
        token = self.signer.sign(CONFIRM_TOKEN, {"s": todo.subscription_id, "n": todo.nonce})
        base = self.settings.base_url.rstrip("/")
        text = (f"Confirm your subscription to the {site} digest:\n\n"
                f"{self._link('/digest/confirm', token)}\n\nThe link works once, for {days}"
                f" days. Expired? Ask for a new one: {base}/digest/renew\n\nIf you did not ask"
                " for this, ignore this mail: nothing will be sent.")
        return OutgoingMail(to=todo.email, subject=f"Confirm your {site} digest", text=text,
                            kind="digest-confirm")

    def confirm_digest(self, token: str) -> Subscription:
        max_age = self.settings.digest_confirm_days * 86_400
        payload = self.signer.load(CONFIRM_TOKEN, token, max_age_s=max_age)
        if payload is None:
            expired = self.signer.expired(CONFIRM_TOKEN, token, max_age_s=max_age)
            raise InvalidDigestLink("This confirmation link has expired." if expired else
                                    "This confirmation link is not valid.", expired=expired)
        with write_transaction(self.engine) as connection:
            done = subs.confirm(connection, int(payload.get("s", 0)), str(payload.get("n")),
                                now=int(self.clock()))
        if done is None:
            raise InvalidDigestLink("This confirmation link has been used or replaced.")
        return done

    # -- unsubscribe and manage (the subscriber token) ----------------------------------

    def subscriber_token(self, subscription_id: int, email: str) -> str:
        from paperwire.digest.render import subscriber_token

        return subscriber_token(self.signer, subscription_id, email)

    def _subscriber_id(self, token: str) -> int:
        """The subscription a genuine token names, or InvalidDigestLink (one message)."""
        payload = self.signer.load(SUBSCRIBER_TOKEN, token,
                                   max_age_s=self.settings.digest_unsubscribe_days * 86_400)
        if payload is not None and isinstance(payload.get("s"), int):
            with read_transaction(self.engine) as connection:
                row = subs.find(connection, subscription_id=payload["s"])
            if row is not None and payload.get("e") == fingerprint(row.email_key):
                return row.id
        raise InvalidDigestLink()

    def unsubscribe_digest(self, token: str) -> Subscription:
        """One-click unsubscribe: in effect (and in-flight sends finished) before it returns."""
        subscription_id = self._subscriber_id(token)
        with write_transaction(self.engine) as connection:
            subs.unsubscribe(connection, subscription_id, now=int(self.clock()))
            row = subs.find(connection, subscription_id=subscription_id)
        subs.wait_for_in_flight(self.engine, subscription_id,
                                longest_s=min(self.settings.digest_lease_seconds, 10.0))
        return subs.subscription_from_row(row)

    def digest_subscription(self, token: str) -> Subscription:
        subscription_id = self._subscriber_id(token)
        with read_transaction(self.engine) as connection:
            return subs.subscription_from_row(subs.find(connection, subscription_id=subscription_id))

    def update_digest_subscription(self, token: str, *, frequency: Frequency, topics: Topics,
                                   resume: bool = False) -> Subscription:
        subscription_id = self._subscriber_id(token)
        with write_transaction(self.engine) as connection:
            subs.update_settings(connection, subscription_id, frequency=frequency,
                                 topics=topics, resume=resume, now=int(self.clock()))
            return subs.subscription_from_row(subs.find(connection, subscription_id=subscription_id))

    # -- building and sending ------------------------------------------------------------

    def digest_day(self, day: date | None = None) -> date:
        """The day a digest is for: today (by the core's clock) in the harvest's time
        zone, unless given."""
        return day or datetime.fromtimestamp(self.clock(), ZoneInfo(self.settings.harvest_timezone)).date()

    def scheduled_digests(self, day: date) -> list[Frequency]:
        """Which digests go out after ``day``'s harvest: daily, and weekly on its weekday."""
        kinds = [Frequency.DAILY]
        if WEEKDAYS[day.weekday()] == self.settings.digest_weekly_day:
            kinds.append(Frequency.WEEKLY)
        return kinds

    def _matcher(self, period: Period) -> build.TopicMatcher:
        def search(query: str) -> list[Paper]:
            return [hit.paper for hit in self.search_papers(query, limit=build.SEARCH_DEPTH).hits]

        return build.TopicMatcher(search, period, self.settings.digest_topic_papers)

    def _trending(self, period: Period) -> list[int]:
        page = self.list_papers(PaperFilter(
            sort=SortOrder.TRENDING, period=build.list_period(period.kind),
            limit=self.settings.digest_trending_papers,
            now=build.trending_now(period, self.clock(), ZoneInfo(self.settings.harvest_timezone)),
        ))
        return [paper.id for paper in page.papers]

    def build_digest(self, kind: Frequency, day: date | None = None) -> tuple[int, bool]:
        """Freeze the period's issue and fill its send log, once: (issue id, built now)."""
        period = Period(kind, self.digest_day(day))
        with read_transaction(self.engine) as connection:
            existing = digests.find_issue(connection, period)
        if existing is not None:
            return existing, False
        plan = build.plan_issue(self.engine, period, self._trending(period), self._matcher(period))
        plan.for_you = self._digest_for_you(period, list(plan.extras))
        return build.store_issue(self.engine, plan, domain=sender_domain(self.settings.mail_from),
                                 now=self.clock())

    def _digest_for_you(self, period: Period, subscription_ids: list[int]) -> dict[int, list[int]]:
        """Subscription id → its For-you papers among the period's new ones, for the
        subscribers who are also readers (same address) with a model."""
        with read_transaction(self.engine) as connection:
            readers = recommend_store.readers_of_subscriptions(connection, subscription_ids)
            if not readers:
                return {}
            new = recommend_store.papers_announced(connection, period.first_day, period.day)
        sections = self.for_you_sections(sorted(set(readers.values())), new,
                                         limit=self.settings.digest_topic_papers)
        return {sub: sections[user] for sub, user in readers.items() if user in sections}

    def digest_renderer(self) -> DigestRenderer:
        return DigestRenderer(self.settings, self.signer)

    def send_digests(self, *, env: SenderEnv | None = None,
                     session: MailSession | None = None) -> SendReport:
        """Send every unfinished message of every issue; returns when none is left.

        ``digest_connections`` senders run side by side, each with its own SMTP
        connection and claims; their reports are added up.
        """
        env = env or SenderEnv()
        count = 1 if session is not None else self.settings.digest_connections
        reports: list[SendReport] = []

        def one() -> None:
            own = session or open_session(self.settings, self.engine)
            sender = DigestSender(self.engine, self.settings, self.digest_renderer(), own, env)
            try:
                reports.append(sender.run())
            finally:
                own.close()

        threads = [threading.Thread(target=one, name=f"digest-{n}") for n in range(count - 1)]
        for thread in threads:
            thread.start()
        one()
        for thread in threads:
            thread.join()
        return SendReport.total(reports)

    def send_scheduled_digests(self, *, env: SenderEnv | None = None) -> SendReport:
        """The scheduled job after the daily harvest: build today's daily issue (and on
        its weekday the weekly one), then send. One scheduler at a time per store: while
        another holds the digest lock this raises :class:`JobBusy` (the send log would keep
        each message once anyway; the lock saves the double work)."""
        with JobLock(self.engine, DIGEST_LOCK):
            day = self.digest_day()
            for kind in self.scheduled_digests(day):
                self.build_digest(kind, day)
            return self.send_digests(env=env)

    def digest_status(self) -> list[IssueStatus]:
        with read_transaction(self.engine) as connection:
            return digests.issue_statuses(connection)

    def resume_digests(self) -> int:
        """End a pause now (sending workers notice within a second)."""
        with write_transaction(self.engine) as connection:
            return digest_sends.resume(connection)

    def preview_digest(self, email: str, kind: Frequency | None = None,
                       day: date | None = None) -> Message:
        """The digest this subscriber would get for the period, built now, stored nowhere."""
        with read_transaction(self.engine) as connection:
            row = subs.find(connection, address=parse_address(email))
        if row is None:
            raise NotFound(f"no digest subscription for {email}")
        subscription = subs.subscription_from_row(row)
        period = Period(kind or subscription.frequency, self.digest_day(day))
        trending = self._trending(period)
        extras = self._matcher(period).extras(subscription.topics, set(trending))
        for_you = self._digest_for_you(period, [subscription.id]).get(subscription.id, [])
        with read_transaction(self.engine) as connection:
            found = papers_by_ids(connection, trending + extras + for_you)
            attach_summaries(connection, list(found.values()))
        recipient = Recipient(subscription.id, subscription.email)
        return self.digest_renderer().message(
            recipient, period, [found[i] for i in trending if i in found],
            [found[i] for i in extras if i in found], [found[i] for i in for_you if i in found],
        )
