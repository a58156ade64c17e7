"""The arXiv metadata snapshot: JSON lines (plain or gzip), one paper per line.

Yields a ``PaperRecord`` for each good line and a ``Rejection`` naming
``file:line`` and the reason for each bad one, streaming, so a 4 GB snapshot
never sits in memory.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterator
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import IO, Any

import orjson

from paperwire.errors import InvalidArxivId, InvalidRecord
from paperwire.records import PaperRecord, Version
from paperwire.sources.base import Rejection, SourceItem
from paperwire.text import split_authors

MAX_LINE_BYTES = 1_000_000
_TEXT_FIELDS = {
    "submitter": "submitter",
    "comments": "comments",
    "journal-ref": "journal_ref",
    "doi": "doi",
    "report-no": "report_no",
    "license": "license",
}


ProgressCallback = Callable[[int], None]


def read_snapshot(path: Path, on_progress: ProgressCallback | None = None) -> Iterator[SourceItem]:
    """Every line of a snapshot file as a record or a rejection, in file order.

    ``on_progress`` is called now and then with the bytes of the file read so far
    (compressed bytes for .gz), for a progress bar.
    """
    with path.open("rb") as raw:
        gzipped = raw.read(2) == b"\x1f\x8b"
        raw.seek(0)
        stream: IO[bytes] = gzip.GzipFile(fileobj=raw) if gzipped else raw
        for number, line in enumerate(stream, start=1):
            if on_progress and number % 500 == 0:
                on_progress(raw.tell())
            if line.strip():
                yield _parse_or_reject(line, f"{path}:{number}")
        if on_progress:
            on_progress(raw.tell())


def _parse_or_reject(line: bytes, where: str) -> SourceItem:
    try:
        return parse_snapshot_line(line)
    except InvalidRecord as error:
        return Rejection(where, str(error))
    except InvalidArxivId as error:
        return Rejection(where, f"field 'id': {error}")


def parse_snapshot_line(line: bytes) -> PaperRecord:
    if len(line) > MAX_LINE_BYTES:
        raise InvalidRecord(f"line is {len(line):,} bytes (limit {MAX_LINE_BYTES:,})")
    try:
        data = orjson.loads(line)
    except orjson.JSONDecodeError as error:
        raise InvalidRecord(f"not JSON ({error.args[0].split(':')[0]})") from None
    if not isinstance(data, dict):
        raise InvalidRecord(f"expected a JSON object, got {type(data).__name__}")
    return record_from_snapshot(data)


def record_from_snapshot(data: dict[str, Any]) -> PaperRecord:
    arxiv_id = _required_text(data, "id")
    title = _required_text(data, "title")
    extras = {attr: _optional_text(data, key) for key, attr in _TEXT_FIELDS.items()}
    return PaperRecord(
        arxiv_id=arxiv_id,
        title=title,
        abstract=_optional_text(data, "abstract") or "",
        authors=_authors(data),
        categories=(_optional_text(data, "categories") or "").split(),
        versions=_versions(data.get("versions")),
        update_date=_update_date(data.get("update_date")),
        **extras,
    )


def _required_text(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise InvalidRecord(f"field '{key}': missing")
    if not isinstance(value, str):
        raise InvalidRecord(f"field '{key}': expected a string, got {type(value).__name__}")
    return value


def _optional_text(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidRecord(f"field '{key}': expected a string, got {type(value).__name__}")
    return value.strip() or None


def _authors(data: dict[str, Any]) -> list[str]:
    parsed = data.get("authors_parsed")
    if parsed is not None and not isinstance(parsed, list):
        raise InvalidRecord("field 'authors_parsed': expected a list")
    raw = _optional_text(data, "authors")
    if raw:
        return split_authors(raw)
    if parsed:
        return [_name_from_parsed(entry) for entry in parsed]
    return []


def _name_from_parsed(entry: Any) -> str:
    if not isinstance(entry, list) or not all(isinstance(part, str) for part in entry):
        raise InvalidRecord("field 'authors_parsed': entries must be lists of strings")
    last, first, suffix = ([*entry, "", "", ""])[:3]
    return " ".join(part for part in (first, last, suffix) if part)


def _versions(value: Any) -> list[Version]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidRecord("field 'versions': expected a list")
    versions = []
    for entry in value:
        if not isinstance(entry, dict):
            raise InvalidRecord("field 'versions': entries must be objects")
        label, created = entry.get("version"), entry.get("created")
        if not isinstance(label, str) or not label.startswith("v") or not label[1:].isdigit():
            raise InvalidRecord(f"field 'versions': bad version label {label!r}")
        versions.append(Version(int(label[1:]), parse_rfc1123(created)))
    return versions


def parse_rfc1123(value: Any) -> datetime:
    if not isinstance(value, str):
        raise InvalidRecord(f"field 'versions': bad date {value!r}")
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError):
        raise InvalidRecord(f"field 'versions': bad date {value!r}") from None


def _update_date(value: Any) -> date | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidRecord(f"field 'update_date': expected YYYY-MM-DD, got {value!r}")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidRecord(f"field 'update_date': expected YYYY-MM-DD, got {value!r}") from None
