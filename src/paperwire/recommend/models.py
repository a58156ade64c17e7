"""What the For-you verbs of the core hand back."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from paperwire.models import Paper
from paperwire.recommend.model import ReaderModel
from paperwire.recommend.words import Terms


@dataclass(frozen=True, slots=True)
class Pick:
    paper: Paper
    rank: int
    score: float
    because: list[str]


@dataclass(slots=True)
class ForYou:
    """A reader's picks. ``basis`` says what ranked them: ``model`` (their signals),
    ``topics`` (cold start: trending in their categories) or ``trending`` (nothing
    known about them yet)."""

    picks: list[Pick] = field(default_factory=list)
    basis: str = "model"
    formula: str = ""
    positives: int = 0
    hidden_seen: int = 0


@dataclass(slots=True)
class TrainedReader:
    """A reader's model with the papers it hides from their picks (their positives and
    not-interested papers), cached together under their signals version; ``concepts``
    (how many of their papers name each key concept) is filled by the first page that
    explains picks, ``terms`` (the weighted words of their recent papers,
    ``recommend/words.py``) by the first that scores candidates."""

    model: ReaderModel | None
    positives: frozenset[int]
    negatives: frozenset[int]
    concepts: Counter[str] | None = None
    terms: Terms | None = None
