"""Community: accounts, upvotes, comments, collections, submissions and the outbox.
Each method is one transaction (a submission of an unknown paper, two)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from paperwire.community import accounts, comments, submit, votes
from paperwire.community import collections as lists
from paperwire.community.models import (
    Collection,
    Comment,
    OutboxEntry,
    Profile,
    Role,
    SignIn,
    Submission,
    User,
    VoteState,
)
from paperwire.core.ingest import IngestCore
from paperwire.db import links as link_store
from paperwire.db import outbox_reads
from paperwire.db import signals as signal_store
from paperwire.db import votes as vote_store
from paperwire.db.session import read_transaction, write_transaction
from paperwire.errors import InvalidInput, NotFound, PermissionDenied, SubmissionRefused
from paperwire.ids import normalize_arxiv_id
from paperwire.links import normalize
from paperwire.mail.message import OutgoingMail

MAX_LINK_CHARS = 2000


class CommunityCore(IngestCore):
    """Builds on ingest: submitting an unknown paper fetches it from the arXiv API."""

    # -- accounts ------------------------------------------------------------------------

    def request_sign_in(self, email: str) -> OutgoingMail | None:
        """Store a sign-in token; return the mail to send (None: send nothing).

        Known, unknown and banned addresses cost the same work here; the caller
        sends the mail after answering, so the answer is the same for all.
        """
        settings = self.settings
        with write_transaction(self.engine) as connection:
            token, send = accounts.start_sign_in(
                connection, email, now=self.now(), ttl_s=settings.login_link_minutes * 60,
                open_signup=settings.open_signup,
            )
        if not send:
            return None
        link = f"{settings.base_url.rstrip('/')}/signin/verify?token={quote(token)}"
        text = (
            f"Open this link to sign in to {settings.site_name}:\n\n{link}\n\n"
            f"It works once, for {settings.login_link_minutes} minutes. If you did not ask"
            " to sign in, ignore this mail."
        )
        return OutgoingMail(
            to=email.strip(), subject=f"Sign in to {settings.site_name}", text=text,
            kind="sign-in",
        )

    def send_mail(self, mail: OutgoingMail) -> None:
        self.mailer.send(mail)

    def sign_in(self, token: str, *, replacing: str | None = None) -> SignIn:
        """Use a sign-in link; start a fresh session (ending ``replacing``, if any)."""
        ttl = self.settings.session_days * 86_400
        with write_transaction(self.engine) as connection:
            user = accounts.finish_sign_in(
                connection, token, now=self.now(), open_signup=self.settings.open_signup
            )
            if replacing:
                accounts.end_session(connection, replacing)
            session = accounts.start_session(connection, user.id, now=self.now(), ttl_s=ttl)
        return SignIn(user, session, ttl)

    def session_user(self, session_token: str) -> User | None:
        with read_transaction(self.engine) as connection:
            return accounts.session_user(connection, session_token, now=self.now())

    def sign_out(self, session_token: str) -> None:
        with write_transaction(self.engine) as connection:
            accounts.end_session(connection, session_token)

    def add_user(self, email: str, *, username: str | None = None,
                 role: Role = Role.USER) -> User:
        with write_transaction(self.engine) as connection:
            return accounts.create_user(
                connection, email, now=self.now(), username=username, role=role
            )

    def set_role(self, email: str, role: Role) -> User:
        with write_transaction(self.engine) as connection:
            user = accounts.require_user(connection, email)
            accounts.set_role(connection, user.id, role)
            return accounts.require_user(connection, email)

    def set_banned(self, email: str, banned: bool = True) -> User:
        """Ban (ending every session) or unban an account."""
        with write_transaction(self.engine) as connection:
            user = accounts.require_user(connection, email)
            accounts.set_banned(connection, user.id, banned)
            return accounts.require_user(connection, email)

    def update_profile(self, user: User, *, display_name: str, username: str) -> None:
        with write_transaction(self.engine) as connection:
            accounts.update_profile(
                connection, user, display_name=display_name, username=username
            )

    def profile(self, username: str, viewer: User | None = None) -> Profile:
        with read_transaction(self.engine) as connection:
            user = accounts.find_user(connection, username=username)
            if user is None or (user.banned and not (viewer and viewer.is_moderator)):
                raise NotFound(f"no user {username}")
            upvoted = vote_store.upvoted_by(connection, user.id, limit=50)
            own = viewer is not None and viewer.id == user.id
            return Profile(
                user=user,
                upvoted=upvoted,
                comments=comments.by_user(connection, user.id),
                collections=lists.of_user(connection, user.id, public_only=not own),
            )

    # -- upvotes -------------------------------------------------------------------------

    def upvote(self, user: User, arxiv_id: str, *, up: bool | None = None) -> VoteState:
        """Set the user's upvote on (True) or off (False), or flip it (None)."""
        canonical = normalize_arxiv_id(arxiv_id)
        with write_transaction(self.engine) as connection:
            if up is None:
                state = votes.toggle_vote(
                    connection, user_id=user.id, arxiv_id=canonical, now=self.now()
                )
            else:
                state = votes.set_vote(
                    connection, user_id=user.id, arxiv_id=canonical, up=up, now=self.now()
                )
            signal_store.bump_version(connection, user.id, now=self.now())  # trains For you
            return state

    # -- comments ------------------------------------------------------------------------

    def paper_comments(self, paper_id: int, viewer: User | None = None) -> list[Comment]:
        with read_transaction(self.engine) as connection:
            return comments.thread(connection, paper_id, viewer)

    def get_comment(self, comment_id: int) -> Comment:
        with read_transaction(self.engine) as connection:
            return comments.get_comment(connection, comment_id)

    def add_comment(self, user: User, arxiv_id: str, body: str,
                    *, parent_id: int | None = None) -> int:
        canonical = normalize_arxiv_id(arxiv_id)
        with write_transaction(self.engine) as connection:
            return comments.add_comment(
                connection, user=user, arxiv_id=canonical, body=body, parent_id=parent_id,
                now=self.now(),
            )

    def edit_comment(self, user: User, comment_id: int, body: str) -> Comment:
        with write_transaction(self.engine) as connection:
            return comments.edit_comment(
                connection, user=user, comment_id=comment_id, body=body, now=self.now()
            )

    def delete_comment(self, user: User, comment_id: int) -> Comment:
        with write_transaction(self.engine) as connection:
            return comments.delete_comment(connection, user=user, comment_id=comment_id)

    def hide_comment(self, user: User, comment_id: int, *, hidden: bool = True) -> Comment:
        with write_transaction(self.engine) as connection:
            return comments.set_hidden(
                connection, user=user, comment_id=comment_id, hidden=hidden
            )

    # -- readers' code and project links ----------------------------------------------------

    def propose_link(self, user: User, arxiv_id: str, url: str, *,
                     corrects: str | None = None) -> None:
        """A reader proposes a code or project link, or a correction: a link to show
        instead of ``corrects`` (one the paper shows now). Applied once a moderator
        approves it."""
        link = normalize(url.strip()) if len(url) <= MAX_LINK_CHARS else None
        if link is None:
            raise InvalidInput("url: give a repository (GitHub, GitLab, Hugging Face, Codeberg,"
                               " Bitbucket) or project page address starting with https://")
        paper = self.get_paper(arxiv_id)
        with write_transaction(self.engine) as connection:
            if corrects and not link_store.is_active_link(connection, paper.id, corrects):
                raise InvalidInput("corrects: name one of the links this paper shows")
            if not link_store.propose(connection, paper_id=paper.id, link=link,
                                      user_id=user.id, now=self.now(),
                                      corrects=corrects or None):
                raise InvalidInput(f"url: {link.url} is already known for this paper")

    def link_proposals(self, viewer: User) -> list[dict[str, Any]]:
        """Proposals waiting for a moderator (moderators only)."""
        if not viewer.is_moderator:
            raise PermissionDenied("only moderators review proposed links")
        with read_transaction(self.engine) as connection:
            return link_store.pending_proposals(connection)

    def decide_link(self, moderator: User, link_id: int, *, approve: bool) -> None:
        if not moderator.is_moderator:
            raise PermissionDenied("only moderators review proposed links")
        with write_transaction(self.engine) as connection:
            if not link_store.decide_proposal(connection, link_id, approve=approve,
                                              moderator_id=moderator.id):
                raise NotFound(f"no pending link {link_id}")

    # -- collections ---------------------------------------------------------------------

    def create_collection(self, user: User, name: str, *, description: str = "",
                          public: bool = False) -> int:
        with write_transaction(self.engine) as connection:
            return lists.create(
                connection, user=user, name=name, description=description, public=public,
                now=self.now(),
            )

    def edit_collection(self, user: User, collection_id: int, *, name: str,
                        description: str, public: bool) -> None:
        with write_transaction(self.engine) as connection:
            lists.edit(connection, user=user, collection_id=collection_id, name=name,
                       description=description, public=public)

    def delete_collection(self, user: User, collection_id: int) -> None:
        with write_transaction(self.engine) as connection:
            lists.remove(connection, user=user, collection_id=collection_id)
            signal_store.bump_version(connection, user.id, now=self.now())

    def collection(self, collection_id: int, viewer: User | None = None) -> Collection:
        with read_transaction(self.engine) as connection:
            return lists.visible(connection, collection_id, viewer)

    def collections_of(self, user: User) -> list[Collection]:
        with read_transaction(self.engine) as connection:
            return lists.of_user(connection, user.id, public_only=False)

    def save_paper(self, user: User, collection_id: int, arxiv_id: str,
                   *, note: str = "") -> None:
        canonical = normalize_arxiv_id(arxiv_id)
        with write_transaction(self.engine) as connection:
            lists.add_item(connection, user=user, collection_id=collection_id,
                           arxiv_id=canonical, note=note, now=self.now())
            signal_store.bump_version(connection, user.id, now=self.now())

    def unsave_paper(self, user: User, collection_id: int, arxiv_id: str) -> None:
        canonical = normalize_arxiv_id(arxiv_id)
        with write_transaction(self.engine) as connection:
            lists.remove_item(connection, user=user, collection_id=collection_id,
                              arxiv_id=canonical)
            signal_store.bump_version(connection, user.id, now=self.now())

    # -- submissions ---------------------------------------------------------------------

    def submit_paper(self, user: User, raw_id: str) -> Submission:
        """Submit an arXiv id or URL (see ``paperwire.community.submit``)."""
        arxiv_id = normalize_arxiv_id(raw_id)
        now = self.now()
        today = datetime.fromtimestamp(now, UTC).date()
        window = self.settings.submission_window_days
        with write_transaction(self.engine) as connection:
            stored = submit.stored_paper(connection, arxiv_id)
            if stored is not None:
                submit.check_window(arxiv_id, stored[1], today=today, window_days=window)
                submit.record_submission(
                    connection, paper_id=stored[0], arxiv_id=arxiv_id, user=user, now=now
                )
                return Submission(arxiv_id, fetched=False)
        report = self.add_papers([arxiv_id])  # the arXiv API, outside any transaction
        with write_transaction(self.engine) as connection:
            stored = submit.stored_paper(connection, arxiv_id)
            if stored is None or arxiv_id in report.missing:
                raise SubmissionRefused(f"arXiv has no paper {arxiv_id}")
            submit.check_window(arxiv_id, stored[1], today=today, window_days=window)
            submit.list_today(connection, stored[0], today)
            submit.record_submission(
                connection, paper_id=stored[0], arxiv_id=arxiv_id, user=user, now=now
            )
        return Submission(arxiv_id, fetched=True)

    # -- the outbox ----------------------------------------------------------------------

    def outbox(self, viewer: User, *, limit: int = 100) -> list[OutboxEntry]:
        if not viewer.is_admin:
            raise PermissionDenied("only admins can read the outbox")
        with read_transaction(self.engine) as connection:
            return outbox_reads.recent_mail(connection, limit=limit)
