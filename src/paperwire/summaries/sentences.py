"""An abstract split into sentences, cleaned of TeX markup, trimmed to a word budget.

Math (``$...$``) is one opaque token throughout: never split, trimmed or cleaned inside.
"""

from __future__ import annotations

import re

from paperwire.text import collapse_whitespace, decode_tex_accents

MAX_WORDS = 40
MIN_TRIM_WORDS = 12  # a clause boundary earlier than this makes too short a summary
ELLIPSIS = "…"

_MATH = re.compile(r"\$\$.+?\$\$|\$.+?\$|\\\(.+?\\\)", re.DOTALL)
_SLOT = "\ue000{}\ue001"
_SLOT_RE = re.compile("\ue000(\\d+)\ue001")
# Words after which a period does not end a sentence.
ABBREVIATIONS = frozenset(
    """
    e.g i.e et al etc cf vs fig figs eq eqs sec secs ref refs tab no nos approx resp
    dr prof mr ms st vol pp ch app thm def lem prop cor ca viz incl al
    """.split()  # noqa: SIM905
)
_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9\ue000])")
_WRAPPERS = re.compile(r"\\(?:emph|textbf|textit|textsc|texttt|textrm|mathrm|text|underline)\s*\{([^{}]*)\}")
_FONT_GROUPS = re.compile(r"\{\\(?:em|bf|it|sc|tt|rm)\s+([^{}]*)\}")
_DROPPED = re.compile(r"~?\\(?:cite[pt]?|ref|eqref|label|footnote)\s*\{[^{}]*\}")
_URL_CMD = re.compile(r"\\(?:url|href)\s*\{([^{}]*)\}(?:\{([^{}]*)\})?")
_COMMAND = re.compile(r"\\[A-Za-z]+\*?\s*")
_LEADING_LABEL = re.compile(r"^(?:abstract|summary)\s*[:.\-–—]\s*", re.IGNORECASE)
_CLAUSE_BREAK = re.compile(r"[,;:]$|^[–—]$")


def protect_math(text: str) -> tuple[str, list[str]]:
    """``text`` with each math span replaced by a numbered slot, and the spans."""
    spans: list[str] = []

    def slot(match: re.Match[str]) -> str:
        spans.append(match.group(0))
        return _SLOT.format(len(spans) - 1)

    return _MATH.sub(slot, text), spans


def restore_math(text: str, spans: list[str]) -> str:
    return _SLOT_RE.sub(lambda m: spans[int(m.group(1))], text)


def clean(text: str) -> str:
    """Plain text: TeX accents decoded, markup outside math unwrapped or dropped."""
    text, spans = protect_math(decode_tex_accents(text))
    text = _DROPPED.sub("", text)
    text = _URL_CMD.sub(lambda m: m.group(2) or m.group(1), text)
    for pattern in (_WRAPPERS, _FONT_GROUPS, _WRAPPERS):  # nested once
        text = pattern.sub(r"\1", text)
    text = _COMMAND.sub("", text).replace("{", "").replace("}", "").replace("~", " ")
    text = re.sub(r"\s+([,.;:!?])", r"\1", collapse_whitespace(text))
    return restore_math(_LEADING_LABEL.sub("", text), spans)


def split_sentences(abstract: str) -> list[str]:
    """The abstract's sentences, cleaned, in order (abbreviations, initials, decimals and
    math do not end one)."""
    text, spans = protect_math(abstract)
    sentences: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text):
        sentences.extend(_split_paragraph(collapse_whitespace(paragraph)))
    cleaned = (clean(restore_math(sentence, spans)) for sentence in sentences)
    return [sentence for sentence in cleaned if sentence]


def _split_paragraph(paragraph: str) -> list[str]:
    pieces, start = [], 0
    for match in _END.finditer(paragraph):
        if _ends_sentence(paragraph[start : match.start()]):
            pieces.append(paragraph[start : match.start()].strip())
            start = match.end()
    pieces.append(paragraph[start:].strip())
    return [piece for piece in pieces if piece]


def _ends_sentence(before: str) -> bool:
    words = before.rstrip("\"')]").split()
    if not words:
        return False
    last = words[-1].rstrip(".!?").lower()
    if before.rstrip("\"')]").endswith(("!", "?")):
        return True
    if last in ABBREVIATIONS or last.replace(".", "") in ABBREVIATIONS:
        return False
    return not (len(last) == 1 and last.isalpha())  # an initial: "J. Smith"


def word_count(text: str) -> int:
    return len(protect_math(text)[0].split())


def trim(sentence: str, max_words: int = MAX_WORDS) -> str:
    """At most ``max_words`` words, cut after the last clause boundary (comma, semicolon,
    colon, dash) within them, or at the budget, with an ellipsis."""
    text, spans = protect_math(sentence)
    words = text.split()
    if len(words) <= max_words:
        return sentence
    head = words[:max_words]
    cut = max_words
    for index in range(max_words - 1, MIN_TRIM_WORDS - 1, -1):
        if _CLAUSE_BREAK.search(head[index]):
            cut = index + 1
            break
    kept = " ".join(head[:cut]).rstrip(",;:–— ")
    return restore_math(kept, spans) + ELLIPSIS
