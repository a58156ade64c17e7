"""Scale-out figures on one machine: a new web host's time to serve (from an index
snapshot, and from nothing), the snapshot's size, and how fast a paper stored on one
host reaches another host's indexes through the change feed.

    python bench/scale.py [--papers 100000] [--rounds 10]
    python bench/scale.py --hosts [--papers 2000] [--seconds 8] [--rounds 5]   (as root)

The store is bench/search.py's synthetic one (real-looking text, clustered synthetic
vectors), built once under /work/scratch/scale-N. "Host A" is the worker that stores
and embeds; "host B" is a web host: the same SQLite store, its own data folder and so
its own indexes, following the feed every PAPERWIRE_INDEX_FOLLOW_SECONDS (2 s).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import machine


def host(store: Path, data_dir: Path, *, snapshots: Path):  # type: ignore[no-untyped-def]
    """A core on ``store``'s database with its own data folder (its own indexes)."""
    from paperwire.core import Paperwire
    from paperwire.search.semantic import SemanticSearcher
    from paperwire.settings import Settings
    from search import SAMPLE
    from synthetic import BenchEmbedder, Generator

    settings = Settings(data_dir=data_dir, embedder="none", index_snapshot_dir=snapshots,
                        database_url=f"sqlite:///{store / 'paperwire.db'}")
    core = Paperwire(settings)
    core.__dict__["semantic"] = SemanticSearcher(
        BenchEmbedder(Generator(SAMPLE), None), settings.vector_dir,
        exact_max=settings.vector_exact_max,
    )
    return core


def size_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def timed(work):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def new_host_figures(store: Path, scratch: Path) -> None:
    snapshots = scratch / "snapshots"
    worker = host(store, scratch / "host-a", snapshots=snapshots)
    built, _ = timed(worker.follow_changes)
    print(f"worker's own indexes built from the store: {built:.1f} s")
    published_s, snapshot = timed(worker.publish_index_snapshot)
    print(f"snapshot published in {published_s:.1f} s: {size_mb(snapshot.path):.0f} MB"
          f" ({snapshot.papers:,} papers, vectors {snapshot.vectors})")
    for label, adopt in (("from the snapshot", True), ("from nothing", False)):
        directory = scratch / f"host-b-{'snap' if adopt else 'cold'}"
        shutil.rmtree(directory, ignore_errors=True)
        web = host(store, directory, snapshots=snapshots)
        started = time.perf_counter()
        if adopt:
            web.adopt_index_snapshot()
        web.follow_changes()
        ready = web.health().ok
        print(f"new web host ready to serve {label}: {time.perf_counter() - started:.1f} s"
              f" (healthy: {ready})")
        web.close()
    worker.close()


GIVE_UP_S = 120


def probe_word(n: int) -> str:
    """A word no other paper holds, in letters only (one token however it is analysed)."""
    return "zyxconverge" + "".join(chr(ord("a") + int(d)) for d in f"{os.getpid()}{n:03d}")


def found_by_keyword(web, word: str, arxiv_id: str) -> bool:  # type: ignore[no-untyped-def]
    from paperwire.models import MatchKind

    hits = web.search_papers(word, limit=10).hits
    return any(h.paper.arxiv_id == arxiv_id and h.match in (MatchKind.KEYWORD, MatchKind.BOTH)
               for h in hits)


def convergence(store: Path, scratch: Path, rounds: int) -> None:
    from paperwire.ingest import store_items
    from paperwire.records import PaperRecord, Version

    worker = host(store, scratch / "host-a", snapshots=scratch / "snapshots")
    web = host(store, scratch / "host-b-snap", snapshots=scratch / "snapshots")
    web.follow_changes()
    web.start_index_follower()
    topic_words = web.semantic.embedder.generator.topic_words
    delays: list[float] = []
    for n in range(rounds):
        word = probe_word(n)
        arxiv_id = f"2612.{90000 + n:05d}"
        about = " ".join(topic_words[n % len(topic_words)][:8])  # a vector near a topic
        record = PaperRecord(arxiv_id=arxiv_id, title=f"Convergence probe {word}",
                             abstract=f"A paper stored on host A about {about}.",
                             authors=["A. B"], categories=["cs.LG"],
                             versions=[Version(1, datetime.now(UTC))])
        started = time.perf_counter()
        store_items(worker.engine, [record], batch_size=1)
        worker.embed_pending()  # host A embeds it (the synthetic model)
        while not (found_by_keyword(web, word, arxiv_id) and web.similar_papers(arxiv_id, limit=1)):
            if time.perf_counter() - started > GIVE_UP_S:
                sys.exit(f"host B had not found {arxiv_id} after {GIVE_UP_S} s")
            time.sleep(0.02)
        delays.append(time.perf_counter() - started)
    web.stop_index_follower()
    print(f"stored and embedded on host A -> found by keyword and by meaning on host B,"
          f" follow every {web.settings.index_follow_seconds:g} s, {rounds} papers:"
          f" median {statistics.median(delays):.2f} s, max {max(delays):.2f} s")
    web.close()
    worker.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--hosts", action="store_true",
                        help="web and worker hosts as network namespaces (bench/scale_hosts.py)")
    parser.add_argument("--seconds", type=float, default=8.0, help="per load level (--hosts)")
    args = parser.parse_args()
    if args.hosts:
        import scale_hosts

        print(f"{machine()}, load average {os.getloadavg()[0]:.1f}; {args.papers:,} papers")
        scale_hosts.main(args.papers, args.seconds, args.rounds)
        return
    import search

    store = Path(f"/work/scratch/scale-{args.papers}")
    search.build_store(store, args.papers)
    scratch = store / "hosts"
    shutil.rmtree(scratch, ignore_errors=True)
    print(f"{machine()}, load average {os.getloadavg()[0]:.1f}; {args.papers:,} papers")
    new_host_figures(store, scratch)
    convergence(store, scratch, args.rounds)


if __name__ == "__main__":
    main()
