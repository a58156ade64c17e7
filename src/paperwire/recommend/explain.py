"""Why a pick was made, in words a reader can check: the library paper it is closest
to, the key concepts and the words it shares with the reader's papers, an author they
follow, and whether the community is voting for it in their categories."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence

SHARED_CONCEPTS = 3
SHARED_WORDS = 3
PREFIX = 3  # first letters a word shares with its stem (every term is longer than 2)
WORDS_SHOWN = 0.5  # a pick's word score (1 = the reader's own papers) worth naming
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*")
CLOSE_ENOUGH = 0.3  # below this cosine, "close to" would mislead


def reader_concepts(concepts_of_positives: Iterable[Sequence[str]]) -> Counter[str]:
    """How many of the reader's papers name each concept."""
    counts: Counter[str] = Counter()
    for concepts in concepts_of_positives:
        counts.update({concept.lower() for concept in concepts})
    return counts


def shared_words(terms: Sequence[tuple[str, float]], text: str,
                 analyze: Callable[[str], list[str]]) -> list[str]:
    """The reader's weighted index terms (``recommend/words.py``, heaviest first) that
    ``text`` holds, each as ``text`` first writes it."""
    # Only words that begin as a term does are stemmed (stemming is the cost here): a
    # stem changes only its word's ending ("studi" of "study"), but for a few irregular
    # words ("die" of "dying"), which then go unnamed.
    starts = {term[:PREFIX] for term, _ in terms}
    written: dict[str, str] = {}
    for word in dict.fromkeys(_WORD.findall(text)):
        if word[:PREFIX].lower() not in starts:
            continue
        stems = analyze(word.lower())
        if len(stems) == 1:
            written.setdefault(stems[0], word if _named(word) else word.lower())
    return [written[term] for term, _ in terms if term in written]


def _named(word: str) -> bool:
    """An acronym or a name written with inner capitals (GANs, ImageNet), kept as is;
    other words are lower-cased (a capital that only starts a sentence)."""
    return sum(c.isupper() for c in word) > 1


def because(
    *, closest_title: str | None, closest_cosine: float, concepts: Sequence[str],
    reader: Counter[str], followed: Sequence[str], trending_in: str | None,
    words: Sequence[str] = (),
) -> list[str]:
    """The reasons of one pick, strongest first. ``words``: the reader's words the pick
    shares (``shared_words``), named unless a shared concept already says them."""
    reasons = []
    if closest_title and closest_cosine >= CLOSE_ENOUGH:
        reasons.append(f"close to “{closest_title}” in your papers")
    shared = [c for c in concepts if reader.get(c.lower(), 0) > 0][:SHARED_CONCEPTS]
    if shared:
        reasons.append("shares " + ", ".join(shared) + " with your papers")
    said = {word for concept in shared for word in concept.lower().split()}
    new_words = [w for w in words if w.lower() not in said][:SHARED_WORDS]
    if new_words:
        reasons.append("uses your papers' words: " + ", ".join(new_words))
    if followed:
        reasons.append("by an author you follow: " + ", ".join(followed))
    if trending_in:
        reasons.append(f"trending in your categories ({trending_in})")
    return reasons
