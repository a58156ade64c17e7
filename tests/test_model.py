"""The real embedding model (bundled all-MiniLM-L6-v2, ONNX Runtime int8) on a small slice.

Marked ``model``: run alone with ``pytest -m model``; CI runs them with the rest.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from conftest import SAMPLE, make_settings
from paperwire.core import Paperwire
from paperwire.search.embedder import paper_text

pytestmark = pytest.mark.model
SLICE_EVERY = 100
KNOWN = {"1810.04805", "0704.0001", "hep-th/9901001", "2101.10016"}


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    configured = os.environ.get("PAPERWIRE_TEST_MODEL_CACHE")
    return Path(configured) if configured else tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def model_core(tmp_path_factory: pytest.TempPathFactory, model_cache: Path) -> Iterator[Paperwire]:
    """~330 real papers, embedded by the real model, on SQLite."""
    directory = tmp_path_factory.mktemp("model-store")
    target = directory / "slice.jsonl"
    with SAMPLE.open() as source, target.open("w") as sink:
        for number, line in enumerate(source):
            if number % SLICE_EVERY == 0 or json.loads(line)["id"] in KNOWN:
                sink.write(line)
    core = Paperwire(make_settings(directory / "data", embedder="onnx",
                                   model_cache_dir=model_cache))
    core.migrate()
    core.import_snapshot([target])
    started = time.perf_counter()
    report = core.embed_pending()
    core.embed_seconds = time.perf_counter() - started  # type: ignore[attr-defined]
    assert report.embedded == core.stats().papers
    yield core
    core.close()


def test_model_vectors_are_unit_length_and_meaningful(model_core):
    embedder = model_core.semantic.embedder
    assert embedder.dim == 384
    vectors = embedder.embed([
        "a neural network for image classification",
        "convolutional networks that recognise pictures",
        "the thermal history of the early universe",
    ])
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2


def test_semantic_search_finds_bert_by_meaning(model_core):
    results = model_core.search_papers("pretrained bidirectional language model for NLP tasks")
    top = [hit.paper.arxiv_id for hit in results.hits[:5]]
    assert "1810.04805" in top
    bert = next(hit for hit in results.hits if hit.paper.arxiv_id == "1810.04805")
    assert bert.similarity is not None
    assert bert.similarity > 0.4


def test_concepts_of_known_abstracts(model_core):
    bert = [c.lower() for c in model_core.paper_concepts("1810.04805")]
    assert "bert" in bert
    assert any("bidirectional" in c for c in bert)
    strings = [c.lower() for c in model_core.paper_concepts("hep-th/9901001")]
    assert any("heterotic string" in c for c in strings)
    diphoton = [c.lower() for c in model_core.paper_concepts("0704.0001")]
    assert any("diphoton" in c for c in diphoton)


def test_similar_papers_are_on_topic(model_core):
    similar = model_core.similar_papers("hep-th/9901001", limit=5)
    assert similar
    assert "hep-th/9901001" not in [item.paper.arxiv_id for item in similar]
    nearest = similar[0].paper  # the slice is mostly machine learning; physics comes first
    assert nearest.primary_category.startswith(("hep", "gr-qc", "math", "quant-ph", "physics"))


def test_query_embedding_is_fast(model_core):
    embedder = model_core.semantic.embedder
    embedder.embed_query("warm up")
    started = time.perf_counter()
    for _ in range(20):
        embedder.embed_query("task-specific heads for multitask learning")
    assert (time.perf_counter() - started) / 20 < 0.1  # generous: shared 2-core machine


def test_text_is_the_title_and_abstract():
    assert paper_text("A  title.", " An\nabstract ") == "A title. An abstract"
