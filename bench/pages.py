"""Latency of the daily page, a paper page, the search page and the JSON API on a
SQLite store holding the 32k sample: sequential requests (p50/p95/p99), then 100
concurrent connections from wrk (server-side p95 from the Server-Timing header,
client-side p95 and requests/s), then each page's weight (gzip, with its CSS/JS).

    python bench/pages.py [--requests N] [--store DIR] [--seconds S] [--workers W]

Without --store, the sample is imported into a temporary store first.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import quote_plus

import httpx

from common import SAMPLE, Served, machine, summarize
from paperwire.core import Paperwire
from paperwire.settings import Settings

URLS = {
    "daily page /": "/",
    "weekly page /?period=week": "/?period=week",
    "paper page": "/papers/2604.26375",
    "search page (varied queries)": "/papers?q={}",
    "API daily_papers (limit 50)": "/api/daily_papers?limit=50",
    "API search (varied, limit 20)": "/api/papers/search?q={}",
    "API search (1 common word)": "/api/papers/search?q=learning",
}
QUERY_COUNT = 5_000  # distinct queries: a reader's search is rarely in the page cache


def varied_queries(count: int, seed: int = 3) -> list[str]:
    """2-3 consecutive title words of random sample papers, as a reader might type."""
    rng = random.Random(seed)
    titles = []
    with SAMPLE.open() as handle:
        for line in handle:
            titles.append(json.loads(line)["title"].split())
    out = []
    for words in rng.sample(titles, count):
        size = rng.choice((2, 3))
        start = rng.randrange(max(1, len(words) - size + 1))
        out.append(" ".join(words[start : start + size]))
    return out


def paths(label: str, queries: list[str]) -> list[str]:
    url = URLS[label]
    return [url.format(quote_plus(q)) for q in queries] if "{}" in url else [url]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--store", type=Path)
    parser.add_argument("--seconds", type=int, default=20, help="wrk duration per page")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes under load")
    parser.add_argument("--think-ms", type=int, default=3000,
                        help="mean pause of a reader between pages (locust's between(1, 5) is 3 s)")
    args = parser.parse_args()
    data_dir = args.store or Path(tempfile.mkdtemp(prefix="paperwire-bench-"))
    core = Paperwire(Settings(data_dir=data_dir))
    core.migrate()
    if core.stats().papers == 0:
        core.import_snapshot([SAMPLE])
    print(f"machine: {machine()}")
    pending = core.pending_embeddings()
    if pending:
        started = time.perf_counter()
        report = core.embed_pending()
        seconds = time.perf_counter() - started
        print(f"embedded {report.embedded:,} papers (vectors + concepts, stored) in {seconds:.0f} s"
              f" = {report.embedded / seconds:.1f} papers/s")
    print(f"store:   {core.stats().papers:,} papers (SQLite), {args.requests} sequential requests each")
    queries = varied_queries(QUERY_COUNT)
    env = {**os.environ, "PAPERWIRE_DATA_DIR": str(data_dir), "PAPERWIRE_DEV_MODE": "true",
           "PAPERWIRE_HARVEST_ENABLED": "false"}
    with Served(env) as server, httpx.Client(base_url=server.url) as client:
        print("\n# sequential requests, one process")
        for number, label in enumerate(URLS):
            targets = paths(label, queries[number * 500 :])  # fresh queries per label
            for url in targets[:10]:
                client.get(url).raise_for_status()
            timings = []
            for request in range(args.requests):
                url = targets[(10 + request) % len(targets)]
                started = time.perf_counter()
                client.get(url).raise_for_status()
                timings.append(time.perf_counter() - started)
            print(summarize(label, timings))
        print("\n# page weight (gzip, page + its CSS and JS)")
        for label in PAGES:
            url = paths(label, ["task-specific heads"])[0]
            print(f"{label:<34} {page_weight(client, url) / 1024:6.1f} KB  (budget 150 KB)")
    with Served(env, port=8767, workers=args.workers) as server:
        scenarios = (
            (args.think_ms, f"readers pausing {args.think_ms / 2000:g}-{args.think_ms * 1.5 / 1000:g} s between pages"),
            (1000, "busy readers pausing 0.5-1.5 s between pages"),
            (0, "back to back (stress)"),
        )
        for think_ms, title in scenarios:
            cache = os.environ.get("PAPERWIRE_PAGE_CACHE_SECONDS", "5")
            print(f"\n# {CONNECTIONS} concurrent users, {title}: wrk {args.seconds}s per page,"
                  f" {args.workers} worker process(es), anonymous page cache {cache} s")
            for label in PAGES:
                print(f"{label:<34} {load(server.url, paths(label, queries), args.seconds, think_ms)}")


PAGES = ["daily page /", "weekly page /?period=week", "paper page", "search page (varied queries)"]
CONNECTIONS = 100
LUA = Path(__file__).parent / "server_timing.lua"


def page_weight(client: httpx.Client, url: str) -> int:
    """Compressed bytes of a page plus the stylesheets and scripts it links."""
    response = client.get(url, headers={"Accept-Encoding": "gzip"})
    total = int(response.headers.get("content-length") or len(response.content))
    assets = re.findall(r'(?:href|src)="(/static/[^"]+\.(?:css|js))"', response.text)
    for asset in dict.fromkeys(assets):
        head = client.get(asset, headers={"Accept-Encoding": "gzip"})
        total += int(head.headers.get("content-length") or len(head.content))
    return total


def load(base: str, targets: list[str], seconds: int, think_ms: int) -> str:
    """Run wrk with 100 connections over ``targets`` (paths, one picked at random per
    request); return server-side and client-side percentiles."""
    if not shutil.which("wrk"):
        return "wrk not installed (apt-get install wrk)"
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as listing:
        listing.write("\n".join(targets) + "\n")
    # Warm up first (caches, lazily built state), as load tests ramp up: not recorded.
    # Unhurried readers leave no backlog behind for the measured run.
    subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", "-d4s", "-s", str(LUA), base + targets[0]],
        capture_output=True, check=True,
        env={**os.environ, "THINK_MS": "3000", "PATHS_FILE": listing.name},
    )
    time.sleep(2)
    result = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "10s", "-s", str(LUA),
         base + targets[0]],
        capture_output=True, text=True, check=True,
        env={**os.environ, "THINK_MS": str(think_ms), "PATHS_FILE": listing.name},
    )
    os.unlink(listing.name)
    lines = {line.split(" ", 1)[0]: line.split(" ", 1)[1] for line in result.stdout.splitlines()
             if line.startswith(("SERVER", "CLIENT"))}
    return f"server {lines.get('SERVER', '?')}\n{'':<34} client {lines.get('CLIENT', '?')}"


if __name__ == "__main__":
    main()
