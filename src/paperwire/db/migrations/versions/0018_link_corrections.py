"""Readers' corrections of code and project links: ``paper_links.corrects`` names the
link of the paper that a reader's proposal replaces once a moderator approves it (the
replaced row's status becomes ``replaced``).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("paper_links", sa.Column("corrects", sa.String(2000)))


def downgrade() -> None:
    with op.batch_alter_table("paper_links") as batch:
        batch.drop_column("corrects")
