"""For-you models trained by the `retrain_for_you` task and stored (reader_models), so a
page view on any host reads one instead of training: stale readers in batches (the task
queues itself while more are stale), a signal making a reader stale again, a fresh host
serving a stored model. Both backends."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from factories import make_user
from paperwire.core import Paperwire
from paperwire.jobs.tasks import BY_NAME, TaskRun, wanted_tasks
from test_for_you import arxiv_id, corpus, library

__all__ = ["corpus"]


def run_retrain(core: Paperwire) -> tuple[object, list[str]]:
    deferred: list[str] = []
    result = BY_NAME["retrain_for_you"].body(core, TaskRun(1, deferred.append))
    return result, deferred


@pytest.fixture
def fresh_host(corpus: Paperwire, tmp_path: Path) -> Iterator[Paperwire]:
    """Another web host: the same store, its own (empty, never synced) indexes."""
    host = Paperwire(corpus.settings.model_copy(update={
        "data_dir": tmp_path / "fresh-host",
        "database_url": corpus.settings.resolved_database_url}))
    yield host
    host.close()


def test_the_task_trains_stale_readers_in_batches_and_a_fresh_host_reads_them(
    corpus: Paperwire, fresh_host: Paperwire
) -> None:
    assert "retrain_for_you" in {spec.name for spec in wanted_tasks(corpus.settings)}
    readers = [make_user(corpus, f"reader{n}@example.org").id for n in range(3)]
    for n, reader in enumerate(readers):
        library(corpus, reader, arxiv_id("graph", n), arxiv_id("quantum", n))
    corpus.settings.jobs_for_you_batch = 2
    assert run_retrain(corpus) == ("2 readers retrained, 1 stale", ["retrain_for_you"])
    assert run_retrain(corpus) == ("1 readers retrained, 0 stale", [])
    assert run_retrain(corpus) == ("0 readers retrained, 0 stale", [])

    # The fresh host's vector index is empty: training there would find no vectors and
    # give no model. It serves the stored one, the same as the trainer's.
    assert len(fresh_host.semantic.index) == 0
    served = fresh_host.reader_model(readers[0])
    trained = corpus.reader_model(readers[0])
    assert served is not None
    assert trained is not None
    assert np.allclose(served.weights, trained.weights)
    assert served.positive_ids == trained.positive_ids

    library(corpus, readers[1], arxiv_id("galaxy", 0))  # their signals move on: stale
    assert run_retrain(corpus) == ("1 readers retrained, 0 stale", [])
    assert fresh_host.reader_model(readers[1]).positive_ids == \
        corpus.reader_model(readers[1]).positive_ids
    assert len(corpus.reader_model(readers[1]).positive_ids) == 3


def test_a_reader_with_no_model_yet_is_retrained_once_the_index_grows(
    corpus: Paperwire
) -> None:
    from factories import make_paper

    reader = make_user(corpus, "late@example.org").id
    make_paper(corpus, "2402.00001", title="Graph networks not embedded yet",
               abstract="graph neural networks message passing")
    library(corpus, reader, "2402.00001")
    assert run_retrain(corpus)[0] == "1 readers retrained, 0 stale"
    assert corpus.reader_model(reader) is None  # its one paper has no vector yet
    corpus.embed_pending()
    assert run_retrain(corpus)[0] == "1 readers retrained, 0 stale"  # at once, not in an hour
    assert corpus.reader_model(reader) is not None
