"""The extractive one-line summary: the abstract's sentence that best carries it.

Each sentence gets a cheap pre-score (a contribution cue such as "we propose", words
shared with the title, its place in the abstract); only the best ``MAX_EMBEDDED`` go
through the model, since embedding sentences is the whole cost (docs/benchmarks.md).
Among those, the one closest to the paper's own vector wins, with a small bonus for
stating the contribution and a penalty for fragments and sentences that lean on the one
before ("This", "However"). The winner is cleaned and trimmed to ``MAX_WORDS``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from paperwire.search.embedder import Embedder
from paperwire.summaries.sentences import MAX_WORDS, split_sentences, trim, word_count

MAX_EMBEDDED = 3
CONTRIBUTION_BONUS = 0.06
LEANING_PENALTY = 0.05
MIN_WORDS = 6  # fewer: a fragment, never chosen while a longer sentence exists
_CONTRIBUTION = re.compile(
    r"\b(?:we|this (?:paper|work|article|letter|study)|our (?:method|approach|model|work))"
    r"\s+(?:\w+\s+)?(?:propose|present|introduce|develop|show|demonstrate|describe|report"
    r"|study|investigate|derive|prove|design|establish|provide|find|obtain)",
    re.IGNORECASE,
)
_LEANING = re.compile(
    r"^(?:this|these|those|it|they|such|however|moreover|furthermore|additionally|also"
    r"|finally|then|thus|therefore|hence|in addition|in particular|to this end)\b",
    re.IGNORECASE,
)
_BARE_OPENER = re.compile(
    r"^(?:in this (?:paper|work|article|letter)|here|abstract)\W*$", re.IGNORECASE
)
_WORD = re.compile(r"[a-z][a-z0-9-]{2,}")


@dataclass(frozen=True, slots=True)
class Candidate:
    text: str
    prior: float  # cheap pre-score, before the model
    fragment: bool


def candidates(title: str, abstract: str) -> list[Candidate]:
    """The abstract's sentences with their pre-scores, in order."""
    sentences = split_sentences(abstract)
    title_words = set(_WORD.findall(title.lower()))
    found = []
    for position, text in enumerate(sentences):
        words = set(_WORD.findall(text.lower()))
        overlap = len(words & title_words) / max(1, len(title_words))
        early = 0.3 if position < 3 else 0.0
        cue = 1.0 if _CONTRIBUTION.search(text) else 0.0
        fragment = word_count(text) < MIN_WORDS or bool(_BARE_OPENER.match(text))
        leaning = 0.3 if _LEANING.match(text) else 0.0
        found.append(Candidate(text, overlap + early + cue - leaning - 2 * fragment, fragment))
    return found


def shortlist(pool: list[Candidate], size: int = MAX_EMBEDDED) -> list[Candidate]:
    """The best ``size`` by pre-score (fragments only when nothing else is there)."""
    whole = [c for c in pool if not c.fragment] or pool
    return sorted(whole, key=lambda c: -c.prior)[:size]


def score(candidate: Candidate, similarity: float) -> float:
    bonus = CONTRIBUTION_BONUS if _CONTRIBUTION.search(candidate.text) else 0.0
    penalty = LEANING_PENALTY if _LEANING.match(candidate.text) else 0.0
    return similarity + bonus - penalty


class ExtractiveSummarizer:
    """One sentence per paper, chosen with the paper's own embedding model."""

    def __init__(self, embedder: Embedder, *, max_words: int = MAX_WORDS) -> None:
        self.embedder, self.max_words = embedder, max_words

    def summarize_many(
        self, papers: Sequence[tuple[str, str, np.ndarray]]
    ) -> list[str | None]:
        """(title, abstract, paper vector) -> the summary, or None for an empty abstract.
        The shortlisted sentences of every paper go through the model in one batch."""
        lists = [shortlist(candidates(title, abstract)) for title, abstract, _ in papers]
        texts = [c.text for short in lists for c in short]
        vectors = self.embedder.embed(texts) if texts else np.empty((0, 0), np.float32)
        chosen: list[str | None] = []
        at = 0
        for short, (_, _, paper_vector) in zip(lists, papers, strict=True):
            rows = vectors[at : at + len(short)]
            at += len(short)
            if not short:
                chosen.append(None)
                continue
            similarity = rows @ np.asarray(paper_vector, dtype=np.float32)
            best = max(range(len(short)), key=lambda i: score(short[i], float(similarity[i])))
            chosen.append(trim(short[best].text, self.max_words))
        return chosen
