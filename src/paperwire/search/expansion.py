"""Keyword-side pseudo-relevance feedback (RM3-style query expansion).

The best fused results of a query share words the query itself lacks: a paraphrase
("teaching a small network to imitate a big one") finds papers about distillation by
meaning, and their abstracts hold "distillation", "teacher", "student". The terms that
weigh most in those papers (their share of each paper's words, summed, times the
term's inverse document frequency) make a second keyword query; its ranking joins the
fusion with a small weight. Measured on bench/relevance.py (docs/benchmarks.md).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable

from paperwire.search.analysis import QueryClass
from paperwire.search.concepts import STOP_WORDS

FEEDBACK_DOCS = 10  # best fused results the terms come from
EXPANSION_TERMS = 30
EXPANSION_WEIGHT = 0.25  # the expanded list's weight in fusion (the others weigh ~1)
MIN_DOC_FREQ = 2  # a term found in one paper only names that paper, not the topic
# A short topic's own words say what it is (a concept chip must rank the papers carrying
# it first); a question's, a description's or an acronym's words do not say it all.
EXPANDED_KINDS = frozenset({QueryClass.QUESTION, QueryClass.DESCRIPTION, QueryClass.ACRONYM})


def expansion_terms(
    texts: Iterable[str], analyze: Callable[[str], list[str]],
    doc_freq: Callable[[str], int], papers: int, *, limit: int = EXPANSION_TERMS,
) -> list[tuple[str, float]]:
    """The ``limit`` heaviest index terms of ``texts`` with their weights, heaviest first.
    ``analyze`` turns text into index terms (stemmed), ``doc_freq`` counts the papers
    holding a term among ``papers``."""
    weights: Counter[str] = Counter()
    for text in texts:
        terms = [t for t in analyze(text) if _is_topical(t)]
        for term, count in Counter(terms).items():
            weights[term] += count / len(terms)
    scored = []
    for term, weight in weights.items():
        df = doc_freq(term)
        if df >= MIN_DOC_FREQ:
            scored.append((term, weight * math.log(papers / df)))
    scored.sort(key=lambda item: (-item[1], item[0]))
    return scored[:limit]


def _is_topical(term: str) -> bool:
    return len(term) > 2 and term not in STOP_WORDS and not term.isdigit()
