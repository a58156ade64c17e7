"""Concept extraction: candidate phrases, diversity, and what is stored per paper."""

from paperwire.search.concepts import ConceptExtractor, candidates
from paperwire.search.embedder import FakeEmbedder, paper_text

TITLE = "Multi-task learning with task-specific heads"
ABSTRACT = (
    "We propose a multi-task learning framework in which a shared encoder feeds "
    "task-specific heads. Gradient calibration balances the task-specific heads, and "
    "gradient calibration improves transfer on dense prediction benchmarks."
)


def test_candidates_are_content_phrases_as_written():
    keys = {c.key: c.surface for c in candidates(TITLE, ABSTRACT)}
    assert "task-specific heads" in keys
    assert "gradient calibration" in keys
    assert keys["gradient calibration"] == "Gradient calibration"  # first spelling kept
    assert not any(key.split()[0] in {"we", "the", "propose", "a"} for key in keys)


def test_candidates_leave_out_tex_function_words_and_trailing_participles():
    keys = {c.key for c in candidates(
        r"Semi-supervised \textbf{O}ptimization of \texttt{graph} kernels",
        "The latter often cannot scale. Sensor data collected across cities trains the "
        "kernels towards faster graph kernels, at hundred-fold speed.",
    )}
    assert "semi-supervised optimization" in keys  # braces joined, not split
    assert not any(word in key.split() for key in keys
                   for word in ("textbf", "texttt", "ptimization", "latter", "often",
                                "cannot", "across", "towards"))
    assert "sensor data" in keys
    assert "sensor data collected" not in keys
    kept = {c.key for c in candidates("Inference speed of a shared thread", "")}
    assert {"inference speed", "shared thread"} <= kept  # nouns ending in -ed stay
    clauses = {c.key for c in candidates(
        "Sparse kernels", "Pruning effectively accelerating training; sparsity remains "
        "underexplored; kernels achieve lower latency.")}
    assert "effectively accelerating training" not in clauses
    assert "accelerating training" in clauses
    assert not any(key.endswith("underexplored") or key.startswith("achieve")
                   for key in clauses)
    assert "lower latency" in clauses


def test_repeated_and_title_phrases_rank_first():
    top = [c.key for c in candidates(TITLE, ABSTRACT)[:4]]
    assert "task-specific heads" in top


def test_extraction_picks_three_to_six_diverse_phrases():
    embedder = FakeEmbedder()
    vector = embedder.embed([paper_text(TITLE, ABSTRACT)])[0]
    concepts = ConceptExtractor(embedder).extract(TITLE, ABSTRACT, vector)
    assert 3 <= len(concepts) <= 6
    lowered = [c.lower() for c in concepts]
    assert len(set(lowered)) == len(lowered)
    for i, first in enumerate(lowered):  # no phrase half-contained in another
        for second in lowered[i + 1 :]:
            shared = set(first.split()) & set(second.split())
            assert len(shared) * 2 < min(len(first.split()), len(second.split()))


def test_a_batch_gets_what_one_paper_at_a_time_gets_with_one_model_call():
    class Counting(FakeEmbedder):
        calls = 0

        def embed(self, texts):
            Counting.calls += 1
            return super().embed(texts)

    papers = [(TITLE, ABSTRACT), ("Surface codes", "Surface codes protect logical qubits "
              "against noise; a neural decoder reads syndromes of surface codes."), ("On", "")]
    embedder = Counting()
    items = [(t, a, embedder.embed([paper_text(t, a)])[0]) for t, a in papers]
    one_by_one = [ConceptExtractor(embedder).extract(*item) for item in items]
    Counting.calls = 0
    assert ConceptExtractor(embedder).extract_many(items) == one_by_one
    assert Counting.calls == 1


def test_empty_abstract_gives_few_or_no_concepts():
    embedder = FakeEmbedder()
    vector = embedder.embed(["On"])[0]
    assert ConceptExtractor(embedder).extract("On", "", vector) == []


def test_stored_concepts_link_to_searches(core, tmp_path):
    from factories import load

    load(core, tmp_path)
    concepts = core.paper_concepts("2401.00001")
    assert 3 <= len(concepts) <= 8
    results = core.search_papers(concepts[0])
    assert "2401.00001" in [hit.paper.arxiv_id for hit in results.hits]
