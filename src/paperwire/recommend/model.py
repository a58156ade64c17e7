"""A reader's model: what their signals say about any paper vector.

Two views of the reader's positives, each good where the other is weak:

* a **linear direction** — ridge regression of the positives (target 1) against the
  corpus (target 0, a fixed sample standing in for "everything else") and the reader's
  not-interested papers (target −1), in closed form. The corpus side enters only
  through its Gram matrix, computed once per index (``Background``), so training is
  one (d+1)×(d+1) solve: a few milliseconds whatever the library's size. It is
  arxiv-sanity-lite's per-reader SVM, but with a squared loss, so it needs no
  iterations and no pass over the corpus.
* **nearest-positive similarity** — the mean cosine to the two closest positives
  (a more-like-this paper's cosine gets a bonus; one positive: its cosine). A library
  of three unrelated interests has a centroid near none of them; the nearest
  positives always are one of them, and two of them rather than one keep a single
  odd library paper from pulling its whole neighbourhood up.

``score`` returns both, put on one scale: ``linear`` is 0 for a typical corpus paper
and 1 for a typical positive; ``nearest`` is a cosine. How they are blended with the
community's ranking is ``recommend/blend.py``'s rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

RIDGE = 1e-2  # λ on the weights (not the bias), in units of the background's total weight
POSITIVE_MASS = 1.0  # total weight of the positives against the background's (1.0)
NEGATIVE_MASS = 0.5  # total weight of the not-interested papers
NEGATIVE_TARGET = -1.0
NEAREST_BONUS = 0.05  # added to a positive's cosine per unit of weight above 1
NEAREST_K = 2  # the closest positives averaged


@dataclass(frozen=True, slots=True)
class Background:
    """The corpus as the linear model sees it: the Gram matrix of a sample of paper
    vectors with a bias column, its mean, and the sample itself (for scoring's scale)."""

    gram: np.ndarray  # (d+1, d+1): Σ x̃ x̃ᵀ / n over the sample, x̃ = [x, 1]
    mean: np.ndarray  # (d,)
    sample: np.ndarray  # (n, d)

    @classmethod
    def of(cls, sample: np.ndarray) -> Background:
        sample = np.asarray(sample, dtype=np.float32)
        augmented = _with_bias(sample).astype(np.float64)
        gram = augmented.T @ augmented / max(len(sample), 1)
        return cls(gram=gram, mean=sample.mean(axis=0), sample=sample)

    @property
    def dim(self) -> int:
        return int(self.mean.shape[0])


@dataclass(frozen=True, slots=True)
class Components:
    """Per candidate: the linear score on its 0–1 scale, the mean cosine (with bonus)
    of the ``NEAREST_K`` closest positives, which positive is closest (an index into
    ``ReaderModel.positive_ids``), and the closest not-interested paper's cosine (0
    without any)."""

    linear: np.ndarray
    nearest: np.ndarray
    nearest_index: np.ndarray
    negative: np.ndarray


@dataclass(frozen=True, slots=True)
class ReaderModel:
    weights: np.ndarray  # (d,)
    bias: float
    scale: tuple[float, float]  # linear score of the background's mean, of the positives' mean
    positive_ids: tuple[int, ...]
    positives: np.ndarray  # (p, d), unit rows
    bonus: np.ndarray  # (p,)
    negatives: np.ndarray  # (q, d)

    @property
    def direction(self) -> np.ndarray:
        """The unit vector the linear model prefers: a vector index query for candidates."""
        norm = float(np.linalg.norm(self.weights))
        return self.weights / norm if norm > 0 else self.weights

    def score(self, vectors: np.ndarray) -> Components:
        vectors = np.asarray(vectors, dtype=np.float32)
        raw = vectors @ self.weights.astype(np.float32) + self.bias
        low, high = self.scale
        linear = (raw - low) / max(high - low, 1e-6)
        similarity = vectors @ self.positives.T + self.bonus
        nearest_index = similarity.argmax(axis=1)
        nearest = nearest_mean(similarity)
        negative = (
            (vectors @ self.negatives.T).max(axis=1) if len(self.negatives)
            else np.zeros(len(vectors), dtype=np.float32)
        )
        return Components(linear, nearest, nearest_index, negative)


def train(
    background: Background, positives: Mapping[int, float], vectors: Mapping[int, np.ndarray],
    negatives: Mapping[int, np.ndarray] | None = None,
) -> ReaderModel | None:
    """The reader's model from their positives (paper id → weight) and the vectors of
    those and of their not-interested papers; None without a positive that has a vector."""
    ids = tuple(pid for pid in positives if pid in vectors)
    if not ids:
        return None
    matrix = np.stack([vectors[pid] for pid in ids]).astype(np.float32)
    weight = np.asarray([positives[pid] for pid in ids], dtype=np.float64)
    negative_matrix = (
        np.stack(list(negatives.values())).astype(np.float32) if negatives
        else np.zeros((0, background.dim), dtype=np.float32)
    )
    solution = _solve(background, matrix, weight, negative_matrix)
    weights, bias = solution[:-1], float(solution[-1])
    low = float(background.mean @ weights + bias)
    high = float(np.average(matrix @ weights + bias, weights=weight))
    return ReaderModel(
        weights=weights.astype(np.float32), bias=bias, scale=(low, high), positive_ids=ids,
        positives=matrix, bonus=(NEAREST_BONUS * np.maximum(weight - 1.0, 0.0)).astype(np.float32),
        negatives=negative_matrix,
    )


def _solve(
    background: Background, positives: np.ndarray, weight: np.ndarray, negatives: np.ndarray
) -> np.ndarray:
    """Weighted ridge: minimise Σ cⱼ (x̃ⱼ·w − yⱼ)² + λ|w|² with the background's rows
    (y = 0, total weight 1) given by its Gram matrix."""
    dim = background.dim + 1
    lhs = background.gram.copy()
    lhs[: dim - 1, : dim - 1] += RIDGE * np.eye(dim - 1)
    share = POSITIVE_MASS * weight / weight.sum()
    augmented = _with_bias(positives).astype(np.float64)
    lhs += (augmented * share[:, None]).T @ augmented
    rhs = augmented.T @ share
    if len(negatives):
        augmented = _with_bias(negatives).astype(np.float64)
        each = NEGATIVE_MASS / len(negatives)
        lhs += each * augmented.T @ augmented
        rhs += each * NEGATIVE_TARGET * augmented.sum(axis=0)
    return np.linalg.solve(lhs, rhs)


def nearest_mean(similarity: np.ndarray) -> np.ndarray:
    """Per row, the mean of its ``NEAREST_K`` largest values (fewer columns: all)."""
    k = min(NEAREST_K, similarity.shape[-1])
    return np.partition(similarity, -k, axis=-1)[..., -k:].mean(axis=-1)


def _with_bias(matrix: np.ndarray) -> np.ndarray:
    return np.hstack([matrix, np.ones((len(matrix), 1), dtype=matrix.dtype)])
