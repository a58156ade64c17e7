"""What every library parser yields: one :class:`Reference` per entry, with the line it
starts on, and the one error a bad file raises. The identifiers in a reference are
found by the helpers here, shared by the formats."""

from __future__ import annotations

import re
from dataclasses import dataclass

from paperwire.errors import InvalidArxivId, PaperwireError
from paperwire.ids import find_arxiv_id, normalize_arxiv_id
from paperwire.text import collapse_whitespace, decode_tex_accents

_DOI = re.compile(r"\b(10\.[0-9]{4,9}/[^\s\"<>{}]+)", re.IGNORECASE)
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)


class LibraryFileError(PaperwireError, ValueError):
    """A library file that cannot be read; the message names the file and the line."""

    def __init__(self, name: str, line: int, reason: str) -> None:
        super().__init__(f"{name}, line {line}: {reason}")
        self.name, self.line, self.reason = name, line, reason


@dataclass(frozen=True, slots=True)
class Reference:
    """One entry of a library file, as its identifiers were written in it."""

    line: int  # 1-based, where the entry starts
    key: str  # the BibTeX key, RIS or CSL id, or the line of a plain list
    arxiv_id: str | None = None  # canonical, no version
    doi: str | None = None  # lower-cased, no resolver prefix
    title: str | None = None  # plain text, accents decoded


def arxiv_id_in(*texts: str | None) -> str | None:
    """The first arXiv id written in any of the texts (an id, URL or arXiv DOI)."""
    for text in texts:
        if text:
            found = find_arxiv_id(text)
            if found:
                return found
    return None


def bare_arxiv_id(text: str | None) -> str | None:
    """An ``eprint``-style field: the id alone (with or without version or prefix)."""
    if not text:
        return None
    try:
        return normalize_arxiv_id(text)
    except InvalidArxivId:
        return find_arxiv_id(text)


def doi_in(*texts: str | None) -> str | None:
    """The first DOI in any of the texts, lower-cased and without ``https://doi.org/``."""
    for text in texts:
        if text:
            match = _DOI.search(_DOI_PREFIX.sub("", text.strip()))
            if match:
                return match.group(1).rstrip(".,;").lower()
    return None


def plain(text: str | None) -> str | None:
    """A field as plain text: TeX accents decoded, protecting braces dropped."""
    if not text:
        return None
    flat = collapse_whitespace(decode_tex_accents(text).replace("{", "").replace("}", ""))
    return flat or None


def line_of(text: str, offset: int) -> int:
    """The 1-based line of a character offset."""
    return text.count("\n", 0, offset) + 1
