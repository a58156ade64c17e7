"""Readers' trained For-you models, kept in the store so a page view on any host reads
one instead of training it (the ``retrain_for_you`` task keeps them current).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reader_models",
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("model", sa.String(120), nullable=False),
        sa.Column("signals_version", sa.Integer, nullable=False),
        sa.Column("index_size", sa.Integer, nullable=False),
        sa.Column("trained_at", sa.BigInteger, nullable=False),
        sa.Column("has_model", sa.Boolean, nullable=False),
        sa.Column("payload", sa.LargeBinary, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name="fk_reader_models_user_id_users"),
        sa.PrimaryKeyConstraint("user_id", "model", name="pk_reader_models"),
    )


def downgrade() -> None:
    op.drop_table("reader_models")
