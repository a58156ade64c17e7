"""A synthetic arXiv: titles and abstracts from a vocabulary, vectors clustered by topic.

Words come from the real sample's vocabulary (read by path, never copied): each
topic draws its own content words; abstracts mix topic words with common academic
words in Zipf proportions. Vectors are not embeddings of the text (embedding a
million abstracts takes hours here) but are clustered the way text embeddings are:
topic centre + subtopic offset + low-rank spread, unit length. The bench embedder
maps a query's words to their topics' centres, so semantic queries land in the
right clusters, and also runs the real model on the query, so its cost is counted.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import numpy as np

TOPICS = 400
SUBTOPICS_PER_TOPIC = 16
DIM = 384
_WORD = re.compile(r"[a-z][a-z-]{3,}")
STARTS = ["We study", "We propose", "This paper presents", "We introduce", "We show that"]


def vocabulary(sample: Path, limit: int = 6000) -> tuple[list[str], list[str]]:
    """(common words, content words) from the sample's titles and abstracts."""
    counts: Counter[str] = Counter()
    with sample.open() as handle:
        for number, line in enumerate(handle):
            if number >= 8000:
                break
            record = json.loads(line)
            counts.update(_WORD.findall(f"{record['title']} {record['abstract']}".lower()))
    ranked = [word for word, _ in counts.most_common(limit + 300)]
    return ranked[:300], ranked[300:]


class Generator:
    def __init__(self, sample: Path, seed: int = 7) -> None:
        self.rng = np.random.default_rng(seed)
        self.common, content = vocabulary(sample)
        self.topic_words = [
            list(self.rng.choice(content, 60, replace=False)) for _ in range(TOPICS)
        ]
        self.word_topics: dict[str, list[int]] = {}
        for topic, words in enumerate(self.topic_words):
            for word in words:
                self.word_topics.setdefault(word, []).append(topic)
        self.centres = self.rng.standard_normal((TOPICS, DIM)).astype(np.float32)
        self.offsets = self.rng.standard_normal((TOPICS * SUBTOPICS_PER_TOPIC, DIM))
        self.basis = (self.rng.standard_normal((48, DIM)) / np.sqrt(48)).astype(np.float32)
        zipf = 1 / np.arange(1, len(self.common) + 1)
        self.common_p = zipf / zipf.sum()

    def papers(self, n: int, batch: int = 10_000) -> Iterator[tuple[list[dict], np.ndarray]]:
        start_day = date(2015, 1, 1)
        for first in range(0, n, batch):
            size = min(batch, n - first)
            topics = self.rng.integers(0, TOPICS, size)
            within = self.rng.integers(0, SUBTOPICS_PER_TOPIC, size)
            subtopics = topics * SUBTOPICS_PER_TOPIC + within
            rows = [self._paper(first + i, int(t), start_day) for i, t in enumerate(topics)]
            yield rows, self._vectors(topics, subtopics)

    def _paper(self, number: int, topic: int, start_day: date) -> dict:
        words = self.topic_words[topic]
        pick = self.rng.choice(words, 6, replace=False)
        title = " ".join(pick[:4]).capitalize()
        sentences = []
        for _ in range(5):
            mix = list(self.rng.choice(words, 5)) + list(
                self.rng.choice(self.common, 9, p=self.common_p)
            )
            self.rng.shuffle(mix)
            sentences.append(f"{self.rng.choice(STARTS)} " + " ".join(mix) + ".")
        day = start_day + timedelta(days=int(number * 4000 / 1_000_000) % 4000)
        return {"arxiv_id": f"{1501 + number // 99_999:04d}.{number % 99_999:05d}",
                "title": title, "abstract": " ".join(sentences), "day": day,
                "category": f"cat.{topic % 40}", "authors": [f"Author {topic}-{number % 97}"],
                "upvotes": int(self.rng.integers(0, 50))}

    def _vectors(self, topics: np.ndarray, subtopics: np.ndarray) -> np.ndarray:
        size = len(topics)
        spread = (self.rng.standard_normal((size, 48)).astype(np.float32) @ self.basis) * 0.85
        vectors = self.centres[topics] + 0.7 * self.offsets[subtopics] + spread
        vectors += 0.15 * self.rng.standard_normal((size, DIM))
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors.astype(np.float32)

    def queries(self, count: int) -> list[str]:
        out = []
        for _ in range(count):
            words = self.topic_words[int(self.rng.integers(0, TOPICS))]
            count = int(self.rng.integers(2, 5))
            out.append(" ".join(self.rng.choice(words, count, replace=False)))
        return out


class BenchEmbedder:
    """Maps words to their topics' centres (synthetic space); runs the real model too."""

    model_name = "synthetic-clustered"
    min_similarity = 0.2
    dim = DIM

    def __init__(self, generator: Generator, real: object | None) -> None:
        self.generator, self.real = generator, real

    def embed(self, texts: list[str]) -> np.ndarray:
        return np.stack([self.embed_query(text) for text in texts])

    def embed_query(self, text: str) -> np.ndarray:
        if self.real is not None:
            self.real.embed_query(text)  # type: ignore[attr-defined]  # cost counted
        vector = np.zeros(DIM, dtype=np.float32)
        for word in text.lower().split():
            for topic in self.generator.word_topics.get(word, []):
                vector += self.generator.centres[topic]
        norm = np.linalg.norm(vector)
        return vector / norm if norm else vector
