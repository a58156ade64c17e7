"""Author names as keys: one spelling per person-as-written, for matching and URLs.

``author_key`` folds what varies between sources but not between people: case, TeX and
Unicode accents (``Bal\\'azs``, ``Balázs`` and ``Balazs`` are one key), ``Last, First``
order, dots and hyphens (``J.-P. Serre`` is ``j p serre``) and suffixes (``Jr.``).
Initials are kept as written: ``J. Smith`` and ``John Smith`` are two keys, since
folding them would merge every Smith whose name starts with J; the author page offers
the other spellings of the same surname whose initials agree (``compatible``).

The URL of an author is their key with hyphens for spaces (``/authors/j-p-serre``); any
spelling of the name in the URL redirects there.
"""

from __future__ import annotations

import re
import unicodedata

from paperwire.text import collapse_whitespace, decode_tex_accents

MAX_NAME_CHARS = 200
MAX_KEY_CHARS = 200  # the key columns' width
# Letters NFKD does not take apart into a base letter and an accent.
_FOLDED = str.maketrans({
    "ß": "ss", "ø": "o", "Ø": "o", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "ł": "l",
    "Ł": "l", "đ": "d", "Đ": "d", "ð": "d", "þ": "th", "ı": "i", "ȷ": "j",
})
_SUFFIXES = {"jr", "sr", "ii", "iii", "iv"}
_NOT_A_LETTER = re.compile(r"[^\w]+")


def author_key(name: str) -> str:
    """The matching key of a name as written: lower-case words with accents folded, given
    names first (``"LeCun, Yann"``, ``"Yann LeCun"`` -> ``"yann lecun"``; ``"Erd\\H{o}s,
    Paul"`` -> ``"paul erdos"``). Empty when the name has no letters."""
    text = name[:MAX_NAME_CHARS]
    if not text.isascii() or "\\" in text:  # most names on arXiv are plain ASCII
        text = collapse_whitespace(decode_tex_accents(text))
    if text.count(",") == 1:  # "Last, First": a library's or a reader's order
        last, first = (part.strip() for part in text.split(","))
        if first.casefold().strip(".") not in _SUFFIXES:  # not "King, Jr."
            text = f"{first} {last}"
    if not text.isascii():
        folded = unicodedata.normalize("NFKD", text.translate(_FOLDED))
        text = "".join(char for char in folded if not unicodedata.combining(char))
    words = _NOT_A_LETTER.sub(" ", text.casefold().replace("_", " ")).split()
    while len(words) > 1 and words[-1] in _SUFFIXES:
        words.pop()
    return " ".join(words)[:MAX_KEY_CHARS].rstrip()  # folding can lengthen ("ß" -> "ss")


def surname_of(key: str) -> str:
    """The last word of a key: what the other spellings of one author share."""
    return key.rsplit(" ", 1)[-1]


def author_slug(key: str) -> str:
    """The path segment of an author's page."""
    return key.replace(" ", "-")


def compatible(key: str, other: str) -> bool:
    """Whether two keys may name one person: the same surname, and given names that agree
    word by word where both have one, an initial agreeing with any name it starts
    (``j smith``, ``john smith`` and ``john a smith``; not ``jane smith`` with ``john
    smith``)."""
    first, second = key.split(" "), other.split(" ")
    if first[-1] != second[-1] or key == other:
        return False
    for mine, theirs in zip(first[:-1], second[:-1], strict=False):
        if len(mine) == 1 or len(theirs) == 1:
            if mine[0] != theirs[0]:
                return False
        elif mine != theirs:
            return False
    return True
