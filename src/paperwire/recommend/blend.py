"""The For-you blend, published (like the trending formula): one score per candidate
from the reader's model and the community's ranking.

    score = 0.6·linear + 0.4·nearest              (what the reader's signals say)
          + 0.10·trending/(trending + 1)          (the community: ranking.py's score)
          + 0.05·0.5^(age_days / 30)              (recency)
          − 1.00·max(0, not_cos − 0.55) / 0.45    (close to a paper marked not interested)

``linear`` is the reader's linear model on its 0–1 scale (0: a typical paper of the
corpus, 1: a typical positive); ``nearest`` the mean cosine to the two closest positives
(+0.05 for a more-like-this paper); ``not_cos`` the cosine to the closest not-interested paper.
The weights were chosen on the persona benchmark (bench/recommend.py, docs/for-you.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from paperwire.recommend.model import Components


@dataclass(frozen=True, slots=True)
class Blend:
    linear: float = 0.6
    nearest: float = 0.4
    trending: float = 0.10
    recency: float = 0.05
    recency_half_life_days: float = 30.0
    negative: float = 1.0
    negative_floor: float = 0.55

    def relevance(self, parts: Components) -> np.ndarray:
        return self.linear * parts.linear + self.nearest * parts.nearest

    def score(self, parts: Components, *, trending: np.ndarray, age_days: np.ndarray) -> np.ndarray:
        community = self.trending * trending / (trending + 1.0)
        fresh = self.recency * 0.5 ** (np.maximum(age_days, 0.0) / self.recency_half_life_days)
        penalty = self.negative * np.maximum(parts.negative - self.negative_floor, 0.0) / (
            1.0 - self.negative_floor)
        return self.relevance(parts) + community + fresh - penalty

    def describe(self) -> str:
        return (
            f"score = {self.linear:g}·linear + {self.nearest:g}·nearest"
            f" + {self.trending:g}·trending/(trending+1)"
            f" + {self.recency:g}·0.5^(age/{self.recency_half_life_days:g} days)"
            f" − {self.negative:g}·max(0, not-interested cosine − {self.negative_floor:g})"
            f"/{1 - self.negative_floor:g}"
        )
