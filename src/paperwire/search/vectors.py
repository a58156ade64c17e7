"""Nearest papers by embedding: one interface over exact and approximate (HNSW) search.

The index is a usearch file next to the store (``data/vectors/<model>.usearch``)
plus a small JSON sidecar. Readers open it as a memory-mapped *view*, so every
worker process shares one copy in the page cache, and reopen it when a writer
replaced it. A writer loads it, applies changes and swaps the file in atomically.
The ``paper_embeddings`` table stays the source of truth: the index can always
be rebuilt from it without running the model.

Up to ``exact_max`` vectors, search scans all of them (exact); above, it walks
the HNSW graph (recall@10 against exact >= 0.98, see tests/test_vectors.py).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

# onnxruntime must be loaded before usearch: the other order crashes the interpreter
# (usearch 2.26 and onnxruntime 1.32 each bring C++ runtime symbols that clash).
with contextlib.suppress(ImportError):
    import onnxruntime  # noqa: F401

from usearch.index import Index

CONNECTIVITY = 16
# 64 built graphs whose recall@10 ran 0.97-0.996 when many threads insert at once on
# a busy machine; 128 keeps it 0.99-0.994 (tests/test_vectors.py) for twice the
# insert time, which is under 1 % of embedding a paper.
EXPANSION_ADD = 128
EXPANSION_SEARCH = 128
RECHECK_SECONDS = 1.0
# A batch of queries is split over the cores: each walk of the graph is independent and
# long enough to gain (24 walks of a For-you page at 100k papers: 11.3 -> 5.3 ms on
# 2 cores), unlike the page's small BLAS products (recommend/threads.py).
BATCH_THREADS = (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                 else os.cpu_count() or 1)


@dataclass(frozen=True, slots=True)
class IndexMeta:
    model: str
    dim: int
    count: int
    feed: dict[str, Any] | None = None  # the change feed's position it holds all before
    synced_at: float | None = None  # unix seconds of that sync


def index_paths(directory: Path, model: str) -> tuple[Path, Path]:
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", model).strip("_")
    return directory / f"{slug}.usearch", directory / f"{slug}.json"


def _new_index(dim: int) -> Index:
    return Index(
        ndim=dim, metric="cos", dtype="f16", connectivity=CONNECTIVITY,
        expansion_add=EXPANSION_ADD, expansion_search=EXPANSION_SEARCH,
    )


class VectorIndex:
    """Read side: search and vector lookup over the persisted index."""

    def __init__(self, directory: Path, model: str, dim: int, *, exact_max: int) -> None:
        self.path, self.meta_path = index_paths(directory, model)
        self.model, self.dim, self.exact_max = model, dim, exact_max
        self._index: Index | None = None
        self._stamp: tuple[int, int] | None = None
        self._checked = 0.0
        self._lock = threading.Lock()

    def _current(self) -> Index | None:
        now = time.monotonic()
        if self._index is not None and now - self._checked < RECHECK_SECONDS:
            return self._index
        with self._lock:
            self._checked = now
            try:
                stat = self.path.stat()
            except FileNotFoundError:
                self._index, self._stamp = None, None
                return None
            stamp = (stat.st_ino, stat.st_mtime_ns)
            if stamp != self._stamp:
                index = _new_index(self.dim)
                index.view(str(self.path))
                self._index, self._stamp = index, stamp
            return self._index

    def recheck(self) -> None:
        """Look at the file again on next use (this process has just written it)."""
        self._checked = float("-inf")

    def __len__(self) -> int:
        index = self._current()
        return 0 if index is None else len(index)

    @property
    def is_exact(self) -> bool:
        return len(self) <= self.exact_max

    def search(
        self, query: np.ndarray, k: int, *, exact: bool | None = None
    ) -> list[tuple[int, float]]:
        """The ``k`` nearest papers as ``(paper id, cosine similarity)``, best first."""
        index = self._current()
        if index is None or len(index) == 0 or k <= 0:
            return []
        exact = len(index) <= self.exact_max if exact is None else exact
        matches = index.search(
            np.asarray(query, dtype=np.float32), min(k, len(index)), exact=exact, threads=1
        )
        return [
            (int(key), 1.0 - float(distance))
            for key, distance in zip(matches.keys, matches.distances, strict=True)
        ]

    def search_many(self, queries: np.ndarray, k: int) -> np.ndarray:
        """The keys of the ``k`` nearest papers of every row of ``queries``, as one
        array (a query's order kept, queries one after another): one call for many."""
        index = self._current()
        if index is None or len(index) == 0 or k <= 0 or not len(queries):
            return np.zeros(0, dtype=np.int64)
        matches = index.search(np.asarray(queries, dtype=np.float32), min(k, len(index)),
                               exact=len(index) <= self.exact_max,
                               threads=min(len(queries), BATCH_THREADS))
        keys = np.asarray(matches.keys, dtype=np.int64).reshape(len(queries), -1)
        counts = np.asarray(getattr(matches, "counts", [len(matches)])).reshape(-1)  # one row: Matches
        return np.concatenate([row[:count] for row, count in zip(keys, counts, strict=True)])

    def matrix(self, keys: Sequence[int]) -> tuple[list[int], np.ndarray]:
        """The keys that have a vector, in the order given, and their vectors as rows
        of one float32 matrix (no per-row objects: the For-you page reads thousands)."""
        index = self._current()
        if index is None or not len(keys):
            return [], np.zeros((0, self.dim), dtype=np.float32)
        wanted = np.asarray(keys, dtype=np.uint64)
        found = wanted[np.asarray(index.contains(wanted), dtype=bool)]
        if not len(found):
            return [], np.zeros((0, self.dim), dtype=np.float32)
        rows = np.asarray(index.get(found), dtype=np.float32).reshape(len(found), -1)
        return [int(k) for k in found], rows

    def vectors(self, keys: Sequence[int]) -> dict[int, np.ndarray]:
        """Stored vectors of the papers that have one."""
        index = self._current()
        if index is None or not keys:
            return {}
        wanted = np.asarray(keys, dtype=np.uint64)
        present = index.contains(wanted)
        found = [int(k) for k, ok in zip(wanted, present, strict=True) if ok]
        if not found:
            return {}
        rows = index.get(np.asarray(found, dtype=np.uint64))
        pairs = zip(found, rows, strict=True)
        return {key: np.asarray(row, dtype=np.float32) for key, row in pairs}

    def meta(self) -> IndexMeta | None:
        try:
            data = json.loads(self.meta_path.read_text())
        except FileNotFoundError:
            return None
        return IndexMeta(**data)


class VectorIndexWriter:
    """Write side: load the index, apply upserts and removals, save atomically."""

    def __init__(self, directory: Path, model: str, dim: int, *, fresh: bool = False,
                 threads: int | None = None) -> None:
        self.directory = directory
        # Threads that insert into the graph at once (default: one per core). One thread
        # builds the same graph every time; more build it faster, a little differently.
        self.threads = threads or os.cpu_count() or 1
        self.path, self.meta_path = index_paths(directory, model)
        self.model, self.dim = model, dim
        self.index = _new_index(dim)
        self.feed: dict[str, Any] | None = None
        self.synced_at: float | None = None
        if not fresh and self.path.is_file():
            self.index.load(str(self.path))
            old = json.loads(self.meta_path.read_text()) if self.meta_path.is_file() else {}
            if isinstance(old.get("synced_at"), int | float):  # (a stamp: an older layout)
                self.feed, self.synced_at = old.get("feed"), float(old["synced_at"])
        self.dirty = fresh

    def clear(self) -> None:
        """Start from an empty index (the next ``save`` replaces the file)."""
        self.index = _new_index(self.dim)
        self.dirty = True

    def upsert(self, keys: Sequence[int], vectors: np.ndarray) -> None:
        if not len(keys):
            return
        wanted = np.asarray(keys, dtype=np.uint64)
        self.remove(wanted[self.index.contains(wanted)].tolist())
        self.index.add(wanted, np.asarray(vectors, dtype=np.float32), threads=self.threads)
        self.dirty = True

    def remove(self, keys: Sequence[int]) -> None:
        if len(keys):
            self.index.remove(np.asarray(keys, dtype=np.uint64))
            self.dirty = True

    def save(self, feed: dict[str, Any] | None, synced_at: float | None) -> None:
        """Write the index and its sidecar beside the old ones, then swap them in."""
        self.feed, self.synced_at = feed, synced_at
        if not self.dirty and self.path.is_file():
            self._write_meta()
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(f".tmp{os.getpid()}")
        self.index.save(str(temporary))
        os.replace(temporary, self.path)
        self._write_meta()
        self.dirty = False

    def _write_meta(self) -> None:
        meta = IndexMeta(self.model, self.dim, len(self.index), self.feed, self.synced_at)
        temporary = self.meta_path.with_suffix(f".tmp{os.getpid()}")
        temporary.write_text(json.dumps(asdict(meta)))
        os.replace(temporary, self.meta_path)
