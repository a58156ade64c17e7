"""The For-you model without a store: interests found by clustering, the Woodbury solve
equal to the direct ridge, per-interest scales that keep a small interest visible, the
batched scorer equal to each model's own, and candidates from batched searches. Vectors
are clustered like sentence embeddings (tests/synthetic_vectors.py); assertions are
about properties that hold under float32 (tolerances, sets), not exact values."""

from __future__ import annotations

import numpy as np
import pytest

from paperwire.recommend.batch import score_batch
from paperwire.recommend.blend import Blend
from paperwire.recommend.candidates import candidate_ids
from paperwire.recommend.interests import interest_labels
from paperwire.recommend.model import (
    MOST_INTERESTS,
    NEGATIVE_MASS,
    NEGATIVE_TARGET,
    RIDGE,
    Background,
    Evidence,
    train,
    train_many,
)
from synthetic_vectors import clustered_vectors

DIM = 384


def unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def around(centre: np.ndarray, count: int, rng: np.random.Generator, spread: float = 0.6
           ) -> np.ndarray:
    """``count`` unit vectors near ``centre`` (cosine to it about 0.85)."""
    return unit(centre + spread * rng.standard_normal((count, DIM)) / np.sqrt(DIM))


@pytest.fixture(scope="module")
def corpus() -> np.ndarray:
    return clustered_vectors(4096, DIM, seed=3)


@pytest.fixture(scope="module")
def background(corpus: np.ndarray) -> Background:
    return Background.of(corpus)


def two_interests(rng: np.random.Generator, big: int = 8, small: int = 2
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    a, b = unit(rng.standard_normal((2, DIM)))
    return around(a, big, rng), around(b, small, rng), a, b


def test_interests_split_two_fields_and_keep_one_whole():
    rng = np.random.default_rng(1)
    first, second, _, _ = two_interests(rng, 6, 4)
    labels = interest_labels(np.vstack([first, second]))
    assert len(set(labels[:6])) == 1
    assert len(set(labels[6:])) == 1
    assert labels[0] != labels[6]
    assert list(interest_labels(first)) == [0] * 6
    assert list(interest_labels(first[:1])) == [0]


def test_woodbury_equals_the_direct_weighted_ridge(background: Background):
    rng = np.random.default_rng(2)
    positives, _, _, _ = two_interests(rng, 7)
    negatives = unit(rng.standard_normal((3, DIM)))
    weight = np.asarray([1, 1, 2, 1, 0.5, 1, 1.0])
    vectors = {i: positives[i] for i in range(7)} | {100 + i: negatives[i] for i in range(3)}
    model = train(background, {i: float(weight[i]) for i in range(7)}, vectors,
                  {100 + i: negatives[i] for i in range(3)})
    assert model is not None
    assert model.interests == 1

    def augmented(rows: np.ndarray) -> np.ndarray:
        return np.hstack([rows, np.ones((len(rows), 1))]).astype(np.float64)

    lhs = background.gram.copy()
    lhs[:DIM, :DIM] += RIDGE * np.eye(DIM)
    share = weight / weight.sum()
    lhs += (augmented(positives) * share[:, None]).T @ augmented(positives)
    rhs = augmented(positives).T @ share
    each = NEGATIVE_MASS / 3
    lhs += each * augmented(negatives).T @ augmented(negatives)
    rhs += each * NEGATIVE_TARGET * augmented(negatives).sum(axis=0)
    direct = np.linalg.solve(lhs, rhs)
    np.testing.assert_allclose(model.weights[0], direct[:-1], rtol=1e-3, atol=1e-5)
    assert model.bias[0] == pytest.approx(direct[-1], rel=1e-3, abs=1e-5)


def test_a_small_second_interest_has_its_own_scorer(background: Background):
    """Eight papers on one field and two on another: two interests, and papers of the
    small field are scored by the small field's scorer, high on its scale and far above
    the corpus."""
    rng = np.random.default_rng(4)
    big, small, _, b = two_interests(rng)
    library = np.vstack([big, small])
    vectors = dict(enumerate(library))
    model = train(background, dict.fromkeys(vectors, 1.0), vectors)
    one = train(background, dict.fromkeys(vectors, 1.0), vectors, distance=2.0)
    assert model is not None
    assert one is not None
    assert model.interests == 2
    assert one.interests == 1
    near_small = model.score(around(b, 20, np.random.default_rng(5)))
    small_interest = int(model.interest_of[-1])
    assert (near_small.interest == small_interest).mean() > 0.9
    assert np.median(near_small.linear) > 0.5
    corpus = model.score(background.sample[:500])
    assert np.median(corpus.linear) < 0.25  # the corpus stays near 0 on every scale
    assert near_small.linear.min() > np.quantile(corpus.linear, 0.95)


def test_train_many_equals_train_one_by_one(background: Background):
    rng = np.random.default_rng(6)
    evidence, singles = [], []
    for n in range(5):
        big, small, _, _ = two_interests(rng, 3 + n, 1 + n % 2)
        rows = np.vstack([big, small])
        vectors = {1000 * n + i: rows[i] for i in range(len(rows))}
        negatives = {999_000 + n: unit(rng.standard_normal((1, DIM)))[0]} if n % 2 else None
        evidence.append(Evidence.of(dict.fromkeys(vectors, 1.0), vectors, DIM, negatives))
        singles.append(train(background, dict.fromkeys(vectors, 1.0), vectors, negatives))
    evidence.insert(2, None)
    singles.insert(2, None)
    for together, alone in zip(train_many(background, evidence), singles, strict=True):
        if alone is None:
            assert together is None
            continue
        assert together is not None
        np.testing.assert_allclose(together.weights, alone.weights, rtol=1e-4, atol=1e-6)
        assert list(together.interest_of) == list(alone.interest_of)


def test_score_batch_equals_each_models_own_score(background: Background, corpus: np.ndarray):
    rng = np.random.default_rng(7)
    blend = Blend()
    models = []
    for n in range(6):
        chosen = rng.choice(40, 1 + 3 * n, replace=False)  # readers share papers: the union
        vectors = {int(i): corpus[i] for i in chosen}
        weights = {pid: (2.0 if pid == int(chosen[0]) and n % 2 else 1.0) for pid in vectors}
        models.append(train(background, weights, vectors))
    models.insert(3, None)
    papers = corpus[:700]
    batched = score_batch(models, papers, blend)
    assert np.isnan(batched[3]).all()
    for row, model in enumerate(models):
        if model is None:
            continue
        alone = blend.relevance(model.score(papers))
        np.testing.assert_allclose(batched[row], alone, rtol=1e-4, atol=1e-5)


def test_many_positives_cap_the_scorers_not_the_nearest(background: Background,
                                                         corpus: np.ndarray):
    rows = corpus[np.random.default_rng(8).choice(len(corpus), 60, replace=False)]
    vectors = dict(enumerate(rows))
    model = train(background, dict.fromkeys(vectors, 1.0), vectors, distance=0.05)
    assert model is not None
    assert model.interests == MOST_INTERESTS
    assert (model.interest_of == -1).sum() == 60 - MOST_INTERESTS
    assert len(model.positive_ids) == 60  # every positive still counts as nearest
    assert list(model.score(rows).nearest_index) == list(range(60))  # each its own closest


def test_candidates_come_from_directions_positives_and_extras(background: Background,
                                                              corpus: np.ndarray):
    asked: list[tuple[int, int]] = []

    def search_many(queries: np.ndarray, k: int) -> np.ndarray:  # exact, over the corpus
        asked.append((len(queries), k))
        return np.argsort(-(queries @ corpus.T), axis=1)[:, :k].reshape(-1)

    rng = np.random.default_rng(9)
    rows = corpus[rng.choice(len(corpus), 30, replace=False)]
    model = train(background, dict.fromkeys(range(30), 1.0), dict(enumerate(rows)))
    assert model is not None
    found = candidate_ids(model, search_many, extra=[10**6])
    assert len(asked) == 2  # two batched searches, whatever the library's size
    assert found[-1] == 10**6
    nearest_of_last = int(np.argmax(corpus @ rows[-1]))
    assert nearest_of_last in found
    assert len(found) == len(set(found))
