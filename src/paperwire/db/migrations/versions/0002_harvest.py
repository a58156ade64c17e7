"""Harvesting: cursors per OAI-PMH set, runs, quarantine, job locks, daily announcements.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
_COUNTS = ("requests", "pages", "added", "updated", "unchanged", "deleted", "quarantined")


def upgrade() -> None:
    op.create_table(
        "harvest_cursors",
        sa.Column("set_spec", sa.String(80), nullable=False),
        sa.Column("next_from", sa.Date),
        sa.Column("pass_from", sa.Date),
        sa.Column("pass_until", sa.Date),
        sa.Column("pass_started", sa.Date),
        sa.Column("resumption_token", sa.Text),
        sa.Column("token_expires_at", TZ),
        sa.Column("last_datestamp", sa.Date),
        sa.Column("ordered", sa.Boolean, nullable=False),
        sa.Column("pages", sa.Integer, nullable=False),
        sa.Column("records", sa.Integer, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("set_spec", name="pk_harvest_cursors"),
    )
    op.create_table(
        "harvest_runs",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("detail", sa.Text),
        sa.Column("started_at", TZ, nullable=False),
        sa.Column("finished_at", TZ),
        sa.Column("heartbeat_at", TZ),
        *[sa.Column(name, sa.Integer, nullable=False) for name in _COUNTS],
        sa.Column("error", sa.Text),
        sa.PrimaryKeyConstraint("id", name="pk_harvest_runs"),
    )
    op.create_index("ix_harvest_runs_started_at", "harvest_runs", ["started_at"])
    op.create_table(
        "harvest_quarantine",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("run_id", sa.Integer),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("arxiv_id", sa.String(40)),
        sa.Column("position", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("raw", sa.Text),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_harvest_quarantine"),
    )
    op.create_table(
        "job_locks",
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("owner", sa.String(120), nullable=False),
        sa.Column("acquired_at", TZ, nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_job_locks"),
    )
    op.create_table(
        "announcements",
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("arxiv_id", sa.String(40), nullable=False),
        sa.Column("announce_type", sa.String(20), nullable=False),
        sa.Column("version", sa.Integer),
        sa.UniqueConstraint("day", "arxiv_id", name="uq_announcements_day"),
    )
    op.create_index("ix_announcements_arxiv_id", "announcements", ["arxiv_id"])
    op.create_table(
        "announcement_days",
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("mailing", sa.Boolean, nullable=False),
        sa.Column("papers", sa.Integer, nullable=False),
        sa.Column("categories", sa.Text, nullable=False),
        sa.Column("fetched_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("day", name="pk_announcement_days"),
    )



def downgrade() -> None:
    for table in (
        "announcement_days", "announcements", "job_locks", "harvest_quarantine",
        "harvest_runs", "harvest_cursors",
    ):
        op.drop_table(table)
