"""Is this host fit to serve: the store answers, and its own indexes follow the store.

Each web host keeps its own keyword and vector index and brings them up to the store's
change feed (``db/changes.py``) every ``index_follow_seconds`` (``core/search.py``'s
``start_index_follower``); index snapshots let a new host start from another's.
``/healthz`` reports how long the oldest change not yet in an index has waited, so a
load balancer stops sending readers to a host whose indexes fell behind.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from paperwire.core.search import SearchCore
from paperwire.db import health as store_health
from paperwire.db.changes import Lag
from paperwire.db.session import StoreError, snapshot_transaction, store_error_line
from paperwire.errors import PaperwireError
from paperwire.search import snapshots

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

    def publish_index_snapshot(self) -> snapshots.Snapshot:
        """Bring this host's indexes up to the store, then publish them as the newest
        snapshot in ``index_snapshot_dir`` (for new hosts to start from)."""
        target = self._snapshot_dir()
        self.follow_changes()
        models = [self.indexer.model] if self.indexer is not None else []
        with snapshot_transaction(self.engine) as connection:
            store = store_health.store_fingerprint(connection)
        return snapshots.publish(self.settings.text_index_dir, self.settings.vector_dir,
                                 target, models=models, now=self.clock(), store=store)

    def adopt_index_snapshot(self) -> list[str]:
        """Start this host's missing or untrusted indexes from the latest snapshot (then
        ``follow_changes`` takes in what changed since); returns the indexes adopted."""
        directory = self.settings.index_snapshot_dir
        snapshot = None if directory is None else snapshots.latest(directory)
        if snapshot is None:
            return []
        with snapshot_transaction(self.engine) as connection:
            ours = snapshot.belongs_to(lambda ids: store_health.arxiv_ids_of(connection, ids))
            text_lag = None if self.text_index is None else self.text_index.lag(connection)
        if not ours:
            log.warning("index snapshot %s was published by another store: not adopted, "
                        "the indexes are built from this store", snapshot.path)
            return []
        adopted = []
        if text_lag is not None and text_lag.rebuild and \
                snapshots.adopt_text(snapshot, self.settings.text_index_dir):
            adopted.append("keyword")
        if self.indexer is not None and self.indexer.lag().rebuild and \
                snapshots.adopt_vectors(snapshot, self.settings.vector_dir, self.indexer.model):
            adopted.append("vectors")
        if adopted:
            log.info("indexes %s started from %s", " and ".join(adopted), snapshot.path)
        return adopted

    def _snapshot_dir(self) -> Path:
        if self.settings.index_snapshot_dir is None:
            raise PaperwireError("no snapshot folder: set PAPERWIRE_INDEX_SNAPSHOT_DIR")
        return self.settings.index_snapshot_dir


def _index_health(name: str, lag: Lag, now: float) -> IndexHealth:
    waited = None if lag.oldest is None else max(0.0, now - lag.oldest)
    return IndexHealth(name, lag.behind, waited, lag.rebuild)
