"""Semantic retrieval: an embedder for the query, the vector index for the neighbours."""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np

from paperwire.search.embedder import Embedder
from paperwire.search.vectors import VectorIndex

QUERY_CACHE = 2_000


class SemanticSearcher:
    def __init__(self, embedder: Embedder, directory: Path, *, exact_max: int) -> None:
        self.embedder = embedder
        self.model = embedder.model_name
        self.index = VectorIndex(directory, embedder.model_name, embedder.dim, exact_max=exact_max)
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def query_vector(self, text: str) -> np.ndarray:
        key = " ".join(text.lower().split())
        vector = self._queries.get(key)
        if vector is None:
            vector = self.embedder.embed_query(key)
            with self._lock:
                self._queries[key] = vector
                while len(self._queries) > QUERY_CACHE:
                    self._queries.popitem(last=False)
        return vector

    def nearest(self, text: str, k: int, *, floor: bool = True) -> list[tuple[int, float]]:
        """Papers closest in meaning to ``text``; with ``floor``, only those above the
        embedder's noise level."""
        found = self.index.search(self.query_vector(text), k)
        if floor:
            found = [(pid, sim) for pid, sim in found if sim >= self.embedder.min_similarity]
        return found

    def feedback(
        self, text: str, ids: list[int], k: int, *, beta: float
    ) -> list[tuple[int, float]]:
        """Pseudo-relevance feedback (Rocchio): the papers nearest the query's vector moved
        towards the mean of ``ids`` (the best results so far), best first, each with its
        cosine to the moved vector (``cosines`` gives those to the query itself)."""
        stored = self.index.vectors(ids)
        if not stored:
            return []
        query = self.query_vector(text)
        centre = np.mean(list(stored.values()), axis=0)
        moved = query + beta * centre / max(float(np.linalg.norm(centre)), 1e-9)
        return self.index.search(moved / np.linalg.norm(moved), k)

    def cosines(self, text: str, ids: list[int]) -> dict[int, float]:
        """The cosine of each stored paper of ``ids`` to the query."""
        query = self.query_vector(text)
        return {pid: float(vector @ query) for pid, vector in self.index.vectors(ids).items()}

    def like_paper(self, paper_id: int, k: int) -> list[tuple[int, float]]:
        """Papers nearest to a stored paper's vector (itself included, first)."""
        vector = self.index.vectors([paper_id]).get(paper_id)
        if vector is None:
            return []
        return self.index.search(vector, k)
