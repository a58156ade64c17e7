"""Which papers a reader's model scores: neighbours in the vector index of each
positive and of each interest's direction, and the newest papers of the authors the
reader follows — never the whole corpus (so it stays fast at 100k+ papers)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from paperwire.recommend.model import ReaderModel

SearchMany = Callable[[np.ndarray, int], np.ndarray]  # queries (rows), k → keys (``search_many``)
PER_POSITIVE = 50
BY_DIRECTION = 300  # shared among the interests, at least MIN_BY_DIRECTION each
MIN_BY_DIRECTION = 100
MOST_INTERESTS = 8  # the largest interests asked by direction
MOST_POSITIVES = 16  # the most recent positives asked for neighbours


def candidate_ids(model: ReaderModel, search: SearchMany, extra: Iterable[int] = ()) -> list[int]:
    """Paper ids near the reader, then ``extra`` (positives included: the caller drops
    what it hides); two batched index searches."""
    sizes = np.bincount(model.interest_of[model.interest_of >= 0], minlength=model.interests)
    largest = np.argsort(-sizes, kind="stable")[:MOST_INTERESTS]
    each = max(MIN_BY_DIRECTION, BY_DIRECTION // len(largest))
    found = dict.fromkeys(search(model.directions[largest], each).tolist())
    found.update(dict.fromkeys(search(model.positives[-MOST_POSITIVES:], PER_POSITIVE).tolist()))
    found.update(dict.fromkeys(extra))
    return list(found)
