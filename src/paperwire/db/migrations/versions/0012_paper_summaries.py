"""One-line summaries of papers (extractive and abstractive), filled by the summary jobs.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "paper_summaries",
        sa.Column("paper_id", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("text", sa.Text),
        sa.Column("source_hash", sa.String(32), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("error", sa.String(200)),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("paper_id", "kind", name="pk_paper_summaries"),
        sa.ForeignKeyConstraint(["paper_id"], ["papers.id"], ondelete="CASCADE",
                                name="fk_paper_summaries_paper_id_papers"),
    )


def downgrade() -> None:
    op.drop_table("paper_summaries")
