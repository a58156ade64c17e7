"""Author pages and author search on a SQLite store of the sample, repeated to ~100k
papers: each copy of the sample gets new arXiv ids (its authors kept), so the most
prolific authors have ``copies`` times their papers.

    python bench/authors.py [--copies 3] [--store DIR] [--requests 200]

Prints p50/p95/p99 of ``core.author_page`` for the most prolific authors and for random
ones, of the rendered page through the web app (in process), and of author search.
With --store, the store is built there once and reused.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from common import SAMPLE, machine, summarize
from paperwire.authors import author_slug
from paperwire.core import Paperwire
from paperwire.db.tables import paper_authors
from paperwire.settings import Settings
from paperwire.web.app import create_app


def copy_of_sample(target: Path, copy: int) -> Path:
    """The sample with ids ``27MM.NNNNN`` (month ``copy``), everything else as it is."""
    with SAMPLE.open() as source, target.open("w") as sink:
        for number, line in enumerate(source):
            record = json.loads(line)
            record["id"] = f"27{copy:02d}.{number:05d}"
            sink.write(json.dumps(record) + "\n")
    return target


def build(core: Paperwire, folder: Path, copies: int) -> None:
    core.migrate()
    if not core.is_empty():
        return
    started = time.perf_counter()
    files = [SAMPLE] + [copy_of_sample(folder / f"copy-{n}.jsonl", n) for n in range(1, copies)]
    report = core.import_snapshot(files)
    print(f"imported {report.added:,} papers in {time.perf_counter() - started:.0f} s")


def keys(core: Paperwire) -> tuple[list[str], list[str]]:
    """(the 50 most prolific authors, every author key)."""
    count = func.count().label("papers")
    with core.engine.connect() as connection:
        top = connection.execute(
            select(paper_authors.c.author_key, count).group_by(paper_authors.c.author_key)
            .order_by(count.desc()).limit(50)).scalars().all()
        every = connection.execute(select(paper_authors.c.author_key).distinct()).scalars().all()
    return list(top), list(every)


def timed(call, items) -> list[float]:  # type: ignore[no-untyped-def]
    seconds = []
    for item in items:
        started = time.perf_counter()
        call(item)
        seconds.append(time.perf_counter() - started)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--copies", type=int, default=3)
    parser.add_argument("--store", type=Path)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    folder = args.store or Path(tempfile.mkdtemp(prefix="paperwire-authors-"))
    folder.mkdir(parents=True, exist_ok=True)
    settings = Settings(data_dir=folder, embedder="fake", page_cache_seconds=0,
                        secret_key="bench-secret-key-0123456789abcdef0123456789")
    core = Paperwire(settings)
    print(f"machine: {machine()}")
    build(core, folder, args.copies)
    stats = core.stats()
    top, every = keys(core)
    rng = random.Random(7)
    sample = rng.sample(every, min(args.requests, len(every)))
    with core.engine.connect() as connection:
        rows = connection.execute(select(func.count()).select_from(paper_authors)).scalar()
    print(f"store: {stats.papers:,} papers, {len(every):,} author keys, {rows:,} index rows; "
          f"most prolific: {core.author_page(top[0]).author.papers} papers")
    print(summarize("author_page, 50 most prolific", timed(core.author_page, top)))
    print(summarize("author_page, random authors", timed(core.author_page, sample)))
    with TestClient(create_app(core=core), base_url="https://testserver") as client:
        def page(key: str) -> None:
            assert client.get(f"/authors/{author_slug(key)}").status_code == 200
        timed(page, top[:5])  # warm
        print(summarize("GET /authors/{name}, most prolific", timed(page, top)))
        print(summarize("GET /authors/{name}, random", timed(page, sample)))
    words = [key.split()[-1][:5] for key in rng.sample(every, 100)]
    print(summarize("search_authors (5 letters of a surname)", timed(core.search_authors, words)))
    core.close()


if __name__ == "__main__":
    main()
