"""Extractive one-line summaries on hand-written abstracts: sentences split with care,
one whole sentence of the abstract chosen, cleaned, at most 40 words."""

import os
from pathlib import Path

import pytest

from paperwire.search.embedder import FakeEmbedder, paper_text
from paperwire.summaries.extractive import ExtractiveSummarizer, candidates
from paperwire.summaries.sentences import clean, split_sentences, trim, word_count

TRICKY = (
    r"Learning from few labels is hard, e.g. for robots, as Smith et al. argue. Fig. 2 shows"
    r" 93.5% accuracy on $x. Y$ benchmarks, i.e. better than Eq. 3 predicts. In this paper,"
    r" we propose a \emph{sparse} solver for Schr\"odinger equations that scales to $10^6$"
    r" particles. J. Smith found it fast! Does it generalize? Yes."
)
ABSTRACTS = [
    ("Sparse solvers for many-body Schrödinger equations", TRICKY),
    ("Multi-task learning with task-specific heads",
     "Multi-task models share parameters across tasks. However, heads interfere. In this"
     " paper, we introduce gradient calibration, which balances task-specific heads of a"
     " shared encoder and improves accuracy on five vision benchmarks. Experiments confirm"
     " it. Code is released."),
    ("Black hole entropy",
     "In this paper. We count the microstates of extremal black holes in string theory and"
     " recover the Bekenstein-Hawking entropy exactly, including the first subleading"
     " logarithmic correction, for a large class of four-dimensional supersymmetric"
     " compactifications whose charges are large, which settles a question that has been"
     " open for decades and which many authors have studied with many other methods."),
]


def test_sentences_split_only_at_real_ends():
    assert split_sentences(TRICKY) == [
        "Learning from few labels is hard, e.g. for robots, as Smith et al. argue.",
        "Fig. 2 shows 93.5% accuracy on $x. Y$ benchmarks, i.e. better than Eq. 3 predicts.",
        "In this paper, we propose a sparse solver for Schrödinger equations that scales to"
        " $10^6$ particles.",
        "J. Smith found it fast!", "Does it generalize?", "Yes.",
    ]


def test_cleaning_drops_markup_outside_math():
    assert clean(r"A \textbf{bold} {\em claim}~\cite{x} with $\alpha_{i}$ and \url{a.b}.") == (
        r"A bold claim with $\alpha_{i}$ and a.b.")


def test_trim_cuts_at_a_clause_with_an_ellipsis():
    long = "We show " + " ".join(f"w{i}" for i in range(20)) + ", and " + " ".join(
        f"v{i}" for i in range(40)) + "."
    cut = trim(long)
    assert cut.endswith("…")
    assert word_count(cut) <= 40
    assert cut == "We show " + " ".join(f"w{i}" for i in range(20)) + "…"
    assert trim("$a b c d$ " * 3, max_words=2) == "$a b c d$ $a b c d$…"  # math stays whole


def test_fragments_are_marked():
    pool = candidates("T", "In this paper. We study a thing that matters a lot here.")
    assert [c.fragment for c in pool] == [True, False]


def _check(summarizer):
    vectors = summarizer.embedder.embed([paper_text(t, a) for t, a in ABSTRACTS])
    chosen = summarizer.summarize_many([(t, a, v) for (t, a), v in zip(ABSTRACTS, vectors, strict=True)])
    for (_, abstract), summary in zip(ABSTRACTS, chosen, strict=True):
        sentences = split_sentences(abstract)
        assert word_count(summary) <= 40 + 1
        assert summary in sentences or (
            summary.endswith("…") and any(s.startswith(summary[:-1]) for s in sentences))
        assert word_count(summary) >= 6
        assert not summary.startswith("In this paper.")
    return chosen


def test_extractive_summaries_with_the_fake_embedder():
    chosen = _check(ExtractiveSummarizer(FakeEmbedder()))
    assert chosen[2].endswith("…")  # the one long sentence, trimmed
    assert ExtractiveSummarizer(FakeEmbedder()).summarize_many([("T", "", None)]) == [None]


@pytest.mark.skipif(os.environ.get("PAPERWIRE_SKIP_MODEL") == "1", reason="no model wanted")
def test_extractive_summaries_with_the_bundled_model(tmp_path_factory):
    from paperwire.search.onnx_embedder import OnnxEmbedder

    cache = os.environ.get("PAPERWIRE_TEST_MODEL_CACHE")
    embedder = OnnxEmbedder(cache_dir=Path(cache) if cache else tmp_path_factory.mktemp("m"))
    chosen = _check(ExtractiveSummarizer(embedder))
    assert "propose" in chosen[0] or "introduce" in chosen[1]  # a contribution is stated
