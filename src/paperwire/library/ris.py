"""RIS exports (Zotero, Mendeley, EndNote), fields read by rispy. The file is split
into records here first, so each record keeps the line it starts on and a record left
open is an error naming it; lines that carry no tag continue the field above (rispy
joins them). Ids are looked for in ``DO``, ``UR``/``L1``-``L4``, ``N1``, ``AN``,
``M3`` and the journal."""

from __future__ import annotations

import re

import rispy

from paperwire.library.references import LibraryFileError, Reference, arxiv_id_in, doi_in, plain

_TAG = re.compile(r"^([A-Z][A-Z0-9])  -(?: |$)")
_LINK_KEYS = ("urls", "file_attachments1", "file_attachments2", "link_to_pdf",
              "notes", "accession_number", "type_of_work", "number", "journal_name",
              "alternate_title3", "secondary_title", "unknown_tag")


def parse_ris(text: str, name: str) -> list[Reference]:
    return [_reference(start, rispy.loads("\n".join(lines)))
            for start, lines in _records(text, name)]


def _records(text: str, name: str) -> list[tuple[int, list[str]]]:
    records: list[tuple[int, list[str]]] = []
    current: list[str] | None = None
    start = 0
    for number, line in enumerate(text.splitlines(), start=1):
        tag = _TAG.match(line)
        if current is None:
            if tag and tag.group(1) == "TY":
                current, start = [line], number
            elif line.strip():
                raise LibraryFileError(name, number, "RIS: a record must start with 'TY  - '")
            continue
        if tag and tag.group(1) == "TY":
            raise LibraryFileError(name, start, "RIS: record has no 'ER  - ' end line")
        current.append(line)
        if tag and tag.group(1) == "ER":
            records.append((start, current))
            current = None
    if current is not None:
        raise LibraryFileError(name, start, "RIS: record has no 'ER  - ' end line")
    return records


def _reference(start: int, parsed: list[dict]) -> Reference:
    fields = parsed[0] if parsed else {}
    texts: list[str] = []
    for key in ("doi", *_LINK_KEYS):
        value = fields.get(key)
        if isinstance(value, list):
            texts += [str(item) for item in value]
        elif isinstance(value, dict):
            texts += [str(item) for values in value.values() for item in values]
        elif value:
            texts.append(str(value))
    doi = doi_in(fields.get("doi"))
    title = plain(fields.get("title") or fields.get("primary_title")
                  or fields.get("translated_title"))
    return Reference(
        line=start, key=str(fields.get("id") or (title or "")[:120] or f"record at line {start}"),
        arxiv_id=arxiv_id_in(*texts),
        doi=None if doi and doi.startswith("10.48550/") else doi,
        title=title,
    )
