"""Bounced subscriptions and exhausted attempts, against a real SMTP server (aiosmtpd on
127.0.0.1) that refuses some recipients.

- 5xx (permanent): the message fails at once; every such answer counts a bounce, and at
  ``PAPERWIRE_DIGEST_MAX_BOUNCES`` the subscription turns ``bounced``: no later issue
  is built for it, and a message already queued for it is skipped, not sent.
- 4xx (temporary): retried, at most ``PAPERWIRE_DIGEST_MAX_ATTEMPTS`` times in all, then
  ``failed``; no bounce, the subscription stays, and ``paperwire digest status`` shows it.
Other subscribers get exactly one message per issue throughout.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from factories import add_subscribers, trending_papers
from paperwire.core import Paperwire
from paperwire.db.tables import digest_sends, digest_subscriptions
from paperwire.digest.models import Frequency
from paperwire.digest.sender import SenderEnv
from servers import Sink, use_sink, worker_env


@pytest.fixture
def sink():  # type: ignore[no-untyped-def]
    server = Sink(keep_bodies=False).up()
    yield server
    server.close()


def days(core: Paperwire, count: int) -> list[date]:
    """Today's digest day and the next ones (votes cast now trend on all of them)."""
    first = core.digest_day()
    return [first + timedelta(days=n) for n in range(count)]


def subscription(core: Paperwire, address: str) -> tuple[str, int]:
    with core.engine.connect() as connection:
        row = connection.execute(
            select(digest_subscriptions.c.status, digest_subscriptions.c.bounces)
            .where(digest_subscriptions.c.email == address)
        ).one()
    return row.status, row.bounces


def sends_of(core: Paperwire, address: str) -> list[tuple[str, str, int, str | None]]:
    """(period, status, attempts, last error) of every message for the address."""
    with core.engine.connect() as connection:
        rows = connection.execute(
            select(digest_sends.c.period, digest_sends.c.status, digest_sends.c.attempts,
                   digest_sends.c.last_error)
            .join(digest_subscriptions,
                  digest_subscriptions.c.id == digest_sends.c.subscription_id)
            .where(digest_subscriptions.c.email == address)
            .order_by(digest_sends.c.period)
        ).all()
    return [tuple(row) for row in rows]  # type: ignore[misc]


def counts_by_period(core: Paperwire) -> dict[str, dict[str, int]]:
    return {issue.period: issue.counts for issue in core.digest_status()}


def test_a_hard_bounce_counts_and_ends_the_subscription_at_the_limit(core, sink):
    use_sink(core, sink, digest_max_bounces=2)
    trending_papers(core)
    addresses = add_subscribers(core, 20)
    gone, others = addresses[7], [a for a in addresses if a != addresses[7]]
    sink.handler.behaviour.hard_fail = {gone}
    first, second, third = days(core, 3)

    core.build_digest(Frequency.DAILY, first)
    report = core.send_digests(env=SenderEnv())
    assert (report.sent, report.failed, report.retried) == (19, 1, 0)
    assert subscription(core, gone) == ("confirmed", 1)  # one bounce is not the limit

    core.build_digest(Frequency.DAILY, second)
    core.send_digests(env=SenderEnv())
    assert subscription(core, gone) == ("bounced", 2)

    # The next issue has no message for it at all, and the server never hears of it again.
    core.build_digest(Frequency.DAILY, third)
    core.send_digests(env=SenderEnv())
    assert sink.handler.rcpt_attempts[gone] == 2
    assert [(p, s, n) for p, s, n, _ in sends_of(core, gone)] == [
        (first.isoformat(), "failed", 1), (second.isoformat(), "failed", 1),
    ]
    assert all(error.startswith("550") for *_, error in sends_of(core, gone))
    got = sink.handler.per_recipient()
    assert gone not in got
    assert {a: len(ids) for a, ids in got.items()} == dict.fromkeys(others, 3)
    assert all(len(set(ids)) == 3 for ids in got.values())  # three issues, three Message-IDs
    assert counts_by_period(core) == {
        first.isoformat(): {"sent": 19, "failed": 1},
        second.isoformat(): {"sent": 19, "failed": 1},
        third.isoformat(): {"sent": 19},
    }


def test_a_message_queued_before_the_bounce_is_skipped_not_sent(core, sink):
    """Two issues built before sending: the first refusal ends the subscription, so its
    other queued message is skipped when claimed."""
    use_sink(core, sink, digest_max_bounces=1)
    trending_papers(core)
    addresses = add_subscribers(core, 10)
    gone = addresses[3]
    sink.handler.behaviour.hard_fail = {gone}
    for day in days(core, 2):
        core.build_digest(Frequency.DAILY, day)

    report = core.send_digests(env=SenderEnv())

    assert (report.sent, report.failed) == (18, 1)
    assert sink.handler.rcpt_attempts[gone] == 1
    assert subscription(core, gone) == ("bounced", 1)
    assert sorted(status for _, status, _, _ in sends_of(core, gone)) == ["failed", "skipped"]
    got = sink.handler.per_recipient()
    assert {a: len(ids) for a, ids in got.items()} == {a: 2 for a in addresses if a != gone}


def test_temporary_failures_retry_up_to_the_limit_then_fail_without_a_bounce(core, sink):
    use_sink(core, sink, digest_max_attempts=3, digest_retry_seconds=0.02)
    trending_papers(core)
    addresses = add_subscribers(core, 12)
    stuck, flaky = addresses[2], addresses[5]
    sink.handler.behaviour.soft_fail = {stuck: 1000, flaky: 2}  # flaky gets in on try 3
    first, second = days(core, 2)
    core.build_digest(Frequency.DAILY, first)

    report = core.send_digests(env=SenderEnv())

    assert (report.sent, report.failed, report.retried) == (11, 1, 4)
    assert sink.handler.rcpt_attempts[stuck] == 3
    assert sink.handler.rcpt_attempts[flaky] == 3
    [(period, status, attempts, error)] = sends_of(core, stuck)
    assert (period, status, attempts) == (first.isoformat(), "failed", 3)
    assert error.startswith("451")
    assert sends_of(core, flaky)[0][1:3] == ("sent", 3)
    assert subscription(core, stuck) == ("confirmed", 0)  # temporary: not a bounce
    got = sink.handler.per_recipient()
    assert {a: len(ids) for a, ids in got.items()} == {a: 1 for a in addresses if a != stuck}
    assert status_row(core, sink, first) == {
        "recipients": "12", "queued": "0", "sending": "0", "ambiguous": "0",
        "sent": "11", "failed": "1", "skipped": "0", "state": "done",
    }

    # The address recovers: the next issue reaches it.
    sink.handler.behaviour.soft_fail = {}
    core.build_digest(Frequency.DAILY, second)
    core.send_digests(env=SenderEnv())
    assert len(sink.handler.per_recipient()[stuck]) == 1
    assert sends_of(core, stuck)[1][1:3] == ("sent", 1)


def status_row(core: Paperwire, sink: Sink, day: date) -> dict[str, str]:
    """The issue's row of a real `paperwire digest status`, by column name."""
    env = {**worker_env(core, sink), "COLUMNS": "240"}
    done = subprocess.run(
        [sys.executable, "-m", "paperwire", "digest", "status"], env=env,
        capture_output=True, text=True, timeout=120, check=True, cwd=os.getcwd(),
    )
    lines = [line for line in done.stdout.splitlines() if "│" in line or "┃" in line]
    header = [cell.strip() for cell in lines[0].strip("┃ ").split("┃")]
    for line in lines[1:]:
        cells = [cell.strip() for cell in line.strip("│ ").split("│")]
        if cells[0] == f"daily {day.isoformat()}":
            row = dict(zip(header, cells, strict=True))
            del row["issue"], row["built"]
            return row
    raise AssertionError(f"no row for {day} in:\n{done.stdout}")
