"""What a reader's signals weigh in their model (docs/for-you.md)."""

from __future__ import annotations

from paperwire.library.models import ReaderSignals

WEIGHTS = {"library": 1.0, "upvote": 1.0, "saved": 1.0, "read": 0.5}
MORE_LIKE_THIS = 2.0  # a positive of its own, and its neighbours get NEAREST_BONUS


def positive_weights(signals: ReaderSignals) -> dict[int, float]:
    """Paper id → weight: the strongest of its positive signals; more-like-this papers
    weigh ``MORE_LIKE_THIS``; not-interested papers are never positive."""
    negative = signals.negative_ids
    found: dict[int, float] = {}
    for signal in signals.positives:
        weight = WEIGHTS.get(signal.source, 0.5)
        found[signal.paper_id] = max(found.get(signal.paper_id, 0.0), weight)
    for signal in signals.more_like_this:
        found[signal.paper_id] = max(found.get(signal.paper_id, 0.0), MORE_LIKE_THIS)
    return {pid: weight for pid, weight in found.items() if pid not in negative}
