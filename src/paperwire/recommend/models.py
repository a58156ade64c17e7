"""What the For-you verbs of the core hand back."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from paperwire.models import Paper
from paperwire.recommend.model import ReaderModel
from paperwire.recommend.words import MOST_POSITIVES, Terms


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

    def keep_what_still_holds(self, earlier: TrainedReader) -> None:
        """Take ``earlier``'s concepts and terms (a model of the same reader, before
        their last signal) where they still hold: the concepts while the model's
        positives are the same papers, the terms while its recent positives are; a
        "not interested" changes neither, so the page after it reads no abstracts."""
        if self.model is None or earlier.model is None:
            return
        now, then = self.model.positive_ids, earlier.model.positive_ids
        if self.concepts is None and frozenset(now) == frozenset(then):
            self.concepts = earlier.concepts
        recent = MOST_POSITIVES
        if self.terms is None and now[-recent:] == then[-recent:]:
            self.terms = earlier.terms
