"""Many readers at once (the digest's path): each reader's relevance for each new
paper, as matrix products rather than a loop of page-sized scorings."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from paperwire.recommend.blend import Blend
from paperwire.recommend.model import ReaderModel, nearest_mean

READERS_PER_BLOCK = 256


def score_batch(
    models: Sequence[ReaderModel | None], vectors: np.ndarray, blend: Blend | None = None
) -> np.ndarray:
    """(readers, papers) relevance (``Blend.relevance``; NaN for a reader without a model)."""
    blend = blend or Blend()
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    out = np.full((len(models), len(vectors)), np.nan, dtype=np.float32)
    for start in range(0, len(models), READERS_PER_BLOCK):
        block = [(i, m) for i, m in enumerate(models[start:start + READERS_PER_BLOCK], start)
                 if m is not None]
        if block:
            out[[i for i, _ in block]] = _block(block, vectors, blend)
    return out


def _block(block: list[tuple[int, ReaderModel]], vectors: np.ndarray, blend: Blend) -> np.ndarray:
    weights = np.stack([m.weights for _, m in block])
    bias = np.asarray([m.bias for _, m in block], dtype=np.float32)
    low = np.asarray([m.scale[0] for _, m in block], dtype=np.float32)
    span = np.asarray([max(m.scale[1] - m.scale[0], 1e-6) for _, m in block], dtype=np.float32)
    linear = ((weights @ vectors.T) + (bias - low)[:, None]) / span[:, None]
    nearest = _nearest(block, vectors)
    return blend.linear * linear + blend.nearest * nearest


def _nearest(block: list[tuple[int, ReaderModel]], vectors: np.ndarray) -> np.ndarray:
    """Each reader's ``nearest`` for each paper: positives padded to the block's largest
    library (padding at −inf never counts among the closest)."""
    most = max(len(m.positives) for _, m in block)
    padded = np.zeros((len(block), most, vectors.shape[1]), dtype=np.float32)
    bonus = np.full((len(block), most), -np.inf, dtype=np.float32)
    for row, (_, m) in enumerate(block):
        padded[row, : len(m.positives)] = m.positives
        bonus[row, : len(m.positives)] = m.bonus
    similarity = np.matmul(padded, vectors.T) + bonus[:, :, None]  # (readers, most, papers)
    if most == 1:
        return similarity[:, 0]
    counts = np.asarray([len(m.positives) for _, m in block])
    result = nearest_mean(np.moveaxis(similarity, 1, 2))
    single = counts == 1
    if single.any():  # a one-paper library's nearest is that paper's cosine alone
        result[single] = similarity[single, 0]
    return result
