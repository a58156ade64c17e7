"""``bench/enrich.py --github N``: a GitHub refresh of N repositories against the fake
GitHub server (tests/github_server.py), on a fresh SQLite store."""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from common import REPO
from paperwire.core import Paperwire
from paperwire.ingest import store_items
from paperwire.records import PaperRecord, Version
from paperwire.settings import Settings

sys.path.insert(0, str(REPO / "tests"))
from github_server import FakeGithub

BUDGET = 5000.0  # requests an hour: GitHub's limit for a token


def papers(count: int) -> list[PaperRecord]:
    day = datetime(2026, 11, 20, 12, tzinfo=UTC)
    return [PaperRecord(
        arxiv_id=f"2611.{i:05d}", title=f"Paper {i}", abstract=f"Code: https://github.com/lab{i % 97}/repo{i}.",
        authors=["Ada Lovelace"], categories=["cs.LG"], versions=[Version(1, day)],
        announced_on=day.date()) for i in range(count)]


def bench_github(count: int) -> None:
    with tempfile.TemporaryDirectory() as folder, FakeGithub() as github:
        for i in range(count):
            github.add(f"lab{i % 97}/repo{i}", i % 5000)
        github.state.token = "bench-token"  # GitHub does not count a 304 sent with a token
        settings = Settings(data_dir=Path(folder), embedder="none", secret_key="x" * 40,
                            github_api_url=github.url, github_requests_per_hour=BUDGET,
                            github_token="bench-token")
        core = Paperwire(settings)
        core.migrate()
        store_items(core.engine, papers(count), batch_size=1000)
        start = int(time.time())
        for label, at in (("first pass", start), ("a week later", start + 8 * 86_400)):
            core.clock = lambda at=at: at  # type: ignore[misc]
            paced = pace_virtually(core, at)
            started = time.perf_counter()
            report = core.refresh_github()
            wall = time.perf_counter() - started
            share = report.not_modified / max(report.requests, 1)
            print(f"{label:13} requests {report.requests:,} · 200 {report.fetched:,} · "
                  f"304 {report.not_modified:,} ({share:.0%}) · wall {wall:.1f} s "
                  f"({report.requests / wall:,.0f} req/s) · paced at {BUDGET:,.0f} "
                  f"requests/hour: {paced[0] / 60:,.1f} min")
        core.close()


def pace_virtually(core: Paperwire, at: int) -> list[float]:
    """The client's pacer on a virtual clock: it sleeps for no real time, and the list
    returned holds the seconds it would have waited (the refresh's time at the budget)."""
    waited = [0.0]
    client = core.github_client
    client.clock = lambda: at + waited[0]
    client._next_at = 0.0

    def sleep(seconds: float) -> None:
        waited[0] += seconds

    client.sleep = sleep
    return waited
