"""The corpus sample the linear model learns against."""

from __future__ import annotations

import random
from collections.abc import Sequence

SAMPLE_SIZE = 4096


def sample_ids(ids: Sequence[int], size: int = SAMPLE_SIZE, *, seed: int = 7) -> list[int]:
    """A fixed-seed sample of ``ids`` (all of them when fewer), sorted."""
    if len(ids) <= size:
        return sorted(ids)
    return sorted(random.Random(seed).sample(list(ids), size))
