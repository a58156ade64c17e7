"""State every host of a deployment shares: rate-limit events and arXiv's pacing.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_limit_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True,
                  autoincrement=True),
        sa.Column("rule", sa.String(40), nullable=False),
        sa.Column("key_hash", sa.String(32), nullable=False),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False),
    )
    op.create_index("ix_rate_limit_events_rule_key_at", "rate_limit_events",
                    ["rule", "key_hash", "at"])
    op.create_index("ix_rate_limit_events_expires_at", "rate_limit_events", ["expires_at"])
    op.create_table(
        "service_pacing",
        sa.Column("service", sa.String(40), primary_key=True),
        sa.Column("last_request_at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("service_pacing")
    op.drop_index("ix_rate_limit_events_expires_at", "rate_limit_events")
    op.drop_index("ix_rate_limit_events_rule_key_at", "rate_limit_events")
    op.drop_table("rate_limit_events")
