"""Latency of the daily page, a paper page, the search page and the JSON API
(p50/p95/p99, sequential requests) on a SQLite store holding the 32k sample.

    python bench/pages.py [--requests N] [--store DIR]

Without --store, the sample is imported into a temporary store first.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import httpx

from common import SAMPLE, Served, machine, summarize
from paperwire.core import Paperwire
from paperwire.settings import Settings

URLS = {
    "daily page /": "/",
    "weekly page /?period=week": "/?period=week",
    "paper page": "/papers/2604.26375",
    "search page (2 words)": "/papers?q=task-specific+heads",
    "API daily_papers (limit 50)": "/api/daily_papers?limit=50",
    "API search (2 words, limit 20)": "/api/papers/search?q=diffusion+transformer",
    "API search (1 common word)": "/api/papers/search?q=learning",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--store", type=Path)
    args = parser.parse_args()
    data_dir = args.store or Path(tempfile.mkdtemp(prefix="paperwire-bench-"))
    core = Paperwire(Settings(data_dir=data_dir))
    core.migrate()
    if core.stats().papers == 0:
        core.import_snapshot([SAMPLE])
    print(f"machine: {machine()}")
    print(f"store:   {core.stats().papers:,} papers (SQLite), {args.requests} sequential requests each")
    env = {**os.environ, "PAPERWIRE_DATA_DIR": str(data_dir)}
    with Served(env) as server, httpx.Client(base_url=server.url) as client:
        for label, url in URLS.items():
            for _ in range(10):
                client.get(url).raise_for_status()
            timings = []
            for _ in range(args.requests):
                started = time.perf_counter()
                client.get(url).raise_for_status()
                timings.append(time.perf_counter() - started)
            print(summarize(label, timings))


if __name__ == "__main__":
    main()
