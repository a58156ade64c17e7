"""A real `paperwire serve` embeds papers that another process put in its store.

`paperwire import --no-embed` (or a harvest by `paperwire worker`) adds papers from a
process of its own; the served site must find them pending and embed them in the
background, so that similar papers and semantic search cover them without a restart.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from conftest import SAMPLE, ReservedPort, fresh_postgres_database, make_settings, worker_id
from paperwire.core import Paperwire
from paperwire.db.tables import paper_embeddings, papers

DEADLINE_S = 120  # only so a broken build cannot hang the suite; nothing here is timed


def sample_lines(count: int) -> list[str]:
    lines: list[str] = []
    with SAMPLE.open(encoding="utf-8") as source:
        for line in source:
            if json.loads(line)["abstract"].strip():
                lines.append(line)
            if len(lines) == count:
                return lines
    raise AssertionError("the sample is too small")


@pytest.fixture
def served(backend: str, tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    from browser.conftest import start_serve

    env = {
        **os.environ, "PAPERWIRE_DATA_DIR": str(tmp_path / "data"),
        "PAPERWIRE_EMBEDDER": "fake", "PAPERWIRE_EMBED_IN_BACKGROUND": "true",
        "PAPERWIRE_EMBED_POLL_SECONDS": "1",
        "PAPERWIRE_SECRET_KEY": "serve-background-test-secret-0123456789abcdef",
    }
    env.pop("PAPERWIRE_DATABASE_URL", None)
    if backend == "postgres":
        env["PAPERWIRE_DATABASE_URL"] = fresh_postgres_database(f"paperwire_serve_{worker_id()}")
    with ReservedPort() as reserved:
        process, url = start_serve(env, reserved)
        try:
            yield url, env
        finally:
            process.terminate()
            process.wait(timeout=30)


def import_no_embed(env: dict[str, str], lines: list[str], path: Path) -> list[str]:
    path.write_text("".join(lines), encoding="utf-8")
    subprocess.run(
        [sys.executable, "-m", "paperwire", "import", str(path), "--no-embed"],
        env=env, check=True, capture_output=True, timeout=300,
    )
    return [json.loads(line)["id"] for line in lines]


def wait_until_similar(url: str, arxiv_id: str, expected_neighbours: set[str]) -> list[str]:
    """Poll the served API until the paper's similar list covers the expected papers."""
    deadline = time.monotonic() + DEADLINE_S
    found: list[str] = []
    while time.monotonic() < deadline:
        answer = httpx.get(f"{url}/api/papers/{arxiv_id}/similar", params={"limit": 20},
                           timeout=10)
        assert answer.status_code == 200, answer.text
        found = [item["paper"]["id"] for item in answer.json()]
        if expected_neighbours <= set(found):
            return found
        time.sleep(0.5)
    pytest.fail(f"serve did not embed {arxiv_id} within {DEADLINE_S} s: similar = {found}")


def embedded_counts(env: dict[str, str], tmp_path: Path) -> tuple[int, int]:
    core = Paperwire(make_settings(tmp_path / "reader", database_url=env.get(
        "PAPERWIRE_DATABASE_URL") or f"sqlite:///{env['PAPERWIRE_DATA_DIR']}/paperwire.db"))
    try:
        with core.engine.connect() as connection:
            total = connection.execute(select(func.count()).select_from(papers)).scalar_one()
            done = connection.execute(
                select(func.count()).select_from(paper_embeddings)
            ).scalar_one()
        return total, done
    finally:
        core.close()


def test_serve_embeds_papers_another_process_imported(
    served: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    url, env = served
    lines = sample_lines(6)
    first = import_no_embed(env, lines[:3], tmp_path / "first.jsonl")
    wait_until_similar(url, first[0], set(first[1:]))

    # A second import, well after serve's start-up run: only a later look finds it.
    second = import_no_embed(env, lines[3:], tmp_path / "second.jsonl")
    found = wait_until_similar(url, second[0], set(first + second[1:]))
    assert second[0] not in found  # the paper itself is never its own neighbour
    assert embedded_counts(env, tmp_path) == (6, 6)
