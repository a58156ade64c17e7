"""Scale-out as hosts (``python bench/scale.py --hosts``): two web hosts and a worker host
as network namespaces on this machine, PostgreSQL and haproxy on the host side
(tests/cluster.py, the harness tests/test_cluster.py uses). Figures:

- search and page throughput through haproxy with 1 and 2 web hosts in the pool, at
  the same p95 budget (closed-loop readers at rising concurrency; the best rate whose
  p95 stays within the budget);
- harvest-to-searchable: a paper imported on the worker host, until both web hosts
  find it by keyword and by meaning (asked directly);
- a web host killed with ``kill -9`` under 100 readers: p95 before and after, errors.

All hosts share this machine's cores, so the figures are ratios, not capacities.
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from cluster import (
    Deployment,
    Load,
    Watch,
    first_hit,
    kill_namespace,
    p95,
    paperwire_run,
    settled,
    wait_for,
)

SECRET = "bench-secret-key-for-paperwire-scale-0123456789"
WORDS = ("graph", "neural", "quantum", "sparse", "attention", "kernel", "lattice", "spectral",
         "bayesian", "robust", "federated", "causal", "diffusion", "transformer", "tensor",
         "manifold", "stochastic", "convex", "entropy", "molecule", "protein", "galaxy",
         "turbulence", "contrastive", "reinforcement", "language", "vision", "topology")
LEVELS = (2, 4, 8, 16, 32)  # readers in flight, back to back
BUDGET_S = 0.5


def snapshot(path: Path, count: int, start: int = 0) -> Path:
    rng = random.Random(start)
    with path.open("w", encoding="utf-8") as out:
        for n in range(start, start + count):
            words = rng.sample(WORDS, 8)
            out.write(json.dumps({
                "id": f"2605.{n + 1:05d}", "title": " ".join(words[:4]).capitalize(),
                "abstract": f"We study {' '.join(words)} in setting {n}.", "authors": "A. Bench",
                "categories": "cs.LG", "update_date": "2026-05-04",
                "versions": [{"version": "v1", "created": "Mon, 4 May 2026 10:00:00 GMT"}],
            }) + "\n")
    return path


def mixes(count: int) -> dict[str, list[str]]:
    rng = random.Random(7)
    queries = [f"{rng.choice(WORDS)}+{rng.choice(WORDS)}" for _ in range(200)]
    return {"search": [f"/papers?q={q}" for q in queries],
            "page": [f"/papers/2605.{rng.randrange(count) + 1:05d}" for _ in range(200)]}


def throughput(cluster: Deployment, paths: list[str], seconds: float) -> list[tuple[int, float, float]]:
    assert cluster.haproxy is not None
    rows = []
    for level in LEVELS:
        with Load(cluster.haproxy.url, paths, readers=level, pause=(0, 0), in_flight=level) as load:
            time.sleep(1)  # warm-up, not counted
            start = time.monotonic()
            time.sleep(seconds)
            end = time.monotonic()
        counted = [r for r in load.between(start, end) if r.ok]
        rows.append((level, len(counted) / (end - start), p95(counted) or 0.0))
    return rows


def pool(cluster: Deployment, hosts: int) -> None:
    assert cluster.haproxy is not None
    command = "enable" if hosts == 2 else "disable"
    cluster.haproxy.command(f"{command} server paperwire/web2")
    wanted = {"web1": "UP", "web2": "UP" if hosts == 2 else "MAINT"}
    wait_for(lambda: cluster.haproxy.states() == wanted, f"a pool of {hosts}")


def throughput_figures(cluster: Deployment, papers: int, seconds: float) -> None:
    for mix, paths in mixes(papers).items():
        best = {}
        for hosts in (1, 2):
            pool(cluster, hosts)
            rows = throughput(cluster, paths, seconds)
            for level, rate, tail in rows:
                print(f"{mix:6} {hosts} web host(s), {level:2} in flight: {rate:6.1f} req/s,"
                      f" p95 {tail * 1000:5.0f} ms")
            best[hosts] = max((rate for _, rate, tail in rows if tail <= BUDGET_S), default=0.0)
        ratio = best[2] / best[1] if best[1] else float("nan")
        print(f"{mix}: best within p95 {BUDGET_S * 1000:.0f} ms: 1 host {best[1]:.1f} req/s,"
              f" 2 hosts {best[2]:.1f} req/s ({ratio:.2f}x)")


def searchable_delay(cluster: Deployment, rounds: int) -> None:
    delays = []
    for n in range(rounds):
        word = f"zyxprobe{n}q"
        path = cluster.root / f"probe-{n}.jsonl"
        path.write_text(json.dumps({
            "id": f"2606.{n + 1:05d}", "title": f"Probe {word} tidal exoplanet moons",
            "abstract": f"Resonant orbital forcing of {word} moons.", "authors": "A. Bench",
            "categories": "cs.LG", "update_date": "2026-06-01",
            "versions": [{"version": "v1", "created": "Mon, 1 Jun 2026 10:00:00 GMT"}]}) + "\n")
        started = time.monotonic()
        done = paperwire_run(cluster.network.namespace("worker"), cluster.host_env("worker"),
                             "import", "--no-embed", str(path))
        assert done.returncode == 0, done.stderr[-2000:]
        for url in map(cluster.url, cluster.web):
            wait_for(lambda url=url, word=word: first_hit(url, word, semantic="false"), "keyword")
            wait_for(lambda url=url, word=word: first_hit(url, f"{word} moons orbital",
                                                          keyword="false"), "meaning")
        delays.append(time.monotonic() - started)
    print(f"imported on the worker host -> found by keyword and by meaning on both web hosts"
          f" ({rounds} papers, import command included): median {statistics.median(delays):.1f} s,"
          f" max {max(delays):.1f} s")


def failover(cluster: Deployment, papers: int) -> None:
    assert cluster.haproxy is not None
    paths = [p for mix in mixes(papers).values() for p in mix]
    with Load(cluster.haproxy.url, paths, readers=100) as load:
        time.sleep(10)
        with Watch(cluster.haproxy, "web1") as watch:
            killed = time.monotonic()
            kill_namespace(cluster.network.namespace("web1"))
            down = wait_for(lambda: watch.at, "web1 marked down")
        time.sleep(10)
    failed = [r for r in load.done if not r.ok]
    before = list(load.between(killed - 10, killed))
    after = list(load.between(down + 2, float("inf")))
    print(f"kill -9 web1 under 100 readers: marked down after {down - killed:.1f} s;"
          f" {len(failed)} of {len(load.done)} requests failed, all sent before then:"
          f" {all(r.started < down for r in failed)}; p95 {p95(before) * 1000:.0f} ms before,"
          f" {p95(after) * 1000:.0f} ms on web2 alone from 2 s after")


def main(papers: int, seconds: float, rounds: int) -> None:
    root = Path(tempfile.mkdtemp(prefix="pw-scale-"))
    cluster = Deployment(root, SECRET).start()
    try:
        done = paperwire_run(cluster.network.namespace("worker"), cluster.host_env("worker"),
                             "import", "--no-embed", str(snapshot(root / "seed.jsonl", papers)))
        assert done.returncode == 0, done.stderr[-2000:]
        for name in cluster.web:
            wait_for(lambda name=name: settled(cluster.url(name)), f"{name} to index", 600)
        wait_for(lambda: set(cluster.haproxy.states().values()) == {"UP"}, "the pool", 120)
        throughput_figures(cluster, papers, seconds)
        pool(cluster, 2)
        searchable_delay(cluster, rounds)
        failover(cluster, papers)
    finally:
        cluster.close()

