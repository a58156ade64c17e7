"""BibTeX (``.bib``) exports, from Zotero, Mendeley, JabRef, Google Scholar or by hand,
parsed by bibtexparser 2. The arXiv id is looked for where each tool writes it:
``eprint`` (with ``archivePrefix = {arXiv}``), ``url``, ``doi`` (arXiv's 10.48550),
``note``, ``journal`` (``arXiv preprint arXiv:2101.00001``) and ``howpublished``."""

from __future__ import annotations

import bibtexparser
from bibtexparser.model import (
    DuplicateBlockKeyBlock,
    DuplicateFieldKeyBlock,
    Entry,
    ParsingFailedBlock,
)

from paperwire.library.references import (
    LibraryFileError,
    Reference,
    arxiv_id_in,
    bare_arxiv_id,
    doi_in,
    plain,
)

_ID_FIELDS = ("url", "doi", "note", "journal", "journaltitle", "howpublished", "number",
              "annote", "eprinttype")


def parse_bibtex(text: str, name: str) -> list[Reference]:
    """The file's entries. An entry key or a field given twice (merged exports have
    them) is read as written; any other syntax error refuses the file at its line."""
    library = bibtexparser.parse_string(text)
    entries = list(library.entries)
    for block in library.failed_blocks:
        if isinstance(block, DuplicateBlockKeyBlock | DuplicateFieldKeyBlock):
            if isinstance(block.ignore_error_block, Entry):
                entries.append(block.ignore_error_block)
            continue
        raise LibraryFileError(name, block.start_line + 1, _failure(block))
    return [_reference(entry) for entry in sorted(entries, key=lambda e: e.start_line)]


def _failure(block: ParsingFailedBlock) -> str:
    error = block.error
    reason = getattr(error, "abort_reason", None) or str(error) or "not a BibTeX entry"
    return f"BibTeX syntax: {reason.strip().splitlines()[0]}"


def _reference(entry: Entry) -> Reference:
    fields = {field.key.lower(): str(field.value) for field in entry.fields}
    eprint = fields.get("eprint")
    prefix = fields.get("archiveprefix", fields.get("eprinttype", "arxiv")).lower()
    arxiv_id = bare_arxiv_id(eprint) if prefix == "arxiv" else None
    arxiv_id = arxiv_id or arxiv_id_in(*(fields.get(key) for key in _ID_FIELDS))
    doi = doi_in(fields.get("doi"))
    return Reference(
        line=entry.start_line + 1, key=entry.key, arxiv_id=arxiv_id,
        doi=None if doi and doi.startswith("10.48550/") else doi,
        title=plain(fields.get("title")),
    )
