"""Help for queries that found little: "did you mean" spellings and related concepts."""

from __future__ import annotations

import difflib
import re
import threading
import time
from collections import Counter
from typing import TYPE_CHECKING

from paperwire.db.embeddings import stored_concepts
from paperwire.db.search import newest_texts
from paperwire.db.session import Connection
from paperwire.search.query import ParsedQuery

if TYPE_CHECKING:
    from paperwire.search.semantic import SemanticSearcher

VOCABULARY_SAMPLE = 20_000  # newest papers whose titles and abstracts give the word list
VOCABULARY_TTL = 600.0
_WORD = re.compile(r"[a-z][a-z-]{2,}")


class Vocabulary:
    """Words of the newest papers with their frequencies, rebuilt every few minutes."""

    def __init__(self) -> None:
        self._words: Counter[str] = Counter()
        self._built = -VOCABULARY_TTL
        self._lock = threading.Lock()

    def words(self, connection: Connection) -> Counter[str]:
        with self._lock:
            if time.monotonic() - self._built > VOCABULARY_TTL:
                self._words = _count_words(connection)
                self._built = time.monotonic()
            return self._words


def _count_words(connection: Connection) -> Counter[str]:
    counts: Counter[str] = Counter()
    for title, abstract in newest_texts(connection, VOCABULARY_SAMPLE):
        counts.update(_WORD.findall(f"{title} {abstract}".lower()))
    return counts


def did_you_mean(connection: Connection, query: ParsedQuery, vocabulary: Vocabulary) -> str | None:
    """The query with unknown words replaced by close, frequent ones; None if no change."""
    counts = vocabulary.words(connection)
    replacements = {}
    for word in query.highlight_words:
        if len(word) < 4 or counts.get(word, 0) > 0:
            continue
        pool = [w for w in counts if w[0] == word[0] and abs(len(w) - len(word)) <= 2]
        close = difflib.get_close_matches(word, pool, n=5, cutoff=0.75)
        if close:
            replacements[word] = max(close, key=lambda w: (counts[w], w))
    if not replacements:
        return None
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, replacements)) + r")\b", re.IGNORECASE)
    return pattern.sub(lambda m: replacements[m.group(0).lower()], query.raw)


def related_concepts(
    connection: Connection, query: ParsedQuery, semantic: SemanticSearcher, limit: int = 8
) -> list[str]:
    """Concepts most common among the papers nearest the query, however far they are."""
    nearest = semantic.nearest(query.text, 20, floor=False)
    concepts = stored_concepts(connection, semantic.model, [pid for pid, _ in nearest])
    counts: Counter[str] = Counter()
    for phrases in concepts.values():
        counts.update(phrase.lower() for phrase in phrases)
    return [phrase for phrase, _ in counts.most_common(limit)]
