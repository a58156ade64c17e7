"""Relevance of keyword-only, semantic-only and hybrid search on judged queries.

    python bench/relevance.py build   # store: every 4th sample record + the seed page's papers
    python bench/relevance.py pool    # print pooled top-10 candidates of each method, to judge
    python bench/relevance.py eval    # nDCG@10 and Recall@100 per method (docs/benchmarks.md)

Judgments live in bench/relevance_judgments.json: per query, the judging rule written
before reading candidates, then grades (2 = what the query asks for, 1 = related,
unlisted = not relevant) given by reading titles and abstracts of the pooled candidates.
The store is kept in .scratch/relevance (the real model embeds it once, ~10 minutes).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO.parent / "shared" / "data" / "arxiv-sample.jsonl"
SEED = REPO.parent / "shared" / "data" / "seed-papers.arxiv.jsonl"
STORE = REPO / ".scratch" / "relevance"
JUDGMENTS = Path(__file__).with_name("relevance_judgments.json")
EVERY = 4


def open_core(fusion: str = "rrf"):  # type: ignore[no-untyped-def]
    from paperwire.core import Paperwire
    from paperwire.settings import Settings

    return Paperwire(Settings(data_dir=STORE, embedder="onnx", search_fusion=fusion,
                              model_cache_dir=STORE / "models"))


def seed_records() -> list[dict]:
    records = []
    for line in SEED.open():
        seed = json.loads(line)
        day = seed["first_version_date"] or seed["published"]
        records.append({
            "id": seed["arxiv_id"], "title": seed["title"], "abstract": seed["abstract"],
            "authors": ", ".join(seed["authors"]), "categories": seed["categories"],
            "update_date": day,
            "versions": [{"version": "v1", "created": _rfc(day)}],
        })
    return records


def _rfc(day: str) -> str:
    from datetime import date

    return date.fromisoformat(day).strftime("%a, %d %b %Y 10:00:00 GMT")


def build() -> None:
    STORE.mkdir(parents=True, exist_ok=True)
    corpus = STORE / "corpus.jsonl"
    with SAMPLE.open() as source, corpus.open("w") as sink:
        for number, line in enumerate(source):
            if number % EVERY == 0:
                sink.write(line)
        for record in seed_records():
            sink.write(json.dumps(record) + "\n")
    core = open_core()
    core.migrate()
    report = core.import_snapshot([corpus])
    print(f"imported {report.added:,} new papers", flush=True)
    started = time.perf_counter()

    def progress(done: int, total: int) -> None:
        if done % 1024 == 0 or done == total:
            rate = done / (time.perf_counter() - started)
            print(f"embedded {done:,}/{total:,} ({rate:.1f} papers/s)", flush=True)

    result = core.embed_pending(on_progress=progress)
    print(f"{result} in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    {"build": build}[sys.argv[1]]()
