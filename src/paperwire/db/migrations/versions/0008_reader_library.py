"""A reader's library (imported papers), their signals (not interested, more like this,
read, seen) and a per-reader version stamp that moves whenever a signal changes.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], ondelete="CASCADE", name=f"fk_{table}_{column}_{target}"
    )


def upgrade() -> None:
    op.create_table(
        "library_entries",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("paper_id", sa.Integer, nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("source_key", sa.Text, nullable=False),
        sa.Column("added_at", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_library_entries"),
        sa.UniqueConstraint("user_id", "paper_id", name="uq_library_entries_user_paper"),
        _fk("library_entries", "user_id", "users"),
        _fk("library_entries", "paper_id", "papers"),
    )
    op.create_index("ix_library_entries_paper_id", "library_entries", ["paper_id"])
    op.create_table(
        "reader_signals",
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("paper_id", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.UniqueConstraint(
            "user_id", "kind", "paper_id", name="uq_reader_signals_user_kind_paper"
        ),
        _fk("reader_signals", "user_id", "users"),
        _fk("reader_signals", "paper_id", "papers"),
    )
    op.create_index(
        "ix_reader_signals_user_id_kind_created_at", "reader_signals",
        ["user_id", "kind", "created_at"],
    )
    op.create_index("ix_reader_signals_paper_id", "reader_signals", ["paper_id"])
    op.create_table(
        "reader_versions",
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("changed_at", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("user_id", name="pk_reader_versions"),
        _fk("reader_versions", "user_id", "users"),
    )


def downgrade() -> None:
    op.drop_table("reader_versions")
    op.drop_index("ix_reader_signals_paper_id", table_name="reader_signals")
    op.drop_index("ix_reader_signals_user_id_kind_created_at", table_name="reader_signals")
    op.drop_table("reader_signals")
    op.drop_index("ix_library_entries_paper_id", table_name="library_entries")
    op.drop_table("library_entries")
