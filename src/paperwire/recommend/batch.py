"""Many readers at once (the digest's path): each reader's relevance for each new
paper as matrix products, not a loop of page-sized scorings. The linear side is one
product of every reader's interest weights with the papers; the nearest side one
product of the *union* of the readers' positives (never more than the corpus) with
the papers, from which each reader gathers its own rows."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from paperwire.recommend.blend import Blend
from paperwire.recommend.model import NEAREST_K, ReaderModel

PAPERS_PER_BLOCK = 512  # papers scored at once: bounds the union's similarity matrix


def score_batch(
    models: Sequence[ReaderModel | None], vectors: np.ndarray, blend: Blend | None = None
) -> np.ndarray:
    """(readers, papers) relevance (``Blend.relevance``; NaN for a reader without a
    model), equal within float tolerance to each model's own ``score``."""
    blend = blend or Blend()
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    out = np.full((len(models), len(vectors)), np.nan, dtype=np.float32)
    present = [(row, m) for row, m in enumerate(models) if m is not None]
    if not present or not len(vectors):
        return out
    rows = [row for row, _ in present]
    trained = [m for _, m in present]
    union, gathers = _union(trained)
    for start in range(0, len(vectors), PAPERS_PER_BLOCK):
        block = vectors[start:start + PAPERS_PER_BLOCK]
        linear = _linear(trained, block)
        nearest = _nearest(trained, union @ block.T, gathers)
        out[rows, start:start + len(block)] = blend.linear * linear + blend.nearest * nearest
    return out


def _linear(models: list[ReaderModel], vectors: np.ndarray) -> np.ndarray:
    """Each reader's best interest's linear score: one product for every interest of
    every reader, then the maximum over each reader's interests."""
    weights = np.vstack([m.weights for m in models])
    offset = np.concatenate([m.bias - m.low for m in models])
    span = np.concatenate([m.span for m in models])
    scores = (vectors @ weights.T + offset) / span  # (papers, interests of all)
    starts = np.cumsum([0] + [m.interests for m in models[:-1]])
    return np.maximum.reduceat(scores, starts, axis=1).T


def _union(models: list[ReaderModel]) -> tuple[np.ndarray, list[np.ndarray]]:
    """The distinct positive vectors of all readers, and each reader's rows into them
    (a paper in two libraries is one row)."""
    row_of: dict[int, int] = {}
    vectors: list[np.ndarray] = []
    gathers = []
    for m in models:
        rows = []
        for pid, vector in zip(m.positive_ids, m.positives, strict=True):
            if pid not in row_of:
                row_of[pid] = len(vectors)
                vectors.append(vector)
            rows.append(row_of[pid])
        gathers.append(np.asarray(rows, dtype=np.intp))
    return np.stack(vectors).astype(np.float32), gathers


def _nearest(models: list[ReaderModel], similarity: np.ndarray, gathers: list[np.ndarray]
             ) -> np.ndarray:
    out = np.empty((len(models), similarity.shape[1]), dtype=np.float32)
    for row, (m, gather) in enumerate(zip(models, gathers, strict=True)):
        own = similarity[gather]
        if m.bonus.any():
            own = own + m.bonus[:, None]
        k = min(NEAREST_K, len(gather))
        out[row] = np.partition(own, len(gather) - k, axis=0)[-k:].mean(axis=0)
    return out
