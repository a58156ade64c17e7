"""Scoring candidates: the model's components, the blend, best first."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from paperwire.recommend.blend import Blend
from paperwire.recommend.model import ReaderModel


def rank_candidates(
    model: ReaderModel, blend: Blend, ids: Sequence[int], vectors: np.ndarray, *,
    age_days: np.ndarray, trending: np.ndarray, followed: np.ndarray | None = None,
    words: np.ndarray | None = None,
) -> list[tuple[int, float]]:
    """(paper id, score) of ``ids`` (rows of ``vectors``), best first; ``followed``:
    whether each is by an author the reader follows; ``words``: each one's score for
    the reader's words (``recommend/words.py``)."""
    if not len(ids):
        return []
    scores = blend.score(model.score(vectors), trending=trending, age_days=age_days,
                         followed=followed, words=words)
    order = np.argsort(-scores, kind="stable")
    return [(int(ids[i]), float(scores[i])) for i in order]
