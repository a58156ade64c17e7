"""Email digests: subscriptions, issues (the frozen list of a period) and the
per-recipient send log.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

Epoch = sa.BigInteger


def upgrade() -> None:
    op.create_table(
        "digest_subscriptions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.Text, nullable=False),
        sa.Column("email_key", sa.String(320), nullable=False),
        sa.Column("frequency", sa.String(10), nullable=False),
        sa.Column("topics", sa.JSON, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("user_id", sa.Integer),
        sa.Column("confirm_nonce", sa.String(32)),
        sa.Column("bounces", sa.Integer, nullable=False),
        sa.Column("created_at", Epoch, nullable=False),
        sa.Column("confirmed_at", Epoch),
        sa.Column("unsubscribed_at", Epoch),
        sa.PrimaryKeyConstraint("id", name="pk_digest_subscriptions"),
        sa.UniqueConstraint("email_key", name="uq_digest_subscriptions_email_key"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="SET NULL",
                                name="fk_digest_subscriptions_user_id_users"),
    )
    op.create_index("ix_digest_subscriptions_status", "digest_subscriptions",
                    ["status", "frequency"])
    op.create_table(
        "digest_issues",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("period", sa.String(10), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("papers", sa.JSON, nullable=False),
        sa.Column("built_at", Epoch, nullable=False),
        sa.Column("recipients", sa.Integer, nullable=False),
        sa.Column("paused_until", sa.Float),
        sa.Column("pause_reason", sa.Text),
        sa.PrimaryKeyConstraint("id", name="pk_digest_issues"),
        sa.UniqueConstraint("kind", "period", name="uq_digest_issues_kind_period"),
    )
    op.create_table(
        "digest_sends",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("issue_id", sa.Integer, nullable=False),
        sa.Column("subscription_id", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("period", sa.String(10), nullable=False),
        sa.Column("papers", sa.JSON, nullable=False),
        sa.Column("message_id", sa.String(200), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.Float, nullable=False),
        sa.Column("lease_owner", sa.String(100)),
        sa.Column("lease_until", sa.Float),
        sa.Column("last_error", sa.Text),
        sa.Column("sent_at", sa.Float),
        sa.PrimaryKeyConstraint("id", name="pk_digest_sends"),
        sa.UniqueConstraint("subscription_id", "kind", "period",
                            name="uq_digest_sends_subscription_kind_period"),
        sa.ForeignKeyConstraint(["issue_id"], ["digest_issues.id"], ondelete="CASCADE",
                                name="fk_digest_sends_issue_id_digest_issues"),
        sa.ForeignKeyConstraint(["subscription_id"], ["digest_subscriptions.id"],
                                ondelete="CASCADE",
                                name="fk_digest_sends_subscription_id_digest_subscriptions"),
    )
    op.create_index("ix_digest_sends_status_next", "digest_sends",
                    ["status", "next_attempt_at"])
    op.create_index("ix_digest_sends_issue_status", "digest_sends", ["issue_id", "status"])


def downgrade() -> None:
    for table in ("digest_sends", "digest_issues", "digest_subscriptions"):
        op.drop_table(table)
