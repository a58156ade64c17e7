"""A reader's model: what their signals say about any paper vector.

Two views of the reader's positives, each good where the other is weak:

* **one linear scorer per interest** — the positives are grouped into interests
  (``recommend/interests.py``: average linkage on cosine, cut at a distance), and each
  interest gets a ridge regression of its positives (target 1) against the corpus
  (target 0, a fixed sample standing in for "everything else") and the reader's
  not-interested papers (target −1). A paper's linear score is its best interest's, on
  that interest's own 0–1 scale (0: a typical corpus paper, 1: a typical positive of the
  interest), so a small second interest is not drowned by a large first one. The corpus
  enters only through its Gram matrix, inverted once per index (``Background``); each
  interest's solve is then the Woodbury form ``w = A₀⁻¹Uᵀ(D⁻¹ + U A₀⁻¹ Uᵀ)⁻¹y`` over its
  own few rows ``U`` — a p×p system, not a (d+1)×(d+1) one — and many readers' rows go
  through ``A₀⁻¹`` as one matrix product (``train_many``, the digest's path).
* **nearest-positive similarity** — the mean cosine to the three closest positives (a
  more-like-this paper's cosine gets a bonus; fewer positives: all of them).

How they are blended with each other and with the community's ranking is
``recommend/blend.py``'s rule.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from paperwire.recommend.interests import INTEREST_DISTANCE, interest_labels

RIDGE = 3e-3  # λ on the weights (not the bias), in units of the background's total weight
POSITIVE_MASS = 1.0  # total weight of an interest's positives against the background's (1.0)
NEGATIVE_MASS = 0.5  # total weight of the not-interested papers
NEGATIVE_TARGET = -1.0
NEAREST_BONUS = 0.05  # added to a positive's cosine per unit of weight above 1
NEAREST_K = 3  # the closest positives averaged
READERS_PER_BLOCK = 512  # readers whose rows share one product with A₀⁻¹
MOST_INTERESTS = 16  # interests (by weight) given a linear scorer; the rest count as nearest


@dataclass(frozen=True, slots=True)
class Background:
    """The corpus as the linear model sees it: the Gram matrix of a sample of paper
    vectors with a bias column, the inverse of it plus the ridge, its mean, and the
    sample itself (for the digest's thresholds)."""

    gram: np.ndarray  # (d+1, d+1): Σ x̃ x̃ᵀ / n over the sample, x̃ = [x, 1]
    inverse: np.ndarray  # (gram + λ·I on the weights)⁻¹
    mean: np.ndarray  # (d,)
    sample: np.ndarray  # (n, d)

    @classmethod
    def of(cls, sample: np.ndarray, *, ridge: float = RIDGE) -> Background:
        sample = np.asarray(sample, dtype=np.float32)
        augmented = _with_bias(sample).astype(np.float64)
        gram = augmented.T @ augmented / max(len(sample), 1)
        lhs = gram.copy()
        dim = lhs.shape[0] - 1
        lhs[:dim, :dim] += ridge * np.eye(dim)
        return cls(gram=gram, inverse=np.linalg.inv(lhs), mean=sample.mean(axis=0), sample=sample)

    @property
    def dim(self) -> int:
        return int(self.mean.shape[0])


@dataclass(frozen=True, slots=True)
class Evidence:
    """What one reader's model is trained on: positives (oldest first) with weights,
    and not-interested vectors."""

    ids: tuple[int, ...]
    positives: np.ndarray  # (p, d) float32
    weight: np.ndarray  # (p,)
    negatives: np.ndarray  # (q, d) float32

    @classmethod
    def of(cls, positives: Mapping[int, float], vectors: Mapping[int, np.ndarray], dim: int,
           negatives: Mapping[int, np.ndarray] | None = None) -> Evidence | None:
        """None without a positive that has a vector."""
        ids = tuple(pid for pid in positives if pid in vectors)
        if not ids:
            return None
        return cls(
            ids=ids, positives=np.stack([vectors[pid] for pid in ids]).astype(np.float32),
            weight=np.asarray([positives[pid] for pid in ids], dtype=np.float64),
            negatives=(np.stack(list(negatives.values())).astype(np.float32) if negatives
                       else np.zeros((0, dim), dtype=np.float32)),
        )


@dataclass(frozen=True, slots=True)
class Components:
    """Per candidate: the best interest's linear score on its 0–1 scale and which
    interest that is, the mean cosine (with bonus) of the ``NEAREST_K`` closest
    positives, which positive is closest (an index into ``ReaderModel.positive_ids``),
    and the closest not-interested paper's cosine (0 without any)."""

    linear: np.ndarray
    interest: np.ndarray
    nearest: np.ndarray
    nearest_index: np.ndarray
    negative: np.ndarray


@dataclass(frozen=True, slots=True)
class ReaderModel:
    weights: np.ndarray  # (k, d): one row per interest
    bias: np.ndarray  # (k,)
    low: np.ndarray  # (k,) raw score of the background's mean
    span: np.ndarray  # (k,) raw score of the interest's positives' mean, less ``low``
    interest_of: np.ndarray  # (p,) each positive's interest (−1: one without a scorer)
    positive_ids: tuple[int, ...]
    positives: np.ndarray  # (p, d), unit rows
    bonus: np.ndarray  # (p,)
    negatives: np.ndarray  # (q, d)

    @property
    def interests(self) -> int:
        return len(self.weights)

    @property
    def directions(self) -> np.ndarray:
        """Unit vectors each interest's scorer prefers: vector index queries for candidates."""
        norms = np.linalg.norm(self.weights, axis=1, keepdims=True)
        return self.weights / np.where(norms > 0, norms, 1.0)

    def linear_of(self, vectors: np.ndarray) -> np.ndarray:
        """(n, k): every interest's linear score on its own 0–1 scale."""
        raw = vectors @ self.weights.T + self.bias
        return (raw - self.low) / self.span

    def score(self, vectors: np.ndarray) -> Components:
        vectors = np.asarray(vectors, dtype=np.float32)
        linear = self.linear_of(vectors)
        interest = linear.argmax(axis=1)
        similarity = vectors @ self.positives.T + self.bonus
        negative = (
            (vectors @ self.negatives.T).max(axis=1) if len(self.negatives)
            else np.zeros(len(vectors), dtype=np.float32)
        )
        return Components(linear[np.arange(len(vectors)), interest], interest,
                          nearest_mean(similarity), similarity.argmax(axis=1), negative)


def train(
    background: Background, positives: Mapping[int, float], vectors: Mapping[int, np.ndarray],
    negatives: Mapping[int, np.ndarray] | None = None, *, distance: float = INTEREST_DISTANCE,
) -> ReaderModel | None:
    """The reader's model from their positives (paper id → weight, oldest first) and the
    vectors of those and of their not-interested papers; None without a positive that
    has a vector."""
    evidence = Evidence.of(positives, vectors, background.dim, negatives)
    return train_many(background, [evidence], distance=distance)[0]


def train_many(
    background: Background, evidence: Sequence[Evidence | None], *,
    distance: float = INTEREST_DISTANCE,
) -> list[ReaderModel | None]:
    """Many readers' models (None where the evidence is None), each exactly what
    ``train`` gives it: every block of readers' rows meets ``A₀⁻¹`` in one product."""
    models: list[ReaderModel | None] = []
    for start in range(0, len(evidence), READERS_PER_BLOCK):
        models.extend(_train_block(background, evidence[start:start + READERS_PER_BLOCK],
                                   distance))
    return models


def _train_block(background: Background, block: Sequence[Evidence | None],
                 distance: float) -> list[ReaderModel | None]:
    labels = [None if e is None else _kept_interests(interest_labels(e.positives, distance),
                                                     e.weight) for e in block]
    rows, targets, shares, fits = [], [], [], []  # fits: (reader, start, stop)
    offset = 0
    for reader, (e, label) in enumerate(zip(block, labels, strict=True)):
        if e is None or label is None:
            continue
        negatives = _with_bias(e.negatives)
        for interest in range(int(label.max()) + 1):
            members = label == interest
            weight = e.weight[members]
            rows += [_with_bias(e.positives[members]), negatives]
            shares += [POSITIVE_MASS * weight / weight.sum(),
                       np.full(len(negatives), NEGATIVE_MASS / max(len(negatives), 1))]
            targets += [np.ones(len(weight)), np.full(len(negatives), NEGATIVE_TARGET)]
            size = len(weight) + len(negatives)
            fits.append((reader, offset, offset + size))
            offset += size
    if not fits:
        return [None] * len(block)
    design = np.vstack(rows).astype(np.float64)
    through = design @ background.inverse  # rows of (A₀⁻¹ uᵢ)ᵀ: A₀⁻¹ is symmetric
    share, target = np.concatenate(shares), np.concatenate(targets)
    solutions: dict[int, list[np.ndarray]] = {}
    for reader, first, last in fits:
        u, m = design[first:last], through[first:last]
        system = u @ m.T
        system[np.diag_indices_from(system)] += 1.0 / share[first:last]
        solutions.setdefault(reader, []).append(m.T @ np.linalg.solve(system, target[first:last]))
    return [None if e is None else _model(background, e, labels[i], np.stack(solutions[i]))
            for i, e in enumerate(block)]


def _kept_interests(labels: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """The ``MOST_INTERESTS`` heaviest interests renumbered 0… by weight; the members
    of the others get −1 (no linear scorer: they still count as nearest positives)."""
    totals = np.bincount(labels, weights=weight)
    if len(totals) <= MOST_INTERESTS:
        return labels
    kept = np.argsort(-totals, kind="stable")[:MOST_INTERESTS]
    renumber = np.full(len(totals), -1, dtype=np.intp)
    renumber[np.sort(kept)] = np.arange(len(kept))
    return renumber[labels]


def _model(background: Background, e: Evidence, labels: np.ndarray, solved: np.ndarray
           ) -> ReaderModel:
    weights, bias = solved[:, :-1], solved[:, -1]
    low = background.mean @ weights.T + bias
    raw = e.positives @ weights.T + bias  # (p, k)
    high = np.asarray([np.average(raw[labels == k, k], weights=e.weight[labels == k])
                       for k in range(len(solved))])
    return ReaderModel(
        weights=weights.astype(np.float32), bias=bias.astype(np.float32),
        low=low.astype(np.float32), span=np.maximum(high - low, 1e-6).astype(np.float32),
        interest_of=labels, positive_ids=e.ids, positives=e.positives,
        bonus=(NEAREST_BONUS * np.maximum(e.weight - 1.0, 0.0)).astype(np.float32),
        negatives=e.negatives,
    )


def nearest_mean(similarity: np.ndarray, axis: int = -1) -> np.ndarray:
    """Along ``axis``, the mean of the ``NEAREST_K`` largest values (fewer: all)."""
    k = min(NEAREST_K, similarity.shape[axis])
    return np.partition(similarity, -k, axis=axis).take(range(-k, 0), axis=axis).mean(axis=axis)


def _with_bias(matrix: np.ndarray) -> np.ndarray:
    return np.hstack([matrix, np.ones((len(matrix), 1), dtype=matrix.dtype)])
