"""Is this host fit to serve: the store answers, and its own indexes follow the store.

Each web host keeps its own keyword and vector index and brings them up to the store's
change feed (``db/changes.py``) every ``index_follow_seconds`` (``start_following``).
``/healthz`` reports how long the oldest change not yet in an index has waited, so a
load balancer stops sending readers to a host whose indexes fell behind.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from paperwire.core.search import SearchCore
from paperwire.db import health as store_health
from paperwire.db.changes import Lag
from paperwire.db.session import StoreError, snapshot_transaction, store_error_line
from paperwire.search.service import BackgroundEmbedder

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class IndexHealth:
    name: str  # keyword | vectors
    behind: int  # papers changed in the store and not yet in this index
    waited_seconds: float | None  # how long the oldest of them has waited (None: none)
    rebuild: bool  # the index reads everything (new host, or idle past the feed)

    def fresh(self, max_wait: float) -> bool:
        if self.rebuild:
            return self.behind == 0
        return self.waited_seconds is None or self.waited_seconds <= max_wait


@dataclass(frozen=True, slots=True)
class Health:
    store_error: str | None
    indexes: tuple[IndexHealth, ...] = ()
    pending_embeddings: int | None = None  # papers no worker has embedded yet
    max_wait: float = 60.0

    @property
    def ok(self) -> bool:
        return self.store_error is None and all(i.fresh(self.max_wait) for i in self.indexes)


class HealthCore(SearchCore):
    _follower: BackgroundEmbedder | None = None

    def health(self) -> Health:
        max_wait = self.settings.healthz_max_index_lag_seconds
        error = store_health.ping(self.engine)
        if error is not None:
            return Health(error, max_wait=max_wait)
        now, indexes, pending = self.clock(), [], None
        try:
            if self.text_index is not None:
                with snapshot_transaction(self.engine) as connection:
                    indexes.append(_index_health("keyword", self.text_index.lag(connection), now))
            if self.indexer is not None:
                indexes.append(_index_health("vectors", self.indexer.lag(), now))
                pending = self.indexer.pending()
        except StoreError as failure:
            return Health(store_error_line(failure), max_wait=max_wait)
        return Health(None, tuple(indexes), pending, max_wait)

    def follow_changes(self) -> int:
        """Bring this host's keyword and vector indexes up to the store (no model runs);
        returns how many papers were written into them."""
        done = self.text_index.follow() if self.text_index is not None else 0
        return done + (self.indexer.follow() if self.indexer is not None else 0)

    def start_following(self) -> None:
        """Follow the change feed in a daemon thread every ``index_follow_seconds``."""
        seconds = self.settings.index_follow_seconds
        if self._follower is not None or seconds <= 0:
            return
        self._follower = BackgroundEmbedder(
            [self.follow_changes], lambda error: log.exception("index follow failed",
                                                               exc_info=error),
            poll_seconds=seconds, due=lambda: True, name="paperwire-follow",
        )
        self._follower.start()

    def stop_following(self) -> None:
        if self._follower is not None:
            self._follower.stop()
            self._follower = None

    def close(self) -> None:
        self.stop_following()
        super().close()


def _index_health(name: str, lag: Lag, now: float) -> IndexHealth:
    waited = None if lag.oldest is None else max(0.0, now - lag.oldest)
    return IndexHealth(name, lag.behind, waited, lag.rebuild)
