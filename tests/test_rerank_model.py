"""The sentences reranker with the real bundled model: a paper whose one (late) sentence
says what the query asks beats, on sentence evidence, a paper that matches it loosely
as a whole. Marked ``model`` (run alone with ``pytest -m model``)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import make_settings
from factories import paper, write_jsonl
from paperwire.core import Paperwire
from paperwire.search.rerank import Candidate, RerankStage, SentenceReranker

pytestmark = pytest.mark.model
QUERY = "detecting counterfeit banknotes with convolutional networks"
# The matching sentence comes last, past the 128 tokens the paper's own vector reads.
ONE_SENTENCE = paper("2501.00001", "Notes from an applied imaging workshop", " ".join((
    "This report collects the projects presented at a one-day workshop on applied imaging"
    " held in the spring.",
    "Astronomers described the calibration of wide-field telescope cameras against"
    " standard stars observed over many nights.",
    "A clinical group denoised low-dose MRI scans with wavelet shrinkage and compared"
    " radiologists' readings before and after.",
    "Agronomists monitored crop health from multispectral satellite images over several"
    " seasons and related it to rainfall.",
    "Archaeologists reconstructed pottery fragments from photographs taken in the field"
    " and matched them by their outlines.",
    "Geologists mapped rock strata from drone photographs of cliffs.",
    "One team detected counterfeit banknotes with a convolutional neural network trained"
    " on scanned currency.",
)))
LOOSELY = paper("2501.00002", "Security features of printed money and documents", (
    "Banknotes and other printed documents of value carry security features such as"
    " holograms, watermarks and special inks. We survey how cashiers and inspectors verify"
    " notes and passports by eye and with ultraviolet lamps."
))


@pytest.fixture(scope="module")
def model_core(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Paperwire]:
    configured = os.environ.get("PAPERWIRE_TEST_MODEL_CACHE")
    cache = Path(configured) if configured else tmp_path_factory.mktemp("models")
    directory = tmp_path_factory.mktemp("rerank-model")
    core = Paperwire(make_settings(directory / "data", embedder="onnx", model_cache_dir=cache,
                                   embed_in_background=False))
    core.migrate()
    core.import_snapshot([write_jsonl(directory / "two.jsonl", [ONE_SENTENCE, LOOSELY])])
    core.embed_pending()
    yield core
    core.close()


def candidates(core: Paperwire) -> list[Candidate]:
    """The loose match first, as the papers' own vectors rank them."""
    hits = {hit.paper.arxiv_id: hit.paper for hit in core.search_papers(QUERY).hits}
    ordered = [hits["2501.00002"], hits["2501.00001"]]
    return [Candidate(p.id, p.title, p.abstract, 0.0, rank) for rank, p in enumerate(ordered, 1)]


def test_one_matching_sentence_beats_a_loose_match(model_core):
    found = candidates(model_core)
    whole = model_core.semantic.cosines(QUERY, [c.paper_id for c in found])
    loose, one = found
    assert whole[loose.paper_id] - whole[one.paper_id] > 0.1  # the paper vectors miss it
    by_sentences = SentenceReranker(model_core.semantic, share=1.0).scores(QUERY, found)
    assert by_sentences[1] - by_sentences[0] > 0.02
    stage = RerankStage(SentenceReranker(model_core.semantic, share=1.0), weight=1.0)
    fused = [(loose.paper_id, 0.02), (one.paper_id, 0.01)]
    titles = {c.paper_id: (c.title, c.abstract) for c in found}
    assert stage.apply(QUERY, fused, lambda ids: {i: titles[i] for i in ids})[0][0] == one.paper_id


def test_the_shipped_blend_narrows_the_gap_and_caches_sentences(model_core):
    found = candidates(model_core)
    whole = model_core.semantic.cosines(QUERY, [c.paper_id for c in found])
    reranker = SentenceReranker(model_core.semantic)
    loose, one = reranker.scores(QUERY, found)
    assert (one - loose) - (whole[found[1].paper_id] - whole[found[0].paper_id]) > 0.15
    cached = reranker.sentence_vectors(found)
    assert [len(vectors) for vectors in cached] == [3, 8]  # title + its sentences each
    assert reranker.sentence_vectors(found)[1] is cached[1]  # kept, not embedded again
