"""Sending digests to a real SMTP server (aiosmtpd on 127.0.0.1) that misbehaves on
purpose: 451 then success, 550, going down; unsubscribes mid-run; two workers."""

from __future__ import annotations

import threading
import time

import pytest
from fastapi.testclient import TestClient

from factories import add_subscribers, trending_papers
from paperwire.digest.models import Frequency
from paperwire.digest.sender import SenderEnv
from paperwire.web.app import create_app
from servers import Sink, start_worker, use_sink, worker_env


@pytest.fixture
def sink():  # type: ignore[no-untyped-def]
    server = Sink(keep_bodies=False).up()
    yield server
    server.close()


def send_period(core, day, **env: object):  # type: ignore[no-untyped-def]
    core.build_digest(Frequency.DAILY, day)
    return core.send_digests(env=SenderEnv(**env))  # type: ignore[arg-type]


def assert_exactly_once(sink: Sink, addresses: list[str]) -> None:
    got = sink.handler.per_recipient()
    missing = [a for a in addresses if a not in got]
    doubled = {a: ids for a, ids in got.items() if len(ids) > 1}
    assert (missing[:5], doubled) == ([], {})


def test_transient_451_twice_for_a_tenth_then_all_delivered(core, sink, day):
    use_sink(core, sink)
    trending_papers(core, day=day)
    addresses = add_subscribers(core, 400)
    sink.handler.behaviour.soft_fail = dict.fromkeys(addresses[::10], 2)
    report = send_period(core, day)
    assert_exactly_once(sink, addresses)
    assert report.retried == 80
    assert report.failed == 0
    assert all(sink.handler.rcpt_attempts[a] == 3 for a in addresses[::10])
    [issue] = core.digest_status()
    assert issue.counts == {"sent": 400}


def test_permanent_550_fails_without_retry_and_counts_a_bounce(core, sink, day):
    use_sink(core, sink)
    trending_papers(core, day=day)
    addresses = add_subscribers(core, 300)
    refused = set(addresses[100:150])
    sink.handler.behaviour.hard_fail = refused
    report = send_period(core, day)
    got = sink.handler.per_recipient()
    assert set(got) == set(addresses) - refused
    assert all(len(ids) == 1 for ids in got.values())
    assert report.failed == 50
    assert report.retried == 0
    assert all(sink.handler.rcpt_attempts[a] == 1 for a in refused)
    [issue] = core.digest_status()
    assert issue.counts == {"sent": 250, "failed": 50}
    from sqlalchemy import select

    from paperwire.db.tables import digest_subscriptions as subs
    with core.engine.connect() as connection:
        bounces = dict(connection.execute(select(subs.c.email, subs.c.bounces)).all())
    assert {a for a, n in bounces.items() if n == 1} == refused


def test_server_down_pauses_the_run_which_then_completes(core, sink, day):
    use_sink(core, sink, digest_send_rate=300.0)
    trending_papers(core, day=day)
    addresses = add_subscribers(core, 600)
    core.build_digest(Frequency.DAILY, day)
    result = {}
    worker = threading.Thread(target=lambda: result.update(report=core.send_digests()))
    worker.start()
    sink.wait_for(100)
    sink.down()
    wait_until_paused(core)
    sink.up()
    worker.join(60)
    assert not worker.is_alive()
    report = result["report"]
    assert report.pauses >= 1
    got = sink.handler.per_recipient()
    assert sorted(got) == sorted(addresses)  # none missing, no one else
    # One connection, one message on the wire when the server went down: only that one
    # may have been delivered unacknowledged, and is re-sent (ambiguous) with its ID.
    extra = {a: ids for a, ids in got.items() if len(ids) > 1}
    assert sum(len(ids) - 1 for ids in extra.values()) <= min(1, report.ambiguous)
    assert all(len(set(ids)) == 1 for ids in extra.values())
    [issue] = core.digest_status()
    assert issue.done
    assert issue.counts == {"sent": 600}


def wait_until_paused(core, timeout: float = 30) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not core.digest_status()[0].paused_until:
        assert time.monotonic() < deadline, "the run did not pause"
        time.sleep(0.05)


def test_resume_by_command_ends_a_pause(core, sink, day):
    use_sink(core, sink, digest_pause_seconds=3600.0)
    trending_papers(core, day=day)
    addresses = add_subscribers(core, 50)
    sink.down()
    core.build_digest(Frequency.DAILY, day)
    worker = threading.Thread(target=core.send_digests)
    worker.start()
    wait_until_paused(core)
    sink.up()
    time.sleep(0.5)
    assert sink.count == 0  # still paused: it would wait an hour
    assert core.resume_digests() == 1
    worker.join(30)
    assert not worker.is_alive()
    assert_exactly_once(sink, addresses)


def test_unsubscribe_mid_run_stops_mail_and_unconfirmed_get_none(core, sink, day):
    use_sink(core, sink, digest_send_rate=150.0)
    trending_papers(core, day=day)
    addresses = add_subscribers(core, 300)
    pending = add_subscribers(core, 20, status="pending", start=5000)
    core.build_digest(Frequency.DAILY, day)
    client = TestClient(create_app(core=core), base_url="https://testserver")
    worker = threading.Thread(target=core.send_digests)
    worker.start()
    sink.wait_for(30)
    leaving = addresses[100:300:20]
    received_then = {}
    for address in leaving:
        subscription_id = addresses.index(address) + 1
        token = core.subscriber_token(subscription_id, address)
        response = client.post(f"/digest/unsubscribe?token={token}",
                               data={"List-Unsubscribe": "One-Click"})
        assert response.status_code == 200
        received_then[address] = len(sink.handler.per_recipient().get(address, []))
    worker.join(60)
    got = sink.handler.per_recipient()
    for address in leaving:
        assert len(got.get(address, [])) == received_then[address]
    assert not any(address in got for address in pending)
    staying = [a for a in addresses if a not in leaving]
    assert all(len(got[a]) == 1 for a in staying)
    counts = core.digest_status()[0].counts
    assert counts["skipped"] == sum(1 for a in leaving if not received_then[a])


def test_two_workers_and_a_doubled_schedule_send_each_digest_once(core, sink, day):
    trending_papers(core, day=day)
    addresses = add_subscribers(core, 1500)
    env = worker_env(core, sink, PAPERWIRE_DIGEST_LEASE_SECONDS="60")
    workers = [start_worker(env, day) for _ in range(2)]
    outputs = [worker.communicate(timeout=240) for worker in workers]
    assert [w.returncode for w in workers] == [0, 0], outputs
    built = b"".join(err for _, err in outputs)
    assert built.count(b": built") == 1
    assert built.count(b"already built") == 1
    assert_exactly_once(sink, addresses)
    sent = [int(out.split(b"sent ")[1].split(b" ")[0].replace(b",", b"")) for out, _ in outputs]
    assert sum(sent) == 1500
    again = start_worker(env, day)  # re-running a finished period sends nothing
    again.communicate(timeout=120)
    assert sink.count == 1500


def test_the_digest_task_sends_daily_and_on_its_weekday_weekly_once(core):
    """The scheduled job (after the daily harvest), twice for the same day: one each."""
    from sqlalchemy import func, select

    from factories import run_task
    from paperwire.core.digests import WEEKDAYS
    from paperwire.db.tables import outbox

    now = core.clock()
    core.clock = lambda: now  # the scheduler asks the core for its day: one day throughout
    day = core.digest_day()
    trending_papers(core, day=day)
    add_subscribers(core, 5)
    add_subscribers(core, 3, frequency="weekly", start=100)
    core.settings.digest_weekly_day = WEEKDAYS[day.weekday()]
    lines = [run_task(core, "send_digests") for _ in range(2)]  # two workers, one day
    with core.engine.connect() as connection:
        sent = connection.execute(
            select(func.count()).select_from(outbox).where(outbox.c.kind == "digest")
        ).scalar_one()
    assert sent == 8
    assert {issue.kind for issue in core.digest_status()} == {"daily", "weekly"}
    assert lines == ["8 sent, 0 failed", "0 sent, 0 failed"]


def test_sending_works_from_code_that_runs_an_event_loop(core, sink, day):
    """The SMTP session keeps its own loop: a caller inside a running loop (Playwright's
    sync API in the same process did this in CI) still sends."""
    import asyncio

    use_sink(core, sink)
    trending_papers(core, day=day)
    addresses = add_subscribers(core, 20)

    async def inside():  # type: ignore[no-untyped-def]
        return send_period(core, day)

    # A thread of its own for the caller's loop: Playwright's sync API may run one on
    # this thread already, and asyncio.run() refuses to start a second.
    failures: list[BaseException] = []
    caller = threading.Thread(target=lambda: _run_catching(lambda: asyncio.run(inside()), failures))
    caller.start()
    caller.join(timeout=120)
    assert failures == []
    assert_exactly_once(sink, addresses)


def _run_catching(call, failures: list[BaseException]) -> None:  # type: ignore[no-untyped-def]
    try:
        call()
    except BaseException as error:
        failures.append(error)
