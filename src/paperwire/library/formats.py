"""Which format a library file is in, and reading it: bytes → text (UTF-8, a byte-order
mark allowed) → the format's parser. The content decides; the file name only breaks a
tie (a ``.txt`` list that begins with ``[`` is still a list)."""

from __future__ import annotations

import re
from collections.abc import Callable

from paperwire.library.bibtex import parse_bibtex
from paperwire.library.csl_json import parse_csl_json
from paperwire.library.models import LibrarySource
from paperwire.library.plain_list import parse_plain_list
from paperwire.library.references import LibraryFileError, Reference, line_of
from paperwire.library.ris import parse_ris

Parser = Callable[[str, str], list[Reference]]
PARSERS: dict[LibrarySource, Parser] = {
    LibrarySource.BIBTEX: parse_bibtex,
    LibrarySource.RIS: parse_ris,
    LibrarySource.CSL_JSON: parse_csl_json,
    LibrarySource.LIST: parse_plain_list,
}
_BIBTEX_ENTRY = re.compile(r"^\s*@\s*[A-Za-z]+\s*[{(]", re.MULTILINE)
_RIS_START = re.compile(r"^TY  -", re.MULTILINE)
_LIST_SUFFIXES = (".txt", ".list", ".csv", ".ids")


def decode(data: bytes, name: str) -> str:
    """The file's text; not UTF-8 (or binary) is an error naming the line."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise LibraryFileError(name, line, "not UTF-8 text") from None
    if "\x00" in text:
        raise LibraryFileError(name, line_of(text, text.index("\x00")), "a binary file, not text")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def detect(text: str, name: str) -> LibrarySource:
    """The format of a library file, from its content (its name when that is a list's)."""
    start = text.lstrip()
    if name.lower().endswith(_LIST_SUFFIXES):
        return LibrarySource.LIST
    if start.startswith(("[", "{")):
        return LibrarySource.CSL_JSON
    if _RIS_START.search(text):
        return LibrarySource.RIS
    if _BIBTEX_ENTRY.search(text):
        return LibrarySource.BIBTEX
    return LibrarySource.LIST


def read_references(data: bytes, name: str) -> tuple[LibrarySource, list[Reference]]:
    text = decode(data, name)
    source = detect(text, name)
    return source, PARSERS[source](text, name)
