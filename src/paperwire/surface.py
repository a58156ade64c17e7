"""What the web pages, the feeds and the JSON API share, so neither imports the other.

The core behind a request (``core_of``, the one way a route reaches it), the rate
limits every write counts against, and the documented list parameters and error body
of the OpenAPI document (the API's lists and the feeds beside the pages take the same
parameters). Values are checked by ``PaperFilter.from_params``, not by these
annotations, so a page, its feed and the API answer a bad value with one message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Path, Query, Request
from pydantic import BaseModel, Field

from paperwire.ids import ARXIV_ID_PATTERN, CATEGORY_MAX_CHARS, CATEGORY_PATTERN
from paperwire.models import MAX_CODE_DAYS, MAX_PAGE

if TYPE_CHECKING:
    from paperwire.core import Paperwire


def core_of(request: Request) -> Paperwire:
    """The core the app was built with (``create_app(settings, core=...)``)."""
    return request.app.state.core


def rate(request: Request, rule: str, key: str, setting: str) -> None:
    """Count one event against the limit the settings name (429 when over)."""
    settings = core_of(request).settings
    request.app.state.limiter.hit(rule, key, getattr(settings, setting))


def _documented(pattern: str) -> dict[str, str]:
    """A pattern shown in the OpenAPI document but checked by the domain parser; a blank
    value is allowed (it means unset, as on the pages)."""
    return {"pattern": f"^(?:{pattern.removeprefix('^').removesuffix('$')})?$"}


# The window parameters shared by the lists and their feeds.
# A day, or blank (unset: the pages' forms send blanks).
DAY_SCHEMA: dict[str, Any] = {
    "anyOf": [{"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
              {"type": "string", "maxLength": 0}, {"type": "null"}],
}
DateParam = Annotated[
    str | None,
    Query(description="A day, `YYYY-MM-DD`.", json_schema_extra=DAY_SCHEMA, examples=["2026-07-01"]),
]
WeekParam = Annotated[
    str | None,
    Query(
        description="An ISO week, `YYYY-Www`. Week 53 of a 52-week year is the week after week 52.",
        json_schema_extra=_documented(r"^[1-9][0-9]{3}-W(0[1-9]|[1-4][0-9]|5[0-3])$"),
        examples=["2026-W27"],
    ),
]
MonthParam = Annotated[
    str | None,
    Query(description="A month, `YYYY-MM`.",
          json_schema_extra=_documented(r"^[1-9][0-9]{3}-(0[1-9]|1[0-2])$"), examples=["2026-06"]),
]
CategoryParam = Annotated[
    str | None,
    Query(
        description="Only papers in this arXiv category (primary or cross-listed).",
        json_schema_extra={**_documented(CATEGORY_PATTERN), "maxLength": CATEGORY_MAX_CHARS},
        examples=["cs.CL"],
    ),
]
# An arXiv id in a path: new style or old style, with an optional version (ids.py's
# grammar; FastAPI checks it, so a path that is no id never reaches a route).
ArxivId = Annotated[str, Path(pattern=ARXIV_ID_PATTERN, examples=["2604.26375"])]
PageParam = Annotated[
    int, Query(description="0-based page.", json_schema_extra={"minimum": 0, "maximum": MAX_PAGE}),
]

# Checked by ``models.code_days_param`` (a 400 naming it), so FastAPI takes any text.
CodeDaysParam = Annotated[
    str | None,
    Query(description=f"Trending by code's window: stars gained over this many days, 1 to"
                      f" {MAX_CODE_DAYS} (default 7).", examples=["7"],
          json_schema_extra={"anyOf": [{"type": "string", "pattern": "^([1-9]|[12][0-9]|30)$"},
                                       {"type": "string", "maxLength": 0}, {"type": "null"}]}),
]


def limit_param(default: int, most: int) -> int:
    """A ``limit`` query parameter from 1 to ``most`` (as documented; checked by the parser)."""
    return Query(default=default, json_schema_extra={"minimum": 1, "maximum": most})


class ErrorBody(BaseModel):
    error: str = Field(examples=["date must look like 2026-01-02, got 'yesterday'"])
    status: int = Field(examples=[400])
