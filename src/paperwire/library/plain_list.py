"""Plain lists: one arXiv id, arXiv URL or DOI (bare, ``doi:`` or a doi.org URL) per
line; blank lines and lines starting with ``#`` are skipped. A line that is none of
these is kept as a reference with no identifier, so the import reports it (with its
line) instead of refusing the file for one typo."""

from __future__ import annotations

from paperwire.library.references import Reference, arxiv_id_in, bare_arxiv_id, doi_in


def parse_plain_list(text: str, name: str) -> list[Reference]:
    references = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        arxiv_id = bare_arxiv_id(line) or arxiv_id_in(line)
        doi = None if arxiv_id else doi_in(line)
        references.append(Reference(line=number, key=line[:200], arxiv_id=arxiv_id, doi=doi))
    return references
