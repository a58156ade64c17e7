"""Search speed through the HTTP API on one process, on synthetic stores.

    python bench/search.py --papers 100000 [--papers 1000000] [--queries 300]

For each size: build (or reuse) a SQLite store in .scratch/bench-N with synthetic
papers (bench/synthetic.py: vocabulary text, CLUSTERED SYNTHETIC vectors), build the
vector index, start `uvicorn` with one process serving paperwire, then measure
keyword, semantic and hybrid search: p50/p99 latency of sequential requests,
queries/s with 4 concurrent clients, and the server's peak resident memory.
Also: embedding throughput of the real model on real sample abstracts.
Targets (issue 4): hybrid p99 <= 50 ms and >= 100 queries/s at 1M papers with
<= 3 GB resident; embedding >= 60 papers/s. Misses are printed with their size.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
REPO = Path(__file__).resolve().parent.parent
SAMPLE = Path(  # as bench/common.py: a worktree outside /work finds it by PAPERWIRE_SAMPLE
    os.environ.get("PAPERWIRE_SAMPLE", REPO.parent / "shared" / "data" / "arxiv-sample.jsonl")
)
MODES = {"keyword": {"semantic": "false"}, "semantic": {"keyword": "false"}, "hybrid": {}}


def build_store(directory: Path, n: int) -> None:
    from sqlalchemy import insert

    from paperwire.core import Paperwire
    from paperwire.db.tables import paper_categories, paper_embeddings, papers
    from paperwire.search.indexing import encode_vector
    from paperwire.settings import Settings
    from synthetic import BenchEmbedder, Generator

    if (directory / "ready").exists():
        return
    core = Paperwire(Settings(data_dir=directory, embedder="none"))
    core.migrate()
    generator = Generator(SAMPLE)
    now, started, next_id = datetime.now(UTC), time.perf_counter(), 1
    for rows, vectors in generator.papers(n):
        with core.engine.begin() as connection:
            ids = list(range(next_id, next_id + len(rows)))
            pairs = list(zip(ids, rows, strict=True))
            connection.execute(insert(papers), [_paper_row(pid, r, now) for pid, r in pairs])
            connection.execute(insert(paper_categories), [
                {"paper_id": pid, "category": r["category"], "position": 0}
                for pid, r in zip(ids, rows, strict=True)])
            connection.execute(insert(paper_embeddings), [
                {"paper_id": pid, "model": BenchEmbedder.model_name, "source_hash": "x" * 32,
                 "text_hash": "x" * 32, "vector": encode_vector(v), "concepts": [],
                 "embedded_at": now} for pid, v in zip(ids, vectors, strict=True)])
        next_id += len(rows)
        elapsed = time.perf_counter() - started
        print(f"  stored {next_id - 1:,} papers ({elapsed:.0f} s)", flush=True)
    core.close()
    started = time.perf_counter()
    bench_core(directory).rebuild_vector_index()
    print(f"  vector index built in {time.perf_counter() - started:.0f} s", flush=True)
    (directory / "ready").write_text("ok")


def ensure_text_index(directory: Path) -> None:
    """The tantivy keyword index (stores built before it existed get one here)."""
    from paperwire.core import Paperwire
    from paperwire.settings import Settings

    core = Paperwire(Settings(data_dir=directory, embedder="none"))
    core.migrate()  # adds indexes newer stores have
    started = time.perf_counter()
    written = core.sync_text_index()
    if written:
        print(f"  keyword index: {written:,} papers in {time.perf_counter() - started:.0f} s",
              flush=True)
    core.close()


def title_queries(directory: Path, count: int, seed: int) -> list[str]:
    """Queries a reader might type after seeing a paper: 2-3 consecutive title words of
    random stored papers (these have keyword matches; topic-word queries often have none)."""
    import sqlite3

    rng = np.random.default_rng(seed)
    with sqlite3.connect(directory / "paperwire.db") as connection:
        (top,) = connection.execute("SELECT max(id) FROM papers").fetchone()
        out = []
        for pid in rng.integers(1, top + 1, count):
            (title,) = connection.execute("SELECT title FROM papers WHERE id = ?",
                                          (int(pid),)).fetchone()
            words = title.split()
            size = int(rng.integers(2, 4))
            start = int(rng.integers(0, max(1, len(words) - size + 1)))
            out.append(" ".join(words[start : start + size]))
    return out


def _paper_row(pid: int, r: dict, now: datetime) -> dict:
    return {
        "id": pid, "arxiv_id": r["arxiv_id"], "title": r["title"], "abstract": r["abstract"],
        "authors": r["authors"], "title_text": r["title"], "abstract_text": r["abstract"],
        "authors_text": ", ".join(r["authors"]), "primary_category": r["category"],
        "categories": [r["category"]], "latest_version": 1,
        "published": datetime.combine(r["day"], datetime.min.time(), tzinfo=UTC),
        "announced_on": r["day"], "withdrawn": False, "upvotes": r["upvotes"],
        "content_hash": "x" * 32, "freshness": "0001|", "created_at": now, "modified_at": now,
    }


def bench_core(directory: Path, *, real_model: bool = False):  # type: ignore[no-untyped-def]
    """A core whose semantic side uses the synthetic space (and, if asked, the real
    model's query cost)."""
    from paperwire.core import Paperwire
    from paperwire.search.semantic import SemanticSearcher
    from paperwire.settings import Settings
    from synthetic import BenchEmbedder, Generator

    settings = Settings(data_dir=directory, embedder="none")
    core = Paperwire(settings)
    real = None
    if real_model:
        from paperwire.search.onnx_embedder import OnnxEmbedder

        real = OnnxEmbedder(cache_dir=REPO / ".scratch" / "models")
    embedder = BenchEmbedder(Generator(SAMPLE), real)
    core.__dict__["semantic"] = SemanticSearcher(
        embedder, settings.vector_dir, exact_max=settings.vector_exact_max
    )
    return core


def make_app():  # type: ignore[no-untyped-def]
    """uvicorn factory for the server process."""
    from paperwire.web.app import create_app

    core = bench_core(Path(os.environ["BENCH_STORE"]), real_model=True)
    return create_app(core=core)


def serve(directory: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "BENCH_STORE": str(directory), "PYTHONPATH": str(Path(__file__).parent),
           "PAPERWIRE_DEV_MODE": "true", "PAPERWIRE_HARVEST_ENABLED": "false",
           "PAPERWIRE_PAGE_CACHE_SECONDS": "0"}
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "search:make_app", "--factory", "--port", str(port),
         "--log-level", "warning", "--loop", "uvloop", "--http", "httptools"], env=env)
    for _ in range(600):
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/papers/search?q=warm", timeout=30)
            return process
        except httpx.HTTPError:
            time.sleep(0.5)
    raise RuntimeError("server did not start")


def measure(port: int, queries: list[str], mode: str) -> dict:
    url = f"http://127.0.0.1:{port}/api/papers/search"
    params = MODES[mode]
    with httpx.Client(timeout=60) as client:
        for query in queries[:20]:  # warm the caches and the page cache
            client.get(url, params={"q": query, **params})
        times = []
        for query in queries:
            started = time.perf_counter()
            response = client.get(url, params={"q": query, "limit": 20, **params})
            times.append(time.perf_counter() - started)
            response.raise_for_status()
    limits = httpx.Limits(max_connections=4, max_keepalive_connections=4)
    with httpx.Client(timeout=60, limits=limits) as shared, ThreadPoolExecutor(4) as pool:
        started = time.perf_counter()
        list(pool.map(lambda q: shared.get(url, params={"q": q, "limit": 20, **params}), queries))
        qps = len(queries) / (time.perf_counter() - started)
    return {"p50_ms": 1000 * float(np.percentile(times, 50)),
            "p99_ms": 1000 * float(np.percentile(times, 99)), "qps": qps}


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def embedding_throughput(count: int = 1024) -> tuple[float, float, float]:
    """Papers/s of real sample abstracts: the model alone (batched), and the whole
    embedding job in the app (model, key concepts, stored rows, vector index); and the
    milliseconds one search query takes to embed."""
    import tempfile

    from paperwire.core import Paperwire
    from paperwire.search.embedder import paper_text
    from paperwire.search.onnx_embedder import OnnxEmbedder
    from paperwire.settings import Settings

    lines = []
    with SAMPLE.open() as handle:
        for number, line in enumerate(handle):
            if number % 7 == 0:  # spread over the sample, not one day's papers
                lines.append(line)
            if len(lines) == count:
                break
    records = [json.loads(line) for line in lines]
    embedder = OnnxEmbedder(cache_dir=REPO / ".scratch" / "models")
    texts = [paper_text(r["title"], r["abstract"]) for r in records]
    embedder.embed(texts[:32])
    started = time.perf_counter()
    embedder.embed(texts)
    model_rate = count / (time.perf_counter() - started)
    embedder.embed_query("warm up")
    started = time.perf_counter()
    for _ in range(50):
        embedder.embed_query("task-specific heads for multitask learning")
    query_ms = (time.perf_counter() - started) / 50 * 1000
    with tempfile.TemporaryDirectory() as folder:
        snapshot = Path(folder) / "slice.jsonl"
        snapshot.write_text("".join(lines))
        core = Paperwire(Settings(data_dir=Path(folder), model_cache_dir=REPO / ".scratch" / "models"))
        core.migrate()
        core.import_snapshot([snapshot])
        started = time.perf_counter()
        report = core.embed_pending()
        job_rate = report.embedded / (time.perf_counter() - started)
        core.close()
    return model_rate, job_rate, query_ms


def miss(value: float, target: float, *, lower_is_better: bool) -> str:
    ok = value <= target if lower_is_better else value >= target
    if ok:
        return "meets target"
    factor = value / target if lower_is_better else target / value
    return f"MISSES target {target:g} by {factor:.1f}x"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--papers", type=int, action="append", default=None)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    from synthetic import Generator

    print("machine:", _cpu(), f"· {os.cpu_count()} cores (shared with other work)")
    print("VECTORS ARE SYNTHETIC (clustered like text embeddings); text is synthetic too;")
    print("query latency includes the real model embedding each query.")
    print("queries: half topic words (often no keyword match), half 2-3 words of a stored"
          " title;\nfresh queries per mode (the server caches query vectors).")
    generator = Generator(SAMPLE, seed=99)
    for n in args.papers or [100_000]:
        directory = REPO / ".scratch" / f"bench-{n}"
        print(f"\n== {n:,} papers ==", flush=True)
        build_store(directory, n)
        ensure_text_index(directory)
        half = args.queries // 2
        per_mode = {
            mode: generator.queries(half) + title_queries(directory, half, seed)
            for seed, mode in enumerate(MODES)
        }
        for queries in per_mode.values():
            np.random.default_rng(1).shuffle(queries)
        process = serve(directory, args.port)
        try:
            for mode in MODES:
                result = measure(args.port, per_mode[mode], mode)
                print(f"{mode:8s} p50 {result['p50_ms']:6.1f} ms  p99 {result['p99_ms']:6.1f} ms"
                      f"  {result['qps']:6.1f} queries/s", flush=True)
                if mode == "hybrid" and n >= 1_000_000:
                    print("         p99:", miss(result["p99_ms"], 50, lower_is_better=True),
                          "· qps:", miss(result["qps"], 100, lower_is_better=False))
            rss = peak_rss_mb(process.pid)
            print(f"server peak RSS {rss:,.0f} MB", miss(rss, 3072, lower_is_better=True))
        finally:
            process.terminate()
            process.wait()
    model_rate, job_rate, query_ms = embedding_throughput()
    print("\nembedding real abstracts (all-MiniLM-L6-v2, int8, 128 tokens), 1,024 papers:")
    print(f"  model alone, batches of 32:            {model_rate:6.1f} papers/s",
          miss(model_rate, 60, lower_is_better=False))
    print(f"  the app's job (+ concepts, rows, index): {job_rate:6.1f} papers/s",
          miss(job_rate, 60, lower_is_better=False))
    print(f"  one search query, on its own thread:     {query_ms:6.1f} ms",
          miss(query_ms, 100, lower_is_better=True))


def _cpu() -> str:
    for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
        if line.startswith("Model name"):
            return line.split(":", 1)[1].strip()
    return "unknown CPU"


if __name__ == "__main__":
    main()
