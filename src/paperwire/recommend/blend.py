"""The For-you blend, published (like the trending formula): one score per candidate
from the reader's model and the community's ranking.

    score = 0.6·linear + 0.4·nearest              (what the reader's signals say)
          + 0.20·words                            (their papers' words: recommend/words.py)
          + 0.10·[by an author the reader follows]
          + 0.10·trending/(trending + 1)          (the community: ranking.py's score)
          + 0.05·0.5^(age_days / 30)              (recency)
          − 1.00·max(0, not_cos − 0.55) / 0.45    (close to a paper marked not interested)

``linear`` is the best of the reader's per-interest linear scorers, each on its own 0–1
scale (0: a typical paper of the corpus, 1: a typical positive of that interest);
``nearest`` the mean cosine to the three closest positives (+0.05 for a more-like-this
paper); ``words`` the candidate's BM25 for the terms of the reader's papers, 1 being
what their own papers score; ``not_cos`` the cosine to the closest not-interested paper.
The weights were chosen on the persona benchmark (bench/recommend.py, docs/for-you.md).
A digest's For-you section passes on ``relevance`` (the vectors' part) alone: scoring
every reader's words against a day's papers would be one keyword query per reader.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from paperwire.recommend.model import Components, ReaderModel, nearest_mean


@dataclass(frozen=True, slots=True)
class Blend:
    linear: float = 0.6
    nearest: float = 0.4
    words: float = 0.2
    followed: float = 0.10
    trending: float = 0.10
    recency: float = 0.05
    recency_half_life_days: float = 30.0
    negative: float = 1.0
    negative_floor: float = 0.55

    def relevance(self, parts: Components) -> np.ndarray:
        return self.linear * parts.linear + self.nearest * parts.nearest

    def reader_side(self, parts: Components, followed: np.ndarray | None = None,
                    words: np.ndarray | None = None) -> np.ndarray:
        """The score less its community and recency terms (all the reader's own)."""
        penalty = self.negative * np.maximum(parts.negative - self.negative_floor, 0.0) / (
            1.0 - self.negative_floor)
        boost = 0.0 if followed is None else self.followed * np.asarray(followed, dtype=np.float32)
        lexical = 0.0 if words is None else self.words * np.asarray(words, dtype=np.float32)
        return self.relevance(parts) + lexical + boost - penalty

    def community_side(self, *, trending: np.ndarray, age_days: np.ndarray) -> np.ndarray:
        """The trending and recency terms: together always below ``lift``."""
        community = self.trending * trending / (trending + 1.0)
        return community + self.recency * 0.5 ** (
            np.maximum(age_days, 0.0) / self.recency_half_life_days)

    @property
    def lift(self) -> float:
        """The most the community side can add: a candidate whose reader side is more
        than this below another's can never pass it."""
        return self.trending + self.recency

    def score(self, parts: Components, *, trending: np.ndarray, age_days: np.ndarray,
              followed: np.ndarray | None = None, words: np.ndarray | None = None
              ) -> np.ndarray:
        return self.reader_side(parts, followed, words) + self.community_side(
            trending=trending, age_days=age_days)

    def describe(self) -> str:
        return (
            f"score = {self.linear:g}·linear + {self.nearest:g}·nearest"
            f" + {self.words:g}·words"
            f" + {self.followed:g}·[by an author you follow]"
            f" + {self.trending:g}·trending/(trending+1)"
            f" + {self.recency:g}·0.5^(age/{self.recency_half_life_days:g} days)"
            f" − {self.negative:g}·max(0, not-interested cosine − {self.negative_floor:g})"
            f"/{1 - self.negative_floor:g}"
        )


DIGEST_THRESHOLD = 0.25  # of the way from a typical corpus paper to a typical positive


def own_relevance(model: ReaderModel, blend: Blend) -> float:
    """The mean relevance of the reader's own positives, each scored against the others
    (so it is not its own nearest; a one-paper library: against itself)."""
    own = model.score(model.positives)
    if len(model.positives) > 1:
        count = len(model.positives)
        similarity = model.positives @ model.positives.T + model.bonus
        others = similarity[~np.eye(count, dtype=bool)].reshape(count, count - 1)
        own = Components(own.linear, own.interest, nearest_mean(others), own.nearest_index,
                         own.negative)
    return float(np.mean(blend.relevance(own)))


def threshold_between(corpus: float, own: float) -> float:
    """The relevance a paper needs to enter the reader's For-you section of a digest: a
    quarter of the way (``DIGEST_THRESHOLD``) from what the reader's model gives a
    typical corpus paper (the mean over a sample) to what it gives their own positives."""
    return corpus + DIGEST_THRESHOLD * (own - corpus)
