"""Comment Markdown to safe HTML: CommonMark without raw HTML, TeX math kept as text,
then an allowlist sanitizer (nh3) as the last word on what reaches a page."""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin

TAGS = {
    "p", "br", "hr", "em", "strong", "del", "code", "pre", "blockquote", "ul", "ol", "li",
    "a", "h3", "h4", "h5", "h6", "span", "div",
}
ATTRIBUTES = {"a": {"href", "title"}, "span": {"class"}, "div": {"class"}, "code": {"class"}}
ALLOWED_CLASSES = {"math", "inline", "block"}


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    parser.enable("strikethrough")
    parser.use(dollarmath_plugin, allow_space=True, allow_digits=True, double_inline=True)
    return parser


def _keep_attribute(element: str, attribute: str, value: str) -> str | None:
    if attribute == "class":
        kept = [name for name in value.split() if name in ALLOWED_CLASSES]
        return " ".join(kept) or None
    return value


def render_markdown(source: str) -> str:
    """Markdown (with ``$math$`` and ``$$display math$$``) as sanitized HTML."""
    html = _parser().render(source)
    # Headings inside comments are demoted so they cannot outrank the page's own.
    html = html.replace("<h1>", "<h3>").replace("</h1>", "</h3>")
    html = html.replace("<h2>", "<h4>").replace("</h2>", "</h4>")
    return nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        attribute_filter=_keep_attribute,
        link_rel="nofollow ugc noopener",
        url_schemes={"http", "https", "mailto"},
        strip_comments=True,
    )
