"""Vote counts stay exact under real concurrency, on each backend."""

from __future__ import annotations

import multiprocessing
import random
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import text

from conftest import BACKENDS, make_settings
from factories import add_users, make_paper
from paperwire.community.models import Role, User
from paperwire.core import Paperwire

PAPERS = ["2401.30001", "2401.30002", "2401.30003"]


def toggle_many(data_dir: str, user_ids: list[int], seed: int, count: int) -> None:
    core = Paperwire(make_settings(Path(data_dir)))
    chooser = random.Random(seed)
    for _ in range(count):
        user = User(chooser.choice(user_ids), "", "", "", Role.USER, False, 0)
        core.upvote(user, chooser.choice(PAPERS))
    core.close()


def assert_counts_match_votes(core: Paperwire) -> None:
    with core.engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT p.upvotes, (SELECT count(*) FROM votes v WHERE v.paper_id = p.id)"
            " FROM papers p"
        )).all()
    assert rows
    assert all(stored == counted for stored, counted in rows), rows


@pytest.mark.skipif("sqlite" not in BACKENDS, reason="SQLite not selected")
def test_eight_processes_toggling_on_sqlite(sqlite_core):
    for arxiv_id in PAPERS:
        make_paper(sqlite_core, arxiv_id)
    user_ids = [u.id for u in add_users(sqlite_core, 6)]
    data_dir = str(sqlite_core.settings.data_dir)
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=toggle_many, args=(data_dir, user_ids, seed, 1000))
               for seed in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=240)
    assert [worker.exitcode for worker in workers] == [0] * 8  # no "database is locked"
    assert_counts_match_votes(sqlite_core)


@pytest.mark.skipif("postgres" not in BACKENDS, reason="PostgreSQL not selected")
def test_a_thousand_concurrent_upvotes_on_postgres(request):
    core = request.getfixturevalue("postgres_core")
    from conftest import truncate_all

    truncate_all(core)
    paper = make_paper(core, PAPERS[0])
    voters = add_users(core, 1000)
    with ThreadPoolExecutor(max_workers=32) as pool:
        states = list(pool.map(lambda user: core.upvote(user, paper, up=True), voters))
    assert max(state.upvotes for state in states) == 1000
    assert core.get_paper(paper).upvotes == 1000
    assert_counts_match_votes(core)
    with ThreadPoolExecutor(max_workers=32) as pool:  # and all of them toggled back off
        list(pool.map(lambda user: core.upvote(user, paper), voters))
    assert core.get_paper(paper).upvotes == 0
