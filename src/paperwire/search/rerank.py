"""Second-stage reranking: the best ``depth`` papers of the fused list judged again by a
finer, slower scorer, whose order is blended with the fused one; the rest of the list
stays below them as it was.

Rerankers (``Reranker``): the bundled model on each candidate's sentences
(``SentenceReranker``), a cross-encoder server speaking the common ``/rerank`` JSON
(``RerankEndpoint``) or an OpenAI-compatible embeddings server (``EmbeddingsEndpoint``).
The stage (``RerankStage``) never lets one fail a search: on any error the fused order
stands, one warning is logged, and ``health`` says so until a call succeeds again.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from paperwire.search.embedder import normalize_rows, paper_text

if TYPE_CHECKING:
    from paperwire.search.semantic import SemanticSearcher
    from paperwire.settings import Settings

log = logging.getLogger(__name__)

RERANK_DEPTH = 50  # fused results judged again; pages below keep the fused order
RERANK_K = 60  # the blend is reciprocal rank fusion of the two orders, like fusion's
MAX_SENTENCES = 12  # per abstract (a long abstract's tail rarely decides its topic)
SENTENCE_CACHE = 5_000  # papers whose sentence vectors are kept (float16: ~35 MB)
VECTOR_CACHE = 5_000  # papers whose endpoint vectors are kept
SENTENCE_SHARE = 0.75  # of the sentence cosines against the paper's own (fit, see below)
# The reranker's share in the blend, per kind: fit for sentences on half the judged
# queries; unmeasured for endpoints (no stronger model here), where a cross-encoder
# usually earns more: a deployment should measure its own.
DEFAULT_WEIGHTS = {"sentences": 0.2, "http": 0.5, "embeddings": 0.5}


@dataclass(frozen=True, slots=True)
class Candidate:
    """One of the fused list's best: what a reranker may read."""

    paper_id: int
    title: str
    abstract: str
    score: float  # its fused score
    rank: int  # 1-based, in the fused list

    @property
    def text(self) -> str:
        return paper_text(self.title, self.abstract)


class RerankError(Exception):
    """The reranker could not score the candidates (endpoint down, timeout, bad reply)."""


class Reranker(Protocol):
    """Scores for the candidates, higher = more relevant, one per candidate, in order."""

    name: str

    def scores(self, query: str, candidates: Sequence[Candidate]) -> list[float]: ...


def blended_order(candidates: Sequence[Candidate], scores: Sequence[float], weight: float,
                  k: int = RERANK_K) -> list[Candidate]:
    """RRF of the fused rank and the reranker's rank: ``(1 - weight) / (k + fused rank)
    + weight / (k + reranker rank)``; ties keep the fused order."""
    by_score = sorted(range(len(candidates)), key=lambda i: (-scores[i], candidates[i].rank))
    reranked = {index: rank for rank, index in enumerate(by_score, start=1)}

    def blend(index: int) -> tuple[float, int]:
        fused = candidates[index].rank
        return (-((1 - weight) / (k + fused) + weight / (k + reranked[index])), fused)

    return [candidates[i] for i in sorted(range(len(candidates)), key=blend)]


TextsOf = Callable[[list[int]], dict[int, tuple[str, str]]]  # ids -> (title, abstract)


class RerankStage:
    """The stage in the engine: reorders the head of a fused list, remembers failures."""

    def __init__(self, reranker: Reranker, *, depth: int = RERANK_DEPTH,
                 weight: float = 0.5) -> None:
        self.reranker, self.depth, self.weight = reranker, depth, weight
        self.failure: str | None = None  # the last error, until a call succeeds again
        self.failed_at: float | None = None
        self._lock = threading.Lock()

    def apply(self, query: str, fused: list[tuple[int, float]],
              texts_of: TextsOf) -> list[tuple[int, float]]:
        """``fused`` with its best ``depth`` reordered; each paper keeps its fused score."""
        head = fused[: self.depth]
        if len(head) < 2 or not query.strip():
            return fused
        texts = texts_of([pid for pid, _ in head])
        candidates = [
            Candidate(pid, *texts[pid], score, rank)
            for rank, (pid, score) in enumerate(head, start=1) if pid in texts
        ]
        try:
            scores = self.reranker.scores(query, candidates)
            if len(scores) != len(candidates):
                raise RerankError(f"{len(scores)} scores for {len(candidates)} papers")
        except Exception as error:  # a refinement never fails a search (logged, on /status)
            self._failed(str(error) if isinstance(error, RerankError)
                         else f"{type(error).__name__}: {error}")
            return fused
        self._succeeded()
        order = blended_order(candidates, scores, self.weight)
        kept = {c.paper_id for c in candidates}
        missing = [(pid, score) for pid, score in head if pid not in kept]
        return [(c.paper_id, c.score) for c in order] + missing + fused[self.depth :]

    def probe(self) -> tuple[bool, str]:
        """Score two made-up papers now (``paperwire doctor``): (working, one line)."""
        made_up = [Candidate(-1, "A probe", "The reranker is asked to score this.", 0.0, 1),
                   Candidate(-2, "Another probe", "And this one too.", 0.0, 2)]
        try:
            if len(self.reranker.scores("probe", made_up)) != len(made_up):
                raise RerankError("a score missing")
        except RerankError as error:
            return False, f"{self.reranker.name}: {error}"
        return True, f"{self.reranker.name}: answers; top {self.depth} reranked"

    def close(self) -> None:
        close = getattr(self.reranker, "close", None)
        if close is not None:
            close()

    def health(self) -> tuple[bool, str]:
        """(working, one line): what /status.json and doctor show."""
        if self.failure is None:
            return True, f"{self.reranker.name}: top {self.depth} reranked"
        since = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(self.failed_at or 0))
        return False, (f"{self.reranker.name}: failing since {since} ({self.failure});"
                       " searches keep the fused order")

    def _failed(self, problem: str) -> None:
        with self._lock:
            first = self.failure is None
            self.failure, self.failed_at = problem, self.failed_at if not first else time.time()
        if first:
            log.warning("reranker %s failed, searches keep the fused order: %s",
                        self.reranker.name, problem)

    def _succeeded(self) -> None:
        if self.failure is not None:
            with self._lock:
                self.failure = self.failed_at = None
            log.info("reranker %s works again", self.reranker.name)


# -- the bundled model on sentences --------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\[\"'$\\])")


def sentences(title: str, abstract: str) -> list[str]:
    """The title, then the abstract's sentences (fragments under four words join the one
    before), at most ``MAX_SENTENCES`` of them."""
    found: list[str] = []
    for part in _SENTENCE_END.split(" ".join(abstract.split())):
        if found and len(part.split()) < 4:
            found[-1] = f"{found[-1]} {part}"
        elif part:
            found.append(part)
    title = " ".join(title.split())
    return ([title] if title else []) + found[:MAX_SENTENCES]


class _LRU:
    def __init__(self, size: int) -> None:
        self.size, self._items = size, OrderedDict[Any, np.ndarray]()
        self._lock = threading.Lock()

    def get(self, key: Any) -> np.ndarray | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: Any, value: np.ndarray) -> None:
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)


class SentenceReranker:
    """The query's best-matching sentences of each paper (the bundled model), blended with
    the paper's stored vector's cosine: ``share · mean of the two best sentence cosines +
    (1 - share) · paper cosine`` (top-2 and 0.75 fit on half the judged queries;
    docs/benchmarks.md). Sentence vectors of the papers seen last are kept, so a query again
    (or a page later) runs no model; a new one embeds up to ~650 sentences in one call."""

    name = "sentences"

    def __init__(self, semantic: SemanticSearcher, *, share: float = SENTENCE_SHARE,
                 cache_papers: int = SENTENCE_CACHE) -> None:
        self.semantic, self.share = semantic, share
        self._cache = _LRU(cache_papers)

    def sentence_vectors(self, candidates: Sequence[Candidate]) -> list[np.ndarray]:
        keys = [(c.paper_id, hash((c.title, c.abstract))) for c in candidates]
        found = [self._cache.get(key) for key in keys]
        missing = [i for i, vectors in enumerate(found) if vectors is None]
        if missing:
            split = [sentences(candidates[i].title, candidates[i].abstract) for i in missing]
            flat = self.semantic.embedder.embed([s for parts in split for s in parts])
            start = 0
            for i, parts in zip(missing, split, strict=True):
                vectors = flat[start : start + len(parts)].astype(np.float16)
                start += len(parts)
                self._cache.put(keys[i], vectors)
                found[i] = vectors
        return [vectors for vectors in found if vectors is not None]

    def scores(self, query: str, candidates: Sequence[Candidate]) -> list[float]:
        vector = self.semantic.query_vector(query)
        best = [_best_two(vectors.astype(np.float32) @ vector)
                for vectors in self.sentence_vectors(candidates)]
        whole = self.semantic.cosines(query, [c.paper_id for c in candidates])
        return [
            self.share * sentence + (1 - self.share) * whole.get(c.paper_id, sentence)
            for c, sentence in zip(candidates, best, strict=True)
        ]


def _best_two(cosines: np.ndarray) -> float:
    """The mean of the two highest (one sentence rarely carries a whole topic alone)."""
    if not len(cosines):
        return 0.0
    return float(np.sort(cosines)[-2:].mean())


# -- endpoints a deployment configures -----------------------------------------------


class _Endpoint:
    def __init__(self, url: str, *, api_key: str | None, model: str | None,
                 timeout: float) -> None:
        import httpx

        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.url, self.model = url, model
        self._client = httpx.Client(timeout=timeout, headers=headers)
        self._errors: tuple[type[Exception], ...] = (httpx.HTTPError, httpx.InvalidURL,
                                                     ValueError)

    def _post(self, body: dict[str, Any]) -> Any:
        if self.model:
            body = {"model": self.model, **body}
        try:
            reply = self._client.post(self.url, json=body)
            reply.raise_for_status()
            return reply.json()
        except self._errors as error:
            raise RerankError(f"{self.url}: {type(error).__name__}: {error}") from error

    def close(self) -> None:
        self._client.close()


class RerankEndpoint(_Endpoint):
    """A cross-encoder server's ``/rerank`` (Cohere, Jina, vLLM, llama.cpp, Infinity, TEI's
    Cohere-compatible route): ``{"model", "query", "documents", "top_n"}`` in,
    ``{"results": [{"index", "relevance_score"}]}`` out (a bare list of ``{"index",
    "score"}``, TEI's own reply, is read too)."""

    name = "http"

    def scores(self, query: str, candidates: Sequence[Candidate]) -> list[float]:
        documents = [c.text for c in candidates]
        reply = self._post({"query": query, "documents": documents, "top_n": len(documents)})
        results = reply.get("results") if isinstance(reply, dict) else reply
        found: dict[int, float] = {}
        try:
            for item in results:
                score = item["relevance_score"] if "relevance_score" in item else item["score"]
                found[int(item["index"])] = float(score)
        except (TypeError, KeyError, ValueError) as error:
            raise RerankError(f"{self.url}: unexpected reply ({error!r})") from error
        if set(found) != set(range(len(documents))):
            raise RerankError(f"{self.url}: scores for {len(found)} of {len(documents)} papers")
        return [found[i] for i in range(len(documents))]


class EmbeddingsEndpoint(_Endpoint):
    """An OpenAI-compatible ``/v1/embeddings`` server with a stronger model: the cosine of
    the query's and each paper's (title + abstract) vectors. Paper vectors are kept, so a
    request carries the query and only the papers not seen lately."""

    name = "embeddings"

    def __init__(self, url: str, **options: Any) -> None:
        super().__init__(url, **options)
        self._cache = _LRU(VECTOR_CACHE)

    def scores(self, query: str, candidates: Sequence[Candidate]) -> list[float]:
        keys = [(c.paper_id, hash(c.text)) for c in candidates]
        missing = [i for i, key in enumerate(keys) if self._cache.get(key) is None]
        vectors = self._embed([query] + [candidates[i].text for i in missing])
        for i, vector in zip(missing, vectors[1:], strict=True):
            self._cache.put(keys[i], vector)
        papers = [self._cache.get(key) for key in keys]
        if any(vector is None for vector in papers):  # evicted meanwhile by other queries
            papers = list(self._embed([c.text for c in candidates]))
        return [float(vector @ vectors[0]) for vector in papers if vector is not None]

    def _embed(self, texts: list[str]) -> np.ndarray:
        reply = self._post({"input": texts})
        try:
            data = sorted(reply["data"], key=lambda item: int(item["index"]))
            matrix = np.asarray([item["embedding"] for item in data], dtype=np.float32)
        except (TypeError, KeyError, ValueError) as error:
            raise RerankError(f"{self.url}: unexpected reply ({error!r})") from error
        if matrix.ndim != 2 or len(matrix) != len(texts):
            raise RerankError(f"{self.url}: {len(matrix)} vectors for {len(texts)} texts")
        return normalize_rows(matrix)


def make_reranker(settings: Settings, semantic: SemanticSearcher | None) -> Reranker | None:
    """The reranker ``PAPERWIRE_RERANK`` names; ``sentences`` needs the model loaded."""
    if settings.rerank == "sentences":
        return SentenceReranker(semantic) if semantic is not None else None
    if settings.rerank in ("http", "embeddings") and settings.rerank_url:
        kind = RerankEndpoint if settings.rerank == "http" else EmbeddingsEndpoint
        key = settings.rerank_api_key
        return kind(settings.rerank_url, api_key=key.get_secret_value() if key else None,
                    model=settings.rerank_model, timeout=settings.rerank_timeout_s)
    return None
