"""arXiv identifiers: parse whatever a person pastes, keep one canonical form."""

from __future__ import annotations

import re

from paperwire.errors import InvalidArxivId

# The one arXiv grammar: ids here, and categories (``is_arxiv_category``) below.
_NEW_ID = r"[0-9]{4}\.[0-9]{4,5}"  # 2401.01234 (four digits after the dot until 2014)
_OLD_ARCHIVE = r"[a-z][a-z\-]*(?:\.[A-Z]{2})?"  # hep-th, math.AG (before 2007)
_OLD_ID = _OLD_ARCHIVE + r"/[0-9]{7}"  # hep-th/9901001
_NEW_STYLE = re.compile(r"^(?P<id>" + _NEW_ID + r")(?:v(?P<version>[0-9]+))?$")
_OLD_STYLE = re.compile(
    r"^(?P<id>(?P<archive>" + _OLD_ARCHIVE + r")/[0-9]{7})(?:v(?P<version>[0-9]+))?$"
)
# A bare id with an optional version, as a path parameter (the API's OpenAPI pattern).
ARXIV_ID_PATTERN = r"^(?:" + _NEW_ID + "|" + _OLD_ID + r")(?:v[0-9]+)?$"

# arXiv categories: an archive ("hep-th", "cs", "q-bio", "astro-ph", "supr-con") and,
# for archives with subject classes, a class: two capitals ("cs.LG", "math.AG",
# "astro-ph.CO", "q-bio.NC", "stat.ML"), or in cond-mat and physics lower-case words
# ("cond-mat.supr-con", "physics.atom-ph", "physics.optics").
CATEGORY_PATTERN = (
    r"(?:[a-z]+(?:-[a-z]+)?(?:\.[A-Z]{2})?|(?:cond-mat|physics)\.[a-z]+(?:-[a-z]+)?)"
)
CATEGORY_MAX_CHARS = 40
_CATEGORY = re.compile(CATEGORY_PATTERN)
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


# An arXiv id inside free text, where a reference manager wrote one: "arXiv:2101.00001v2",
# "arXiv preprint arXiv:1810.04805", "https://arxiv.org/abs/hep-th/9901001", arXiv's own
# DOI "10.48550/arXiv.1706.03762".
_IN_TEXT = re.compile(
    r"(?:arxiv\.org/(?:abs|pdf|html)/|\barxiv:\s*|\b10\.48550/arxiv\.)"
    r"(?P<id>" + _NEW_ID + "|" + _OLD_ID + r")(?:v[0-9]+)?(?![0-9])",
    re.IGNORECASE,
)


def find_arxiv_id(text: str) -> str | None:
    """The canonical id of the first arXiv id written in ``text`` as an ``arXiv:`` id,
    an arXiv URL or arXiv's DOI (None: none is)."""
    match = _IN_TEXT.search(text)
    if match is None:
        return None
    found = match.group("id")
    archive, slash, number = found.partition("/")
    return f"{archive.lower()}/{number}" if slash and "." not in archive else found


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


def is_arxiv_category(value: str) -> bool:
    """Whether ``value`` is written as an arXiv category is (the one check for every
    surface: list filters, search filters, digest topics)."""
    return len(value) <= CATEGORY_MAX_CHARS and _CATEGORY.fullmatch(value) is not None
