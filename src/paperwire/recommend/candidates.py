"""Which papers a reader's model scores: neighbours in the vector index of each
positive and of the model's direction, never the whole corpus (so it stays fast at
100k+ papers)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from paperwire.recommend.model import ReaderModel

Search = Callable[[np.ndarray, int], list[tuple[int, float]]]
PER_POSITIVE = 60
BY_DIRECTION = 400
MOST_POSITIVES = 64  # the most recent positives asked for neighbours


def candidate_ids(model: ReaderModel, search: Search) -> list[int]:
    """Paper ids near the reader (positives included: the caller drops what it hides)."""
    found: dict[int, None] = {}
    for pid, _ in search(model.direction, BY_DIRECTION):
        found[pid] = None
    for row in model.positives[-MOST_POSITIVES:]:
        for pid, _ in search(row, PER_POSITIVE):
            found[pid] = None
    return list(found)
