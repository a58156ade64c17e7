"""Build and send N personalised digests to a local aiosmtpd sink; print messages/s.

    python bench/digest.py [--subscribers 10000] [--papers 2000] [--database-url URL]

The sink runs in its own process (so it does not share our GIL) and counts what it
accepts. Each subscriber follows a few topics (keywords, categories, authors), so
every digest is personal: the frozen trending list plus their matches. Sending goes
through ``Paperwire.send_digests``: claim with a lease, render, SMTP, record.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sqlalchemy import insert

from common import machine
from paperwire.community.accounts import email_key
from paperwire.core import Paperwire
from paperwire.db.tables import digest_subscriptions
from paperwire.digest.models import Frequency
from paperwire.ingest import store_items
from paperwire.records import PaperRecord, Version
from paperwire.settings import Settings

WORDS = [
    "transformer", "attention", "diffusion", "graph", "retrieval", "reasoning", "agents",
    "robustness", "pruning", "distillation", "heads", "alignment", "vision", "speech",
    "tokenizer", "scaling",
]
CATEGORIES = ["cs.AI", "cs.CL", "cs.CV", "cs.LG", "stat.ML"]
SINK = """
import sys, time
from aiosmtpd.controller import Controller
class Count:
    n = 0
    async def handle_DATA(self, server, session, envelope):
        Count.n += 1
        return "250 OK"
c = Controller(Count(), hostname="127.0.0.1", port=int(sys.argv[1])); c.start()
print("ready", flush=True)
for line in sys.stdin:
    print(Count.n, flush=True)
"""


def make_store(core: Paperwire, papers: int, rng: random.Random) -> None:
    now = datetime.now(UTC)
    day = core.digest_day()
    authors = [f"Author {n}" for n in range(300)]
    records = [
        PaperRecord(
            arxiv_id=f"2611.{n:05d}", title=" ".join(rng.sample(WORDS, 5)).capitalize(),
            abstract=" ".join(rng.choices(WORDS, k=120)), authors=rng.sample(authors, 3),
            categories=[rng.choice(CATEGORIES)], versions=[Version(1, now - timedelta(hours=6))],
            announced_on=day,
        )
        for n in range(1, papers + 1)
    ]
    store_items(core.engine, records, batch_size=1000)
    voters = [core.add_user(f"voter{n}@example.org") for n in range(20)]
    for n, voter in enumerate(voters):
        for k in range(1, 21 - n):
            core.upvote(voter, f"2611.{k:05d}")


def add_subscribers(core: Paperwire, count: int, rng: random.Random) -> None:
    rows = []
    for n in range(count):
        address = f"reader{n}@example.org"
        topics = {"keywords": [" ".join(rng.sample(WORDS, 2))],
                  "categories": rng.sample(CATEGORIES, 1),
                  "authors": [f"Author {rng.randrange(300)}"]}
        rows.append({"email": address, "email_key": email_key(address), "frequency": "daily",
                     "status": "confirmed", "topics": topics, "bounces": 0, "created_at": 0})
    with core.engine.begin() as connection:
        connection.execute(insert(digest_subscriptions), rows)


def start_sink(port: int) -> subprocess.Popen[str]:
    sink = subprocess.Popen([sys.executable, "-c", SINK, str(port)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    assert sink.stdout is not None
    assert sink.stdout.readline().strip() == "ready"
    return sink


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--papers", type=int, default=2000)
    parser.add_argument("--database-url")
    parser.add_argument("--connections", type=int, default=1,
                        help="SMTP connections at once (PAPERWIRE_DIGEST_CONNECTIONS)")
    args = parser.parse_args()
    rng = random.Random(6)
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = Settings(
        data_dir=Path(tempfile.mkdtemp(prefix="pw-digest-bench-")), database_url=args.database_url,
        secret_key="bench-secret-key-0123456789-0123456789", smtp_host="127.0.0.1",
        smtp_port=port, smtp_security="none", digest_send_rate=0,
        digest_connections=args.connections,
        base_url="https://papers.example.org", mail_from="paperwire <digest@example.org>",
    )
    core = Paperwire(settings)
    core.migrate()
    make_store(core, args.papers, rng)
    add_subscribers(core, args.subscribers, rng)
    sink = start_sink(port)
    started = time.perf_counter()
    _issue_id, _ = core.build_digest(Frequency.DAILY)
    built = time.perf_counter()
    cpu_before = time.process_time()
    if os.environ.get("BENCH_PROFILE"):
        import cProfile
        import pstats

        profile = cProfile.Profile()
        report = profile.runcall(core.send_digests)
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)
    else:
        report = core.send_digests()
    done = time.perf_counter()
    cpu_ms = (time.process_time() - cpu_before) * 1000 / max(report.sent, 1)
    assert sink.stdin is not None
    assert sink.stdout is not None
    sink.stdin.write("count\n")
    sink.stdin.flush()
    received = int(sink.stdout.readline())
    sink.terminate()
    send_s, total_s = done - built, done - started
    print(f"machine: {machine()}")
    print(f"store: {core.engine.dialect.name}; {args.papers:,} papers; "
          f"{args.subscribers:,} subscribers with 3 topics each; {args.connections} SMTP"
          " connection(s)")
    print(f"build (trending + topic matches + send log): {built - started:.2f} s")
    print(f"send: {report.sent:,} sent, {received:,} received by the sink in {send_s:.2f} s"
          f" = {report.sent / send_s:,.0f} messages/s")
    print(f"build + send: {report.sent / total_s:,.0f} messages/s")
    print(f"sending worker CPU: {cpu_ms:.1f} ms per message (the rest is waiting for the"
          f" sink and the machine)")


if __name__ == "__main__":
    main()
