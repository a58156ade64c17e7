"""API tokens, feed tokens and the personal list a private feed shows; each method is
one transaction."""

from __future__ import annotations

from dataclasses import dataclass

from paperwire.community import tokens
from paperwire.community.models import ApiToken, NewApiToken, User
from paperwire.community.topics import user_topics
from paperwire.core.recommend import ForYouCore
from paperwire.db.session import read_transaction, write_transaction
from paperwire.models import PaperFilter, PaperPage, Period


@dataclass(slots=True)
class PersonalList:
    """A user's personal list: their topics and the newest papers in them."""

    user: User
    topics: list[str]
    page: PaperPage


class TokensCore(ForYouCore):
    """Builds on community: tokens belong to accounts."""

    # -- API tokens ------------------------------------------------------------------------

    def create_api_token(self, user: User, name: str) -> NewApiToken:
        """A new token for ``user``; its secret is in the answer and nowhere else."""
        with write_transaction(self.engine) as connection:
            return tokens.create_api_token(connection, user=user, name=name, now=self.now())

    def api_tokens(self, user: User) -> list[ApiToken]:
        with read_transaction(self.engine) as connection:
            return tokens.list_api_tokens(connection, user.id)

    def revoke_api_token(self, user: User, token_id: int) -> None:
        with write_transaction(self.engine) as connection:
            tokens.revoke_api_token(connection, user=user, token_id=token_id)

    def user_for_api_token(self, secret: str) -> User | None:
        """Who a Bearer token belongs to (None: unknown, revoked, or banned)."""
        with write_transaction(self.engine) as connection:
            return tokens.user_for_api_token(connection, secret, now=self.now())

    # -- feed tokens -----------------------------------------------------------------------

    def feed_token(self, user: User) -> str | None:
        """The token of the user's private feed URLs, if they made one."""
        with read_transaction(self.engine) as connection:
            return tokens.feed_token(connection, user=user, secret_key=self.settings.require_secret())

    def rotate_feed_token(self, user: User) -> str:
        """Make the user's feed token, or replace it: old feed URLs stop working."""
        with write_transaction(self.engine) as connection:
            return tokens.rotate_feed_token(connection, user=user,
                                            secret_key=self.settings.require_secret(), now=self.now())

    def user_for_feed_token(self, token: str) -> User | None:
        with read_transaction(self.engine) as connection:
            return tokens.user_for_feed_token(connection, token, secret_key=self.settings.require_secret())

    # -- lists behind feeds ----------------------------------------------------------------

    def personal_papers(self, user: User, *, limit: int = 100) -> PersonalList:
        """The newest week of papers in the user's topics, most upvoted first."""
        with read_transaction(self.engine) as connection:
            topics = user_topics(connection, user.id)
        if not topics:
            return PersonalList(user, [], PaperPage([], 0, None, limit=limit))
        page = self.list_papers(PaperFilter(period=Period.WEEK, categories=tuple(topics),
                                            limit=limit, viewer_id=user.id))
        return PersonalList(user, topics, page)
