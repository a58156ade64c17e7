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
import math
import sys
import time
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO.parent / "shared" / "data" / "arxiv-sample.jsonl"
SEED = REPO.parent / "shared" / "data" / "seed-papers.arxiv.jsonl"
STORE = REPO / ".scratch" / "relevance"
JUDGMENTS = Path(__file__).with_name("relevance_judgments.json")
EVERY = 4


def open_core(fusion: str = "rrf", keyword_engine: str = "tantivy"):  # type: ignore[no-untyped-def]
    from paperwire.core import Paperwire
    from paperwire.settings import Settings

    return Paperwire(Settings(data_dir=STORE, embedder="onnx", search_fusion=fusion,
                              keyword_engine=keyword_engine, model_cache_dir=STORE / "models"))


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


def load_judgments() -> list[dict]:
    return json.loads(JUDGMENTS.read_text())


def rankings(core, query: str) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    """Top-100 arXiv ids per method."""
    from paperwire.models import SearchOptions
    from paperwire.search.query import parse_query

    keyword = core.search_papers(query, limit=100, options=SearchOptions(semantic=False))
    hybrid = core.search_papers(query, limit=100)
    nearest = core.semantic.nearest(parse_query(query).text, 100, floor=False)
    from paperwire.db.queries import papers_by_ids
    from paperwire.db.session import read_transaction

    with read_transaction(core.engine) as connection:
        found = papers_by_ids(connection, [pid for pid, _ in nearest])
    return {
        "keyword": [hit.paper.arxiv_id for hit in keyword.hits],
        "semantic": [found[pid].arxiv_id for pid, _ in nearest if pid in found],
        "hybrid": [hit.paper.arxiv_id for hit in hybrid.hits],
    }


def pool() -> None:
    core = open_core()
    from paperwire.db.queries import get_paper
    from paperwire.db.session import read_transaction

    for item in load_judgments():
        ranked = rankings(core, item["query"])
        ids = list(dict.fromkeys(i for method in ranked.values() for i in method[:10]))
        print(f"\n## {item['query']}  [{item['rule']}]")
        with read_transaction(core.engine) as connection:
            for arxiv_id in ids:
                paper = get_paper(connection, arxiv_id)
                print(f"{arxiv_id} | {paper.title[:100]} | {paper.abstract[:90]}")


def dcg(grades: list[int]) -> float:
    return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(grades))


def scores(ranked: list[str], grades: dict[str, int]) -> tuple[float, float]:
    ideal = dcg(sorted(grades.values(), reverse=True)[:10]) or 1.0
    ndcg = dcg([grades.get(i, 0) for i in ranked[:10]]) / ideal
    relevant = {i for i, g in grades.items() if g > 0}
    recall = len(relevant & set(ranked[:100])) / len(relevant) if relevant else 0.0
    return ndcg, recall


def evaluate() -> None:
    """The default configuration, then each choice varied on its own: fusion, keyword
    engine, and the semantic noise floor (the cosine below which hits are dropped)."""
    default = open_core()
    variants = {
        "hybrid (weighted)": (open_core("weighted"), None),
        "hybrid, database keywords": (open_core(keyword_engine="database"), None),
        **{f"hybrid, floor {floor:.2f}": (default, floor) for floor in FLOORS},
    }
    totals: dict[str, list[tuple[float, float]]] = {}
    judged = [item for item in load_judgments() if item["grades"]]
    for item in judged:
        grades = {k: int(v) for k, v in item["grades"].items()}
        for method, ranked in rankings(default, item["query"]).items():
            name = "hybrid (rrf)" if method == "hybrid" else method
            totals.setdefault(name, []).append(scores(ranked, grades))
        keyword = rankings(variants["hybrid, database keywords"][0], item["query"])["keyword"]
        totals.setdefault("keyword, database", []).append(scores(keyword, grades))
        for name, (core, floor) in variants.items():
            with noise_floor(core, floor):
                hybrid = rankings(core, item["query"])["hybrid"]
            totals.setdefault(name, []).append(scores(hybrid, grades))
    print(f"{len(judged)} judged queries over {default.stats().papers:,} papers")
    print(f"{'method':27s} nDCG@10  Recall@100")
    for name, values in totals.items():
        ndcg = sum(v[0] for v in values) / len(values)
        recall = sum(v[1] for v in values) / len(values)
        print(f"{name:27s} {ndcg:7.3f}  {recall:9.3f}")


FLOORS = (0.2, 0.3, 0.35)


@contextmanager
def noise_floor(core, floor: float | None):  # type: ignore[no-untyped-def]
    embedder = core.semantic.embedder
    if floor is None:
        yield
        return
    embedder.min_similarity = floor
    try:
        yield
    finally:
        del embedder.min_similarity  # back to the class's default


COMMANDS = {"build": build, "pool": pool, "eval": evaluate}


if __name__ == "__main__":
    COMMANDS[sys.argv[1]]()
