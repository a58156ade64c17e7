"""Authors: an author's page, author search, follows and claims ("this is me", shown
once an admin approves). Each method is one transaction; the keys are
``paperwire.authors``'s, the SQL ``db/authors.py``'s."""

from __future__ import annotations

from paperwire.authors import author_key, compatible
from paperwire.community.models import AuthorClaim, ClaimStatus, User
from paperwire.core.community import CommunityCore
from paperwire.db import authors as store
from paperwire.db.session import Connection, read_transaction, write_transaction
from paperwire.errors import InvalidInput, NotFound, PermissionDenied
from paperwire.models import AuthorName, AuthorPage, PaperPage

MAX_SPELLINGS = 10


class AuthorsCore(CommunityCore):
    """Builds on community: follows and claims belong to accounts."""

    def author_page(self, name: str, *, viewer: User | None = None, page: int = 0,
                    limit: int | None = None) -> AuthorPage:
        """An author's papers (newest first, paged), co-authors, other spellings and
        approved claims; NotFound if no stored paper has the name."""
        key = _key_of(name)
        size = limit or self.settings.page_size
        viewer_id = viewer.id if viewer else None
        with read_transaction(self.engine) as connection:
            papers, total = store.author_papers(connection, key, limit=size, offset=page * size,
                                                viewer_id=viewer_id)
            spelling = store.spelling_of(connection, key)
            if spelling is None:
                raise NotFound(f"no paper by {name.strip()!r}")
            found = AuthorPage(
                author=AuthorName(key, spelling, total),
                page=PaperPage(papers, total, None, limit=size, offset=page * size),
                coauthors=store.coauthors(connection, key),
                spellings=[other for other in store.same_surname(connection, key)
                           if compatible(key, other.key)][:MAX_SPELLINGS],
                claimed_by=store.approved_claimants(connection, key),
            )
            if viewer is not None:
                found.following = store.is_following(connection, user_id=viewer.id, key=key)
                found.my_claim = store.claim_status(connection, user_id=viewer.id, key=key)
            return found

    def search_authors(self, text: str, *, limit: int = 30) -> list[AuthorName]:
        """Authors whose key contains the text's key, most papers first."""
        key = author_key(text)
        if not key:
            return []
        with read_transaction(self.engine) as connection:
            return store.search_authors(connection, key, limit=limit)

    # -- follows ----------------------------------------------------------------------------

    def follow_author(self, user: User, name: str) -> AuthorName:
        key = _key_of(name)
        with write_transaction(self.engine) as connection:
            spelling = _known(connection, key, name)
            store.insert_follow(connection, user_id=user.id, key=key, name=spelling,
                                now=self.now())
        return AuthorName(key, spelling)

    def unfollow_author(self, user: User, name: str) -> AuthorName:
        key = _key_of(name)
        with write_transaction(self.engine) as connection:
            store.delete_follow(connection, user_id=user.id, key=key)
            spelling = store.spelling_of(connection, key) or name.strip()
        return AuthorName(key, spelling)

    def followed_authors(self, user_id: int) -> list[AuthorName]:
        """The authors a reader follows (by key), newest follow first."""
        with read_transaction(self.engine) as connection:
            return store.followed_authors(connection, user_id)

    # -- claims -----------------------------------------------------------------------------

    def claim_author(self, user: User, name: str) -> ClaimStatus:
        """Ask that the name be shown as the reader's; an admin decides."""
        key = _key_of(name)
        with write_transaction(self.engine) as connection:
            spelling = _known(connection, key, name)
            store.insert_claim(connection, user_id=user.id, key=key, name=spelling,
                               now=self.now())
            return ClaimStatus(store.claim_status(connection, user_id=user.id, key=key))

    def withdraw_author_claim(self, user: User, name: str) -> None:
        key = _key_of(name)
        with write_transaction(self.engine) as connection:
            store.delete_claim(connection, user_id=user.id, key=key)

    def author_claims(self, viewer: User | None = None, *,
                      status: ClaimStatus | None = ClaimStatus.PENDING) -> list[AuthorClaim]:
        """Claims for review (admins; ``viewer=None`` is the operator at the CLI)."""
        _require_admin(viewer)
        with read_transaction(self.engine) as connection:
            rows = store.claims(connection, status=status.value if status else None)
        return [_claim(row) for row in rows]

    def my_author_claims(self, user: User) -> list[AuthorClaim]:
        with read_transaction(self.engine) as connection:
            return [_claim(row) for row in store.claims(connection, user_id=user.id)]

    def decide_author_claim(self, claim_id: int, *, approve: bool,
                            admin: User | None = None) -> AuthorClaim:
        """Approve or reject a claim (admins; ``admin=None`` is the operator at the CLI)."""
        _require_admin(admin)
        status = ClaimStatus.APPROVED if approve else ClaimStatus.REJECTED
        with write_transaction(self.engine) as connection:
            if not store.decide_claim(connection, claim_id, status=status.value,
                                      by=admin.id if admin else None, now=self.now()):
                raise NotFound(f"no author claim {claim_id}")
            (row,) = store.claims(connection, claim_id=claim_id)
        return _claim(row)


def _key_of(name: str) -> str:
    key = author_key(name)
    if not key:
        raise InvalidInput("an author name needs at least one letter")
    return key


def _known(connection: Connection, key: str, name: str) -> str:
    spelling = store.spelling_of(connection, key)
    if spelling is None:
        raise NotFound(f"no paper by {name.strip()!r}")
    return spelling


def _require_admin(viewer: User | None) -> None:
    if viewer is not None and not viewer.is_admin:
        raise PermissionDenied("only admins review author claims")


def _claim(row: dict) -> AuthorClaim:
    return AuthorClaim(
        id=row["id"], user_id=row["user_id"], username=row["username"], email=row["email"],
        author_key=row["author_key"], name=row["name"], status=ClaimStatus(row["status"]),
        created_at=row["created_at"], decided_at=row["decided_at"],
    )
