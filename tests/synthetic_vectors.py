"""Clustered unit vectors shaped like sentence embeddings (topics, subtopics, a low-rank
spread), not iid noise, on which every graph index looks broken."""

from __future__ import annotations

import numpy as np


def clustered_vectors(n: int, dim: int = 384, *, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    topics = rng.standard_normal((64, dim))
    subtopics = rng.standard_normal((1024, dim))
    topic_of = rng.integers(0, 64, 1024)
    basis = rng.standard_normal((48, dim)) / np.sqrt(48)
    chosen = rng.integers(0, 1024, n)
    spread = (rng.standard_normal((n, 48)) @ basis) * np.sqrt(dim / 48) * 0.3
    vectors = topics[topic_of[chosen]] + 0.7 * subtopics[chosen] + spread
    vectors += 0.15 * rng.standard_normal((n, dim))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors.astype(np.float32)
