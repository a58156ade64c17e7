"""Embedding job throughput on the PostgreSQL job queue, with 1 and 2 `paperwire worker`s.

    python bench/jobs.py [--papers 5000] [--embedder fake|onnx] [--batch 256]
                         [--threads 0] [--workers 1,2]

Imports ``--papers`` of the sample into a fresh PostgreSQL database without embedding,
times one in-process ``embed_pending`` (what ``paperwire embed`` does, no queue), then
for each count of workers starts them (``paperwire worker --concurrency 1``: one job at a
time per process, so the count is the parallelism; each with ``--threads`` ONNX threads)
and waits until they are registered, queues one ``embed_pending`` job and times until no
paper is pending: each job claims and embeds ``--batch`` papers, queueing more jobs while
papers wait unclaimed (up to ``PAPERWIRE_JOBS_EMBED_PARALLEL``, 4). The stored vectors are
dropped between runs.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from sqlalchemy import delete, func, select, text

from common import SAMPLE, machine
from paperwire.core import Paperwire
from paperwire.db.tables import paper_embeddings
from paperwire.settings import Settings

ADMIN = os.environ.get("PAPERWIRE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
DATABASE = "paperwire_bench_jobs"


def fresh_database() -> str:
    with psycopg.connect(ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{DATABASE}"')
    base = ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    return f"{base}/{DATABASE}"


def workers_registered(core: Paperwire) -> int:
    with core.engine.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM procrastinate_workers")).scalar_one()


def run(core: Paperwire, env: dict[str, str], count: int, papers: int) -> float:
    with core.engine.begin() as connection:
        connection.execute(delete(paper_embeddings))
        connection.execute(text("TRUNCATE procrastinate_jobs, procrastinate_workers CASCADE"))
    command = [sys.executable, "-m", "paperwire", "worker", "--concurrency", "1"]
    processes = [subprocess.Popen(command, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                 for _ in range(count)]
    try:
        while workers_registered(core) < count:
            time.sleep(0.1)
        started = time.perf_counter()
        core.defer_job("embed_pending")
        while core.pending_embeddings() > 0:
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=60)
    with core.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(paper_embeddings)
                                  ).scalar_one() == papers
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--papers", type=int, default=5000)
    parser.add_argument("--embedder", default="fake", choices=["fake", "onnx"])
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--threads", type=int, default=0, help="ONNX threads a process")
    parser.add_argument("--workers", default="1,2", help="worker counts to time")
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="bench-jobs-"))
    url = fresh_database()
    env = {**os.environ, "PAPERWIRE_DATABASE_URL": url, "PAPERWIRE_DATA_DIR": str(data),
           "PAPERWIRE_DEV_MODE": "true", "PAPERWIRE_EMBEDDER": args.embedder,
           "PAPERWIRE_HARVEST_ENABLED": "false", "PAPERWIRE_SUMMARIES_IN_BACKGROUND": "false",
           "PAPERWIRE_DIGEST_ENABLED": "false", "PAPERWIRE_EMBED_POLL_SECONDS": "3600",
           "PAPERWIRE_JOBS_EMBED_BATCH": str(args.batch), "PAPERWIRE_JOBS_POLL_SECONDS": "0.5",
           "PAPERWIRE_EMBED_THREADS": str(args.threads)}
    core = Paperwire(Settings(database_url=url, data_dir=data, dev_mode=True,
                              embedder=args.embedder, embed_in_background=False,
                              embed_threads=args.threads))
    core.migrate()
    sliced = data / "slice.jsonl"
    with SAMPLE.open() as source, sliced.open("w") as sink:
        for _, line in zip(range(args.papers), source, strict=False):
            sink.write(line)
    core.import_snapshot([sliced])
    papers = core.pending_embeddings()
    print(f"machine: {machine()}")
    print(f"{papers:,} papers, embedder {args.embedder}, {args.batch} papers a job,"
          f" {args.threads or 'one per core'} ONNX threads a process")
    with core.engine.begin() as connection:
        connection.execute(delete(paper_embeddings))
    started = time.perf_counter()
    core.embed_pending()  # the reference: one `paperwire embed`, no queue
    seconds = time.perf_counter() - started
    print(f"paperwire embed: {seconds:6.1f} s  {papers / seconds:8,.0f} papers/s  (no queue)")
    for count in (int(n) for n in args.workers.split(",")):
        seconds = run(core, env, count, papers)
        print(f"{count} worker{'s' if count > 1 else ' '}: {seconds:6.1f} s"
              f"  {papers / seconds:8,.0f} papers/s  ({-(-papers // args.batch)} jobs)")
    core.close()


if __name__ == "__main__":
    main()
