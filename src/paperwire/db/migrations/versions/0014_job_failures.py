"""The background jobs' failures, each attempt's error, for ``paperwire jobs`` and /status.

The queue itself (procrastinate's tables, on PostgreSQL) is not ours: ``db/queue.py``
applies its schema. This table only keeps what the queue does not: why a job failed.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_failures",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("task", sa.String(80), nullable=False),
        sa.Column("job_id", sa.BigInteger, nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("final", sa.Boolean, nullable=False),
        sa.Column("error", sa.String(500), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_job_failures"),
    )
    op.create_index("ix_job_failures_failed_at", "job_failures", ["failed_at"])
    op.create_index("ix_job_failures_job_id", "job_failures", ["job_id"])


def downgrade() -> None:
    op.drop_table("job_failures")
