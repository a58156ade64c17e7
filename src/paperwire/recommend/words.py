"""The reader's words: a second view of their papers, beside the vectors.

Five papers on one topic share words the small model does not weigh: the names of
methods, datasets and objects. The terms that weigh most in the reader's recent
positives (search's RM3 rule, ``search/expansion.py``: each term's share of a paper's
words, summed, times its inverse document frequency) score every candidate by BM25 in
the keyword index, on the reader's own scale: 1 is what their own papers score on
average, and a candidate is capped at ``CAP`` (a paper repeating the terms is not
therefore better than one of the reader's own). Measured on the persona benchmark
(bench/recommend.py, docs/benchmarks.md): +0.02 nDCG@10 on single-interest readers,
+0.04 on two-interest ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

MOST_POSITIVES = 50  # the reader's most recent positives the terms come from
CAP = 1.5

Terms = tuple[tuple[str, float], ...]


class TermIndex(Protocol):
    def expansion_terms(self, texts: Sequence[str]) -> list[tuple[str, float]]: ...

    def term_scores(self, terms: Sequence[tuple[str, float]], ids: Sequence[int]
                    ) -> dict[int, float]: ...


def reader_terms(index: TermIndex, texts: Sequence[str]) -> Terms:
    """The weighted terms of the reader's papers' texts (title and abstract)."""
    return tuple(index.expansion_terms(texts)) if texts else ()


def word_scores(index: TermIndex, terms: Terms, ids: Sequence[int],
                positives: Sequence[int]) -> np.ndarray:
    """Each of ``ids``' score for ``terms`` over the mean score of ``positives`` (the
    papers the terms came from), capped at ``CAP``; zeros without terms."""
    if not terms or not len(ids):
        return np.zeros(len(ids), dtype=np.float32)
    found = index.term_scores(terms, [*ids, *positives])
    own = [found[pid] for pid in positives if pid in found]
    scale = float(np.mean(own)) if own else max(found.values(), default=0.0)
    if scale <= 0:
        return np.zeros(len(ids), dtype=np.float32)
    scores = np.asarray([found.get(pid, 0.0) for pid in ids], dtype=np.float32) / scale
    return np.minimum(scores, CAP)
