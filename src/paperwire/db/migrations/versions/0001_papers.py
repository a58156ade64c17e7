"""Papers, their versions and categories, and the keyword index.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)

# SQLite: an external-content FTS5 table over the normalized text, kept in step by triggers.
SQLITE_FTS = [
    """CREATE VIRTUAL TABLE papers_fts USING fts5(
        title_text, authors_text, abstract_text,
        content='papers', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER papers_fts_insert AFTER INSERT ON papers BEGIN
        INSERT INTO papers_fts(rowid, title_text, authors_text, abstract_text)
        VALUES (new.id, new.title_text, new.authors_text, new.abstract_text);
    END""",
    """CREATE TRIGGER papers_fts_delete AFTER DELETE ON papers BEGIN
        INSERT INTO papers_fts(papers_fts, rowid, title_text, authors_text, abstract_text)
        VALUES ('delete', old.id, old.title_text, old.authors_text, old.abstract_text);
    END""",
    """CREATE TRIGGER papers_fts_update AFTER UPDATE OF title_text, authors_text, abstract_text
        ON papers BEGIN
        INSERT INTO papers_fts(papers_fts, rowid, title_text, authors_text, abstract_text)
        VALUES ('delete', old.id, old.title_text, old.authors_text, old.abstract_text);
        INSERT INTO papers_fts(rowid, title_text, authors_text, abstract_text)
        VALUES (new.id, new.title_text, new.authors_text, new.abstract_text);
    END""",
]

# PostgreSQL: a stored, weighted tsvector (title A, authors B, abstract C) with a GIN index.
POSTGRES_FTS = [
    """ALTER TABLE papers ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', coalesce(title_text, '')), 'A') ||
        setweight(to_tsvector('simple', coalesce(authors_text, '')), 'B') ||
        setweight(to_tsvector('english', coalesce(abstract_text, '')), 'C')
    ) STORED""",
    "CREATE INDEX ix_papers_search_vector ON papers USING gin (search_vector)",
]


def upgrade() -> None:
    op.create_table(
        "papers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("arxiv_id", sa.String(40), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("abstract", sa.Text, nullable=False),
        sa.Column("authors", sa.JSON, nullable=False),
        sa.Column("title_text", sa.Text, nullable=False),
        sa.Column("abstract_text", sa.Text, nullable=False),
        sa.Column("authors_text", sa.Text, nullable=False),
        sa.Column("primary_category", sa.String(40)),
        sa.Column("categories", sa.JSON, nullable=False),
        sa.Column("submitter", sa.Text),
        sa.Column("comments", sa.Text),
        sa.Column("journal_ref", sa.Text),
        sa.Column("doi", sa.Text),
        sa.Column("report_no", sa.Text),
        sa.Column("license", sa.Text),
        sa.Column("latest_version", sa.Integer, nullable=False),
        sa.Column("published", TZ),
        sa.Column("updated", TZ),
        sa.Column("update_date", sa.Date),
        sa.Column("announced_on", sa.Date, nullable=False),
        sa.Column("withdrawn", sa.Boolean, nullable=False),
        sa.Column("upvotes", sa.Integer, nullable=False),
        sa.Column("content_hash", sa.String(32), nullable=False),
        sa.Column("freshness", sa.String(40), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("modified_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_papers"),
        sa.UniqueConstraint("arxiv_id", name="uq_papers_arxiv_id"),
    )
    op.create_index("ix_papers_announced_on_upvotes", "papers", ["announced_on", "upvotes"])
    op.create_index("ix_papers_published", "papers", ["published"])
    op.create_table(
        "paper_versions",
        sa.Column("paper_id", sa.Integer, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created", TZ, nullable=False),
        sa.ForeignKeyConstraint(
            ["paper_id"], ["papers.id"], ondelete="CASCADE",
            name="fk_paper_versions_paper_id_papers",
        ),
        sa.UniqueConstraint("paper_id", "version", name="uq_paper_versions_paper_version"),
    )
    op.create_table(
        "paper_categories",
        sa.Column("paper_id", sa.Integer, nullable=False),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.ForeignKeyConstraint(
            ["paper_id"], ["papers.id"], ondelete="CASCADE",
            name="fk_paper_categories_paper_id_papers",
        ),
        sa.UniqueConstraint("paper_id", "category", name="uq_paper_categories_paper_category"),
    )
    op.create_index(
        "ix_paper_categories_category", "paper_categories", ["category", "paper_id"]
    )
    statements = SQLITE_FTS if op.get_context().dialect.name == "sqlite" else POSTGRES_FTS
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    if op.get_context().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS papers_fts")
    op.drop_table("paper_categories")
    op.drop_table("paper_versions")
    op.drop_table("papers")
