"""Unsubscribing while a worker holds the reader's message in flight.

The semantics (docs/digests.md, "Unsubscribing"):
- the message already claimed and on the wire goes out, once;
- the one-click POST (RFC 8058: no cookie, no CSRF token) commits the unsubscribe at
  once, answers 200 only after that in-flight message is recorded, and raises nothing;
- the unsubscribe is kept (recording the send does not undo it); the reader's other
  queued message is skipped, and later issues have none for them;
- everyone else is unaffected.

A real aiosmtpd server holds the reader's RCPT TO until the unsubscribe has committed,
so the claim is certainly in flight at that moment; the POST goes to the web app (in
process, from its own thread) while the worker's thread is held.
"""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from clients import open_client
from factories import add_subscribers, trending_papers
from paperwire.core import Paperwire
from paperwire.db.tables import digest_sends, digest_subscriptions
from paperwire.digest.models import Frequency
from paperwire.web.app import create_app
from servers import Sink, SinkHandler, use_sink

HOLD_S = 120  # only so a broken build cannot hang; the test releases the hold itself


class HoldsOneRecipient(SinkHandler):
    """Accepts everything, but keeps the first RCPT TO for one address waiting until
    ``release`` is set; then accepts it and takes the message."""

    def __init__(self, address: str) -> None:
        super().__init__(keep_bodies=False)
        self.hold_for: str | None = address

    async def handle_RCPT(self, server, session, envelope, address, options):  # type: ignore[no-untyped-def]
        if address == self.hold_for:
            self.hold_for = None
            self.held.set()
            for _ in range(HOLD_S * 100):
                if self.release.is_set():
                    break
                await asyncio.sleep(0.01)
        return await super().handle_RCPT(server, session, envelope, address, options)


def rows_of(core: Paperwire, subscription_id: int) -> list[tuple[str, str]]:
    with core.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(  # type: ignore[misc]
            select(digest_sends.c.period, digest_sends.c.status)
            .where(digest_sends.c.subscription_id == subscription_id)
            .order_by(digest_sends.c.period)
        )]


def subscription_status(core: Paperwire, subscription_id: int) -> str:
    with core.engine.connect() as connection:
        return connection.execute(
            select(digest_subscriptions.c.status)
            .where(digest_subscriptions.c.id == subscription_id)
        ).scalar_one()


@pytest.mark.parametrize("position", [0, 4, 9])  # first, middle and last of an issue
def test_one_click_unsubscribe_while_the_message_is_in_flight(core, position):
    trending_papers(core)
    addresses = add_subscribers(core, 10)
    reader = addresses[position]
    reader_id = position + 1  # the factory inserts in order into an empty table
    sink = Sink(keep_bodies=False)
    sink.handler = handler = HoldsOneRecipient(reader)
    sink.up()
    try:
        run_the_race(core, sink, handler, addresses, reader, reader_id)
    finally:
        handler.release.set()
        sink.close()


def run_the_race(core: Paperwire, sink: Sink, handler: HoldsOneRecipient,
                 addresses: list[str], reader: str, reader_id: int) -> None:
    use_sink(core, sink, smtp_timeout_s=float(HOLD_S))
    today = core.digest_day()
    days = [today, today + timedelta(days=1), today + timedelta(days=2)]
    for day in days[:2]:  # two issues queued before sending starts
        core.build_digest(Frequency.DAILY, day)
    token = core.subscriber_token(reader_id, reader)

    reports = []
    worker = threading.Thread(target=lambda: reports.append(core.send_digests()))
    worker.start()
    assert handler.held.wait(HOLD_S), "the reader's message never reached the server"
    assert ("sending" in {status for _, status in rows_of(core, reader_id)})

    answered: dict[str, object] = {}
    with open_client(create_app(core=core)) as web:
        def click() -> None:
            try:
                response = web.post(
                    "/digest/unsubscribe", params={"token": token},
                    data={"List-Unsubscribe": "One-Click"},
                )
                answered["status"] = response.status_code
                answered["text"] = response.text
                # What the store says the moment the answer arrives:
                answered["rows"] = rows_of(core, reader_id)
            except Exception as error:  # reported below, in the test's thread
                answered["error"] = error

        clicker = threading.Thread(target=click)
        clicker.start()
        for _ in range(HOLD_S * 100):  # the unsubscribe commits while the send is held
            if subscription_status(core, reader_id) == "unsubscribed" or not clicker.is_alive():
                break
            threading.Event().wait(0.01)
        assert subscription_status(core, reader_id) == "unsubscribed"
        handler.release.set()
        clicker.join(HOLD_S)
        worker.join(HOLD_S)
    assert not worker.is_alive()
    assert "error" not in answered, answered.get("error")
    assert answered["status"] == 200
    assert "unsubscribed" in str(answered["text"]).lower()
    # Answered only once the in-flight message was recorded: nothing was still sending.
    assert "sending" not in {status for _, status in answered["rows"]}  # type: ignore[union-attr]

    # The claimed message went out once; the reader's other one was skipped.
    got = sink.handler.per_recipient()
    assert len(got[reader]) == 1
    statuses = sorted(status for _, status in rows_of(core, reader_id))
    assert statuses == ["sent", "skipped"]
    assert subscription_status(core, reader_id) == "unsubscribed"  # kept
    [report] = reports
    assert (report.failed, report.ambiguous) == (0, 0)

    # A later issue has nothing for the reader; everyone else got every issue once.
    core.build_digest(Frequency.DAILY, days[2])
    core.send_digests()
    assert len(rows_of(core, reader_id)) == 2
    got = sink.handler.per_recipient()
    assert len(got[reader]) == 1
    others = {a: len(ids) for a, ids in got.items() if a != reader}
    assert others == {a: 3 for a in addresses if a != reader}
