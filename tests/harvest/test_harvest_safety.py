"""Hostile XML, real politeness timing, and kill -9 in the middle of a harvest."""

from __future__ import annotations

import itertools
import os
import random
import signal
import subprocess
import sys
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from harvest.fake_arxiv import FakeArxiv, make_records
from paperwire.core import Paperwire
from paperwire.db.tables import paper_versions, papers
from paperwire.harvest.jobs import HarvestEnv
from paperwire.sources.xmlsafe import MalformedDocument, parse_xml

BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + b"".join(
        f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'.encode()
        for i in range(1, 10)
    )
    + b"]>\n<lolz>&lol9;</lolz>\n"
)
XXE = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE foo [ <!ELEMENT foo ANY >\n'
    b' <!ENTITY xxe SYSTEM "file:///etc/passwd" >]>\n<OAI-PMH><ListRecords>&xxe;'
    b"</ListRecords></OAI-PMH>"
)
XXE_PARAMETER = (
    b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY % ext SYSTEM "http://127.0.0.1:9/x.dtd">'
    b" %ext;]><r/>"
)


@pytest.mark.parametrize("document", [BILLION_LAUGHS, XXE, XXE_PARAMETER],
                         ids=["billion-laughs", "xxe", "xxe-parameter"])
def test_hostile_documents_are_refused_in_under_a_second_and_50_mb(document: bytes) -> None:
    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(MalformedDocument, match="unsafe XML"):
        parse_xml(document)
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert elapsed < 1.0
    assert peak < 50 * 1024 * 1024


def test_truncated_document_reports_its_position() -> None:
    with pytest.raises(MalformedDocument) as caught:
        parse_xml(b"<OAI-PMH>\n<ListRecords>\n<record>")
    assert caught.value.position == (3, 8)


def test_the_real_default_gap_of_3_seconds(sqlite_core: Paperwire) -> None:
    arxiv = FakeArxiv().start()
    try:
        arxiv.records = make_records(3)
        arxiv.page_size = 1
        sqlite_core.settings.arxiv_oai_url = f"{arxiv.url}/oai"
        assert sqlite_core.settings.arxiv_delay_seconds == 3.0  # the default, untouched
        sqlite_core.harvest_env = HarvestEnv()  # the real clock and sleep
        sqlite_core.harvest(sets=["cs"])
    finally:
        arxiv.stop()
    times = [request.at for request in arxiv.oai_requests()]
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert len(gaps) == 2
    assert all(3.0 <= gap < 4.5 for gap in gaps), gaps


# -- kill -9 ------------------------------------------------------------------------

SOURCE_RECORDS = 600


def _harvest_process(core: Paperwire, arxiv: FakeArxiv, tmp_path: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "PAPERWIRE_DATA_DIR": str(core.settings.data_dir),
        "PAPERWIRE_SECRET_KEY": core.settings.secret_key,
        "PAPERWIRE_ARXIV_OAI_URL": f"{arxiv.url}/oai",
        "PAPERWIRE_ARXIV_DELAY_SECONDS": "0.02",
        "PAPERWIRE_HARVEST_LOCK_SECONDS": "10",
    }
    if core.settings.database_url:
        env["PAPERWIRE_DATABASE_URL"] = core.settings.database_url
    return subprocess.Popen(
        [sys.executable, "-c", "from paperwire.cli import main; main()",
         "harvest", "--set", "cs", "--from", "2026-02-01"],
        env=env, stdout=subprocess.DEVNULL, stderr=(tmp_path / "harvest.log").open("ab"),
    )


def test_kill_9_at_random_points_then_restart_ends_equal_to_the_source(
    core: Paperwire, tmp_path: Path
) -> None:
    arxiv = FakeArxiv().start()
    arxiv.records = make_records(SOURCE_RECORDS)
    arxiv.page_size = 25
    for index, record in enumerate(arxiv.records):  # some papers with several versions
        if index % 5 == 0:
            first = record.versions[0][1]
            record.versions.append((2, first.replace(day=first.day + 1), "130kb"))
    rng = random.Random(20260301)
    kills = 0
    try:
        for _ in range(5):
            process = _harvest_process(core, arxiv, tmp_path)
            time.sleep(rng.uniform(0.9, 2.2))  # interpreter start, then mid-harvest
            if process.poll() is None:
                os.kill(process.pid, signal.SIGKILL)
                kills += 1
            process.wait(timeout=30)
            time.sleep(0.05)
            _expire_lock(core)
        final = _harvest_process(core, arxiv, tmp_path)
        assert final.wait(timeout=120) == 0, (tmp_path / "harvest.log").read_text()[-2000:]
    finally:
        arxiv.stop()
    assert kills >= 3  # most runs died mid-harvest
    with core.engine.connect() as connection:
        ids = list(connection.execute(select(papers.c.arxiv_id)).scalars())
        versions = connection.execute(select(func.count()).select_from(paper_versions)).scalar()
    assert len(ids) == len(set(ids)) == SOURCE_RECORDS  # 0 duplicates
    assert set(ids) == {record.arxiv_id for record in arxiv.records}  # 0 missing
    assert versions == sum(len(record.versions) for record in arxiv.records)
    assert core.get_paper("2602.00001").latest_version == 2


def _expire_lock(core: Paperwire) -> None:
    """A killed holder's lock expires by itself; the test does not wait 10 s for it."""
    from sqlalchemy import update

    from paperwire.db.tables import job_locks

    with core.engine.begin() as connection:
        connection.execute(update(job_locks).values(expires_at=datetime(2000, 1, 1, tzinfo=UTC)))
