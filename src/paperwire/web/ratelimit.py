"""Rate limits: a sliding window of event times per (rule, key).

:class:`SharedRateLimiter` (the default) counts in the store, so every process and every
host of a deployment share one limit (``core.hit_rate_limit``); :class:`RateLimiter`
counts in this process's memory (``PAPERWIRE_RATE_LIMITS_SHARED=false``: each process
then allows the full rate on its own).
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from paperwire.errors import RateLimited
from paperwire.settings import parse_rate

if TYPE_CHECKING:
    from paperwire.core import Paperwire

MAX_KEYS = 100_000


class Limiter(Protocol):
    def hit(self, rule: str, key: str, rate: str) -> None: ...
    def reset(self) -> None: ...


class SharedRateLimiter:
    def __init__(self, core: Paperwire) -> None:
        self.core = core

    def hit(self, rule: str, key: str, rate: str) -> None:
        self.core.hit_rate_limit(rule, key, rate)

    def reset(self) -> None:
        self.core.reset_rate_limits()


def make_limiter(core: Paperwire) -> Limiter:
    return SharedRateLimiter(core) if core.settings.rate_limits_shared else RateLimiter()


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
