"""What the community core hands to surfaces."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum


class Role(StrEnum):
    USER = "user"
    MODERATOR = "moderator"
    ADMIN = "admin"


def when(epoch: int | None) -> datetime | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC)


@dataclass(frozen=True, slots=True)
class User:
    id: int
    email: str
    username: str
    display_name: str
    role: Role
    banned: bool
    created_at: int

    @property
    def is_moderator(self) -> bool:
        return self.role in (Role.MODERATOR, Role.ADMIN) and not self.banned

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN and not self.banned


@dataclass(frozen=True, slots=True)
class SignIn:
    """A started session: the raw token goes into the cookie, once."""

    user: User
    session_token: str
    max_age: int


@dataclass(frozen=True, slots=True)
class VoteState:
    arxiv_id: str
    voted: bool
    upvotes: int


@dataclass(slots=True)
class Comment:
    id: int
    paper_id: int
    arxiv_id: str
    paper_title: str
    author: User
    parent_id: int | None
    body: str
    body_html: str
    created_at: int
    edited_at: int | None
    deleted: bool
    hidden: bool
    replies: list[Comment] = field(default_factory=list)

    @property
    def created(self) -> datetime | None:
        return when(self.created_at)


@dataclass(slots=True)
class CollectionItem:
    arxiv_id: str
    title: str
    note: str
    added_at: int


@dataclass(slots=True)
class Collection:
    id: int
    owner: User
    name: str
    description: str
    public: bool
    created_at: int
    size: int = 0
    items: list[CollectionItem] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"/collections/{self.id}"


@dataclass(slots=True)
class Profile:
    user: User
    upvoted: list[tuple[str, str]]  # (arxiv id, title), newest vote first
    comments: list[Comment]
    collections: list[Collection]


@dataclass(frozen=True, slots=True)
class Submission:
    arxiv_id: str
    fetched: bool  # fetched from arXiv now (False: it was already stored)


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    id: int
    recipient: str
    subject: str
    kind: str
    message: str
    created_at: int

    @property
    def created(self) -> datetime | None:
        return when(self.created_at)


@dataclass(frozen=True, slots=True)
class ApiToken:
    """A token as the settings page lists it (never the token itself)."""

    id: int
    name: str
    prefix: str
    created_at: int
    last_used_at: int | None


@dataclass(frozen=True, slots=True)
class NewApiToken:
    """A freshly created token: ``secret`` is shown to the user once and never stored."""

    token: ApiToken
    secret: str


class ClaimStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class AuthorClaim:
    """A reader's "this is me" on an author name, as admins review it."""

    id: int
    user_id: int
    username: str
    email: str
    author_key: str
    name: str
    status: ClaimStatus
    created_at: int
    decided_at: int | None

    @property
    def created(self) -> datetime | None:
        return when(self.created_at)
