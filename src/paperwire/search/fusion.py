"""Fuse ranked lists (keyword, semantic) into one ranking.

Reciprocal rank fusion (Cormack et al. 2009) scores a paper ``sum(1 / (k + rank))``
over the lists it appears in; it ignores the scales of BM25 and cosine, which
differ per query. ``weighted`` blends scores normalised per query instead. Both
are measured on bench/relevance (docs/benchmarks.md); RRF is the default.
"""

from __future__ import annotations

from collections.abc import Sequence

from paperwire.search.analysis import Weights

RRF_K = 60
KEYWORD_WEIGHT = 1.0
SEMANTIC_WEIGHT = 1.0
BLEND = 0.5  # weighted: share of the semantic score


Ranked = Sequence[tuple[int, float]]


def rrf(
    keyword: Ranked, semantic: Ranked, *, k: int = RRF_K,
    weights: Weights | None = None,
) -> list[tuple[int, float]]:
    """``sum(weight / (k + rank))``; ``weights`` per query (``analysis``), else equal."""
    weights = weights or Weights(KEYWORD_WEIGHT, SEMANTIC_WEIGHT)
    scores: dict[int, float] = {}
    for weight, ranked in ((weights.keyword, keyword), (weights.semantic, semantic)):
        for rank, (paper_id, _) in enumerate(ranked, start=1):
            scores[paper_id] = scores.get(paper_id, 0.0) + weight / (k + rank)
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


def with_extra(
    fused: Ranked, extra: Ranked, weight: float, *, k: int = RRF_K
) -> list[tuple[int, float]]:
    """A fused ranking joined by one more list, each by ``weight / (k + rank)``: the
    fused list weighs 1 by its rank, so the extra list can only reorder, never replace."""
    scores: dict[int, float] = {}
    for list_weight, ranked in ((1.0, fused), (weight, extra)):
        for rank, (paper_id, _) in enumerate(ranked, start=1):
            scores[paper_id] = scores.get(paper_id, 0.0) + list_weight / (k + rank)
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


def _normalised(ranked: Ranked) -> dict[int, float]:
    if not ranked:
        return {}
    values = [score for _, score in ranked]
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    return {paper_id: (score - low) / span for paper_id, score in ranked}


def weighted(keyword: Ranked, semantic: Ranked, *, blend: float = BLEND) -> list[tuple[int, float]]:
    """Min-max normalised scores, blended; a list a paper is missing from counts 0."""
    kw, sem = _normalised(keyword), _normalised(semantic)
    scores = {
        paper_id: (1 - blend) * kw.get(paper_id, 0.0) + blend * sem.get(paper_id, 0.0)
        for paper_id in kw.keys() | sem.keys()
    }
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


def fuse(
    method: str, keyword: Ranked, semantic: Ranked, weights: Weights | None = None
) -> list[tuple[int, float]]:
    if not semantic:
        return list(keyword)
    if not keyword:
        return list(semantic)
    if method == "weighted":
        return weighted(keyword, semantic)
    return rrf(keyword, semantic, weights=weights)
