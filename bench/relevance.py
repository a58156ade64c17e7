"""Relevance of paperwire's search against three baselines, per query class.

    python bench/relevance.py [--store PATH] build   # full sample + seed page, real model
    python bench/relevance.py [--store PATH] pool [--pool-dir DIR]   # blind pools to judge
    python bench/relevance.py merge JUDGED.jsonl...   # pool lines with "grade" added
    python bench/relevance.py [--store PATH] eval [--json] [--per-query] [--variants]
    python bench/relevance.py [--store PATH] seed    # seed papers in the top 40

The store (default .scratch/relevance-full; reusable, so keep it outside the worktree,
e.g. /work/scratch/relevance-full) holds the whole sample and the seed page's 40 papers,
imported and embedded the product's way (core.import_snapshot + embed_pending, onnx).

Judgments live in bench/relevance_judgments.json: per query its class and the judging
rule (written before any candidate was seen), then grades {arxiv_id: 0|1|2} for every
pooled candidate (2 = what the query asks for, 1 = related, 0 = not; zeros are kept so
that "judged" can be told from "never pooled"). Systems: paperwire as shipped, BM25 alone,
MiniLM alone and plain RRF of the two (bench/relevance_baselines.py).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from common import SAMPLE, machine
from paperwire.search import fusion
from relevance_baselines import minilm_description, systems

REPO = Path(__file__).resolve().parent.parent
SEED = Path(os.environ.get(
    "PAPERWIRE_SEED_SNAPSHOT", SAMPLE.parent / "seed-papers.snapshot.jsonl"
))
STORE = REPO / ".scratch" / "relevance-full"
POOL_DIR = REPO / ".scratch" / "relevance-pool"
JUDGMENTS = Path(__file__).with_name("relevance_judgments.json")
CLASSES = ("question", "paraphrase", "acronym", "keyword", "concept")
SEED_QUERY = "task-specific heads"
POOL_DEPTH, POOL_SEED = 20, 13


def open_core(store: Path, **overrides: Any):  # type: ignore[no-untyped-def]
    from paperwire.core import Paperwire
    from paperwire.settings import Settings

    return Paperwire(Settings(data_dir=store, embedder="onnx", embed_in_background=False,
                              harvest_enabled=False, **overrides))


def with_rrf_k(k: int) -> None:
    """paperwire's fusions (keyword with semantic, and the RM3 list) with RRF constant ``k``:
    a probe of the constant, which is not a setting."""
    if k < 1:
        raise SystemExit(f"--rrf-k {k}: must be at least 1")
    fusion.rrf.__kwdefaults__["k"] = k
    fusion.with_extra.__kwdefaults__["k"] = k


def cpu_line() -> str:
    """The CPU model and whether int8 matmuls get AVX-512 VNNI or only AVX2."""
    flags = set()
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("flags"):
            flags = set(line.split(":", 1)[1].split())
            break
    simd = ("AVX-512 VNNI" if "avx512_vnni" in flags else
            "AVX-VNNI" if "avx_vnni" in flags else
            "AVX2 only" if "avx2" in flags else "no AVX2")
    return f"{machine()}, {simd}"


def eta_printer(label: str, every: int) -> Callable[[int, int], None]:
    started = time.perf_counter()
    last = [0]

    def progress(done: int, total: int) -> None:
        if done - last[0] < every and done != total:
            return
        last[0] = done
        seconds = time.perf_counter() - started
        rate = done / seconds if seconds else 0.0
        left = (total - done) / rate if rate else float("nan")
        print(f"{label} {done:,}/{total:,}  {rate:.1f} papers/s  "
              f"elapsed {seconds / 60:.1f} min  ETA {left / 60:.1f} min", flush=True)
    return progress


def build(args: argparse.Namespace) -> None:
    store: Path = args.store
    store.mkdir(parents=True, exist_ok=True)
    print(cpu_line(), flush=True)
    core = open_core(store)
    core.migrate()
    started = time.perf_counter()
    report = core.import_snapshot([SAMPLE, SEED])
    import_s = time.perf_counter() - started
    print(f"imported: {report.added:,} added, {report.updated:,} updated, "
          f"{report.rejected:,} rejected in {import_s:.0f} s "
          f"({(report.added + report.updated) / max(import_s, 1e-9):.0f} papers/s)", flush=True)
    started = time.perf_counter()
    embedded = core.embed_pending(on_progress=eta_printer("embedded", 512))
    embed_s = time.perf_counter() - started
    rate = embedded.embedded / embed_s if embed_s else 0.0
    print(f"{embedded} in {embed_s:.0f} s = {rate:.1f} papers/s", flush=True)
    info = {"machine": cpu_line(), "papers": core.stats().papers,
            "import_s": round(import_s, 1), "embedded": embedded.embedded,
            "embed_s": round(embed_s, 1), "embed_papers_per_s": round(rate, 2),
            "embed_threads": core.settings.embed_threads, "nice": os.nice(0),
            "load_average": [round(x, 1) for x in os.getloadavg()], "finished": time.strftime("%Y-%m-%d %H:%M")}
    if embedded.embedded:
        (store / "build.json").write_text(json.dumps(info, indent=1) + "\n")
    print(json.dumps(info))


def load_judgments() -> list[dict]:
    return json.loads(JUDGMENTS.read_text())


def save_judgments(items: list[dict]) -> None:
    """One query a line, grades sorted: parallel judging merges line by line."""
    for item in items:
        item["grades"] = dict(sorted(item["grades"].items()))
    lines = ",\n".join(json.dumps(item, ensure_ascii=False) for item in items)
    JUDGMENTS.write_text(f"[\n{lines}\n]\n")


def embedded_core(store: Path):  # type: ignore[no-untyped-def]
    """The store's core, once every paper is embedded (rankings of a half-built store
    would shape the pools)."""
    core = open_core(store)
    pending = core.indexer.pending() if core.indexer else -1
    if pending:
        raise SystemExit(f"{store}: {pending:,} papers not embedded (-1: no model); run build")
    return core


def ranked_by_system(core, store: Path, variants: bool = False):  # type: ignore[no-untyped-def]
    found: dict[str, Callable[[str], list[str]]] = systems(core, store)
    if variants:
        found.update(paperwire_variants(core, store))
    return found


def paperwire_variants(default, store: Path):  # type: ignore[no-untyped-def]
    """paperwire with one choice changed: its keyword or semantic side alone, weighted
    fusion instead of RRF, the sentences reranker (the bundled model on each of the top
    50's sentences; ~2 s of CPU per query, the blend of docs/benchmarks.md)."""
    from paperwire.models import SearchOptions

    weighted = open_core(store, search_fusion="weighted")
    sentences = open_core(store, rerank="sentences")

    def ranking(core, options=None):  # type: ignore[no-untyped-def]
        def rank(query: str) -> list[str]:
            hits = core.search_papers(query, limit=100, options=options).hits
            return [hit.paper.arxiv_id for hit in hits]
        return rank

    return {
        "paperwire keyword side": ranking(default, SearchOptions(semantic=False)),
        "paperwire semantic side": ranking(default, SearchOptions(keyword=False)),
        "paperwire weighted fusion": ranking(weighted),
        "paperwire sentence rerank": ranking(sentences),
    }


def pool(args: argparse.Namespace) -> None:
    """Per query, the union of each system's top 20 not yet graded, shuffled (blind)."""
    core = embedded_core(args.store)
    found = ranked_by_system(core, args.store)
    wanted = {}
    for item in load_judgments():
        ids = {i for rank in found.values() for i in rank(item["query"])[:POOL_DEPTH]}
        wanted[item["query"]] = ids - set(item["grades"])
    write_pools(core.engine, args.pool_dir, wanted,
                f"top {POOL_DEPTH} of {', '.join(found)}; already graded left out")


def write_pools(engine, pool_dir: Path, wanted: dict[str, set[str]],  # type: ignore[no-untyped-def]
                found_by: str) -> None:
    """One file per query in ``wanted`` (numbered by its place in the judgments file):
    its candidates, shuffled with a fixed seed and without system names, each with the
    query's class and rule and the paper's title and abstract; then index.tsv and the
    judges' README."""
    from paperwire.db.queries import papers_by_arxiv_ids
    from paperwire.db.session import read_transaction

    pool_dir.mkdir(parents=True, exist_ok=True)
    index, total = [], 0
    for number, item in enumerate(load_judgments(), start=1):
        if item["query"] not in wanted:
            continue
        ordered = sorted(wanted[item["query"]])
        random.Random(f"{POOL_SEED}:{item['query']}").shuffle(ordered)
        with read_transaction(engine) as connection:
            papers = {p.arxiv_id: p for p in papers_by_arxiv_ids(connection, ordered)}
        name = f"{number:02d}.jsonl"
        with (pool_dir / name).open("w") as sink:
            for arxiv_id in ordered:
                paper = papers[arxiv_id]
                sink.write(json.dumps({
                    "query": item["query"], "class": item["class"], "rule": item["rule"],
                    "arxiv_id": arxiv_id, "title": paper.title, "abstract": paper.abstract,
                }, ensure_ascii=False) + "\n")
        write_calibration(engine, pool_dir / f"{number:02d}.calibration.json", item)
        index.append(f"{name}\t{item['class']}\t{len(ordered)}\t{item['query']}")
        total += len(ordered)
        print(index[-1], flush=True)
    (pool_dir / "index.tsv").write_text("file\tclass\tto_judge\tquery\n" + "\n".join(index) + "\n")
    (pool_dir / "README.md").write_text(JUDGING)
    print(f"{total:,} candidates to judge in {pool_dir} ({found_by})")


def write_calibration(engine, path: Path, item: dict,  # type: ignore[no-untyped-def]
                      per_grade: int = 4) -> None:
    """Up to ``per_grade`` titles the query already has at each grade, so that a new
    judge grades on the same scale as the earlier ones."""
    from paperwire.db.queries import papers_by_arxiv_ids
    from paperwire.db.session import read_transaction

    chosen: dict[int, list[str]] = {}
    for grade in (2, 1, 0):
        ids = sorted(a for a, g in item["grades"].items() if g == grade)
        random.Random(f"{POOL_SEED}:{item['query']}:{grade}").shuffle(ids)
        chosen[grade] = ids[:per_grade]
    with read_transaction(engine) as connection:
        titles = {p.arxiv_id: p.title for p in
                  papers_by_arxiv_ids(connection, [a for ids in chosen.values() for a in ids])}
    path.write_text(json.dumps({
        "query": item["query"], "rule": item["rule"],
        "examples": {str(g): [titles[a] for a in ids if a in titles] for g, ids in chosen.items()},
    }, ensure_ascii=False, indent=1) + "\n")


JUDGING = """# Pools to judge (bench/relevance.py pool)

One file per query; each line is a candidate: query, class, rule, arxiv_id, title,
abstract. The order is shuffled and says nothing about which system found it.
Judge by the query's rule, from title and abstract: 2 = what the query asks for,
1 = related, 0 = not relevant. Grade every line, zeros too. NN.calibration.json holds
a few titles the query already has at each grade: match their scale.

Write your graded lines to a file of your own (keep the pool files as they are),
each line the pool's line plus "grade": 0|1|2, then fold them in:

    python bench/relevance.py merge MY-GRADES.jsonl
"""


def merge(args: argparse.Namespace) -> None:
    """Fold judged pool lines ({"query", "arxiv_id", "grade"}, other keys ignored) into
    the judgments file."""
    items = load_judgments()
    by_query = {item["query"]: item for item in items}
    count = 0
    for path in args.files:
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if not line.strip():
                continue
            row = json.loads(line)
            if row.get("query") not in by_query or row.get("grade") not in (0, 1, 2):
                raise SystemExit(f"{path}:{number}: needs a known query and grade 0, 1 or 2")
            by_query[row["query"]]["grades"][row["arxiv_id"]] = row["grade"]
            count += 1
    save_judgments(items)
    print(f"merged {count:,} grades into {JUDGMENTS.name}")


def dcg(grades: list[int]) -> float:
    return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(grades))


def scores(ranked: list[str], grades: dict[str, int]) -> dict[str, float]:
    ideal = dcg(sorted(grades.values(), reverse=True)[:10])
    relevant = {i for i, g in grades.items() if g > 0}
    top10 = ranked[:10]
    return {
        "ndcg10": dcg([grades.get(i, 0) for i in top10]) / ideal,
        "recall100": len(relevant & set(ranked[:100])) / len(relevant),
        "judged10": sum(i in grades for i in top10) / max(1, len(top10)),
    }


def marks(ranked: list[str], grades: dict[str, int]) -> str:
    """The top 10 as grades, ? where unjudged."""
    return " ".join(str(grades[i]) if i in grades else "?" for i in ranked[:10])


def mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else float("nan")


def evaluate(args: argparse.Namespace) -> None:
    """nDCG@10 and Recall@100 (relevant: grade >= 1) per class and overall, per system,
    and the share of each system's top 10 that is judged."""
    core = embedded_core(args.store)
    found = ranked_by_system(core, args.store, variants=args.variants)
    items = load_judgments()
    judged = [item for item in items if any(g > 0 for g in item["grades"].values())]
    empty = [item["query"] for item in items if item["grades"] and item not in judged]
    per_query = []
    for item in judged:
        grades = {k: int(v) for k, v in item["grades"].items()}
        row = {"query": item["query"], "class": item["class"], "systems": {}}
        for name, rank in found.items():
            ranked = rank(item["query"])
            row["systems"][name] = {**scores(ranked, grades), "top10": marks(ranked, grades)}
        per_query.append(row)
    summary = summarize(per_query, list(found))
    overlap = paraphrase_overlap(core, judged)
    if args.json:
        print(json.dumps({"papers": core.stats().papers, "minilm": minilm_description(core),
                          "queries": len(items), "judged": len(judged),
                          "no_relevant": empty, "summary": summary,
                          "paraphrase_word_overlap": overlap,
                          "per_query": per_query}, indent=1))
        return
    print_summary(core, items, judged, empty, summary)
    if overlap:
        print(f"\nparaphrases: {mean(list(overlap.values())):.2f} of a query's content words"
              " occur in its grade-2 papers, on average (per query: --json)")
    if args.per_query:
        for row in per_query:
            print(f"\n[{row['class']}] {row['query']}")
            for name, value in row["systems"].items():
                print(f"  {name:26s} nDCG@10 {value['ndcg10']:.3f}  R@100 "
                      f"{value['recall100']:.3f}  top 10: {value['top10']}")


def paraphrase_overlap(core, judged: list[dict]) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Per paraphrase query, the mean share of its content words (stemmed, stop words
    left out) that occur in the title + abstract of each paper graded 2: the class
    should be low."""
    from paperwire.db.queries import papers_by_arxiv_ids
    from paperwire.db.session import read_transaction
    from paperwire.search.concepts import STOP_WORDS
    from paperwire.search.highlight import stem

    def stems(text: str) -> set[str]:
        return {stem(w) for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in STOP_WORDS}

    found = {}
    for item in judged:
        best = [i for i, g in item["grades"].items() if g == 2]
        if item["class"] != "paraphrase" or not best:
            continue
        words = stems(item["query"])
        with read_transaction(core.engine) as connection:
            papers = papers_by_arxiv_ids(connection, best)
        shares = [len(words & stems(f"{p.title} {p.abstract}")) / len(words) for p in papers]
        found[item["query"]] = round(mean(shares), 3)
    return found


def summarize(per_query: list[dict], names: list[str]) -> dict[str, dict[str, dict]]:
    summary: dict[str, dict[str, dict]] = {}
    for name in names:
        summary[name] = {}
        for cls in (*CLASSES, "overall"):
            rows = [r["systems"][name] for r in per_query if cls in ("overall", r["class"])]
            summary[name][cls] = {
                "queries": len(rows),
                **{key: mean([r[key] for r in rows]) for key in ("ndcg10", "recall100", "judged10")},
            }
    return summary


def print_summary(core, items: list[dict], judged: list[dict], empty: list[str],  # type: ignore[no-untyped-def]
                  summary: dict[str, dict[str, dict]]) -> None:
    print(f"{len(judged)} of {len(items)} queries judged, over {core.stats().papers:,} papers"
          f" ({cpu_line()})")
    if empty:
        print(f"left out, no relevant paper judged: {'; '.join(empty)}")
    print(minilm_description(core))
    counts = {cls: summary[next(iter(summary))][cls]["queries"] for cls in (*CLASSES, "overall")}
    header = "  ".join(f"{cls[:10]:>10s}" for cls in (*CLASSES, "overall"))
    sizes = "  ".join(f"{f'n={n}':>10s}" for n in counts.values())
    for key, label in (("ndcg10", "nDCG@10"), ("recall100", "Recall@100"),
                       ("judged10", "judged share of top 10")):
        print(f"\n{label}\n{'system':26s}  {header}\n{'':26s}  {sizes}")
        for name, by_class in summary.items():
            cells = "  ".join(f"{by_class[cls][key]:10.3f}" for cls in (*CLASSES, "overall"))
            print(f"{name:26s}  {cells}")


def seed(args: argparse.Namespace) -> None:
    """How many of the seed page's papers paperwire ranks in its top 40 for its concept."""
    seeds = {json.loads(line)["id"] for line in SEED.open()}
    hits = embedded_core(args.store).search_papers(SEED_QUERY, limit=40).hits
    found = [hit.paper.arxiv_id for hit in hits if hit.paper.arxiv_id in seeds]
    print(f"{len(found)} of {len(seeds)} seed papers in paperwire's top 40 for {SEED_QUERY!r}")


COMMANDS: dict[str, Callable[[argparse.Namespace], None]] = {
    "build": build, "pool": pool, "merge": merge, "eval": evaluate, "seed": seed,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", type=Path, default=STORE)
    parser.add_argument("command", choices=sorted(COMMANDS))
    parser.add_argument("files", nargs="*", type=Path, help="merge: judged pool files")
    parser.add_argument("--pool-dir", type=Path, default=POOL_DIR)
    parser.add_argument("--json", action="store_true", help="eval: print JSON")
    parser.add_argument("--per-query", action="store_true",
                        help="eval: each query's scores and top 10 (? = unjudged)")
    parser.add_argument("--variants", action="store_true",
                        help="eval: also paperwire's keyword side, semantic side, weighted fusion,"
                        " sentences reranker")
    parser.add_argument("--rrf-k", type=int,
                        help="eval, seed: paperwire's fusion with this RRF constant instead of"
                        f" {fusion.RRF_K} (the plain-RRF baseline keeps its own)")
    args = parser.parse_args()
    if args.rrf_k is not None:
        with_rrf_k(args.rrf_k)
    COMMANDS[args.command](args)


if __name__ == "__main__":
    main()
