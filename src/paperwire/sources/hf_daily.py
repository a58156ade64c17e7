"""Hugging Face's ``/api/daily_papers`` JSON into ``PaperRecord``s with upvotes.

A file holds a list of items ``{"paper": {...}, "publishedAt", "submittedBy",
"numComments", ...}``. A paper is listed on the day it was submitted to the
daily list (``paper.submittedOnDailyAt``), else its ``publishedAt`` day. The
records carry no version history, so arXiv's own records always outrank them;
their upvotes are applied whatever the store already holds.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import orjson

from paperwire.errors import InvalidArxivId, InvalidRecord
from paperwire.records import PaperRecord
from paperwire.sources.base import Rejection, SourceItem

MAX_FILE_BYTES = 200_000_000


def looks_like_hf_daily(path: Path) -> bool:
    """A JSON array (HF's shape) rather than JSON lines (the arXiv snapshot)."""
    with path.open("rb") as handle:
        start = handle.read(4096).lstrip()
    return start.startswith(b"[")


def read_hf_daily(path: Path) -> Iterator[SourceItem]:
    if path.stat().st_size > MAX_FILE_BYTES:
        yield Rejection(str(path), f"file is over {MAX_FILE_BYTES:,} bytes")
        return
    try:
        items = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as error:
        yield Rejection(str(path), f"not JSON ({error.args[0].split(':')[0]})")
        return
    if not isinstance(items, list):
        yield Rejection(str(path), "expected a JSON list of daily-paper items")
        return
    for index, item in enumerate(items, start=1):
        try:
            yield record_from_hf_item(item)
        except (InvalidRecord, InvalidArxivId) as error:
            yield Rejection(f"{path}:item {index}", str(error))


def record_from_hf_item(item: Any) -> PaperRecord:
    if not isinstance(item, dict) or not isinstance(item.get("paper"), dict):
        raise InvalidRecord("field 'paper': missing or not an object")
    paper = item["paper"]
    upvotes = paper.get("upvotes", 0)
    if not isinstance(upvotes, int) or upvotes < 0:
        raise InvalidRecord(f"field 'upvotes': {upvotes!r}")
    published = _day(paper.get("publishedAt") or item.get("publishedAt"))
    return PaperRecord(
        arxiv_id=_text(paper, "id", required=True),
        title=_text(paper, "title") or _text(item, "title", required=True),
        abstract=_text(paper, "summary") or _text(item, "summary"),
        authors=_authors(paper.get("authors")),
        update_date=published,
        upvotes=upvotes,
        announced_on=_day(paper.get("submittedOnDailyAt")) or published,
    )


def _text(data: dict[str, Any], key: str, *, required: bool = False) -> str:
    value = data.get(key)
    if value is None or value == "":
        if required:
            raise InvalidRecord(f"field '{key}': missing")
        return ""
    if not isinstance(value, str):
        raise InvalidRecord(f"field '{key}': expected a string, got {type(value).__name__}")
    return " ".join(value.split()) if key == "title" else value.strip()


def _authors(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidRecord("field 'authors': expected a list")
    names = []
    for author in value:
        name = author.get("name") if isinstance(author, dict) else None
        if not isinstance(name, str):
            raise InvalidRecord("field 'authors': entries need a 'name'")
        if name.strip():
            names.append(name.strip())
    return names


def _day(value: Any) -> date | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        raise InvalidRecord(f"bad timestamp {value!r}") from None
