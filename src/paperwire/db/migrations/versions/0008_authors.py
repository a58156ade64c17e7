"""Authors: names on papers under their keys (backfilled from every stored paper),
followed authors and claims of author names.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from paperwire.authors import author_key, surname_of

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

BACKFILL_BATCH = 5_000


def _user_fk(table: str, column: str = "user_id", ondelete: str = "CASCADE") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], ["users.id"], ondelete=ondelete,
                                   name=f"fk_{table}_{column}_users")


def upgrade() -> None:
    op.create_table(
        "paper_authors",
        sa.Column("paper_id", sa.Integer, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("author_key", sa.String(200), nullable=False),
        sa.Column("surname", sa.String(200), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("paper_id", "position", name="pk_paper_authors"),
        sa.ForeignKeyConstraint(["paper_id"], ["papers.id"], ondelete="CASCADE",
                                name="fk_paper_authors_paper_id_papers"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "author_follows",
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("author_key", sa.String(200), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("user_id", "author_key", name="pk_author_follows"),
        _user_fk("author_follows"),
    )
    op.create_index("ix_author_follows_author_key", "author_follows", ["author_key"])
    op.create_table(
        "author_claims",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("author_key", sa.String(200), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("decided_at", sa.BigInteger),
        sa.Column("decided_by", sa.Integer),
        sa.PrimaryKeyConstraint("id", name="pk_author_claims"),
        sa.UniqueConstraint("user_id", "author_key", name="uq_author_claims_user_author"),
        _user_fk("author_claims"),
        _user_fk("author_claims", "decided_by", "SET NULL"),
    )
    op.create_index("ix_author_claims_author_key", "author_claims", ["author_key", "status"])
    op.create_index("ix_author_claims_status", "author_claims", ["status"])
    _backfill(op.get_bind())
    # The indexes after the rows: one sort instead of a B-tree insert per row.
    op.create_index("ix_paper_authors_author_key", "paper_authors", ["author_key", "paper_id"])
    op.create_index("ix_paper_authors_surname", "paper_authors", ["surname"])


def _backfill(connection: sa.Connection) -> None:
    """Index the authors of every stored paper, in batches by id."""
    papers = sa.table("papers", sa.column("id", sa.Integer), sa.column("authors", sa.JSON))
    target = sa.table("paper_authors", *(sa.column(name) for name in (
        "paper_id", "position", "author_key", "surname", "name")))
    after = 0
    while True:
        batch = connection.execute(
            sa.select(papers.c.id, papers.c.authors).where(papers.c.id > after)
            .order_by(papers.c.id).limit(BACKFILL_BATCH)
        ).all()
        if not batch:
            return
        rows = [
            {"paper_id": paper_id, "position": position, "author_key": key,
             "surname": surname_of(key), "name": name}
            for paper_id, names in batch
            for position, name in enumerate(names if isinstance(names, list) else [])
            if isinstance(name, str) and (key := author_key(name))
        ]
        if rows:
            connection.execute(sa.insert(target), rows)
        after = batch[-1][0]


def downgrade() -> None:
    op.drop_table("author_claims")
    op.drop_table("author_follows")
    op.drop_table("paper_authors")
