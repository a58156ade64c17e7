"""The one place that makes test data: papers (records, snapshot corpora), users,
votes, subscribers and trending papers for digests, small search corpora."""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select

from paperwire.community.accounts import email_key
from paperwire.community.models import Role, User
from paperwire.core import Paperwire
from paperwire.db.tables import digest_subscriptions, users
from paperwire.ingest import store_items
from paperwire.records import PaperRecord, Version

# -- papers and users -------------------------------------------------------------------


def make_paper(core: Paperwire, arxiv_id: str, *, title: str | None = None,
               abstract: str = "An abstract.", authors: list[str] | None = None,
               categories: list[str] | None = None, published: datetime | None = None,
               versions: list[Version] | None = None, announced_on: date | None = None,
               doi: str | None = None) -> str:
    """One paper stored as a source hands it over: first version ``published`` (yesterday
    by default) unless ``versions`` are given (a later record may name only its new one)."""
    published = published or datetime.now(UTC) - timedelta(days=1)
    versions = versions or [Version(1, published)]
    record = PaperRecord(
        arxiv_id=arxiv_id, title=title or f"Paper {arxiv_id}", abstract=abstract,
        authors=authors or ["Ada Lovelace", "Alan Turing"], categories=categories or ["cs.LG"],
        versions=versions, announced_on=announced_on or versions[0].created.date(), doi=doi,
    )
    store_items(core.engine, [record], batch_size=100)
    return arxiv_id


def make_user(core: Paperwire, email: str, role: Role = Role.USER,
              username: str | None = None) -> User:
    user = core.add_user(email, username=username)
    return core.set_role(email, role) if role is not Role.USER else user


def add_users(core: Paperwire, count: int) -> list[User]:
    """Users in bulk (a factory: straight into the table), oldest first."""
    now = int(time.time())
    rows = [
        {"email": f"v{n}@example.org", "email_key": f"v{n}@example.org",
         "username": f"voter-{n}", "display_name": f"Voter {n}", "role": "user",
         "banned": False, "created_at": now}
        for n in range(count)
    ]
    with core.engine.begin() as connection:
        connection.execute(insert(users), rows)
        ids = connection.execute(select(users.c.id).order_by(users.c.id)).scalars().all()
    return [User(i, row["email"], row["username"], row["display_name"], Role.USER, False, now)
            for i, row in zip(ids, rows, strict=True)]


def upvote_papers(core: Paperwire, counts: dict[str, int]) -> None:
    """``counts[arxiv_id]`` upvotes on each paper, from distinct readers."""
    voters = [make_user(core, f"voter{n}@example.org") for n in range(max(counts.values()))]
    for arxiv_id, count in counts.items():
        for voter in voters[:count]:
            core.upvote(voter, arxiv_id, up=True)


def fill_day(core: Paperwire, tmp_path: Path, count: int, day: str = "2026-01-05", *,
             start: int = 0) -> list[str]:
    """``count`` papers announced on ``day``, imported from a snapshot file; ``start``
    numbers them after papers an earlier call made."""
    ids = [f"2601.{index:05d}" for index in range(start, start + count)]
    records = [{
        "id": arxiv_id, "title": f"Paper {index}", "authors": "A. One, B. Two",
        "abstract": "An abstract.", "categories": "cs.LG", "versions": None, "update_date": day,
    } for index, arxiv_id in enumerate(ids, start)]
    core.import_snapshot([write_jsonl(tmp_path / f"fill-{day}-{start}-{count}.jsonl", records)])
    return ids


# -- digests ----------------------------------------------------------------------------


def add_subscribers(core: Paperwire, count: int, *, status: str = "confirmed",
                    frequency: str = "daily", start: int = 0,
                    topics: dict | None = None) -> list[str]:
    """Subscribers in bulk (a factory: straight into the table)."""
    addresses = [f"reader{n:05d}@example.org" for n in range(start, start + count)]
    rows = [
        {"email": a, "email_key": email_key(a), "frequency": frequency, "status": status,
         "topics": topics or {}, "bounces": 0, "created_at": 0, "confirmed_at": 0}
        for a in addresses
    ]
    with core.engine.begin() as connection:
        for first in range(0, len(rows), 2000):
            connection.execute(insert(digest_subscriptions), rows[first : first + 2000])
    return addresses


def trending_papers(core: Paperwire, count: int = 3, *, title: str | None = None,
                    day: date | None = None, start: int = 0) -> list[str]:
    """Papers announced on ``day`` (a test's digest day, taken once from the core's clock
    at its start; by default the digest day now) with upvotes cast that day, so they
    trend in its digest: now, or its last second if the day is over by now (a test
    that runs across midnight). ``start`` numbers them after an earlier call's."""
    day = day or core.digest_day()
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(),
                           tzinfo=ZoneInfo(core.settings.harvest_timezone)).timestamp()
    voted_at = min(core.clock(), end - 1)
    voter = make_user(core, f"voter{start}-{count}@example.org")
    ids = []
    clock, core.clock = core.clock, lambda: voted_at
    try:
        for n in range(start, start + count):
            arxiv_id = make_paper(core, f"2611.{n + 1:05d}", title=title if n == start and title else None,
                                  announced_on=day)
            core.upvote(voter, arxiv_id)
            ids.append(arxiv_id)
    finally:
        core.clock = clock
    return ids


# -- search corpora ---------------------------------------------------------------------


def paper(arxiv_id: str, title: str, abstract: str, *, cats: str = "cs.LG",
          day: str = "2024-03-05", authors: str = "Ada Lovelace", **extra: object) -> dict:
    weekday = "Tue"
    return {
        "id": arxiv_id, "title": title, "abstract": abstract, "authors": authors,
        "categories": cats, "update_date": day,
        "versions": [{"version": "v1", "created": f"{weekday}, {_rfc_day(day)} 10:00:00 GMT"}],
        **extra,
    }


def _rfc_day(day: str) -> str:
    year, month, dom = day.split("-")
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    return f"{int(dom)} {months[int(month) - 1]} {year}"


CORPUS = [
    paper("2401.00001", "Multi-task learning with task-specific heads",
          "We train a shared encoder with task-specific heads for several vision tasks. "
          "Gradient calibration balances the heads.", day="2024-01-10"),
    paper("2401.00002", "Shared encoders and separate output heads for multitask vision",
          "A shared backbone feeds separate output heads, one per objective; we study "
          "multitask vision transfer.", day="2024-02-11", cats="cs.CV"),
    paper("2401.00003", "Black hole entropy from string theory",
          "We count microstates of extremal black holes in string theory and recover the "
          "Bekenstein-Hawking entropy.", cats="hep-th", day="2023-05-01",
          authors="Andrew Strominger, Cumrun Vafa"),
    paper("2401.00004", "Quantum error correction with surface codes",
          "Surface codes protect logical qubits; we decode syndromes with a neural decoder "
          "for quantum error correction.", cats="quant-ph", day="2024-06-01"),
    paper("2401.00005", "Graph neural networks for molecules",
          "Message passing graph neural networks predict molecular properties; task "
          "heads per property share one encoder.", day="2024-04-20", cats="cs.LG"),
    paper("2401.00006", "A duplicate of the black hole paper",
          "We count microstates of extremal black holes in string theory and recover the "
          "Bekenstein-Hawking entropy.", cats="hep-th", day="2023-06-01"),
]


def write_jsonl(path: Path, records: list[dict | str]) -> Path:
    """A snapshot file: one JSON record a line (a string is written as it is: a broken line)."""
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records),
                    encoding="utf-8")
    return path


def load(core: Paperwire, tmp_path: Path, records: list[dict] | None = None) -> Paperwire:
    core.import_snapshot([write_jsonl(tmp_path / "corpus.jsonl", records or CORPUS)])
    core.embed_pending()
    return core


def run_task(core: Paperwire, name: str, *, attempt: int = 1) -> object:
    """A task's body run once, as a runner runs it (deferring nothing): its result line."""
    from paperwire.jobs.tasks import BY_NAME, TaskRun

    return BY_NAME[name].body(core, TaskRun(attempt, lambda _name: None))
