"""Export and restore of the 32k sample with 10,000 votes, 2,000 comments and 1,000
digest subscriptions, on SQLite and PostgreSQL: rows/s and archive size.

    python bench/export.py [--postgres URL] [--no-postgres]

The store is filled with the fake embedder (vectors of 256 float16 values per paper:
the archive carries them as it would real ones). Steps: export SQLite -> restore into a
fresh SQLite -> restore into a fresh PostgreSQL -> export PostgreSQL. "load" is checking
the archive plus the one loading transaction; "total" adds the keyword (tantivy) and
vector (usearch) index rebuilds.
"""

from __future__ import annotations

import argparse
import random
import shutil
import tempfile
import time
from pathlib import Path

import psycopg
from sqlalchemy import insert, select

from common import SAMPLE, machine
from paperwire.core import Paperwire
from paperwire.db.tables import comments, digest_subscriptions, papers, users, votes
from paperwire.settings import Settings

VOTES, COMMENTS, SUBSCRIPTIONS, VOTERS = 10_000, 2_000, 1_000, 1_000
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/paperwire_bench_export"


def fresh_postgres(url: str) -> str:
    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def store(data_dir: Path, database_url: str | None = None) -> Paperwire:
    return Paperwire(Settings(data_dir=data_dir, database_url=database_url, embedder="fake",
                              secret_key="bench-secret-key-0123456789-0123456789-xyz"))


def fill(core: Paperwire) -> None:
    core.migrate()
    core.import_snapshot([SAMPLE])
    core.embed_pending()
    rng = random.Random(11)
    with core.engine.begin() as connection:
        ids = list(connection.execute(select(papers.c.id)).scalars())
        connection.execute(insert(users), [
            {"id": n, "email": f"u{n}@example.org", "email_key": f"u{n}@example.org",
             "username": f"u{n}", "display_name": f"User {n}", "role": "user", "banned": False,
             "created_at": 1_700_000_000 + n} for n in range(1, VOTERS + 1)])
        pairs = set()
        while len(pairs) < VOTES:
            pairs.add((rng.randint(1, VOTERS), rng.choice(ids)))
        connection.execute(insert(votes), [
            {"user_id": u, "paper_id": p, "voted_at": 1_764_000_000 + i}
            for i, (u, p) in enumerate(sorted(pairs))])
        connection.execute(insert(comments), [
            {"paper_id": rng.choice(ids), "user_id": rng.randint(1, VOTERS),
             "body": f"Comment {n} with *some* text and $x^{n % 9}$.",
             "body_html": f"<p>Comment {n} with <em>some</em> text.</p>",
             "created_at": 1_764_000_000 + n, "deleted": False, "hidden": False}
            for n in range(COMMENTS)])
        connection.execute(insert(digest_subscriptions), [
            {"email": f"r{n}@example.org", "email_key": f"r{n}@example.org",
             "frequency": "daily" if n % 3 else "weekly", "status": "confirmed",
             "topics": {"categories": ["cs.LG"], "keywords": [], "authors": []},
             "bounces": 0, "created_at": 1_764_000_000, "confirmed_at": 1_764_000_001}
            for n in range(SUBSCRIPTIONS)])


def export(core: Paperwire, path: Path, label: str) -> None:
    started = time.perf_counter()
    report = core.export_archive(path)
    seconds = time.perf_counter() - started
    print(f"export  {label:<10} {report.total:,} rows in {seconds:5.1f} s = "
          f"{report.total / seconds:8,.0f} rows/s   archive {report.size / 1e6:5.1f} MB")


def restore(core: Paperwire, path: Path, label: str) -> None:
    marks: dict[str, float] = {}
    started = time.perf_counter()
    report = core.restore_archive(
        path, on_progress=lambda phase, _d, _t: marks.setdefault(phase, time.perf_counter()))
    total = time.perf_counter() - started
    load = marks.get("keyword index", time.perf_counter()) - started
    print(f"restore {label:<10} {report.total:,} rows: load {load:5.1f} s = "
          f"{report.total / load:8,.0f} rows/s; with index rebuilds {total:5.1f} s = "
          f"{report.total / total:8,.0f} rows/s (embedded {report.embedded})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help="a database to recreate")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="paperwire-bench-export-"))
    print(f"machine: {machine()}")
    try:
        source = store(work / "source")
        started = time.perf_counter()
        fill(source)
        print(f"filled the source store in {time.perf_counter() - started:.0f} s "
              f"({source.row_counts()['papers']:,} papers, {VOTES:,} votes, "
              f"{COMMENTS:,} comments, {SUBSCRIPTIONS:,} subscriptions)")
        archive = work / "sqlite.jsonl.gz"
        export(source, archive, "SQLite")
        restore(store(work / "sqlite-target"), archive, "SQLite")
        if not args.no_postgres:
            target = store(work / "pg-target", fresh_postgres(args.postgres))
            restore(target, archive, "PostgreSQL")
            export(target, work / "postgres.jsonl.gz", "PostgreSQL")
            target.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
