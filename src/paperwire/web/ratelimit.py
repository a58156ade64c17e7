"""In-process rate limits: a sliding window of event times per (rule, key).

Limits hold per server process; run one process (the default) or put a proxy
limit in front of several.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

from paperwire.errors import RateLimited
from paperwire.settings import parse_rate

MAX_KEYS = 100_000


class RateLimiter:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.events: dict[tuple[str, str], deque[float]] = {}
        self.lock = threading.Lock()

    def hit(self, rule: str, key: str, rate: str) -> None:
        """Count one event; raise RateLimited (with Retry-After seconds) when over."""
        limit, window = parse_rate(rate)
        now = self.clock()
        with self.lock:
            if len(self.events) > MAX_KEYS:
                self._prune(now)
            times = self.events.setdefault((rule, key), deque())
            while times and times[0] <= now - window:
                times.popleft()
            if len(times) >= limit:
                raise RateLimited(max(1, math.ceil(times[0] + window - now)))
            times.append(now)

    def _prune(self, now: float) -> None:
        horizon = now - 86_400
        for key in [k for k, v in self.events.items() if not v or v[-1] < horizon]:
            del self.events[key]

    def reset(self) -> None:
        with self.lock:
            self.events.clear()
