"""API tokens, feed tokens and the personal list a private feed shows; each method is
one transaction."""

from __future__ import annotations

from dataclasses import dataclass, field

from paperwire.community import tokens
from paperwire.community.models import ApiToken, NewApiToken, User
from paperwire.community.topics import user_topics
from paperwire.core.recommend import ForYouCore
from paperwire.db.session import read_transaction, write_transaction
from paperwire.models import Paper, PaperFilter, PaperPage, Period

PERSONAL_FOR_YOU = 10  # For-you picks at the head of the personal feed


@dataclass(slots=True)
class PersonalList:
    """A user's personal list: their topics and the newest papers in them, and the
    week's papers For you picked for them (past their own threshold, best first)."""

    user: User
    topics: list[str]
    page: PaperPage
    for_you: list[Paper] = field(default_factory=list)

    @property
    def papers(self) -> list[Paper]:
        """What the personal feed lists: the For-you picks, then the topic papers."""
        picked = {paper.id for paper in self.for_you}
        return self.for_you + [paper for paper in self.page.papers if paper.id not in picked]


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

    def personal_papers(self, user: User, *, limit: int = 100,
                        for_you: int = PERSONAL_FOR_YOU) -> PersonalList:
        """The newest week of papers in the user's topics, most upvoted first, after up
        to ``for_you`` of the week's papers picked For you."""
        with read_transaction(self.engine) as connection:
            topics = user_topics(connection, user.id)
        picks = self._week_for_you(user, for_you) if for_you else []
        if not topics:
            return PersonalList(user, [], PaperPage([], 0, None, limit=limit), picks)
        page = self.list_papers(PaperFilter(period=Period.WEEK, categories=tuple(topics),
                                            limit=limit, viewer_id=user.id))
        return PersonalList(user, topics, page, picks)

    def _week_for_you(self, user: User, limit: int) -> list[Paper]:
        week = self.list_papers(PaperFilter(period=Period.WEEK, limit=500, viewer_id=user.id))
        chosen = self.for_you_sections([user.id], [paper.id for paper in week.papers],
                                       limit=limit).get(user.id, [])
        by_id = {paper.id: paper for paper in week.papers}
        return [by_id[pid] for pid in chosen]
