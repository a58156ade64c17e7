"""OpenAPI shapes of the community API: comments, collections, profiles, votes.

Field names follow Hugging Face's where it has the same thing (``name`` /
``fullname`` for users, ``title`` / ``private`` / ``items`` for collections).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from paperwire.api.schemas import UserRef

ARXIV_ID_EXAMPLE = "2604.26375"


class CommentOut(BaseModel):
    id: int = Field(examples=[17])
    parentId: int | None = Field(description="The comment this one replies to.")
    author: UserRef
    createdAt: str = Field(examples=["2026-07-01T09:30:00.000Z"])
    editedAt: str | None
    hidden: bool = Field(description="Hidden by a moderator: `raw` and `html` are empty.")
    deleted: bool = Field(description="Deleted by its author: `raw` and `html` are empty.")
    raw: str = Field(description="The Markdown as written.", examples=["Nice result: $E=mc^2$."])
    html: str = Field(description="The Markdown rendered and sanitized.")
    replies: list[CommentOut] = Field(description="Replies (one level), oldest first.")


class SavedPaper(BaseModel):
    type: Literal["paper"]
    id: str = Field(examples=[ARXIV_ID_EXAMPLE])
    title: str
    note: str
    addedAt: str


class CollectionSummary(BaseModel):
    id: int = Field(examples=[3])
    slug: str = Field(description="The collection's id, as a string (Hugging Face addresses collections by slug).")
    title: str = Field(examples=["Reading list"])
    description: str
    private: bool
    owner: UserRef
    createdAt: str
    numItems: int


class CollectionOut(CollectionSummary):
    items: list[SavedPaper] = Field(description="Newest saved first.")


class UpvotedPaper(BaseModel):
    id: str = Field(examples=[ARXIV_ID_EXAMPLE])
    title: str


class ProfileComment(BaseModel):
    id: int
    paperId: str = Field(examples=[ARXIV_ID_EXAMPLE])
    paperTitle: str
    createdAt: str
    html: str


class ProfileOut(BaseModel):
    id_: str = Field(alias="_id")
    name: str = Field(examples=["ada"])
    fullname: str = Field(examples=["Ada Lovelace"])
    type: Literal["user"]
    role: str = Field(examples=["user"])
    createdAt: str
    upvotedPapers: list[UpvotedPaper] = Field(description="Newest vote first, at most 50.")
    comments: list[ProfileComment] = Field(description="Visible comments, newest first.")
    collections: list[CollectionSummary] = Field(description="Public ones (and private ones, to their owner).")


class WhoAmI(BaseModel):
    type: Literal["user"]
    id_: str = Field(alias="_id")
    name: str
    fullname: str
    email: str
    role: str


class VoteOut(BaseModel):
    id: str = Field(description="The paper's arXiv id.", examples=[ARXIV_ID_EXAMPLE])
    upvoted: bool = Field(description="Whether the token's owner upvotes it now.")
    upvotes: int = Field(description="The paper's upvotes now.")


# -- request bodies ----------------------------------------------------------------------


def _whole(value: object) -> object:
    """JSON Schema's integers include 3.0; nothing else converts (no "3", no true)."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


class Strict(BaseModel):
    """A JSON body: no unknown fields, no type coercion (0 is not false)."""

    model_config = ConfigDict(extra="forbid", strict=True)


# At least one character that is not white space (Python's idea of it, which
# includes U+001C..U+001F, and the Rust regex engine's, which does not) nor NUL
# (which text loses on the way to PostgreSQL).
NOT_BLANK = r"[^\s\x00\x1c-\x1f]"


class CommentIn(Strict):
    comment: str = Field(min_length=1, max_length=10_000, pattern=NOT_BLANK, description="Markdown, with $math$.",
                         examples=["Does this hold for small batches?"])
    parentId: Annotated[int, Field(ge=1, le=2**31 - 1), BeforeValidator(_whole)] | None = Field(
        default=None, description="Reply to this comment (of the same paper).")


class CollectionIn(Strict):
    title: str = Field(min_length=1, max_length=100, pattern=NOT_BLANK, examples=["Reading list"])
    description: str = Field(default="", max_length=2000)
    private: bool = Field(default=True, description="Public collections have a page and a feed.")


class SaveRequest(Strict):
    note: str = Field(default="", max_length=1000, examples=["Read section 3 first."])
