"""OAI-PMH harvesting against a real local server speaking arXiv's dialect."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from harvest.fake_arxiv import FakeArxiv, FakeRecord, Response, make_records, oai_page
from paperwire.core import Paperwire
from paperwire.db.tables import harvest_cursors, harvest_quarantine, harvest_runs, papers
from paperwire.errors import ArxivRefused, ArxivUnavailable, HarvestError


def stored_ids(core: Paperwire) -> list[str]:
    with core.engine.connect() as connection:
        return sorted(connection.execute(select(papers.c.arxiv_id)).scalars())


def last_run(core: Paperwire):  # type: ignore[no-untyped-def]
    with core.engine.connect() as connection:
        return connection.execute(
            select(harvest_runs).order_by(harvest_runs.c.id.desc()).limit(1)
        ).one()


def test_multi_page_harvest_follows_tokens_sent_alone(hcore: Paperwire, arxiv: FakeArxiv) -> None:
    arxiv.records = make_records(10)
    before = datetime.now(UTC).date()
    report = hcore.harvest(sets=["cs"], from_date=date(2026, 2, 1))
    after = datetime.now(UTC).date()  # the two differ only across midnight UTC
    assert stored_ids(hcore) == sorted(r.arxiv_id for r in arxiv.records)
    assert report.counts.added == 10
    assert report.counts.pages == 4
    requests = arxiv.oai_requests()
    assert requests[0].params == {
        "verb": "ListRecords", "metadataPrefix": "arXivRaw", "set": "cs", "from": "2026-02-01"
    }
    assert all(set(r.params) == {"verb", "resumptionToken"} for r in requests[1:])
    with hcore.engine.connect() as connection:
        cursor = connection.execute(select(harvest_cursors)).one()
    assert cursor.set_spec == "cs"
    assert cursor.resumption_token is None
    assert cursor.next_from in {before, after}
    run = last_run(hcore)
    assert (run.status, run.added, run.pages, run.error) == ("ok", 10, 4, None)


def test_incremental_harvest_starts_from_the_cursor(hcore: Paperwire, arxiv: FakeArxiv) -> None:
    arxiv.records = make_records(4)
    before = datetime.now(UTC).date()
    hcore.harvest(sets=["cs"])
    after = datetime.now(UTC).date()  # the first pass's day: one of the two
    assert "from" not in arxiv.oai_requests()[0].params  # the first pass: everything
    hcore.harvest(sets=["cs"])
    assert arxiv.oai_requests()[-1].params["from"] in {before.isoformat(), after.isoformat()}


def test_503_with_retry_after_waits_that_long(hcore: Paperwire, arxiv, fake_time) -> None:  # type: ignore[no-untyped-def]
    arxiv.records = make_records(2)
    arxiv.script(Response(503, b"busy", {"Retry-After": "17"}))
    hcore.harvest(sets=["cs"])
    assert 17 in fake_time.sleeps
    assert len(stored_ids(hcore)) == 2


def test_5xx_backs_off_exponentially_then_gives_up(hcore: Paperwire, arxiv, fake_time) -> None:  # type: ignore[no-untyped-def]
    arxiv.records = make_records(2)
    arxiv.script(*[Response(500, b"oops")] * 3)
    hcore.harvest(sets=["cs"])
    assert fake_time.sleeps == [10, 20, 40]
    assert len(stored_ids(hcore)) == 2
    arxiv.script(*[Response(502, b"bad gateway")] * 20)
    with pytest.raises(ArxivUnavailable):
        hcore.harvest(sets=["cs"], from_date=date(2026, 2, 1))
    waits = fake_time.sleeps[3:]
    assert waits == [10 * 2**k for k in range(len(waits))]
    assert max(waits) <= 3600
    assert max(waits) > 1800  # it did back off all the way up to the hour


def test_403_stops_with_a_clear_error(hcore: Paperwire, arxiv: FakeArxiv) -> None:
    arxiv.records = make_records(9)
    arxiv.script(lambda r: None if "resumptionToken" not in r.params else Response(403, b"no"))
    with pytest.raises(ArxivRefused, match="403"):
        hcore.harvest(sets=["cs"])
    assert len(arxiv.oai_requests()) == 2  # no retry after a 403
    assert len(stored_ids(hcore)) == 3  # the first page stays committed
    run = last_run(hcore)
    assert run.status == "failed"
    assert "403" in run.error


def test_bad_resumption_token_restarts_from_last_datestamp(
    hcore: Paperwire, arxiv: FakeArxiv
) -> None:
    arxiv.records = make_records(21)  # 7 pages; datestamps advance a day every 7 records
    arxiv.bad_tokens = {"9||2026-02-01|"}
    hcore.harvest(sets=[""], from_date=date(2026, 2, 1))
    assert stored_ids(hcore) == sorted(r.arxiv_id for r in arxiv.records)
    restart = [r for r in arxiv.oai_requests() if "metadataPrefix" in r.params][1]
    assert restart.params["from"] == "2026-02-03"  # the newest datestamp committed so far


def test_malformed_page_is_retried_and_a_bad_one_rejected_whole(
    hcore: Paperwire, arxiv: FakeArxiv, caplog: pytest.LogCaptureFixture
) -> None:
    arxiv.records = make_records(6)
    truncated = oai_page(arxiv.records[3:6], "")[:-40]
    arxiv.script(lambda r: None if "resumptionToken" not in r.params else Response(body=truncated))
    report = hcore.harvest(sets=["cs"])
    assert len(stored_ids(hcore)) == 6
    assert "rejected whole" in report.errors[0]
    assert "line" in report.errors[0]
    assert "rejected whole" in caplog.text
    # A page that stays broken: nothing of it is stored and the cursor does not move.
    arxiv.records += make_records(3, prefix="2603")
    broken = b"<OAI-PMH><ListRecords><record><header>"
    arxiv.script(*[Response(body=broken)] * 4)
    with pytest.raises(HarvestError, match="malformed"):
        hcore.harvest(sets=["cs"], from_date=date(2026, 2, 1))
    assert len(stored_ids(hcore)) == 6
    with hcore.engine.connect() as connection:
        assert connection.execute(select(harvest_cursors.c.pages)).scalar() == 0


def test_empty_page_in_the_middle_is_retried_not_taken_as_the_end(
    hcore: Paperwire, arxiv: FakeArxiv
) -> None:
    arxiv.records = make_records(9)
    arxiv.script(
        lambda r: None if "resumptionToken" not in r.params else Response(
            body=oai_page([], r.params["resumptionToken"])
        )
    )
    hcore.harvest(sets=["cs"])
    assert len(stored_ids(hcore)) == 9


def test_non_utf8_bytes_are_replaced_not_fatal(hcore: Paperwire, arxiv: FakeArxiv) -> None:
    arxiv.records = make_records(3)
    good = oai_page(arxiv.records, "")
    bad = good.replace(b"They are interesting.", b"They are \xff\xfe interesting.", 1)
    arxiv.script(Response(body=bad))
    hcore.harvest(sets=["cs"])
    with hcore.engine.connect() as connection:
        abstracts = connection.execute(select(papers.c.abstract).order_by(papers.c.arxiv_id))
        texts = list(abstracts.scalars())
    assert "\ufffd" in texts[0]
    assert all("\ufffd" not in text for text in texts[1:])


def test_withdrawn_papers_are_marked(hcore: Paperwire, arxiv: FakeArxiv) -> None:
    created = datetime(2026, 1, 5, 10, tzinfo=UTC)
    keep = FakeRecord("2601.00001", date(2026, 2, 2), versions=[(1, created, "100kb")])
    gone = FakeRecord(
        "2601.00002", date(2026, 2, 2), comments="This paper has been withdrawn by the author",
        versions=[(1, created, "100kb"), (2, created.replace(day=9), "0kb")],
    )
    arxiv.records = [keep, gone]
    hcore.harvest(sets=["cs"])
    arxiv.records = [FakeRecord("2601.00001", date(2026, 2, 3), deleted=True)]
    report = hcore.harvest(sets=["cs"], from_date=date(2026, 2, 3))
    assert report.counts.deleted == 1
    with hcore.engine.connect() as connection:
        rows = dict(connection.execute(select(papers.c.arxiv_id, papers.c.withdrawn)).all())
    assert rows == {"2601.00001": True, "2601.00002": True}


def test_v2_before_v1_old_ids_and_duplicates(hcore: Paperwire, arxiv: FakeArxiv) -> None:
    v1 = datetime(2006, 1, 2, 9, tzinfo=UTC)
    v2 = datetime(2006, 3, 4, 9, tzinfo=UTC)
    newest = FakeRecord("hep-th/0601001", date(2026, 2, 2), title="Strings, revised",
                        categories="hep-th", sets=("physics:hep-th",),
                        versions=[(2, v2, "50kb"), (1, v1, "40kb")])  # v2 listed first
    stale = FakeRecord("hep-th/0601001", date(2026, 2, 2), title="Strings",
                       categories="hep-th", sets=("physics:hep-th",), versions=[(1, v1, "40kb")])
    arxiv.records = [newest, stale, stale, *make_records(1)]  # duplicates within one page
    arxiv.page_size = 10
    hcore.harvest()
    paper = hcore.get_paper("hep-th/0601001")
    assert paper.title == "Strings, revised"
    assert paper.latest_version == 2
    assert [number for number, _ in paper.versions] == [1, 2]
    arxiv.records = [stale]  # an old record arriving later changes nothing
    hcore.harvest(from_date=date(2026, 2, 1))
    assert hcore.get_paper("hep-th/0601001").latest_version == 2
    assert len(stored_ids(hcore)) == 2


def test_one_bad_record_is_quarantined_the_rest_stored(hcore: Paperwire, arxiv: FakeArxiv) -> None:
    arxiv.records = make_records(3)
    arxiv.records[1].raw_metadata = (
        b'<arXivRaw xmlns="http://arxiv.org/OAI/arXivRaw/"><id>2602.00002</id></arXivRaw>'
    )
    report = hcore.harvest(sets=["cs"])
    assert report.counts.quarantined == 1
    assert stored_ids(hcore) == ["2602.00001", "2602.00003"]
    with hcore.engine.connect() as connection:
        row = connection.execute(select(harvest_quarantine)).one()
    assert row.arxiv_id == "2602.00002"
    assert "record 2" in row.position
    assert "version" in row.reason
    assert "arXivRaw" in row.raw


def test_hostile_xml_pages_are_refused_fast(hcore: Paperwire, arxiv: FakeArxiv) -> None:
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + b"".join(
            f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode()
            for i in range(1, 10)
        )
        + b"]><OAI-PMH>&lol9;</OAI-PMH>"
    )
    arxiv.script(*[Response(body=laughs)] * 4)
    with pytest.raises(HarvestError, match="unsafe XML"):
        hcore.harvest(sets=["cs"])
    assert stored_ids(hcore) == []


def test_request_counts_and_status(hcore: Paperwire, arxiv: FakeArxiv) -> None:
    arxiv.records = make_records(5)
    hcore.harvest(sets=["cs"])
    status = hcore.harvest_status()
    assert status.last_run is not None
    assert status.last_run.status == "ok"
    assert status.last_run.counts.added == 5
    assert status.running is None
    with hcore.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(papers)).scalar() == 5


def test_records_get_their_expected_listing_day(hcore: Paperwire, arxiv: FakeArxiv) -> None:
    submitted = datetime(2026, 2, 27, 20, 0, tzinfo=UTC)  # Friday 15:00 Eastern
    arxiv.records = [FakeRecord("2602.09999", date(2026, 3, 3), versions=[(1, submitted, "1kb")])]
    hcore.harvest(sets=["cs"])
    assert hcore.get_paper("2602.09999").announced_on == date(2026, 3, 3)  # Tuesday

