"""Code and project links of papers (backfilled from every stored paper's abstract and
comments).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from __future__ import annotations

import time

import sqlalchemy as sa
from alembic import op

from paperwire.links import extract_links

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

BACKFILL_BATCH = 5_000


def _fk(column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], ondelete=ondelete,
                                   name=f"fk_paper_links_{column}_{target}")


def upgrade() -> None:
    op.create_table(
        "paper_links",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("paper_id", sa.Integer, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("owner", sa.String(200)),
        sa.Column("name", sa.String(200)),
        sa.Column("source", sa.String(8), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("proposed_by", sa.Integer),
        sa.Column("approved_by", sa.Integer),
        sa.PrimaryKeyConstraint("id", name="pk_paper_links"),
        sa.UniqueConstraint("paper_id", "url", name="uq_paper_links_paper_url"),
        _fk("paper_id", "papers", "CASCADE"),
        _fk("proposed_by", "users", "SET NULL"),
        _fk("approved_by", "users", "SET NULL"),
    )
    _backfill(op.get_bind())
    op.create_index("ix_paper_links_status", "paper_links", ["status"])


def _backfill(connection: sa.Connection) -> None:
    """Extract the links of every stored paper, in batches by id."""
    papers = sa.table("papers", sa.column("id", sa.Integer), sa.column("abstract", sa.Text),
                      sa.column("comments", sa.Text))
    target = sa.table("paper_links", *(sa.column(name) for name in (
        "paper_id", "position", "kind", "host", "url", "owner", "name", "source", "status",
        "created_at")))
    now, after = int(time.time()), 0
    while True:
        batch = connection.execute(
            sa.select(papers.c.id, papers.c.abstract, papers.c.comments)
            .where(papers.c.id > after).order_by(papers.c.id).limit(BACKFILL_BATCH)
        ).all()
        if not batch:
            return
        rows = [
            {"paper_id": paper_id, "position": position, "kind": link.kind, "host": link.host,
             "url": link.url, "owner": link.owner, "name": link.name, "source": "authors",
             "status": "active", "created_at": now}
            for paper_id, abstract, comments in batch
            for position, link in enumerate(extract_links(abstract, comments))
        ]
        if rows:
            connection.execute(sa.insert(target), rows)
        after = batch[-1][0]


def downgrade() -> None:
    op.drop_table("paper_links")
