"""The storage layer on its own, without the web or the core's rules: digests (subscriptions,
issues, the send log), the outbox, harvesting (cursors, runs, quarantine, announcement
days), HF upvotes and the backup column kinds, against a real SQLite file and the real
PostgreSQL (the ``core`` fixture runs each test on both; only its engine is used)."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage

import pytest
from sqlalchemy import select

from paperwire.backup.codecs import CODECS
from paperwire.db import announcements, digest_sends, digests, dump, outbox
from paperwire.db import harvest as harvest_db
from paperwire.db.session import read_transaction, write_transaction
from paperwire.db.tables import outbox as outbox_table
from paperwire.db.tables import papers
from paperwire.db.upsert import set_upvotes, upsert_papers
from paperwire.digest.models import Frequency, Period, SendStatus, SubscriptionStatus, Topics
from paperwire.records import PaperRecord, Version

DAY = date(2026, 11, 27)
NOW = 1_795_000_000.0


def add_subscriber(engine, email: str, *, status: SubscriptionStatus = SubscriptionStatus.CONFIRMED,
                   frequency: Frequency = Frequency.DAILY) -> int:
    with write_transaction(engine) as connection:
        return digests.add_subscription(
            connection, email=email, email_key=email.lower(), frequency=frequency.value,
            topics=Topics(keywords=("graphs",)).to_json(), status=status.value,
            confirm_nonce="n" * 32, bounces=0, created_at=int(NOW), user_id=None,
        )


def build_issue(engine, subscribers: list[int], *, papers: list[int] | None = None) -> int:
    period = Period(Frequency.DAILY, DAY)
    with write_transaction(engine) as connection:
        issue_id = digests.insert_issue(connection, period, papers=papers or [], built_at=int(NOW),
                                        recipients=len(subscribers))
        digest_sends.queue(connection, issue_id, period, [
            digest_sends.Recipient(sub, [sub * 10], f"<digest.{sub}@example.org>")
            for sub in subscribers
        ])
    return issue_id


def claim(engine, owner: str, *, now: float = NOW, lease_s: float = 60.0):
    with write_transaction(engine) as connection:
        return digest_sends.claim(connection, owner=owner, now=now, lease_s=lease_s)


# -- subscriptions ------------------------------------------------------------------------


def test_subscription_round_trip(core):
    sub = add_subscriber(core.engine, "Ada@Example.org", status=SubscriptionStatus.PENDING)
    with read_transaction(core.engine) as connection:
        by_key = digests.find_subscription(connection, key="ada@example.org")
        by_id = digests.find_subscription(connection, subscription_id=sub)
        assert digests.find_subscription(connection, key="nobody@example.org") is None
    assert by_key.id == by_id.id == sub
    found = digests.subscription_from_row(by_id)
    assert (found.email, found.frequency, found.status) == (
        "Ada@Example.org", Frequency.DAILY, SubscriptionStatus.PENDING)
    assert list(found.topics.keywords) == ["graphs"]

    with write_transaction(core.engine) as connection:
        assert not digests.confirm_subscription(connection, sub, "wrong", now=5)
        assert digests.confirm_subscription(connection, sub, "n" * 32, now=5)
        assert not digests.confirm_subscription(connection, sub, "n" * 32, now=6)  # once
    with write_transaction(core.engine) as connection:
        digests.update_subscription(connection, sub, frequency=Frequency.WEEKLY.value)
        assert digests.confirmed_subscriptions(connection, Frequency.DAILY) == []
        assert [s for s, _ in digests.confirmed_subscriptions(connection, Frequency.WEEKLY)] == [sub]
        digests.end_subscription(connection, sub, now=7)
        digests.end_subscription(connection, sub, now=8)  # idempotent
        row = digests.find_subscription(connection, subscription_id=sub)
    assert (row.status, row.unsubscribed_at, row.confirmed_at) == ("unsubscribed", 7, 5)


# -- issues ----------------------------------------------------------------------------------


def test_issue_round_trip_and_the_unique_period(core):
    sub = add_subscriber(core.engine, "a@example.org")
    issue_id = build_issue(core.engine, [sub], papers=[3, 1, 2])
    period = Period(Frequency.DAILY, DAY)
    with read_transaction(core.engine) as connection:
        assert digests.find_issue(connection, period) == issue_id
        assert digests.find_issue(connection, Period(Frequency.WEEKLY, DAY)) is None
        assert digests.get_issue(connection, issue_id) == (period, [3, 1, 2])
        assert digest_sends.papers_of_issue(connection, issue_id) == [[sub * 10]]
        [status] = digests.issue_statuses(connection)
    assert (status.kind, status.period, status.recipients, status.counts) == (
        "daily", "2026-11-27", 1, {"queued": 1})
    # A second builder's issue for the same period: refused, its transaction rolled back.
    with pytest.raises(digests.IssueExists), write_transaction(core.engine) as connection:
        digests.insert_issue(connection, period, papers=[], built_at=0, recipients=0)
    with read_transaction(core.engine) as connection:
        assert len(digests.issue_statuses(connection)) == 1


# -- the send log ----------------------------------------------------------------------------


def test_two_connections_claiming_the_same_message_only_one_wins(core):
    sub = add_subscriber(core.engine, "a@example.org")
    build_issue(core.engine, [sub])
    start, results = threading.Barrier(2), {}

    def worker(owner: str) -> None:
        start.wait()
        results[owner] = claim(core.engine, owner)

    threads = [threading.Thread(target=worker, args=(owner,)) for owner in ("w1", "w2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    won = [owner for owner, got in results.items() if got is not None]
    assert len(results) == 2, results
    assert len(won) == 1, results
    got = results[won[0]]
    assert (got.subscription_id, got.email, got.papers, got.attempts, got.was_ambiguous) == (
        sub, "a@example.org", [sub * 10], 1, False)
    with read_transaction(core.engine) as connection:
        row = connection.execute(select(digest_sends.sends)).one()
    assert (row.status, row.lease_owner) == ("sending", won[0])


@pytest.mark.parametrize("rows", [1, 2])
def test_a_claim_held_open_is_skipped_by_the_other_connection(core, backend, rows):
    """PostgreSQL: while one transaction holds its claimed row, another claims the next
    row (or none), never the same one. SQLite serializes writers, so this is PostgreSQL's."""
    if backend != "postgres":
        pytest.skip("SQLite writers queue (BEGIN IMMEDIATE): two claims never overlap")
    subscribers = [add_subscriber(core.engine, f"s{n}@example.org") for n in range(rows)]
    build_issue(core.engine, subscribers)
    with write_transaction(core.engine) as first:
        mine = digest_sends.claim(first, owner="w1", now=NOW, lease_s=60)
        other = claim(core.engine, "w2")
        assert mine is not None
        if rows == 1:
            assert other is None
        else:
            assert other is not None
            assert other.send_id != mine.send_id


def test_send_log_state_machine(core):
    subs = [add_subscriber(core.engine, f"s{n}@example.org") for n in range(3)]
    build_issue(core.engine, subs)
    first = claim(core.engine, "w1")
    with write_transaction(core.engine) as connection:
        digest_sends.mark_sent(connection, first, "w1", now=NOW)
    second = claim(core.engine, "w1")
    with write_transaction(core.engine) as connection:
        digest_sends.mark_retry(connection, second, "w1", at=NOW + 100, error="451 later")
        assert digest_sends.next_wakeup(connection) == 0.0  # the third is due now
    third = claim(core.engine, "w1")
    with write_transaction(core.engine) as connection:
        digest_sends.mark_failed(connection, third, "w1", error="550 no such user",
                                 bounce=True, max_bounces=1)
        assert digest_sends.next_wakeup(connection) == NOW + 100
        assert digest_sends.claim(connection, owner="w1", now=NOW, lease_s=60) is None
        bounced = digests.find_subscription(connection, subscription_id=third.subscription_id)
        statuses = dict(connection.execute(
            select(digest_sends.sends.c.subscription_id, digest_sends.sends.c.status)).all())
    assert bounced.status == "bounced"
    assert bounced.bounces == 1
    assert statuses == {first.subscription_id: "sent", second.subscription_id: "queued",
                        third.subscription_id: "failed"}
    # Retried later, the same row comes back with its attempt counted.
    again = claim(core.engine, "w2", now=NOW + 100)
    assert (again.send_id, again.attempts, again.message_id) == (
        second.send_id, 2, second.message_id)


def test_an_expired_lease_comes_back_ambiguous_with_the_same_message_id(core):
    sub = add_subscriber(core.engine, "a@example.org")
    build_issue(core.engine, [sub])
    lost = claim(core.engine, "dead-worker", lease_s=10)
    with write_transaction(core.engine) as connection:
        assert digests.sends_in_flight(connection, sub, now=NOW + 5) == 1
        assert digest_sends.reclaim_expired(connection, now=NOW + 5) == 0
        assert digest_sends.reclaim_expired(connection, now=NOW + 11) == 1
        assert digests.sends_in_flight(connection, sub, now=NOW + 11) == 0
    resent = claim(core.engine, "w2", now=NOW + 11)
    assert (resent.send_id, resent.message_id, resent.was_ambiguous, resent.attempts) == (
        lost.send_id, lost.message_id, True, 2)


def test_a_claim_skips_an_ended_subscription(core):
    sub = add_subscriber(core.engine, "a@example.org")
    build_issue(core.engine, [sub])
    with write_transaction(core.engine) as connection:
        digests.end_subscription(connection, sub, now=1)
    assert claim(core.engine, "w1") is None
    with read_transaction(core.engine) as connection:
        row = connection.execute(select(digest_sends.sends)).one()
    assert (row.status, row.last_error) == (SendStatus.SKIPPED.value, "subscription unsubscribed")


def test_pause_and_resume(core):
    sub = add_subscriber(core.engine, "a@example.org")
    build_issue(core.engine, [sub])
    with write_transaction(core.engine) as connection:
        digest_sends.pause(connection, until=NOW + 60, reason="5 errors in a row")
        assert digest_sends.paused_until(connection, now=NOW) == NOW + 60
        assert digest_sends.paused_until(connection, now=NOW + 61) is None
        assert digest_sends.resume(connection) == 1
        assert digest_sends.paused_until(connection, now=NOW) is None


# -- the outbox ------------------------------------------------------------------------------


def test_outbox_stores_the_message(core):
    message = EmailMessage()
    message["To"], message["Subject"] = "a@example.org", "Hello"
    message.set_content("the body")
    with write_transaction(core.engine) as connection:
        outbox.store_message(connection, message, kind="digest", now=42)
    with read_transaction(core.engine) as connection:
        row = connection.execute(select(outbox_table)).one()
    assert (row.recipient, row.subject, row.kind, row.created_at) == (
        "a@example.org", "Hello", "digest", 42)
    assert "the body" in row.message


# -- harvesting ------------------------------------------------------------------------------


def test_cursor_save_and_resume(core):
    expires = datetime(2026, 11, 28, tzinfo=UTC)
    cursor = harvest_db.Cursor("cs:cs:AI", pass_from=DAY, pass_started=DAY,
                               resumption_token="token|1001", token_expires_at=expires,
                               last_datestamp=DAY, pages=1, records=1000)
    with write_transaction(core.engine) as connection:
        assert harvest_db.load_cursor(connection, "cs:cs:AI") == harvest_db.Cursor("cs:cs:AI")
        harvest_db.save_cursor(connection, cursor)
    with read_transaction(core.engine) as connection:  # a later process resumes here
        resumed = harvest_db.load_cursor(connection, "cs:cs:AI")
    assert resumed == cursor
    assert resumed.in_pass
    resumed.resumption_token, resumed.pages = "token|2001", 2
    with write_transaction(core.engine) as connection:
        harvest_db.save_cursor(connection, resumed)  # an update, not a second row
        harvest_db.save_cursor(connection, harvest_db.Cursor("", next_from=DAY))
    with read_transaction(core.engine) as connection:
        cursors = harvest_db.all_cursors(connection)
    assert [(c.set_spec, c.resumption_token, c.pages) for c in cursors] == [
        ("", None, 0), ("cs:cs:AI", "token|2001", 2)]


def test_a_cursor_advance_rolls_back_with_its_page(core):
    with write_transaction(core.engine) as connection:
        harvest_db.save_cursor(connection, harvest_db.Cursor("math", pages=1))

    def killed_mid_page() -> None:
        with write_transaction(core.engine) as connection:
            harvest_db.save_cursor(connection, harvest_db.Cursor("math", pages=2))
            raise RuntimeError("killed mid-page")

    with pytest.raises(RuntimeError):
        killed_mid_page()
    with read_transaction(core.engine) as connection:
        assert harvest_db.load_cursor(connection, "math").pages == 1


def test_runs_and_quarantine(core):
    with write_transaction(core.engine) as connection:
        first = harvest_db.start_run(connection, "oai", "sets (all)")
        harvest_db.update_run(connection, first, harvest_db.RunCounts(pages=2, added=5))
        harvest_db.quarantine(connection, run_id=first, source="oai", arxiv_id="2611.00001",
                              position="all sets page 2 record 7", reason="no title", raw="<x/>")
        harvest_db.quarantine(connection, run_id=first, source="listing", arxiv_id=None,
                              position="listing", reason="bad entry", raw=None)
    with read_transaction(core.engine) as connection:
        running = harvest_db.latest_run(connection, "running")
        assert harvest_db.latest_run(connection, "ok") is None
        assert harvest_db.quarantined(connection) == 2
    assert (running.id, running.kind, running.counts.added, running.records) == (first, "oai", 5, 5)
    with write_transaction(core.engine) as connection:
        harvest_db.finish_run(connection, first, harvest_db.RunCounts(pages=3, added=6), None)
        second = harvest_db.start_run(connection, "daily", "cs.AI")
        assert harvest_db.close_abandoned_runs(connection) == 1  # the second's process died
    with read_transaction(core.engine) as connection:
        ok, last = harvest_db.latest_run(connection, "ok"), harvest_db.latest_run(connection)
    assert (ok.id, ok.counts.added, ok.finished_at is not None) == (first, 6, True)
    assert (last.id, last.status, last.error.startswith("interrupted")) == (second, "failed", True)


def record(arxiv_id: str, *, upvotes: int | None = None) -> PaperRecord:
    created = datetime(2026, 11, 26, 15, tzinfo=UTC)
    return PaperRecord(arxiv_id=arxiv_id, title=f"On {arxiv_id}", abstract="An abstract.",
                       authors=["A. Author"], categories=["cs.AI"],
                       versions=[Version(1, created)], upvotes=upvotes)


def test_announcement_days_and_withdrawals(core):
    with write_transaction(core.engine) as connection:
        upsert_papers(connection, [record("2611.00001"), record("2611.00002")])
        connection.execute(papers.update().values(announced_on=DAY))
        rows = {"2611.00001": {"day": DAY, "arxiv_id": "2611.00001", "announce_type": "new",
                               "version": 1}}
        announcements.record_listing(connection, DAY, rows, mailing=True, categories="cs.AI")
        empty = DAY + timedelta(days=3)
        announcements.record_listing(connection, empty, {}, mailing=False, categories="cs.AI")
        assert announcements.had_mailing(connection, DAY)
        assert not announcements.had_mailing(connection, empty)
        assert announcements.fetched_mailing(connection, DAY) is True
        assert announcements.fetched_mailing(connection, empty) is False
        assert announcements.fetched_mailing(connection, DAY + timedelta(days=1)) is None
        assert announcements.no_mailing_days(connection) == frozenset({empty})
        assert announcements.papers_announced_on(connection, DAY) == 2
        # Only the paper no listing names moves off a day that had no mailing after all.
        assert announcements.move_unlisted_papers(connection, DAY, empty) == 1
        assert announcements.papers_announced_on(connection, DAY) == 1
        assert harvest_db.mark_withdrawn(connection, ["2611.00002", "2611.99999"]) == 1
        assert harvest_db.mark_withdrawn(connection, ["2611.00002"]) == 0


def test_hf_upvotes(core):
    with write_transaction(core.engine) as connection:
        upsert_papers(connection, [record("2611.00001"), record("2611.00002")])
        set_upvotes(connection, {"2611.00001": 7, "2611.99999": 3})
        set_upvotes(connection, {})
        votes = dict(connection.execute(select(papers.c.arxiv_id, papers.c.upvotes)).all())
    assert votes == {"2611.00001": 7, "2611.00002": 0}


# -- backup --------------------------------------------------------------------------------


def test_every_column_kind_has_a_codec_and_row_counts(core):
    assert set(dump.KIND_TYPES) == set(CODECS)
    kinds = {kind for table in dump.tables() for _, kind in dump.column_kinds(table)}
    assert kinds <= set(CODECS)
    add_subscriber(core.engine, "a@example.org")
    with read_transaction(core.engine) as connection:
        counts = dump.row_counts(connection, dump.tables())
        assert dump.occupied_tables(connection) == ["digest_subscriptions"]
    assert counts["digest_subscriptions"] == 1
    assert counts["papers"] == 0
