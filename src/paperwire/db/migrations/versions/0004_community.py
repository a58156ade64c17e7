"""Community: users, sign-in tokens, sessions, votes, comments, collections,
submissions and the mail outbox.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

Epoch = sa.BigInteger


def _fk(column: str, target: str, table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], ondelete="CASCADE", name=f"fk_{table}_{column}_{target}"
    )


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.Text, nullable=False),
        sa.Column("email_key", sa.String(320), nullable=False),
        sa.Column("username", sa.String(40), nullable=False),
        sa.Column("display_name", sa.Text, nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("banned", sa.Boolean, nullable=False),
        sa.Column("created_at", Epoch, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("email_key", name="uq_users_email_key"),
        sa.UniqueConstraint("username", name="uq_users_username"),
    )
    op.create_table(
        "login_tokens",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("email_key", sa.String(320), nullable=False),
        sa.Column("email", sa.Text, nullable=False),
        sa.Column("created_at", Epoch, nullable=False),
        sa.Column("expires_at", Epoch, nullable=False),
        sa.Column("used_at", Epoch),
        sa.PrimaryKeyConstraint("token_hash", name="pk_login_tokens"),
    )
    op.create_index("ix_login_tokens_expires_at", "login_tokens", ["expires_at"])
    op.create_table(
        "user_sessions",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("created_at", Epoch, nullable=False),
        sa.Column("expires_at", Epoch, nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name="pk_user_sessions"),
        _fk("user_id", "users", "user_sessions"),
    )
    op.create_index("ix_user_sessions_user_id", "user_sessions", ["user_id"])
    op.create_table(
        "votes",
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("paper_id", sa.Integer, nullable=False),
        sa.Column("voted_at", Epoch, nullable=False),
        _fk("user_id", "users", "votes"),
        _fk("paper_id", "papers", "votes"),
        sa.UniqueConstraint("user_id", "paper_id", name="uq_votes_user_paper"),
    )
    op.create_index("ix_votes_voted_at_paper_id", "votes", ["voted_at", "paper_id"])
    op.create_index("ix_votes_paper_id", "votes", ["paper_id"])
    op.create_table(
        "comments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("paper_id", sa.Integer, nullable=False),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("parent_id", sa.Integer),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("body_html", sa.Text, nullable=False),
        sa.Column("created_at", Epoch, nullable=False),
        sa.Column("edited_at", Epoch),
        sa.Column("deleted", sa.Boolean, nullable=False),
        sa.Column("hidden", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_comments"),
        _fk("paper_id", "papers", "comments"),
        _fk("user_id", "users", "comments"),
        _fk("parent_id", "comments", "comments"),
    )
    op.create_index("ix_comments_paper_id", "comments", ["paper_id", "id"])
    op.create_index("ix_comments_user_id", "comments", ["user_id", "id"])
    op.create_table(
        "collections",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("public", sa.Boolean, nullable=False),
        sa.Column("created_at", Epoch, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_collections"),
        _fk("user_id", "users", "collections"),
    )
    op.create_index("ix_collections_user_id", "collections", ["user_id"])
    op.create_table(
        "collection_items",
        sa.Column("collection_id", sa.Integer, nullable=False),
        sa.Column("paper_id", sa.Integer, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("added_at", Epoch, nullable=False),
        _fk("collection_id", "collections", "collection_items"),
        _fk("paper_id", "papers", "collection_items"),
        sa.UniqueConstraint(
            "collection_id", "paper_id", name="uq_collection_items_collection_paper"
        ),
    )
    op.create_table(
        "submissions",
        sa.Column("paper_id", sa.Integer, nullable=False),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("submitted_at", Epoch, nullable=False),
        sa.PrimaryKeyConstraint("paper_id", name="pk_submissions"),
        _fk("paper_id", "papers", "submissions"),
        _fk("user_id", "users", "submissions"),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("recipient", sa.Text, nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("created_at", Epoch, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
    )
    op.create_index("ix_outbox_created_at", "outbox", ["created_at"])


def downgrade() -> None:
    for table in (
        "outbox", "submissions", "collection_items", "collections", "comments", "votes",
        "user_sessions", "login_tokens", "users",
    ):
        op.drop_table(table)
