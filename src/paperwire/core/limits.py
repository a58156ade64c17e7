"""Rate limits every process and host of a deployment counts against together."""

from __future__ import annotations

import hashlib
import math

from paperwire.core.base import CoreBase
from paperwire.db import rate_limits
from paperwire.db.session import write_transaction
from paperwire.errors import RateLimited
from paperwire.settings import parse_rate


class LimitsCore(CoreBase):
    def hit_rate_limit(self, rule: str, key: str, rate: str) -> None:
        """Count one event of ``rule`` by ``key`` (an address, a user id) against ``rate``
        (``"10/hour"``); raise RateLimited, with the seconds to wait, when over."""
        limit, window = parse_rate(rate)
        with write_transaction(self.engine) as connection:
            wait = rate_limits.hit(connection, rule=rule, key_hash=_key_hash(key),
                                   limit=limit, window=window, now=self.clock())
        if wait is not None:
            raise RateLimited(max(1, math.ceil(wait)))

    def reset_rate_limits(self) -> None:
        with write_transaction(self.engine) as connection:
            rate_limits.clear(connection)


def _key_hash(key: str) -> str:
    return hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
