"""Embedding batches claim their papers (db/embedding_claims.py), so embedders run at once
without doing a paper twice: disjoint claims newest first, expired and dead claims free
again, embedders side by side in threads and in another process. Both backends."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, insert, select

from factories import make_paper
from paperwire.core import Paperwire
from paperwire.db import embedding_claims as claims
from paperwire.db.session import write_transaction
from paperwire.db.tables import change_log, embedding_claims, paper_embeddings, papers
from paperwire.search.embedder import FakeEmbedder
from paperwire.search.indexing import EmbedReport
from paperwire.search.semantic import SemanticSearcher
from paperwire.search.service import SearchIndexer
from servers import held_elsewhere, wait_until_freed

MODEL = "fake-hash"


def stored(core: Paperwire, count: int) -> list[int]:
    """``count`` papers, one a day apart; their ids newest first."""
    for n in range(count):
        make_paper(core, f"2602.{n + 1:05d}", abstract=f"Topic {n} and words {n * 7}.",
                   announced_on=datetime(2026, 2, 1, tzinfo=UTC).date() + timedelta(days=n))
    with core.engine.connect() as connection:
        return list(connection.execute(
            select(papers.c.id).order_by(papers.c.announced_on.desc(), papers.c.id.desc())
        ).scalars())


def claim(core: Paperwire, owner: str, limit: int, *, lease_s: float = 600) -> list[int]:
    now = datetime.now(UTC)
    with write_transaction(core.engine) as connection:
        rows = claims.claim(connection, MODEL, owner=owner, limit=limit, now=now,
                            expires_at=now + timedelta(seconds=lease_s))
    return [row.id for row in rows]


def embeddings_per_paper(core: Paperwire) -> dict[int, int]:
    with core.engine.connect() as connection:
        return dict(connection.execute(
            select(change_log.c.paper_id, func.count()).where(change_log.c.kind == "embedding")
            .group_by(change_log.c.paper_id)
        ).all())


def claim_rows(core: Paperwire) -> list[Any]:
    with core.engine.connect() as connection:
        return list(connection.execute(select(embedding_claims)))


def test_claims_are_disjoint_newest_first_and_free_again_once_expired(core: Paperwire) -> None:
    newest_first = stored(core, 8)
    assert claim(core, "embedder-a", 3) == newest_first[:3]
    assert claim(core, "embedder-b", 3) == newest_first[3:6]
    assert claim(core, "embedder-c", 5) == newest_first[6:]
    assert claim(core, "embedder-d", 5) == []  # all held
    with write_transaction(core.engine) as connection:  # a's lease ran out (it hung)
        connection.execute(embedding_claims.update()
                           .where(embedding_claims.c.owner == "embedder-a")
                           .values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    assert claim(core, "embedder-d", 5) == newest_first[:3]
    with write_transaction(core.engine) as connection:
        # a finishes late: the papers are d's now, a writes none of them
        assert claims.finish(connection, MODEL, owner="embedder-a", ids=newest_first[:3]) == set()
        assert claims.finish(connection, MODEL, owner="embedder-d",
                             ids=newest_first[:3]) == set(newest_first[:3])
    with core.engine.connect() as connection:
        assert sorted(claims.owners(connection, MODEL)) == ["embedder-b", "embedder-c"]


def test_two_embedders_at_once_embed_every_paper_exactly_once(core: Paperwire) -> None:
    stored(core, 40)
    core.settings.embed_batch_size = 3
    indexer = core.indexer
    assert indexer is not None
    indexer.batch_size = 3
    reports: list[EmbedReport] = []
    errors: list[BaseException] = []

    def embed() -> None:
        try:
            reports.append(indexer.embed_pending())
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=embed) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    assert sum(report.embedded for report in reports) == 40
    assert core.pending_embeddings() == 0
    per_paper = embeddings_per_paper(core)
    assert len(per_paper) == 40
    assert set(per_paper.values()) == {1}
    assert claim_rows(core) == []  # every claim dropped with its batch's write
    assert len(core.semantic.index) == 40  # the index took both embedders' vectors


def test_a_live_embedder_keeps_its_claims_and_a_dead_ones_are_free_at_once(
    core: Paperwire
) -> None:
    newest_first = stored(core, 6)
    with held_elsewhere(core, "embedder-elsewhere00") as holder:
        now = datetime.now(UTC)
        with write_transaction(core.engine) as connection:
            connection.execute(insert(embedding_claims), [
                {"paper_id": paper_id, "model": MODEL, "owner": "embedder-elsewhere00",
                 "expires_at": now + timedelta(hours=1)} for paper_id in newest_first[:2]
            ])
        report = core.embed_pending()  # the other embedder is alive: its two stay its own
        assert report.embedded == 4
        assert core.pending_embeddings() == 2
        assert core.unclaimed_embeddings() == 0
        holder.kill_9()  # it dies mid-batch, its claims left behind
        wait_until_freed(core, "embedder-elsewhere00")
        assert core.unclaimed_embeddings() == 2  # what a periodic job sees: free at once
        assert core.embed_pending().embedded == 2  # no lease to wait out
    assert core.pending_embeddings() == 0
    assert claim_rows(core) == []
    assert set(embeddings_per_paper(core).values()) == {1}


class FailingEmbedder(FakeEmbedder):
    """The fake model, falling over on every batch."""

    def embed(self, texts: Any) -> Any:
        raise RuntimeError("the model fell over")


def test_a_failing_batch_gives_its_claims_back(core: Paperwire, tmp_path: Path) -> None:
    stored(core, 4)
    failing = SearchIndexer(core.engine, SemanticSearcher(FailingEmbedder(), tmp_path / "v", exact_max=100),
                            batch_size=2)
    with pytest.raises(RuntimeError, match="fell over"):
        failing.embed_pending()
    assert claim_rows(core) == []
    assert core.unclaimed_embeddings() == 4
    assert core.embed_pending().embedded == 4
    with core.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(paper_embeddings)
                                  ).scalar_one() == 4
