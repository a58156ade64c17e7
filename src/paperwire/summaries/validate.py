"""What an endpoint's answer must be to become a summary: one plain sentence.

Anything else (HTML, Markdown, a link, several sentences, a refusal, the prompt or an
instruction echoed back, too short or too long) is refused with the reason, and the
extractive summary stays.
"""

from __future__ import annotations

import re

from paperwire.summaries.sentences import clean, split_sentences, word_count

MIN_CHARS, MAX_CHARS = 20, 400
MAX_WORDS = 60


class SummaryRejected(ValueError):
    """The endpoint's answer is not a usable summary; the message says why."""


_CHECKS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"<\s*/?\s*[a-z!][^>]*>|&[a-z]+;|&#\d+;", re.I), "HTML"),
    (re.compile(r"https?://|www\.|\b[a-z0-9-]+\.(?:com|org|net|io|ai)\b", re.I), "a URL"),
    (re.compile(r"\*\*|__|`|^\s*(?:#|[-*+]\s|\d+\.\s)|\[[^\]]*\]\([^)]*\)|^\s*>", re.M),
     "Markdown"),
    (re.compile(r"\b(?:i(?:'m| am) (?:sorry|unable)|i can(?:not|'t)|as an ai|language model"
                r"|i apologi[sz]e|unable to (?:summari[sz]e|help)|cannot (?:help|comply))",
                re.I), "a refusal"),
    (re.compile(r"\b(?:ignore|disregard|forget) (?:all |any )?(?:the )?(?:previous|prior|above)"
                r"|\b(?:system prompt|instructions?|one[- ]sentence summary|summari[sz]e"
                r" (?:this|the)|here is|the abstract|jailbreak)\b", re.I),
     "the prompt or an instruction"),
)


def validated(answer: str) -> str:
    """The answer as a summary, cleaned; :class:`SummaryRejected` when it is not one."""
    text = answer.strip().strip("\"'“”‘’").strip()
    if not text:
        raise SummaryRejected("empty answer")
    if len(text) > MAX_CHARS:
        raise SummaryRejected(f"longer than {MAX_CHARS} characters")
    if "\n" in text:
        raise SummaryRejected("more than one line")
    for pattern, what in _CHECKS:
        if pattern.search(text):
            raise SummaryRejected(f"contains {what}")
    text = clean(text)
    if len(text) < MIN_CHARS:
        raise SummaryRejected(f"shorter than {MIN_CHARS} characters")
    if word_count(text) > MAX_WORDS:
        raise SummaryRejected(f"more than {MAX_WORDS} words")
    if len(split_sentences(text)) != 1:
        raise SummaryRejected("not one sentence")
    if not re.search(r"[A-Za-z\u00c0-\uffff]{3}", text):
        raise SummaryRejected("no words")
    return text if text.endswith((".", "!", "?")) else text + "."
