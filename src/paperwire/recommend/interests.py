"""A reader's interests: their positives grouped by average-linkage clustering on cosine
distance, cut at a distance threshold, so a library of two unrelated fields becomes two
interests (each with its own linear scorer in ``recommend/model.py``)."""

from __future__ import annotations

import numpy as np

INTEREST_DISTANCE = 0.7  # average cosine distance below which two groups are one interest
MOST_CLUSTERED = 200  # positives clustered; older ones join the interest they are closest to


def interest_labels(vectors: np.ndarray, distance: float = INTEREST_DISTANCE) -> np.ndarray:
    """One label (0, 1, …) per row of ``vectors`` (unit rows, oldest first), numbered
    by first member."""
    count = len(vectors)
    if count <= 1:
        return np.zeros(count, dtype=np.intp)
    head = max(0, count - MOST_CLUSTERED)
    labels = np.empty(count, dtype=np.intp)
    labels[head:] = _average_linkage(vectors[head:], distance)
    if head:
        labels[:head] = _closest_interest(vectors[:head], vectors[head:], labels[head:])
    _, first = np.unique(labels, return_index=True)
    renumber = {int(labels[i]): n for n, i in enumerate(sorted(first))}
    return np.asarray([renumber[int(label)] for label in labels], dtype=np.intp)


def _average_linkage(vectors: np.ndarray, cut: float) -> np.ndarray:
    """Agglomerative clustering, UPGMA: merge the two groups with the smallest mean
    pairwise distance until that exceeds ``cut``."""
    count = len(vectors)
    distances = 1.0 - (vectors @ vectors.T).astype(np.float64)
    np.fill_diagonal(distances, np.inf)
    sizes = np.ones(count)
    owner = np.arange(count)
    for _ in range(count - 1):
        flat = int(np.argmin(distances))
        i, j = divmod(flat, count)
        if distances[i, j] > cut:
            break
        merged = (sizes[i] * distances[i] + sizes[j] * distances[j]) / (sizes[i] + sizes[j])
        distances[i], distances[:, i] = merged, merged
        distances[i, i] = np.inf
        distances[j], distances[:, j] = np.inf, np.inf
        sizes[i] += sizes[j]
        owner[owner == j] = i
    return owner


def _closest_interest(rows: np.ndarray, clustered: np.ndarray, labels: np.ndarray) -> np.ndarray:
    groups = np.unique(labels)
    similarity = rows @ clustered.T
    means = np.stack([similarity[:, labels == g].mean(axis=1) for g in groups], axis=1)
    return groups[means.argmax(axis=1)]
