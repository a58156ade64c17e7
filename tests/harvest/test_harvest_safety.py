"""Hostile XML, real politeness timing, and kill -9 in the middle of a harvest."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest
from sqlalchemy import func, select

from harvest.fake_arxiv import (
    BILLION_LAUGHS,
    XXE,
    XXE_PARAMETER,
    FakeArxiv,
    Request,
    make_records,
)
from paperwire.core import Paperwire
from paperwire.db.locks import HARVEST_LOCK
from paperwire.db.tables import harvest_cursors, harvest_runs, paper_versions, papers
from paperwire.harvest.jobs import HarvestEnv
from paperwire.sources.xmlsafe import MalformedDocument, parse_xml
from servers import store_env, wait_until_freed


@pytest.mark.parametrize("document", [BILLION_LAUGHS, XXE, XXE_PARAMETER],
                         ids=["billion-laughs", "xxe", "xxe-parameter"])
def test_hostile_documents_are_refused_before_expanding(document: bytes) -> None:
    """Refused before any entity is expanded: well under 50 MB (how fast: bench/harvest.py)."""
    tracemalloc.start()
    with pytest.raises(MalformedDocument, match="unsafe XML"):
        parse_xml(document)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 50 * 1024 * 1024


def test_truncated_document_reports_its_position() -> None:
    with pytest.raises(MalformedDocument) as caught:
        parse_xml(b"<OAI-PMH>\n<ListRecords>\n<record>")
    assert caught.value.position == (3, 8)


def test_the_real_default_gap_of_3_seconds(sqlite_core: Paperwire) -> None:
    arxiv = FakeArxiv().start()
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        time.sleep(seconds)

    try:
        arxiv.records = make_records(3)
        arxiv.page_size = 1
        sqlite_core.settings.arxiv_oai_url = f"{arxiv.url}/oai"
        assert sqlite_core.settings.arxiv_delay_seconds == 3.0  # the default, untouched
        sqlite_core.harvest_env = HarvestEnv(sleep=sleep)  # the real clock and sleep
        sqlite_core.harvest(sets=["cs"])
    finally:
        arxiv.stop()
    times = [request.at for request in arxiv.oai_requests()]
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert len(gaps) == 2
    assert all(gap >= 3.0 for gap in gaps), gaps  # as arXiv sees it: never sooner
    # and no longer than asked: one wait per request, the rest of the 3 s since the answer
    assert len(waits) == 2
    assert all(0 < wait <= 3.0 for wait in waits), waits


# -- kill -9 ------------------------------------------------------------------------

SOURCE_RECORDS = 600  # 24 pages of 25
KILL_AFTER_PAGES = (2, 3, 1, 4, 2)  # pages served to each run before it is killed


def _harvest_process(core: Paperwire, arxiv: FakeArxiv, log: Path) -> subprocess.Popen:
    env = store_env(core, PAPERWIRE_ARXIV_OAI_URL=f"{arxiv.url}/oai",
                    PAPERWIRE_ARXIV_DELAY_SECONDS="0.02")
    return subprocess.Popen(
        [sys.executable, "-c", "from paperwire.cli import main; main()",
         "harvest", "--set", "cs", "--from", "2026-02-01"],
        env=env, stdout=subprocess.DEVNULL, stderr=log.open("ab"),
    )


def _stored_token(core: Paperwire) -> str | None:
    with core.engine.connect() as connection:
        return connection.execute(
            select(harvest_cursors.c.resumption_token)
            .where(harvest_cursors.c.set_spec == "cs")
        ).scalar_one_or_none()


def _first_oai_request(arxiv: FakeArxiv, after: int) -> Request:
    assert arxiv.wait_for_requests(after + 1), "the restarted harvest sent nothing"
    return next(r for r in arxiv.requests[after:] if r.path == "/oai")


def test_kill_9_after_k_pages_then_restart_resumes_and_stores_every_record_once(
    core: Paperwire, tmp_path: Path
) -> None:
    arxiv = FakeArxiv().start()
    arxiv.records = make_records(SOURCE_RECORDS)
    arxiv.page_size = 25
    for index, record in enumerate(arxiv.records):  # some papers with several versions
        if index % 5 == 0:
            first = record.versions[0][1]
            record.versions.append((2, first.replace(day=first.day + 1), "130kb"))
    log = tmp_path / "harvest.log"
    try:
        token = None
        for pages in KILL_AFTER_PAGES:
            served, sent = arxiv.pages_served, len(arxiv.requests)
            process = _harvest_process(core, arxiv, log)  # at once after the last kill
            assert arxiv.wait_for_pages(served + pages), log.read_text()[-2000:]
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
            # It resumed: its first request carried the token the killed run left.
            assert _first_oai_request(arxiv, sent).params.get("resumptionToken") == token
            wait_until_freed(core, HARVEST_LOCK)
            token = _stored_token(core)
            assert token is not None  # a page was committed before the kill
        sent = len(arxiv.requests)
        final = _harvest_process(core, arxiv, log)
        assert final.wait(timeout=120) == 0, log.read_text()[-2000:]
        assert _first_oai_request(arxiv, sent).params.get("resumptionToken") == token
    finally:
        arxiv.stop()
    assert "busy" not in log.read_text()
    with core.engine.connect() as connection:
        ids = list(connection.execute(select(papers.c.arxiv_id)).scalars())
        versions = connection.execute(select(func.count()).select_from(paper_versions)).scalar()
    assert len(ids) == len(set(ids)) == SOURCE_RECORDS  # 0 duplicates
    assert set(ids) == {record.arxiv_id for record in arxiv.records}  # 0 missing
    assert versions == sum(len(record.versions) for record in arxiv.records)
    assert core.get_paper("2602.00001").latest_version == 2
    with core.engine.connect() as connection:
        runs = connection.execute(select(harvest_runs.c.status, harvest_runs.c.error)).all()
    assert sorted(status for status, _ in runs) == ["failed"] * len(KILL_AFTER_PAGES) + ["ok"]
    assert all(error.startswith("interrupted") for status, error in runs if status == "failed")
    assert core.harvest_status().running is None
