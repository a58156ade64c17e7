"""Read a query before ranking it: which words carry its topic, and what kind it is.

A two-word topic ("graph neural networks") is best served by papers holding every
word; a question in plain words ("how can robots learn from watching videos?") holds
words no relevant abstract needs to repeat ("how", "can"), so its keyword side must
not demand them all, and its meaning counts for more. ``analyse`` returns what the
engine needs: the content units, whether every unit must match or most of them, and
the weights of the keyword and semantic lists in fusion.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import StrEnum

from paperwire.search.concepts import STOP_WORDS
from paperwire.search.query import ParsedQuery


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


QUESTION_WORDS = _words(
    "what how why which when where who whom whose does do did is are can could should "
    "would will was were has have"
)
# Words people put around a topic in a search box that no abstract needs to contain.
FILLER_WORDS = _words(
    "paper papers article articles work works approach approaches method methods "
    "technique techniques way ways using use used study studies research find finding "
    "recent new better good best learn about anything something someone"
)
ALL_WORDS_MAX = 2  # up to this many content units, a keyword match needs them all
_ACRONYM = re.compile(r"^(?=.*[A-Z].*[A-Z])[A-Za-z0-9]{2,10}$|^[A-Za-z]+\d+[A-Za-z\d]*$")


class QueryClass(StrEnum):
    KEYWORD = "keyword"  # a short topic
    ACRONYM = "acronym"  # holds an acronym or a token with digits (BERT, GPT-4, 3D)
    QUESTION = "question"  # asked in plain words
    DESCRIPTION = "description"  # a longer description (often a paraphrase)


@dataclass(frozen=True, slots=True)
class Weights:
    keyword: float
    semantic: float


# Fusion weights per class (keyword list, semantic list), fit on half the dev queries
# and checked on the other half (docs/benchmarks.md): a question's or a description's
# words are a weak guide, its meaning a strong one. Too few acronym queries to fit.
CLASS_WEIGHTS: dict[QueryClass, Weights] = {
    QueryClass.KEYWORD: Weights(1.0, 1.0),
    QueryClass.ACRONYM: Weights(1.0, 1.0),
    QueryClass.QUESTION: Weights(0.3, 1.7),
    QueryClass.DESCRIPTION: Weights(0.3, 1.7),
}


# A short topic's meaning side counts as far as the model knows its words. For a topic
# it knows, the nearest paper's cosine runs 0.5-0.8; for a term it never learned (a new
# acronym, a narrow phrase such as "task-specific heads") it falls towards the noise
# floor, and the nearest papers share a word or two of it, not its idea. Below
# KNOWN_TOPIC_COSINE the semantic list's weight shrinks in step, to MIN_SEMANTIC_SHARE
# at UNKNOWN_TOPIC_COSINE (measured in docs/benchmarks.md). A question's or a
# description's words are a weak guide at any cosine, so their weights stay.
KNOWN_TOPIC_COSINE = 0.5
UNKNOWN_TOPIC_COSINE = 0.25
MIN_SEMANTIC_SHARE = 0.2
TOPIC_KINDS = frozenset({QueryClass.KEYWORD, QueryClass.ACRONYM})


@dataclass(frozen=True, slots=True)
class QueryAnalysis:
    units: list[list[str]]  # content words and phrases, in the order typed
    kind: QueryClass
    all_words: bool  # keyword matches need every unit (else most of them)
    acronyms: list[str]

    @property
    def minimum_match(self) -> int:
        """How many units a keyword match must hold."""
        n = len(self.units)
        return n if self.all_words else max(2, math.ceil(0.6 * n)) if n > 2 else n

    @property
    def weights(self) -> Weights:
        return CLASS_WEIGHTS[self.kind]

    def fusion_weights(self, top_cosine: float | None) -> Weights:
        """The class's weights, the semantic one shrunk for a topic the model hardly knows
        (``top_cosine``: the query's cosine to its nearest paper; None: no semantic side)."""
        weights = self.weights
        if top_cosine is None or self.kind not in TOPIC_KINDS:
            return weights
        span = KNOWN_TOPIC_COSINE - UNKNOWN_TOPIC_COSINE
        share = min(1.0, max(MIN_SEMANTIC_SHARE, (top_cosine - UNKNOWN_TOPIC_COSINE) / span))
        return Weights(weights.keyword, weights.semantic * share)

    @property
    def words(self) -> list[str]:
        return [word for unit in self.units for word in unit]


def is_content(word: str) -> bool:
    return word not in STOP_WORDS and word not in QUESTION_WORDS and word not in FILLER_WORDS


def analyse(query: ParsedQuery) -> QueryAnalysis:
    raw_tokens = query.raw.split()
    units = _content_units(query)
    question = query.raw.rstrip().endswith("?") or bool(
        raw_tokens and raw_tokens[0].lower().strip("\"'") in QUESTION_WORDS
    )
    acronyms = [t.strip("\"'()?,.") for t in raw_tokens if _ACRONYM.match(t.strip("\"'()?,."))]
    if question:
        kind = QueryClass.QUESTION
    elif acronyms:
        kind = QueryClass.ACRONYM
    elif sum(len(unit) for unit in units) >= 4:
        kind = QueryClass.DESCRIPTION
    else:
        kind = QueryClass.KEYWORD
    all_words = len(units) <= ALL_WORDS_MAX and not question
    return QueryAnalysis(units, kind, all_words, acronyms)


# Whether a hyphenated compound ("task-specific") counts as its separate words (True)
# or as one phrase unit (False). On the 74-query benchmark the phrase is better for
# concept queries (nDCG@10 0.938 against 0.924) and the seed page (12 against 6).
SPLIT_COMPOUNDS = False


def _content_units(query: ParsedQuery) -> list[list[str]]:
    """Words, quoted phrases and hyphenated compounds (one unit each, unless
    ``SPLIT_COMPOUNDS``), without stop, question and filler words; a query made only of
    such words keeps them all."""
    quoted = {tuple(phrase) for phrase in query.quoted}
    units: list[list[str]] = []
    for part in query.ordered:
        tokens = part.split()
        if len(tokens) > 1 and (tuple(tokens) in quoted or not SPLIT_COMPOUNDS):
            units.append(tokens)
        else:
            units.extend([token] for token in tokens if is_content(token))
    if not units:
        units = [part.split() for part in query.ordered if part]
    return units
