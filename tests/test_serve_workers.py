"""A real `paperwire serve --workers 2` runs the deployment's background jobs once.

Two worker processes serve the site; one of them (the holder of the store's `jobs`
lock) runs the harvest scheduler and background embedding. On an empty store the
scheduler harvests at once, from a fake arXiv on 127.0.0.1: it must see exactly one
harvest (one daily listing, one OAI-PMH ListRecords sequence), and `/status.json`
must name one process running the jobs. Papers another process imports with
`--no-embed` must then be embedded, and searchable by meaning through either worker.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from conftest import TEST_SECRET, ReservedPort, fresh_postgres_database, worker_id
from harvest.fake_arxiv import FakeArxiv, FakeRecord, no_mailing_atom
from paperwire.background import BackgroundJobs
from paperwire.core import Paperwire
from test_serve_background import embedded_counts, import_no_embed, sample_lines, wait_until_similar

DEADLINE_S = 120  # only so a broken build cannot hang the suite; nothing here is timed
CATEGORY, SET_SPEC = "cs.AI", "cs:cs:AI"


def fake_records(count: int) -> list[FakeRecord]:
    today = datetime.now(UTC)
    return [
        FakeRecord(
            arxiv_id=f"2612.{index + 90001:05d}", datestamp=today.date(),
            title=f"Harvested paper {index + 1}", sets=(SET_SPEC,), categories=CATEGORY,
            abstract=f"We harvest paper number {index + 1} about topic {index * 7}.",
            versions=[(1, today - timedelta(hours=index + 1), "100kb")],
        )
        for index in range(count)
    ]


@pytest.fixture
def arxiv() -> Iterator[FakeArxiv]:
    fake = FakeArxiv().start()
    fake.records = fake_records(5)  # two OAI-PMH pages of three
    fake.listing_body = no_mailing_atom(datetime.now(UTC).date(), CATEGORY)
    yield fake
    fake.stop()


@pytest.fixture
def served(backend: str, tmp_path: Path, arxiv: FakeArxiv) -> Iterator[tuple[str, dict[str, str], Path]]:
    env = {
        **os.environ, "PAPERWIRE_DATA_DIR": str(tmp_path / "data"),
        "PAPERWIRE_SECRET_KEY": TEST_SECRET, "PAPERWIRE_EMBEDDER": "fake",
        "PAPERWIRE_EMBED_IN_BACKGROUND": "true", "PAPERWIRE_EMBED_POLL_SECONDS": "1",
        "PAPERWIRE_HARVEST_ENABLED": "true", "PAPERWIRE_CATEGORIES": CATEGORY,
        "PAPERWIRE_ARXIV_OAI_URL": f"{arxiv.url}/oai",
        "PAPERWIRE_ARXIV_API_URL": f"{arxiv.url}/api/query",
        "PAPERWIRE_ARXIV_RSS_URL": arxiv.url, "PAPERWIRE_ARXIV_DELAY_SECONDS": "0",
    }
    env.pop("PAPERWIRE_DATABASE_URL", None)
    if backend == "postgres":
        env["PAPERWIRE_DATABASE_URL"] = fresh_postgres_database(f"paperwire_workers_{worker_id()}")
    log = tmp_path / "serve.log"
    with ReservedPort() as reserved, log.open("wb") as output:  # reserved until serve ends
        process = subprocess.Popen(
            [sys.executable, "-m", "paperwire", "serve", "--port", str(reserved.port),
             "--workers", "2"],
            env=env, stdout=output, stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{reserved.port}"
        try:
            wait_for(lambda: process.poll() is None and answers(url), "serve to answer", log)
            yield url, env, log
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/static/style.css", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def wait_for(condition: Any, what: str, log: Path) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.3)
    pytest.fail(f"waited {DEADLINE_S} s for {what}; serve said:\n{log.read_text(errors='replace')}")


def status(url: str) -> dict[str, Any]:
    answer = httpx.get(f"{url}/status.json", timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def harvested(url: str) -> bool:
    last = status(url)["harvest"]["last_run"]
    return last is not None and last["status"] != "running"


def test_two_workers_harvest_once_and_embed(
    served: tuple[str, dict[str, str], Path], arxiv: FakeArxiv, tmp_path: Path
) -> None:
    url, env, log = served
    wait_for(lambda: harvested(url), "the first-run harvest", log)
    body = status(url)
    assert body["harvest"]["last_run"]["kind"] == "first-run"
    assert body["harvest"]["last_run"]["status"] == "ok", body["harvest"]["last_run"]
    assert body["papers"] == len(arxiv.records)

    # One harvest: one listing, one ListRecords sequence (its first page asked for once).
    listings = [r for r in arxiv.requests if r.path.startswith("/atom/")]
    starts = [r for r in arxiv.oai_requests() if "resumptionToken" not in r.params]
    assert len(listings) == 1, arxiv.requests
    assert [r.params.get("set") for r in starts] == [SET_SPEC], arxiv.requests
    assert len(arxiv.oai_requests()) == 2  # five records, pages of three

    # One process runs the jobs, and it says so on /status (whichever worker answers).
    runners = {status(url)["jobs"]["jobs"]["process"] for _ in range(6)}
    assert len(runners) == 1, runners
    assert None not in runners
    page = httpx.get(f"{url}/status", timeout=10).text
    assert f"run in {next(iter(runners))}" in page
    assert log.read_text(errors="replace").count("runs the background jobs") == 1

    # Papers another process imports are embedded by the runner, seen by both workers.
    lines = sample_lines(4)
    imported = import_no_embed(env, lines, tmp_path / "import.jsonl")
    for _ in range(4):  # several asks: both workers answer some
        wait_until_similar(url, imported[0], set(imported[1:]))
    wait_for(lambda: embedded_counts(env, tmp_path) == (9, 9), "every paper embedded", log)
    assert len(arxiv.requests) == 3  # and no second harvest meanwhile


def wait_until(condition: Any, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"waited {timeout} s for {what}")
        time.sleep(0.05)


def test_one_process_runs_the_jobs_and_another_takes_over(core: Paperwire) -> None:
    """In-process, two web processes' BackgroundJobs: one runs, the other waits, and
    takes over once the first stops (as when its worker dies: the lock dies with it)."""
    core.settings.harvest_enabled = False  # no arXiv here: embedding is the job
    core.settings.embed_in_background = True
    other = Paperwire(core.settings, engine=core.engine)
    said: list[str] = []
    first = BackgroundJobs(core, say=said.append, retry_seconds=0.1).start()
    second: BackgroundJobs | None = None
    try:
        wait_until(lambda: first.running_here, "the first to take the jobs lock")
        second = BackgroundJobs(other, say=said.append, retry_seconds=0.1).start()
        time.sleep(0.5)  # several looks at the lock
        assert not second.running_here
        holder = core.job_holders()["jobs"]
        assert holder is not None
        assert holder.owner == first.lock.owner
        assert holder.process == f"{socket.gethostname()}:{os.getpid()}"

        first.stop()
        wait_until(lambda: second.running_here, "the second to take over")
        assert core.job_holders()["jobs"].owner == second.lock.owner
        assert len([line for line in said if "runs the background jobs" in line]) == 2
    finally:
        first.stop()
        if second is not None:
            second.stop()
    assert core.job_holders()["jobs"] is None
