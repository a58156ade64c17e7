"""Embedding claims: the pending papers each embedding batch has taken, so several
batches (workers) embed at once without doing a paper twice.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "embedding_claims",
        sa.Column("paper_id", sa.Integer, nullable=False),
        sa.Column("model", sa.String(120), nullable=False),
        sa.Column("owner", sa.String(60), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["paper_id"], ["papers.id"], ondelete="CASCADE",
                                name="fk_embedding_claims_paper_id_papers"),
        sa.PrimaryKeyConstraint("paper_id", "model", name="pk_embedding_claims"),
    )
    op.create_index("ix_embedding_claims_owner", "embedding_claims", ["owner"])


def downgrade() -> None:
    op.drop_table("embedding_claims")
