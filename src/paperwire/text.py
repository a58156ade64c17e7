"""Turn arXiv's raw title/abstract/author text into a plain form for display and search.

The originals are kept; these functions derive the normalized copies:
hard line breaks unwrapped, whitespace collapsed, TeX accents decoded
(``Bal\\'azs`` -> ``Balázs``), math between ``$`` kept as written so it stays
readable (and can be rendered by the browser later).
"""

from __future__ import annotations

import re
import unicodedata

# TeX accent command -> Unicode combining character.
_ACCENTS = {
    "'": "\u0301",
    "`": "\u0300",
    "^": "\u0302",
    '"': "\u0308",
    "~": "\u0303",
    "=": "\u0304",
    ".": "\u0307",
    "u": "\u0306",
    "v": "\u030c",
    "H": "\u030b",
    "c": "\u0327",
    "k": "\u0328",
    "r": "\u030a",
    "d": "\u0323",
    "b": "\u0331",
}
# Letters TeX spells as commands.
_LETTERS = {
    "ss": "ß",
    "o": "ø",
    "O": "Ø",
    "aa": "å",
    "AA": "Å",
    "ae": "æ",
    "AE": "Æ",
    "oe": "œ",
    "OE": "Œ",
    "l": "ł",
    "L": "Ł",
    "i": "ı",
    "j": "ȷ",
}

# \'a  \'{a}  {\'a}  \'{\i}  \c c  \v{s}; symbol accents need no space, letter ones do.
_ACCENT_RE = re.compile(
    r"\{?\\(?:(?P<sym>['`^\"~=.])\s*|(?P<word>[uvHckrdb])(?:\s+|(?=\{)))"
    r"(?:\{\s*(?P<braced>\\?[A-Za-z])\s*\}|(?P<bare>\\?[A-Za-z]))\}?"
)
_LETTER_RE = re.compile(r"\{?\\(ss|aa|AA|ae|AE|oe|OE|o|O|l|L)(?![A-Za-z])\}?\s?")
_MATH_RE = re.compile(r"(\$\$.+?\$\$|\$.+?\$)", re.DOTALL)
_WHITESPACE = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# A paragraph starts on a line indented by whitespace (arXiv's snapshot layout).
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]+(?=\S)")


def _accent(match: re.Match[str]) -> str:
    command = match.group("sym") or match.group("word")
    letter = match.group("braced") or match.group("bare")
    if letter in ("\\i", "\\j"):
        letter = letter[1]
    elif letter.startswith("\\"):
        return match.group(0)
    return unicodedata.normalize("NFC", letter + _ACCENTS[command])


def decode_tex_accents(text: str) -> str:
    """Decode TeX accents and letters outside ``$...$`` math; math is left untouched."""
    if "\\" not in text:
        return text
    parts = _MATH_RE.split(text)
    for index in range(0, len(parts), 2):  # even indexes are outside math
        part = _ACCENT_RE.sub(_accent, parts[index])
        parts[index] = _LETTER_RE.sub(lambda m: _LETTERS[m.group(1)], part)
    return "".join(parts)


def collapse_whitespace(text: str) -> str:
    return _WHITESPACE.sub(" ", _CONTROL.sub("", text)).strip()


def plain_title(raw: str) -> str:
    """A title on one line, accents decoded."""
    return collapse_whitespace(decode_tex_accents(raw))


def plain_abstract(raw: str) -> str:
    """An abstract unwrapped into paragraphs separated by a blank line.

    Hard-wrapped abstracts (lines under ~100 columns) break paragraphs only at
    indented lines; abstracts with long lines are already unwrapped, so each
    newline is a paragraph break there.
    """
    text = _CONTROL.sub("", raw.replace("\r\n", "\n")).strip()
    lines = text.split("\n")
    unwrapped = any(len(line) > 100 for line in lines)
    paragraphs = text.split("\n") if unwrapped else _PARAGRAPH_BREAK.split(text)
    cleaned = (collapse_whitespace(decode_tex_accents(p)) for p in paragraphs)
    return "\n\n".join(p for p in cleaned if p)


def split_authors(raw: str) -> list[str]:
    """Split arXiv's one-string author list into names, in order.

    Handles ``A, B and C``, ``A, B, and C``, affiliations in parentheses
    (dropped) and TeX accents.
    """
    text = collapse_whitespace(decode_tex_accents(raw))
    text = _strip_parenthesized(text)
    text = re.sub(r",?\s+and\s+", ", ", text)
    names = (name.strip(" .;") for name in re.split(r",|;", text))
    return [name for name in names if name and name.lower() not in ("et al", "others")]


def _strip_parenthesized(text: str) -> str:
    out: list[str] = []
    depth = 0
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(0, depth - 1)
        elif depth == 0:
            out.append(char)
    return collapse_whitespace("".join(out))


def excerpt(text: str, limit: int = 300) -> str:
    """The start of a text, cut at a word boundary, with an ellipsis when cut."""
    flat = collapse_whitespace(text)
    if len(flat) <= limit:
        return flat
    cut = flat.rfind(" ", 0, limit)
    return flat[: cut if cut > limit // 2 else limit].rstrip(",;:") + "…"


_NOT_WORD = re.compile(r"[^\w]+")


def title_key(raw: str) -> str:
    """A title reduced to compare two spellings of it: TeX accents decoded, then
    accents, case, braces, punctuation and spacing dropped (``{BERT}: Pre-training``
    and ``BERT -- pre-training`` agree)."""
    text = decode_tex_accents(raw).replace("{", "").replace("}", "")
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(_NOT_WORD.sub(" ", bare.casefold().replace("_", " ")).split())
