"""Search: stored embeddings and concepts per paper and model.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# SQLite: a read-only view of FTS5's term list, for "did you mean" suggestions.
SQLITE_VOCAB = "CREATE VIRTUAL TABLE papers_fts_vocab USING fts5vocab(papers_fts, 'row')"


def upgrade() -> None:
    op.create_table(
        "paper_embeddings",
        sa.Column("paper_id", sa.Integer, nullable=False),
        sa.Column("model", sa.String(120), nullable=False),
        sa.Column("source_hash", sa.String(32), nullable=False),
        sa.Column("text_hash", sa.String(32), nullable=False),
        sa.Column("vector", sa.LargeBinary, nullable=False),
        sa.Column("concepts", sa.JSON, nullable=False),
        sa.Column("embedded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("paper_id", "model", name="pk_paper_embeddings"),
        sa.ForeignKeyConstraint(
            ["paper_id"], ["papers.id"], ondelete="CASCADE",
            name="fk_paper_embeddings_paper_id_papers",
        ),
    )
    op.create_index(
        "ix_paper_embeddings_model_embedded_at", "paper_embeddings", ["model", "embedded_at"]
    )
    if op.get_context().dialect.name == "sqlite":
        op.execute(SQLITE_VOCAB)


def downgrade() -> None:
    if op.get_context().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS papers_fts_vocab")
    op.drop_index("ix_paper_embeddings_model_embedded_at", "paper_embeddings")
    op.drop_table("paper_embeddings")
