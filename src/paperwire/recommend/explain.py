"""Why a pick was made, in words a reader can check: the library paper it is closest
to, the key concepts it shares with the reader's papers, an author they follow, and
whether the community is voting for it in their categories."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

SHARED_CONCEPTS = 3
CLOSE_ENOUGH = 0.3  # below this cosine, "close to" would mislead


def reader_concepts(concepts_of_positives: Iterable[Sequence[str]]) -> Counter[str]:
    """How many of the reader's papers name each concept."""
    counts: Counter[str] = Counter()
    for concepts in concepts_of_positives:
        counts.update({concept.lower() for concept in concepts})
    return counts


def because(
    *, closest_title: str | None, closest_cosine: float, concepts: Sequence[str],
    reader: Counter[str], followed: Sequence[str], trending_in: str | None,
) -> list[str]:
    """The reasons of one pick, strongest first."""
    reasons = []
    if closest_title and closest_cosine >= CLOSE_ENOUGH:
        reasons.append(f"close to “{closest_title}” in your papers")
    shared = [c for c in concepts if reader.get(c.lower(), 0) > 0][:SHARED_CONCEPTS]
    if shared:
        reasons.append("shares " + ", ".join(shared) + " with your papers")
    if followed:
        reasons.append("by an author you follow: " + ", ".join(followed))
    if trending_in:
        reasons.append(f"trending in your categories ({trending_in})")
    return reasons
