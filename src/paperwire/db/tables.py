"""The store's tables (SQLAlchemy Core). Alembic migrations create them; this is the map."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

papers = Table(
    "papers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("arxiv_id", String(40), nullable=False, unique=True),
    # As the source gave them:
    Column("title", Text, nullable=False),
    Column("abstract", Text, nullable=False, default=""),
    Column("authors", JSON, nullable=False),  # list of names, in order
    # Normalized plain text for display and search (see paperwire.text):
    Column("title_text", Text, nullable=False),
    Column("abstract_text", Text, nullable=False),
    Column("authors_text", Text, nullable=False),
    Column("primary_category", String(40)),
    Column("categories", JSON, nullable=False),  # primary first
    Column("submitter", Text),
    Column("comments", Text),
    Column("journal_ref", Text),
    Column("doi", Text),
    Column("report_no", Text),
    Column("license", Text),
    Column("latest_version", Integer, nullable=False, default=0),
    Column("published", DateTime(timezone=True)),  # first version
    Column("updated", DateTime(timezone=True)),  # latest version
    Column("update_date", Date),  # the snapshot's update_date
    Column("announced_on", Date, nullable=False),  # the day it is listed on
    Column("withdrawn", Boolean, nullable=False, default=False),
    Column("upvotes", Integer, nullable=False, default=0),
    Column("content_hash", String(32), nullable=False),
    Column("freshness", String(40), nullable=False),  # "version|date", orders records
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("modified_at", DateTime(timezone=True), nullable=False),
    Index("ix_papers_announced_on_upvotes", "announced_on", "upvotes"),
    Index("ix_papers_published", "published"),
    Index("ix_papers_modified_at", "modified_at"),
)

paper_versions = Table(
    "paper_versions",
    metadata,
    Column("paper_id", Integer, ForeignKey("papers.id", ondelete="CASCADE"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("created", DateTime(timezone=True), nullable=False),
    UniqueConstraint("paper_id", "version", name="uq_paper_versions_paper_version"),
)

paper_categories = Table(
    "paper_categories",
    metadata,
    Column("paper_id", Integer, ForeignKey("papers.id", ondelete="CASCADE"), nullable=False),
    Column("category", String(40), nullable=False),
    Column("position", Integer, nullable=False),
    UniqueConstraint("paper_id", "category", name="uq_paper_categories_paper_category"),
    Index("ix_paper_categories_category", "category", "paper_id"),
)

# -- harvesting (migration 0002) ------------------------------------------------------

harvest_cursors = Table(
    "harvest_cursors",
    metadata,
    # One row per OAI-PMH set ("" = all of arXiv): where the next harvest of it starts.
    Column("set_spec", String(80), primary_key=True),
    Column("next_from", Date),  # incremental harvests start here (None: from the beginning)
    # The pass in progress, if any: resumable after a crash.
    Column("pass_from", Date),
    Column("pass_until", Date),
    Column("pass_started", Date),  # the server's responseDate when the pass began
    Column("resumption_token", Text),
    Column("token_expires_at", DateTime(timezone=True)),
    Column("last_datestamp", Date),  # newest datestamp committed in this pass
    Column("ordered", Boolean, nullable=False, default=True),  # datestamps never went back
    Column("pages", Integer, nullable=False, default=0),
    Column("records", Integer, nullable=False, default=0),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

harvest_runs = Table(
    "harvest_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(20), nullable=False),  # oai | listing | api | daily | first-run
    Column("status", String(20), nullable=False),  # running | ok | failed
    Column("detail", Text),  # sets, categories or ids asked for
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("heartbeat_at", DateTime(timezone=True)),
    Column("requests", Integer, nullable=False, default=0),
    Column("pages", Integer, nullable=False, default=0),
    Column("added", Integer, nullable=False, default=0),
    Column("updated", Integer, nullable=False, default=0),
    Column("unchanged", Integer, nullable=False, default=0),
    Column("deleted", Integer, nullable=False, default=0),
    Column("quarantined", Integer, nullable=False, default=0),
    Column("error", Text),
    Index("ix_harvest_runs_started_at", "started_at"),
)

harvest_quarantine = Table(
    "harvest_quarantine",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", Integer),
    Column("source", String(20), nullable=False),
    Column("arxiv_id", String(40)),
    Column("position", Text, nullable=False),  # where in which response
    Column("reason", Text, nullable=False),
    Column("raw", Text),  # the record as received (truncated)
    Column("created_at", DateTime(timezone=True), nullable=False),
)

job_locks = Table(
    "job_locks",
    metadata,
    # Who holds a job lock and since when (db/locks.py). Only informational: the lock
    # itself is a PostgreSQL advisory lock or a file lock, which die with their holder.
    Column("name", String(60), primary_key=True),
    Column("owner", String(120), nullable=False),
    Column("acquired_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),  # unused: = acquired_at
)

job_failures = Table(
    "job_failures",
    metadata,
    # Each failed attempt of a background job (db/job_failures.py): the queue keeps a job's
    # state, not why it failed. ``job_id`` is procrastinate's job id on PostgreSQL, the
    # in-process runner's run number on SQLite.
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("task", String(80), nullable=False),
    Column("job_id", BigInteger, nullable=False, index=True),
    Column("attempt", Integer, nullable=False),
    Column("final", Boolean, nullable=False),  # no retry follows
    Column("error", String(500), nullable=False),
    Column("failed_at", DateTime(timezone=True), nullable=False, index=True),
)

announcements = Table(
    "announcements",
    metadata,
    # Which papers arXiv's daily listing carried on which day, and how.
    Column("day", Date, nullable=False),
    Column("arxiv_id", String(40), nullable=False),
    Column("announce_type", String(20), nullable=False),  # new | cross | replace | replace-cross
    Column("version", Integer),
    UniqueConstraint("day", "arxiv_id", name="uq_announcements_day"),
    Index("ix_announcements_arxiv_id", "arxiv_id"),
)

announcement_days = Table(
    "announcement_days",
    metadata,
    # One row per day a listing was fetched: whether it had a mailing. A row with
    # ``mailing`` false is a day arXiv reported no mailing: the calendar reads it back
    # (harvest/calendar.py, ``db.announcements.no_mailing_days``).
    Column("day", Date, primary_key=True),
    Column("mailing", Boolean, nullable=False),
    Column("papers", Integer, nullable=False, default=0),
    Column("categories", Text, nullable=False),
    Column("fetched_at", DateTime(timezone=True), nullable=False),
)


# -- search (issue 4): embeddings and concepts, one row per paper and model ----------------
# Created by migration 0003_search.

change_log = Table(
    "change_log",
    metadata,
    # Written by database triggers (migration 0011) in the transaction of every change to
    # ``papers`` (a new ``modified_at``) and ``paper_embeddings``, so no writer can skip it;
    # each host's indexes follow it with a cursor (``db/changes.py``). Kept a week.
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=True),
    Column("paper_id", Integer, nullable=False),  # no foreign key: deletions are logged too
    Column("kind", String(10), nullable=False),  # paper | embedding
    # PostgreSQL: the writing transaction's id, which orders the log against snapshots.
    Column("txid", BigInteger),
    Column("changed_at", BigInteger, nullable=False),  # unix seconds, for pruning
    Index("ix_change_log_txid", "txid"),
    Index("ix_change_log_changed_at", "changed_at"),
    sqlite_autoincrement=True,
)

rate_limit_events = Table(
    "rate_limit_events",
    metadata,
    # One row an allowed event of a rate-limited action (a sign-in, a vote ...), so that
    # every process and host counts against one limit (``db/rate_limits.py``). Rows go
    # when their window has passed.
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=True),
    Column("rule", String(40), nullable=False),
    Column("key_hash", String(32), nullable=False),  # a hash: no addresses kept at rest
    Column("at", Float, nullable=False),  # unix seconds
    Column("expires_at", Float, nullable=False),  # at + the rule's window
    Index("ix_rate_limit_events_rule_key_at", "rule", "key_hash", "at"),
    Index("ix_rate_limit_events_expires_at", "expires_at"),
)

service_pacing = Table(
    "service_pacing",
    metadata,
    # When the last request to an outside service (arXiv) ended, so that a harvest on
    # another host waits its turn too (``harvest/client.py``).
    Column("service", String(40), primary_key=True),
    Column("last_request_at", Float, nullable=False),  # unix seconds
)

paper_embeddings = Table(
    "paper_embeddings",
    metadata,
    Column("paper_id", Integer, ForeignKey("papers.id", ondelete="CASCADE"), nullable=False),
    Column("model", String(120), nullable=False),
    # papers.content_hash when embedded: a differing value marks the paper pending.
    Column("source_hash", String(32), nullable=False),
    # Hash of the embedded text: unchanged text is never embedded twice.
    Column("text_hash", String(32), nullable=False),
    Column("vector", LargeBinary, nullable=False),  # float16, little-endian, dim values
    Column("concepts", JSON, nullable=False),  # key phrases, best first
    Column("embedded_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("paper_id", "model", name="pk_paper_embeddings"),
    Index("ix_paper_embeddings_model_embedded_at", "model", "embedded_at"),
)

embedding_claims = Table(
    "embedding_claims",
    metadata,
    # Pending papers an embedding batch has taken (db/embedding_claims.py), so batches in
    # parallel take disjoint papers. ``owner`` names the claimer's job lock: a claim of a
    # dead owner (its lock free) or past ``expires_at`` is free to take again.
    Column("paper_id", Integer, ForeignKey("papers.id", ondelete="CASCADE"), nullable=False),
    Column("model", String(120), nullable=False),
    Column("owner", String(60), nullable=False, index=True),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("paper_id", "model", name="pk_embedding_claims"),
)


# == community (issue 5): accounts, sessions, votes, comments, collections, mail ==========
# Times are epoch seconds (BigInteger) where SQL does arithmetic on them (trending,
# expiry), so both backends compute ages the same way.

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", Text, nullable=False),  # as first given
    Column("email_key", String(320), nullable=False, unique=True),  # case-folded: one account
    Column("username", String(40), nullable=False, unique=True),  # URL-safe handle
    Column("display_name", Text, nullable=False),
    Column("role", String(20), nullable=False, default="user"),  # user | moderator | admin
    Column("banned", Boolean, nullable=False, default=False),
    Column("created_at", BigInteger, nullable=False),
)

login_tokens = Table(
    "login_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),  # sha256 hex; the token is never stored
    Column("email_key", String(320), nullable=False),
    Column("email", Text, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    Column("used_at", BigInteger),
    Index("ix_login_tokens_expires_at", "expires_at"),
)

user_sessions = Table(
    "user_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    Index("ix_user_sessions_user_id", "user_id"),
)

votes = Table(
    "votes",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("paper_id", Integer, ForeignKey("papers.id", ondelete="CASCADE"), nullable=False),
    Column("voted_at", BigInteger, nullable=False),
    UniqueConstraint("user_id", "paper_id", name="uq_votes_user_paper"),
    Index("ix_votes_voted_at_paper_id", "voted_at", "paper_id"),
    Index("ix_votes_paper_id", "paper_id"),
)

comments = Table(
    "comments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("paper_id", Integer, ForeignKey("papers.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("parent_id", Integer, ForeignKey("comments.id", ondelete="CASCADE")),
    Column("body", Text, nullable=False),  # Markdown as written
    Column("body_html", Text, nullable=False),  # rendered and sanitized
    Column("created_at", BigInteger, nullable=False),
    Column("edited_at", BigInteger),
    Column("deleted", Boolean, nullable=False, default=False),
    Column("hidden", Boolean, nullable=False, default=False),
    Index("ix_comments_paper_id", "paper_id", "id"),
    Index("ix_comments_user_id", "user_id", "id"),
)

collections = Table(
    "collections",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("name", Text, nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("public", Boolean, nullable=False, default=False),
    Column("created_at", BigInteger, nullable=False),
    Index("ix_collections_user_id", "user_id"),
)

collection_items = Table(
    "collection_items",
    metadata,
    Column(
        "collection_id", Integer, ForeignKey("collections.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("paper_id", Integer, ForeignKey("papers.id", ondelete="CASCADE"), nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("added_at", BigInteger, nullable=False),
    UniqueConstraint("collection_id", "paper_id", name="uq_collection_items_collection_paper"),
)

submissions = Table(
    "submissions",
    metadata,
    Column(
        "paper_id", Integer, ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True
    ),  # one submission per paper: duplicates are refused by the key
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("submitted_at", BigInteger, nullable=False),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("recipient", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("kind", String(40), nullable=False),
    Column("message", Text, nullable=False),  # the whole RFC 5322 message
    Column("created_at", BigInteger, nullable=False),
    Index("ix_outbox_created_at", "created_at"),
)

# == API tokens and feed tokens (issue 7, migration 0006) ==================================

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("name", Text, nullable=False),  # what the user called it
    Column("token_hash", String(64), nullable=False, unique=True),  # sha256; never the token
    Column("prefix", String(16), nullable=False),  # the first characters, to tell tokens apart
    Column("created_at", BigInteger, nullable=False),
    Column("last_used_at", BigInteger),
    Index("ix_api_tokens_user_id", "user_id"),
)

feed_tokens = Table(
    "feed_tokens",
    metadata,
    # One per user. The feed token is an HMAC of (user id, nonce) under the secret key:
    # the store holds only the nonce, and rotating replaces it.
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("nonce", String(64), nullable=False),
    Column("created_at", BigInteger, nullable=False),
)


# == email digests (issue 6) ============================================================
# A subscription is one address (case-folded key); sends are the per-recipient log, one
# row per (subscription, kind, period), filled when the period's issue is built.

digest_subscriptions = Table(
    "digest_subscriptions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", Text, nullable=False),  # as last given
    Column("email_key", String(320), nullable=False, unique=True),  # case-folded
    Column("frequency", String(10), nullable=False),  # daily | weekly
    Column("topics", JSON, nullable=False),  # {"categories": [], "keywords": [], "authors": []}
    Column("status", String(20), nullable=False),  # pending | confirmed | unsubscribed | bounced
    Column("user_id", Integer, ForeignKey("users.id", ondelete="SET NULL")),
    Column("confirm_nonce", String(32)),  # the live confirmation link; NULL once used
    Column("bounces", Integer, nullable=False, default=0),
    Column("created_at", BigInteger, nullable=False),
    Column("confirmed_at", BigInteger),
    Column("unsubscribed_at", BigInteger),
    Index("ix_digest_subscriptions_status", "status", "frequency"),
)

digest_issues = Table(
    "digest_issues",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(10), nullable=False),  # daily | weekly
    Column("period", String(10), nullable=False),  # 2026-11-28 | 2026-W48
    Column("day", Date, nullable=False),  # the (last) day of the period
    Column("papers", JSON, nullable=False),  # the frozen trending list: paper ids in order
    Column("built_at", BigInteger, nullable=False),
    Column("recipients", Integer, nullable=False),
    Column("paused_until", Float),  # epoch seconds; sending waits until then
    Column("pause_reason", Text),
    UniqueConstraint("kind", "period", name="uq_digest_issues_kind_period"),
)

digest_sends = Table(
    "digest_sends",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("issue_id", Integer, ForeignKey("digest_issues.id", ondelete="CASCADE"),
           nullable=False),
    Column("subscription_id", Integer,
           ForeignKey("digest_subscriptions.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(10), nullable=False),
    Column("period", String(10), nullable=False),
    Column("papers", JSON, nullable=False),  # this subscriber's topic papers (ids), frozen
    Column("message_id", String(200), nullable=False),  # fixed: a re-sent copy shares it
    # queued | sending | sent | failed | ambiguous | skipped
    Column("status", String(12), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", Float, nullable=False),
    Column("lease_owner", String(100)),
    Column("lease_until", Float),
    Column("last_error", Text),
    Column("sent_at", Float),
    UniqueConstraint("subscription_id", "kind", "period",
                     name="uq_digest_sends_subscription_kind_period"),
    Index("ix_digest_sends_status_next", "status", "next_attempt_at"),
    Index("ix_digest_sends_issue_status", "issue_id", "status"),
)


# == authors (issue 14, migration 0008) ================================================
# ``paper_authors`` is derived from ``papers.authors`` (written with each paper by
# db/upsert.py): one row per name on a paper, under its key (paperwire/authors.py).

paper_authors = Table(
    "paper_authors",
    metadata,
    Column("paper_id", Integer, ForeignKey("papers.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),  # 0 = first author
    Column("author_key", String(200), nullable=False),
    Column("surname", String(200), nullable=False),  # the key's last word
    Column("name", Text, nullable=False),  # as the paper spells it
    PrimaryKeyConstraint("paper_id", "position", name="pk_paper_authors"),
    Index("ix_paper_authors_author_key", "author_key", "paper_id"),
    Index("ix_paper_authors_surname", "surname"),
    sqlite_with_rowid=False,  # clustered by paper: one B-tree fewer to write per name
)

# ``paper_links`` holds a paper's code and project links (paperwire/links.py): those
# from the authors are derived from the abstract and comments (written with each paper by
# db/upsert.py); a reader's proposal waits for a moderator (status pending).

paper_links = Table(
    "paper_links",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("paper_id", Integer, ForeignKey("papers.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),  # order of appearance in the paper
    Column("kind", String(8), nullable=False),  # repo | project
    Column("host", String(255), nullable=False),
    Column("url", String(2000), nullable=False),  # normalized
    Column("owner", String(200)),  # GitHub only
    Column("name", String(200)),  # GitHub only
    Column("source", String(8), nullable=False),  # authors | reader
    # active | pending | rejected | replaced (by an approved reader's correction)
    Column("status", String(12), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("proposed_by", Integer, ForeignKey("users.id", ondelete="SET NULL")),
    Column("approved_by", Integer, ForeignKey("users.id", ondelete="SET NULL")),
    Column("corrects", String(2000)),  # a reader's row: the paper's link it replaces
    UniqueConstraint("paper_id", "url", name="uq_paper_links_paper_url"),
    Index("ix_paper_links_status", "status"),
)

# ``paper_summaries`` holds each paper's one-line summaries (paperwire/summaries/): the
# extractive one, made from the embedded text (``source_hash`` is that text's hash), and an
# abstractive one from a configured endpoint (``version``: the arXiv version it read;
# ``text`` None with an ``error`` when the endpoint's answer was refused).

paper_summaries = Table(
    "paper_summaries",
    metadata,
    Column("paper_id", Integer, ForeignKey("papers.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(12), nullable=False),  # extractive | abstractive
    Column("model", String(200), nullable=False),
    Column("text", Text),
    Column("source_hash", String(32), nullable=False),
    Column("version", Integer, nullable=False),
    Column("error", String(200)),
    Column("made_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("paper_id", "kind", name="pk_paper_summaries"),
)

# ``github_repos`` holds what GitHub says of each linked repository (``key``: the
# lower-cased ``owner/name`` the papers link; ``full_name``: GitHub's current name, after a
# rename); ``github_stars`` one star count a day per repository, for "Trending by code".

github_repos = Table(
    "github_repos",
    metadata,
    Column("key", String(401), primary_key=True),
    Column("full_name", String(401), nullable=False),
    Column("stars", Integer),
    Column("description", Text),
    Column("license", String(100)),
    Column("pushed_at", DateTime(timezone=True)),
    Column("archived", Boolean, nullable=False),
    Column("gone", Boolean, nullable=False),  # GitHub answered 404 or 410
    Column("etag", String(200)),
    Column("fetched_at", BigInteger),  # None: never fetched
    Column("next_check_at", BigInteger, nullable=False),
    Index("ix_github_repos_next_check_at", "next_check_at"),
)

github_stars = Table(
    "github_stars",
    metadata,
    Column("repo_key", String(401), ForeignKey("github_repos.key", ondelete="CASCADE"),
           nullable=False),
    Column("day", Date, nullable=False),
    Column("stars", Integer, nullable=False),
    PrimaryKeyConstraint("repo_key", "day", name="pk_github_stars"),
)

github_limits = Table(
    "github_limits",
    metadata,
    # GitHub's rate limit when a run met it: no request until ``resumes_at`` (epoch s).
    Column("name", String(20), primary_key=True),
    Column("resumes_at", BigInteger, nullable=False),
)

author_follows = Table(
    "author_follows",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("author_key", String(200), nullable=False),
    Column("name", Text, nullable=False),  # the spelling the reader followed
    Column("created_at", BigInteger, nullable=False),
    PrimaryKeyConstraint("user_id", "author_key", name="pk_author_follows"),
    Index("ix_author_follows_author_key", "author_key"),
)

author_claims = Table(
    "author_claims",
    metadata,
    # A reader saying "this is me": shown on the author page once an admin approves it.
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("author_key", String(200), nullable=False),
    Column("name", Text, nullable=False),
    Column("status", String(12), nullable=False),  # pending | approved | rejected
    Column("created_at", BigInteger, nullable=False),
    Column("decided_at", BigInteger),
    Column("decided_by", Integer, ForeignKey("users.id", ondelete="SET NULL")),
    UniqueConstraint("user_id", "author_key", name="uq_author_claims_user_author"),
    Index("ix_author_claims_author_key", "author_key", "status"),
    Index("ix_author_claims_status", "status"),
)


# == a reader's library and signals (issue 14, migration 0009) ===========================
# Private to the reader: never shown to anyone else; deleted by "delete my library and
# signals"; carried by export/restore. Upvotes and collections are signals too but live
# in their own tables (``votes``, ``collection_items``).

library_entries = Table(
    "library_entries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("paper_id", Integer, ForeignKey("papers.id", ondelete="CASCADE"), nullable=False),
    Column("source", String(20), nullable=False),  # bibtex | ris | csl-json | list | zotero
    Column("source_key", Text, nullable=False),  # the entry's key, or the line, as imported
    Column("added_at", BigInteger, nullable=False),
    UniqueConstraint("user_id", "paper_id", name="uq_library_entries_user_paper"),
    Index("ix_library_entries_paper_id", "paper_id"),
)

reader_signals = Table(
    "reader_signals",
    metadata,
    # One row per (reader, kind, paper): not_interested | more_like_this | read | seen.
    # ``created_at`` is when it was first given (a repeated "seen" keeps the first time).
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("paper_id", Integer, ForeignKey("papers.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    UniqueConstraint("user_id", "kind", "paper_id", name="uq_reader_signals_user_kind_paper"),
    Index("ix_reader_signals_user_id_kind_created_at", "user_id", "kind", "created_at"),
    Index("ix_reader_signals_paper_id", "paper_id"),
)

reader_versions = Table(
    "reader_versions",
    metadata,
    # A counter per reader that moves whenever what trains their model changes (library,
    # signals but "seen", upvotes, saves): a model cache retrains when it differs.
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("changed_at", BigInteger, nullable=False),
)

reader_models = Table(
    "reader_models",
    metadata,
    # Each reader's trained For-you model (db/reader_models.py), so a page view on any
    # host reads it instead of training: what trained it (signals version, the trainer's
    # vector index size, when) and the model's arrays (recommend/stored.py's layout: a
    # NumPy .npz, no pickles); ``has_model`` false: no positive of theirs had a vector.
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("model", String(120), nullable=False),  # the embedding model
    Column("signals_version", Integer, nullable=False),
    Column("index_size", Integer, nullable=False),
    Column("trained_at", BigInteger, nullable=False),  # unix seconds
    Column("has_model", Boolean, nullable=False),
    Column("payload", LargeBinary, nullable=False),
    PrimaryKeyConstraint("user_id", "model", name="pk_reader_models"),
)
