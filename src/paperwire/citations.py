"""Citations of papers: BibTeX in arXiv's own style, RIS and CSL-JSON, and the
Highwire and COinS metadata reference managers read from a paper's page.

Every format is built from the stored ``Paper`` alone, so a paper, a collection and
a search result list export alike. BibTeX is written TeX-safe: accented letters
become TeX accents (``{\\"o}``), TeX's special characters are escaped, and ``$...$``
math is kept as written.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from paperwire.models import Paper

# Combining marks → the TeX accent command that draws them.
_ACCENTS = {
    "\u0300": "`", "\u0301": "'", "\u0302": "^", "\u0303": "~", "\u0304": "=",
    "\u0306": "u", "\u0307": ".", "\u0308": '"', "\u030a": "r", "\u030b": "H",
    "\u030c": "v", "\u0327": "c", "\u0328": "k",
}
_LETTERS = {
    "ß": r"{\ss}", "ø": r"{\o}", "Ø": r"{\O}", "æ": r"{\ae}", "Æ": r"{\AE}",
    "œ": r"{\oe}", "Œ": r"{\OE}", "ł": r"{\l}", "Ł": r"{\L}", "ı": r"{\i}",
    "đ": r"{\dj}", "Đ": r"{\DJ}",
}
_SPECIAL = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "&": r"\&", "%": r"\%",
    "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
}
_MATH = re.compile(r"(\$[^$]+\$)")
_WORD = re.compile(r"[A-Za-z0-9]+")
# Title words a citation key skips (arXiv's keys take the first significant words).
def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_KEY_SKIP = _words("a an the of on in for to and with from by at via is are towards toward")
_SUFFIXES = _words("jr sr ii iii iv")
_NAME_PARTICLES = _words("van von der den de del della di da du la le ter ten dos das bin al")


def tex(text: str) -> str:
    """``text`` safe inside a BibTeX field's braces, math left as written."""
    return "".join(
        part if _MATH.fullmatch(part) else _tex_text(part) for part in _MATH.split(text)
    )


def _tex_text(text: str) -> str:
    out = []
    for char in unicodedata.normalize("NFC", text):
        if char in _SPECIAL:
            out.append(_SPECIAL[char])
        elif char in _LETTERS:
            out.append(_LETTERS[char])
        elif char == "$":
            out.append(r"\$")
        elif ord(char) < 128:
            out.append(char)
        else:
            out.append(_accented(char))
    return "".join(out)


def _accented(char: str) -> str:
    base, *marks = unicodedata.normalize("NFD", char)
    if not marks or not base.isascii() or any(mark not in _ACCENTS for mark in marks):
        return char  # no TeX accent draws it: keep the letter (biber and bibtex8 read UTF-8)
    letter = r"\i" if base == "i" else base
    for mark in marks:
        command = _ACCENTS[mark]
        letter = f"\\{command}{{{letter}}}" if command.isalpha() else f"\\{command}{letter}"
    return "{" + letter + "}"


@dataclass(frozen=True, slots=True)
class Name:
    given: str
    family: str
    suffix: str = ""


def parse_name(name: str) -> Name:
    """An author name as arXiv lists it ("Ada M. van der Lovelace Jr.")."""
    words = name.split()
    if len(words) <= 1:
        return Name("", name.strip())
    suffix = words.pop() if len(words) > 2 and words[-1].rstrip(".").lower() in _SUFFIXES else ""
    start = len(words) - 1
    while start > 1 and words[start - 1].lower() in _NAME_PARTICLES:
        start -= 1
    return Name(" ".join(words[:start]), " ".join(words[start:]), suffix)


def _year(paper: Paper) -> int:
    return paper.published_or_announced.year


def citation_key(paper: Paper) -> str:
    """arXiv's style: first author's family name, year, first significant title word."""
    family = parse_name(paper.authors[0]).family if paper.authors else "anonymous"
    surname = _ascii_word(family.split()[-1]) or "anonymous"
    words = [w.lower() for w in _WORD.findall(_ascii(paper.title)) if w.lower() not in _KEY_SKIP]
    return f"{surname}{_year(paper)}{words[0] if words else ''}"


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _ascii_word(text: str) -> str:
    return "".join(_WORD.findall(_ascii(text))).lower()


def _unique_keys(papers: Sequence[Paper]) -> list[str]:
    """Citation keys, a letter added where two papers would share one."""
    keys = [citation_key(paper) for paper in papers]
    seen: dict[str, int] = {}
    unique = []
    for key in keys:
        count = seen.get(key, 0)
        seen[key] = count + 1
        unique.append(key if count == 0 else f"{key}{_letters(count)}")
    return unique


def _letters(number: int) -> str:
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return letters


def bibtex(papers: Sequence[Paper]) -> str:
    """``@misc`` entries as arXiv's "Export BibTeX citation" writes them."""
    return "\n".join(
        _bibtex_entry(paper, key) for paper, key in zip(papers, _unique_keys(papers), strict=True)
    )


def _bibtex_entry(paper: Paper, key: str) -> str:
    fields = [
        ("title", tex(paper.title)),
        ("author", " and ".join(_bibtex_name(name) for name in paper.authors)),
        ("year", str(_year(paper))),
        ("eprint", paper.arxiv_id),
        ("archivePrefix", "arXiv"),
    ]
    if paper.primary_category:
        fields.append(("primaryClass", paper.primary_category))
    if paper.doi:  # verbatim in biblatex: written as it is, braces dropped
        fields.append(("doi", paper.doi.replace("{", "").replace("}", "")))
    fields.append(("url", paper.abs_url))
    body = "".join(f"      {name}={{{value}}},\n" for name, value in fields)
    return f"@misc{{{key},\n{body}}}\n"


def _bibtex_name(name: str) -> str:
    """"Given Family", or BibTeX's "Family, Jr., Given" for a name with a suffix."""
    parsed = parse_name(name)
    if parsed.suffix:
        return f"{tex(parsed.family)}, {tex(parsed.suffix)}, {tex(parsed.given)}"
    return tex(f"{parsed.given} {parsed.family}".strip())


def ris(papers: Iterable[Paper]) -> str:
    """RIS records (type UNPB, as reference managers file a preprint)."""
    return "".join(_ris_record(paper) for paper in papers)


def _ris_record(paper: Paper) -> str:
    day = paper.published_or_announced
    lines = [("TY", "UNPB"), ("TI", _one_line(paper.title))]
    lines += [("AU", _ris_name(name)) for name in paper.authors]
    lines += [
        ("PY", str(day.year)), ("DA", day.strftime("%Y/%m/%d")),
        ("AB", _one_line(paper.abstract)), ("PB", "arXiv"),
        ("M1", f"arXiv:{paper.arxiv_id}"), ("UR", paper.abs_url), ("L1", paper.pdf_url),
    ]
    if paper.doi:
        lines.append(("DO", paper.doi))
    lines += [("KW", category) for category in paper.categories]
    lines.append(("ER", ""))
    return "".join(f"{tag}  - {value}".rstrip() + "\n" for tag, value in lines) + "\n"


def _ris_name(name: str) -> str:
    parsed = parse_name(name)
    return ", ".join(part for part in (parsed.family, parsed.given, parsed.suffix) if part)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def csl_json(papers: Iterable[Paper]) -> list[dict]:
    """CSL-JSON items, as Zotero exports a preprint (type ``article``)."""
    items = []
    for paper in papers:
        day = paper.published_or_announced
        item: dict = {
            "id": f"arXiv:{paper.arxiv_id}",
            "type": "article",
            "genre": "Preprint",
            "title": _one_line(paper.title),
            "author": [_csl_name(name) for name in paper.authors],
            "issued": {"date-parts": [[day.year, day.month, day.day]]},
            "abstract": _one_line(paper.abstract),
            "publisher": "arXiv",
            "number": f"arXiv:{paper.arxiv_id}",
            "URL": paper.abs_url,
            "keyword": ", ".join(paper.categories),
        }
        if paper.doi:
            item["DOI"] = paper.doi
        items.append(item)
    return items


def _csl_name(name: str) -> dict[str, str]:
    parsed = parse_name(name)
    if not parsed.given:
        return {"literal": parsed.family}
    fields = {"family": parsed.family, "given": parsed.given}
    return {**fields, "suffix": parsed.suffix} if parsed.suffix else fields


def highwire_tags(paper: Paper) -> list[tuple[str, str]]:
    """``<meta name=... content=...>`` pairs Google Scholar and the Zotero Connector read."""
    tags = [("citation_title", _one_line(paper.title))]
    tags += [("citation_author", name) for name in paper.authors]
    tags += [
        ("citation_publication_date", paper.published_or_announced.strftime("%Y/%m/%d")),
        ("citation_online_date", paper.announced_on.strftime("%Y/%m/%d")),
        ("citation_arxiv_id", paper.arxiv_id),
        ("citation_publisher", "arXiv"),
        ("citation_pdf_url", paper.pdf_url),
        ("citation_abstract_html_url", paper.abs_url),
    ]
    if paper.doi:
        tags.append(("citation_doi", paper.doi))
    return tags


def coins(paper: Paper) -> str:
    """The OpenURL ContextObject of a COinS span's ``title`` (escape it as any attribute)."""
    fields = [
        ("ctx_ver", "Z39.88-2004"), ("rft_val_fmt", "info:ofi/fmt:kev:mtx:journal"),
        ("rft.genre", "preprint"), ("rft.atitle", _one_line(paper.title)),
        ("rft.date", paper.published_or_announced.isoformat()),
        ("rft_id", f"info:arxiv/{paper.arxiv_id}"), ("rft_id", paper.abs_url),
    ]
    if paper.doi:
        fields.append(("rft_id", f"info:doi/{paper.doi}"))
    fields += [("rft.au", name) for name in paper.authors]
    return urlencode(fields)


FORMATS = {
    "bib": "application/x-bibtex; charset=utf-8",
    "ris": "application/x-research-info-systems; charset=utf-8",
    "json": "application/vnd.citationstyles.csl+json; charset=utf-8",
}
