"""arXiv identifiers: parse whatever a person pastes, keep one canonical form."""

from __future__ import annotations

import re

from paperwire.errors import InvalidArxivId

_NEW_STYLE = re.compile(r"^(?P<id>\d{4}\.\d{4,5})(?:v(?P<version>\d+))?$")
_OLD_STYLE = re.compile(
    r"^(?P<id>(?P<archive>[a-z][a-z\-]*(?:\.[A-Z]{2})?)/\d{7})(?:v(?P<version>\d+))?$"
)
_URL_PREFIX = re.compile(
    r"^(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html)/", re.IGNORECASE
)
_SCHEME_PREFIX = re.compile(r"^(?:arxiv:|oai:arxiv\.org:)", re.IGNORECASE)


def parse_arxiv_id(raw: str) -> tuple[str, int | None]:
    """Return ``(canonical id, version or None)`` for an id, versioned id or arXiv URL.

    >>> parse_arxiv_id("https://arxiv.org/pdf/2401.01234v2.pdf")
    ('2401.01234', 2)
    >>> parse_arxiv_id("hep-th/9901001")
    ('hep-th/9901001', None)
    """
    text = raw.strip()
    text = _URL_PREFIX.sub("", text)
    text = _SCHEME_PREFIX.sub("", text)
    text = text.removesuffix(".pdf").rstrip("/")
    for pattern in (_NEW_STYLE, _OLD_STYLE):
        match = pattern.match(text)
        if match:
            version = match.group("version")
            return match.group("id"), int(version) if version else None
    raise InvalidArxivId(raw)


def normalize_arxiv_id(raw: str) -> str:
    """The canonical id (no version) for anything :func:`parse_arxiv_id` accepts."""
    return parse_arxiv_id(raw)[0]


def looks_like_arxiv_id(raw: str) -> bool:
    try:
        parse_arxiv_id(raw)
    except InvalidArxivId:
        return False
    return True


def abs_url(arxiv_id: str) -> str:
    return f"https://arxiv.org/abs/{arxiv_id}"


def pdf_url(arxiv_id: str) -> str:
    return f"https://arxiv.org/pdf/{arxiv_id}"
