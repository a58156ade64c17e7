"""Mark the words a query matched, safely: text is escaped first, then wrapped.

Words match by Porter stem, as SQLite's FTS5 ``porter`` tokenizer does, so
"transformer" highlights "transformers" and "transformation" alike. The search
engine builds one ``Highlighter`` per query and hands it to its hits, which mark
their title and abstract with it (``SearchHit.title`` / ``.snippet``): every surface
shows what the engine matched, and no text is scanned twice for one query.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import snowballstemmer
from markupsafe import Markup, escape

_WORD = re.compile(r"\w+", re.UNICODE)
# A snowball stemmer keeps state while it works: one per thread.
_LOCAL = threading.local()
SEEN_TEXTS = 400  # texts whose matches a highlighter remembers (a page of hits: 2 each)


@lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    stemmer = getattr(_LOCAL, "stemmer", None)
    if stemmer is None:
        stemmer = _LOCAL.stemmer = snowballstemmer.stemmer("porter")
    return stemmer.stemWord(word.lower())


@dataclass(frozen=True, slots=True)
class Highlighter:
    stems: frozenset[str]
    candidates: re.Pattern[str]  # words that may share a stem: checked by stemming
    # One query's matched terms and highlights scan the same titles and abstracts: once
    # is enough. The memo lives and dies with the query's results.
    _seen: dict[str, list[re.Match[str]]] = field(default_factory=dict, compare=False)

    def matches(self, text: str) -> list[re.Match[str]]:
        found = self._seen.get(text)
        if found is None:
            found = [m for m in self.candidates.finditer(text) if stem(m.group(0)) in self.stems]
            if len(self._seen) >= SEEN_TEXTS:
                self._seen.clear()
            self._seen[text] = found
        return found


def highlight_pattern(words: Sequence[str]) -> Highlighter | None:
    """A new highlighter for one query's words (None when it has none to mark)."""
    stems = frozenset(stem(w) for w in words if len(w) > 1)
    if not stems:
        return None
    # A Porter stem is a prefix of its words except for a changed last letter or two
    # ("studi" from "study", "sensibl" from "sensibility"): matching the stem less two
    # letters finds every candidate, so only those few words are stemmed.
    prefixes = sorted({s[: max(2, len(s) - 2)] for s in stems}, key=len, reverse=True)
    pattern = r"\b(?:" + "|".join(map(re.escape, prefixes)) + r")\w*"
    return Highlighter(stems, re.compile(pattern, re.IGNORECASE | re.UNICODE))


def highlight(text: str, pattern: Highlighter | None) -> Markup:
    if pattern is None:
        return escape(text)
    pieces: list[str] = []
    last = 0
    for match in pattern.matches(text):
        pieces.append(escape(text[last : match.start()]))
        pieces.append(Markup("<mark>%s</mark>") % match.group(0))
        last = match.end()
    pieces.append(escape(text[last:]))
    return Markup("").join(pieces)


def matched_words(pattern: Highlighter | None, *texts: str) -> list[str]:
    if pattern is None:
        return []
    return sorted({m.group(0).lower() for text in texts for m in pattern.matches(text)})


def window_around_match(text: str, pattern: Highlighter | None, limit: int = 320) -> str:
    """The start of ``text``, or a window around the first match when that lies further in."""
    flat = " ".join(text.split())
    if flat == text:
        flat = text  # the very string the engine scanned: its matches are remembered
    found = pattern.matches(flat if len(flat) <= 5000 else flat[:5000]) if pattern else []
    if not found or found[0].end() <= limit - 20:
        return _cut(flat, 0, limit)
    start = flat.rfind(" ", 0, max(0, found[0].start() - limit // 3)) + 1
    return "…" + _cut(flat, start, limit)


def _cut(text: str, start: int, limit: int) -> str:
    piece = text[start : start + limit]
    if start + limit >= len(text):
        return piece
    space = piece.rfind(" ")
    return (piece[:space] if space > limit // 2 else piece) + "…"
