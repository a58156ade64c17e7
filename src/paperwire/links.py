"""Code and project links in a paper's abstract and comments: repositories (GitHub,
GitLab, Hugging Face models/datasets/spaces, Codeberg, Bitbucket) and project pages,
normalized so that one repository has one URL. Pure rules, no I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

REPO_HOSTS = ("github.com", "gitlab.com", "huggingface.co", "codeberg.org", "bitbucket.org")
# Hosts whose links are the paper itself, its DOI or its licence, never its code or page.
NOT_PROJECT_HOSTS = ("arxiv.org", "doi.org", "creativecommons.org", "hf.co")
# A URL outside the known hosts counts as a project page only after words like these:
# a journal's or a cited dataset's URL is not the paper's own page.
PROJECT_CUE = re.compile(
    r"(project|page|website|homepage|demo|code|available|release|github|download|"
    r"visit|repository|implementation|found at|access|online at|open.?source|data)",
    re.IGNORECASE,
)
CUE_WINDOW = 80

_URL_CHARS = r"[A-Za-z0-9\-._~:/?#\[\]@!$&*+,;=%()]"
_HOST_NAMES = "|".join(re.escape(host) for host in REPO_HOSTS)
_CANDIDATE = re.compile(
    rf"(?:https?://|(?<![\w@./-])(?:www\.)?(?:{_HOST_NAMES}|[A-Za-z0-9-]+\.github\.io)(?=/))"
    rf"{_URL_CHARS}*",
    re.IGNORECASE,
)
# arXiv's habits: "https://github.com/ foo/bar" and "https:// github.com/...".
_BROKEN_AFTER_HOST = re.compile(rf"((?:{_HOST_NAMES})/)\s+(?=[A-Za-z0-9])", re.IGNORECASE)
_BROKEN_AFTER_SCHEME = re.compile(r"(https?://)\s+(?=[A-Za-z0-9])", re.IGNORECASE)
_MARKERS = ("http", "github", *REPO_HOSTS)
_TEX_URL = re.compile(r"\\(?:url|href)\s*\{([^{}\s]*)\}")
_TRAILING = ".,;:!?'\"*)]}>"
_SEGMENT = re.compile(r"^[A-Za-z0-9_.\-]+$")
_HOST = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*"
                   r"\.[a-z]{2,}(?::\d{1,5})?$")
_PATH = re.compile(r"^[A-Za-z0-9\-._~/!$&*+,;=:@%()]*$")
_QUERY = re.compile(r"^[A-Za-z0-9\-._~/!$&*+,;=:@%?]*$")
_GITHUB_NOT_OWNERS = frozenset({
    "about", "apps", "collections", "explore", "features", "login", "marketplace", "orgs",
    "pricing", "settings", "sponsors", "topics", "trending", "users", "search", "site",
})
_HF_NOT_OWNERS = frozenset({
    "papers", "docs", "blog", "collections", "organizations", "spaces", "datasets",
    "models", "join", "login", "settings", "learn", "tasks", "posts", "chat",
})


@dataclass(frozen=True, slots=True)
class Link:
    kind: str  # "repo" or "project"
    host: str
    url: str
    owner: str | None = None  # GitHub only
    name: str | None = None  # GitHub only


def extract_links(*texts: str | None) -> list[Link]:
    """The code and project links in the texts, in order of appearance, each once."""
    found: dict[str, Link] = {}
    for text in texts:
        if not text or not _may_link(text):
            continue
        prepared = _prepare(text)
        for match in _CANDIDATE.finditer(prepared):
            link = normalize(match.group(0))
            if link is None or link.url.lower() in found:
                continue
            if link.kind == "project" and not _has_cue(prepared, match.start(), link.host):
                continue
            found[link.url.lower()] = link
    return list(found.values())


def github_links(links: list[Link]) -> list[Link]:
    return [link for link in links if link.host == "github.com"]


def normalize(raw: str) -> Link | None:
    """The link a URL names, normalized; None when it is not a usable http(s) link."""
    text = _strip_trailing(raw.strip())
    if not re.match(r"https?://", text, re.IGNORECASE):
        text = "https://" + text
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return None
    host = (parts.hostname or "").lower().removeprefix("www.")
    if port is not None:
        host = f"{host}:{port}"
    if not _HOST.match(host) or not _PATH.match(parts.path):
        return None
    if host in REPO_HOSTS:
        return _repository(host, [s for s in parts.path.split("/") if s])
    if _is_excluded(host):
        return None
    path = _strip_trailing(parts.path).rstrip("/")
    query = _strip_trailing(parts.query)
    if query and not _QUERY.match(query):
        return None
    scheme = "https" if host.endswith(".github.io") else parts.scheme.lower()
    if query and not path:
        path = "/"  # "host?q" is written "host/?q" by every URL library
    url = f"{scheme}://{host}{path}" + (f"?{query}" if query else "")
    return Link("project", host, url)


def _may_link(text: str) -> bool:
    """A cheap test first: most abstracts name no link, and the patterns are slow."""
    lowered = text.lower()
    return any(marker in lowered for marker in _MARKERS)


def _prepare(text: str) -> str:
    text = _TEX_URL.sub(lambda m: f" {m.group(1)} ", text)
    text = _BROKEN_AFTER_SCHEME.sub(r"\1", text)
    return _BROKEN_AFTER_HOST.sub(r"\1", text)


def _strip_trailing(text: str) -> str:
    while text and text[-1] in _TRAILING:
        if text[-1] == ")" and text.count("(") >= text.count(")"):
            break  # a balanced parenthesis belongs to the URL
        text = text[:-1]
    return text


def _has_cue(text: str, start: int, host: str) -> bool:
    if host.endswith(".github.io"):
        return True
    return bool(PROJECT_CUE.search(text[max(0, start - CUE_WINDOW):start]))


def _is_excluded(host: str) -> bool:
    return any(host == name or host.endswith("." + name) for name in NOT_PROJECT_HOSTS)


def _repository(host: str, segments: list[str]) -> Link | None:
    segments = [s for s in segments if s]
    if host == "huggingface.co":
        return _huggingface(segments)
    if host == "gitlab.com":
        segments = segments[: segments.index("-")] if "-" in segments else segments
        segments = _before(segments, ("tree", "blob", "issues", "wikis"))
        if len(segments) > 4:
            return None
    else:
        segments = segments[:2]
    segments = [s.removesuffix(".git") for s in segments]
    if len(segments) < 2 or not all(_SEGMENT.match(s) and s.strip(".") for s in segments):
        return None
    if host == "github.com" and segments[0].lower() in _GITHUB_NOT_OWNERS:
        return None
    url = f"https://{host}/" + "/".join(segments)
    if host == "github.com":
        return Link("repo", host, url, owner=segments[0], name=segments[1])
    return Link("repo", host, url)


def _huggingface(segments: list[str]) -> Link | None:
    prefix = []
    if segments and segments[0] in ("datasets", "spaces"):
        prefix, segments = [segments[0]], segments[1:]
    segments = [s.removesuffix(".git") for s in segments[:2]]
    if len(segments) < 2 or segments[0].lower() in _HF_NOT_OWNERS:
        return None
    if not all(_SEGMENT.match(s) and s.strip(".") for s in segments):
        return None
    return Link("repo", "huggingface.co", "https://huggingface.co/" + "/".join(prefix + segments))


def _before(segments: list[str], markers: tuple[str, ...]) -> list[str]:
    for index, segment in enumerate(segments):
        if segment in markers:
            return segments[:index]
    return segments
