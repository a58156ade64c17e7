"""CSL-JSON exports (Zotero's and Mendeley's "CSL JSON", Better BibTeX): a JSON array
of items (one item alone is accepted too). Each item is decoded on its own so it keeps
the line it starts on. Ids: ``DOI``, ``URL``, ``number`` (Zotero writes
``arXiv:2101.00001`` there for preprints), ``note``, ``archive_location``,
``container-title``."""

from __future__ import annotations

import json
from typing import Any

from paperwire.library.references import (
    LibraryFileError,
    Reference,
    arxiv_id_in,
    bare_arxiv_id,
    doi_in,
    line_of,
    plain,
)

_ID_FIELDS = ("URL", "DOI", "number", "note", "archive_location", "container-title",
              "publisher", "source")
_DECODER = json.JSONDecoder()


def parse_csl_json(text: str, name: str) -> list[Reference]:
    start = _skip_space(text, 0)
    if text.startswith("{", start):
        return [_reference(_decode(text, start, name), line_of(text, start), name)]
    if not text.startswith("[", start):
        raise LibraryFileError(name, line_of(text, start), "CSL-JSON: expected a list of items")
    references: list[Reference] = []
    position = _skip_space(text, start + 1)
    while not text.startswith("]", position):
        if references:
            if not text.startswith(",", position):
                raise LibraryFileError(name, line_of(text, position),
                                       "CSL-JSON: expected ',' or ']' between items")
            position = _skip_space(text, position + 1)
        item_start = position
        item = _decode(text, item_start, name)
        references.append(_reference(item, line_of(text, item_start), name))
        position = _skip_space(text, _DECODER.raw_decode(text, item_start)[1])
        if position >= len(text):
            raise LibraryFileError(name, line_of(text, position), "CSL-JSON: the list is not closed")
    trailing = _skip_space(text, position + 1)
    if trailing < len(text):
        raise LibraryFileError(name, line_of(text, trailing), "CSL-JSON: text after the list")
    return references


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position].isspace():
        position += 1
    return position


def _decode(text: str, position: int, name: str) -> Any:
    try:
        return _DECODER.raw_decode(text, position)[0]
    except json.JSONDecodeError as error:
        raise LibraryFileError(name, error.lineno, f"CSL-JSON: {error.msg}") from None


def _reference(item: Any, line: int, name: str) -> Reference:
    if not isinstance(item, dict):
        raise LibraryFileError(name, line, "CSL-JSON: an item must be an object")
    texts = [_text(item.get(key)) for key in _ID_FIELDS]
    arxiv_id = arxiv_id_in(*texts)
    if arxiv_id is None and str(item.get("archive", "")).lower() == "arxiv":
        arxiv_id = bare_arxiv_id(_text(item.get("number")))
    doi = doi_in(_text(item.get("DOI")))
    return Reference(
        line=line, key=_text(item.get("id")) or f"item at line {line}", arxiv_id=arxiv_id,
        doi=None if doi and doi.startswith("10.48550/") else doi,
        title=plain(_text(item.get("title"))),
    )


def _text(value: Any) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)
