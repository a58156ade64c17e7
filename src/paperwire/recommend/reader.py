"""What a reader's signals weigh in their model (docs/for-you.md)."""

from __future__ import annotations

from paperwire.library.models import ReaderSignals

WEIGHTS = {"library": 1.0, "upvote": 1.0, "saved": 1.0, "read": 0.5}
MORE_LIKE_THIS = 2.0  # a positive of its own, and its neighbours get NEAREST_BONUS


def positive_weights(signals: ReaderSignals) -> dict[int, float]:
    """Paper id → weight: the strongest of its positive signals; more-like-this papers
    weigh ``MORE_LIKE_THIS``; not-interested papers are never positive. Ordered by each
    paper's first signal (then id), oldest first, however the signals were read."""
    negative = signals.negative_ids
    found: dict[int, float] = {}
    first: dict[int, int] = {}
    for signal in [*signals.positives, *signals.more_like_this]:
        weight = MORE_LIKE_THIS if signal.source == "more_like_this" else WEIGHTS.get(
            signal.source, 0.5)
        found[signal.paper_id] = max(found.get(signal.paper_id, 0.0), weight)
        first[signal.paper_id] = min(first.get(signal.paper_id, signal.at), signal.at)
    order = sorted(found, key=lambda pid: (first[pid], pid))
    return {pid: found[pid] for pid in order if pid not in negative}
