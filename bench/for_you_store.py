"""A synthetic store with readers, for the For-you benchmarks (bench/for_you_page.py,
bench/recommend.py speed).

The papers are bench/search.py's synthetic ones (vocabulary text, CLUSTERED SYNTHETIC
vectors, one author each), built once under /work/scratch and reused. Readers get
topical libraries: each has 1-3 interests, an interest being a random paper and its
nearest neighbours in the store's vector index, so clustering finds real interests.

- ``page_readers``: a few readers through the product's own verbs (library import of a
  plain list, upvotes, a followed author), with a session and an API token each;
- ``digest_readers``: thousands of readers written in bulk (users and library entries
  straight into their tables, as bench/search.py writes papers), for the digest's path.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
STORE = Path("/work/scratch/for-you-scale/store-100k")


def ensure_papers(directory: Path, n: int) -> None:
    """The synthetic papers, their vector and keyword indexes, plus ``paper_authors``
    (bench/search.py writes papers straight into their table, which leaves the author
    index empty)."""
    from sqlalchemy import func, insert, select

    import search
    from paperwire.authors import author_key
    from paperwire.db.tables import paper_authors, papers

    search.build_store(directory, n)
    search.ensure_text_index(directory)  # the reader's words are scored in it
    core = search.bench_core(directory)
    with core.engine.begin() as connection:
        if connection.execute(select(func.count()).select_from(paper_authors)).scalar_one():
            return
        rows = connection.execute(select(papers.c.id, papers.c.authors)).all()
        connection.execute(insert(paper_authors), [
            {"paper_id": pid, "position": 0, "author_key": author_key(names[0]),
             "surname": author_key(names[0]).split()[-1], "name": names[0]}
            for pid, names in rows])
    core.close()


def topical_library(core, rng: np.random.Generator, size: int, top: int) -> list[int]:  # type: ignore[no-untyped-def]
    """``size`` paper ids around 1-3 random seed papers (their nearest neighbours)."""
    index = core.semantic.index
    interests = int(rng.integers(1, 4))
    chosen: dict[int, None] = {}
    for seed in rng.integers(1, top + 1, interests):
        vector = index.vectors([int(seed)]).get(int(seed))
        if vector is None:
            continue
        want = -(-size // interests)
        for pid, _ in index.search(vector, want * 2)[:want]:
            chosen[pid] = None
    return list(chosen)[:size]


def paper_facts(directory: Path, ids: list[int]) -> dict[int, tuple[str, str]]:
    """Paper id → (arXiv id, first author), read from the store's file."""
    import sqlite3

    with sqlite3.connect(directory / "paperwire.db") as connection:
        rows = connection.execute(
            f"SELECT id, arxiv_id, authors FROM papers WHERE id IN ({','.join('?' * len(ids))})",
            ids).fetchall()
    return {pid: (arxiv, json.loads(authors)[0]) for pid, arxiv, authors in rows}


def page_readers(directory: Path, sizes: list[int]) -> list[dict]:
    """Readers with libraries of ``sizes`` papers, 10 upvotes each on recent papers
    (so trending is not empty) and one followed author; cached in readers.json."""
    import search
    from paperwire.community import accounts
    from paperwire.db.session import write_transaction

    cache = directory / "page-readers.json"
    if cache.exists():
        return json.loads(cache.read_text())
    core = search.bench_core(directory)
    rng = np.random.default_rng(11)
    top = len(core.semantic.index)
    found = []
    for number, size in enumerate(sizes):
        user = core.add_user(f"page-reader-{number}@example.org")
        ids = topical_library(core, rng, size, top)
        voted = [int(pid) for pid in rng.integers(top - 2000, top + 1, 10)]
        facts = paper_facts(directory, ids + voted)
        arxiv = "\n".join(facts[pid][0] for pid in ids)
        core.import_library(user.id, [("library.txt", arxiv.encode())], fetch=False)
        for pid in voted:
            core.upvote(user, facts[pid][0], up=True)
        core.follow_author(user, facts[ids[0]][1])
        with write_transaction(core.engine) as connection:
            session = accounts.start_session(connection, user.id, now=int(time.time()),
                                             ttl_s=30 * 86_400)
        token = core.create_api_token(user, "bench").secret
        found.append({"user_id": user.id, "library": size, "session": session, "token": token})
    core.close()
    cache.write_text(json.dumps(found))
    return found


def digest_readers(directory: Path, count: int, *, low: int = 5, high: int = 40) -> list[int]:
    """``count`` readers (ids) with topical libraries of ``low``-``high`` papers, written
    in bulk; cached by count."""
    from sqlalchemy import insert, select

    import search
    from paperwire.db.tables import library_entries, users

    cache = directory / f"digest-readers-{count}.json"
    if cache.exists():
        return json.loads(cache.read_text())
    core = search.bench_core(directory)
    rng = np.random.default_rng(13)
    top, now = len(core.semantic.index), int(time.time())
    tag = f"d{count}"
    with core.engine.begin() as connection:
        connection.execute(insert(users), [
            {"email": f"{tag}-{n}@example.org", "email_key": f"{tag}-{n}@example.org",
             "username": f"{tag}-{n}", "display_name": f"Reader {n}", "role": "user",
             "banned": False, "created_at": now} for n in range(count)])
        ids = connection.execute(select(users.c.id).where(users.c.username.like(f"{tag}-%"))
                                 .order_by(users.c.id)).scalars().all()
    rows = []
    for user_id in ids:
        library = topical_library(core, rng, int(rng.integers(low, high + 1)), top)
        rows += [{"user_id": user_id, "paper_id": pid, "source": "list", "source_key": str(pid),
                  "added_at": now} for pid in library]
    with core.engine.begin() as connection:
        for start in range(0, len(rows), 20_000):
            connection.execute(insert(library_entries), rows[start:start + 20_000])
    core.close()
    cache.write_text(json.dumps(list(ids)))
    return list(ids)
