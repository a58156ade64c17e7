"""Mark the words a query matched, safely: text is escaped first, then wrapped."""

from __future__ import annotations

import re
from collections.abc import Sequence

from markupsafe import Markup, escape

_SUFFIXES = ("ing", "es", "ed", "s")


def _stem(word: str) -> str:
    for suffix in _SUFFIXES:
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def highlight_pattern(words: Sequence[str]) -> re.Pattern[str] | None:
    stems = sorted({_stem(w.lower()) for w in words if len(w) > 1}, key=len, reverse=True)
    if not stems:
        return None
    alternatives = "|".join(re.escape(stem) for stem in stems)
    return re.compile(rf"\b(?:{alternatives})\w*", re.IGNORECASE)


def highlight(text: str, pattern: re.Pattern[str] | None) -> Markup:
    if pattern is None:
        return escape(text)
    pieces: list[str] = []
    last = 0
    for match in pattern.finditer(text):
        pieces.append(escape(text[last : match.start()]))
        pieces.append(Markup("<mark>%s</mark>") % match.group(0))
        last = match.end()
    pieces.append(escape(text[last:]))
    return Markup("").join(pieces)


def matched_words(text: str, pattern: re.Pattern[str] | None) -> list[str]:
    if pattern is None:
        return []
    return sorted({m.group(0).lower() for m in pattern.finditer(text)})


def window_around_match(text: str, pattern: re.Pattern[str] | None, limit: int = 320) -> str:
    """The start of ``text``, or a window around the first match when that lies further in."""
    flat = " ".join(text.split())
    match = pattern.search(flat) if pattern else None
    if match is None or match.end() <= limit - 20:
        return _cut(flat, 0, limit)
    start = flat.rfind(" ", 0, max(0, match.start() - limit // 3)) + 1
    return "…" + _cut(flat, start, limit)


def _cut(text: str, start: int, limit: int) -> str:
    piece = text[start : start + limit]
    if start + limit >= len(text):
        return piece
    space = piece.rfind(" ")
    return (piece[:space] if space > limit // 2 else piece) + "…"
