"""The For-you page and GET /api/for-you at 100k papers, through uvicorn.

    python bench/for_you_page.py [--store DIR] [--papers 100000] [--requests 200]
    python bench/for_you_page.py --profile 20      # core.recommend in-process, cProfile
    PROFILE_SORT=cumulative python bench/for_you_page.py --profile 20   # pstats' sort key

Builds (or reuses) a SQLite store under /work/scratch (bench/for_you_store.py:
synthetic papers with CLUSTERED SYNTHETIC vectors, one author each), five readers with
topical libraries of 5, 20, 50, 100 and 200 papers imported through the product,
10 upvotes and a followed author each, a session and an API token. Serves
``create_app`` under uvicorn (one process, as bench/search.py does) and measures
sequential requests, readers taken in turn:

- the For-you page (``GET /for-you``, the session cookie) and ``GET /api/for-you``
  (the token), the reader's model cached: p50/p95/p99;
- the same right after a signal (a not-interested mark given in this process, on the
  same store: the server sees the reader's signals version move and retrains).

``--profile N`` runs ``core.recommend`` N times a reader in-process under cProfile and
prints where the time goes (the server's sync routes run on a thread pool, which a
profiler of the server's main thread would not see).
Target (issue 14): the For-you page p95 <= 100 ms at 100k papers.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, summarize
from for_you_store import STORE, ensure_papers, page_readers

SIZES = [5, 20, 50, 100, 200]


def make_app():  # type: ignore[no-untyped-def]
    """uvicorn factory for the server process."""
    import search
    from paperwire.web.app import create_app

    return create_app(core=search.bench_core(Path(os.environ["BENCH_STORE"])))


def serve(directory: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "BENCH_STORE": str(directory), "PYTHONPATH": str(Path(__file__).parent),
           "PAPERWIRE_DEV_MODE": "true", "PAPERWIRE_HARVEST_ENABLED": "false",
           "PAPERWIRE_PAGE_CACHE_SECONDS": "0"}
    command = ["-m", "uvicorn", "for_you_page:make_app", "--factory", "--port", str(port),
               "--log-level", "warning", "--loop", "uvloop", "--http", "httptools"]
    process = subprocess.Popen([sys.executable, *command], env=env)
    for _ in range(600):
        try:
            httpx.get(f"http://127.0.0.1:{port}/static/style.css", timeout=30)
            return process
        except httpx.HTTPError:
            time.sleep(0.5)
    raise RuntimeError("server did not start")


def get(client: httpx.Client, reader: dict, what: str) -> float:
    started = time.perf_counter()
    if what == "page":
        response = client.get("/for-you", headers={"Cookie": f"__Host-session={reader['session']}"})
        assert "For you" in response.text
    else:
        response = client.get("/api/for-you?limit=20",
                              headers={"Authorization": f"Bearer {reader['token']}"})
        assert response.json()["basis"] == "model", response.text[:200]
    response.raise_for_status()
    return time.perf_counter() - started


def after_signal(directory: Path, client: httpx.Client, readers: list[dict], rounds: int
                 ) -> list[float]:
    """Mark one of the reader's current picks not interested, then time the page."""
    import search

    core = search.bench_core(directory)
    times = []
    for round_ in range(rounds):
        reader = readers[round_ % len(readers)]
        picks = client.get("/api/for-you?limit=1",
                           headers={"Authorization": f"Bearer {reader['token']}"}).json()
        core.mark_signal(reader["user_id"], picks["picks"][0]["id"], "not_interested")
        times.append(get(client, reader, "page"))
    core.close()
    return times


def profile(directory: Path, readers: list[dict], rounds: int) -> None:
    import cProfile
    import pstats

    import search

    core = search.bench_core(directory)
    for reader in readers:  # train and fill the caches first
        core.recommend(reader["user_id"], limit=30)
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for _ in range(rounds):
        for reader in readers:
            core.recommend(reader["user_id"], limit=30)
    profiler.disable()
    each = (time.perf_counter() - started) / (rounds * len(readers))
    print(f"core.recommend in-process: {each * 1000:.1f} ms a call (profiled)")
    pstats.Stats(profiler).sort_stats(os.environ.get("PROFILE_SORT", "tottime")).print_stats(20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, default=STORE)
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--port", type=int, default=8791)
    parser.add_argument("--profile", type=int, metavar="N", help="profile in-process instead")
    args = parser.parse_args()
    ensure_papers(args.store, args.papers)
    readers = page_readers(args.store, SIZES)
    if args.profile:
        profile(args.store, readers, args.profile)
        return
    print(f"{machine()}; load {os.getloadavg()[0]:.1f}; {args.papers:,} papers (SYNTHETIC "
          f"vectors); readers with libraries of {', '.join(map(str, SIZES))} papers")
    process = serve(args.store, args.port)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{args.port}", timeout=60) as client:
            for reader in readers:  # first requests train and fill the caches
                get(client, reader, "page")
                get(client, reader, "api")
            for what, label in (("page", "For-you page /for-you"), ("api", "GET /api/for-you")):
                times = [get(client, readers[n % len(readers)], what)
                         for n in range(args.requests)]
                print(summarize(label, times), flush=True)
            by_size = {r["library"]: [get(client, r, "page") for _ in range(20)] for r in readers}
            for size, times in by_size.items():
                print(f"  library of {size:>3}: page p50 {1000 * np.median(times):.1f} ms")
            times = after_signal(args.store, client, readers, max(20, args.requests // 10))
            print(summarize("page right after a signal", times))
    finally:
        process.terminate()
        process.wait(timeout=30)
    print(f"load at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
