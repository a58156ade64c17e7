"""GitHub metadata of linked repositories, and their star history.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "github_repos",
        sa.Column("key", sa.String(401), nullable=False),
        sa.Column("full_name", sa.String(401), nullable=False),
        sa.Column("stars", sa.Integer),
        sa.Column("description", sa.Text),
        sa.Column("license", sa.String(100)),
        sa.Column("pushed_at", sa.DateTime(timezone=True)),
        sa.Column("archived", sa.Boolean, nullable=False),
        sa.Column("gone", sa.Boolean, nullable=False),
        sa.Column("etag", sa.String(200)),
        sa.Column("fetched_at", sa.BigInteger),
        sa.Column("next_check_at", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_github_repos"),
    )
    op.create_index("ix_github_repos_next_check_at", "github_repos", ["next_check_at"])
    op.create_table(
        "github_stars",
        sa.Column("repo_key", sa.String(401), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("stars", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("repo_key", "day", name="pk_github_stars"),
        sa.ForeignKeyConstraint(["repo_key"], ["github_repos.key"], ondelete="CASCADE",
                                name="fk_github_stars_repo_key_github_repos"),
    )
    op.create_table(
        "github_limits",
        sa.Column("name", sa.String(20), nullable=False),
        sa.Column("resumes_at", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_github_limits"),
    )


def downgrade() -> None:
    op.drop_table("github_limits")
    op.drop_table("github_stars")
    op.drop_table("github_repos")
