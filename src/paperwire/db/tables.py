"""The store's tables (SQLAlchemy Core). Alembic migrations create them; this is the map."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

papers = Table(
    "papers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("arxiv_id", String(40), nullable=False, unique=True),
    # As the source gave them:
    Column("title", Text, nullable=False),
    Column("abstract", Text, nullable=False, default=""),
    Column("authors", JSON, nullable=False),  # list of names, in order
    # Normalized plain text for display and search (see paperwire.text):
    Column("title_text", Text, nullable=False),
    Column("abstract_text", Text, nullable=False),
    Column("authors_text", Text, nullable=False),
    Column("primary_category", String(40)),
    Column("categories", JSON, nullable=False),  # primary first
    Column("submitter", Text),
    Column("comments", Text),
    Column("journal_ref", Text),
    Column("doi", Text),
    Column("report_no", Text),
    Column("license", Text),
    Column("latest_version", Integer, nullable=False, default=0),
    Column("published", DateTime(timezone=True)),  # first version
    Column("updated", DateTime(timezone=True)),  # latest version
    Column("update_date", Date),  # the snapshot's update_date
    Column("announced_on", Date, nullable=False),  # the day it is listed on
    Column("withdrawn", Boolean, nullable=False, default=False),
    Column("upvotes", Integer, nullable=False, default=0),
    Column("content_hash", String(32), nullable=False),
    Column("freshness", String(40), nullable=False),  # "version|date", orders records
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("modified_at", DateTime(timezone=True), nullable=False),
    Index("ix_papers_announced_on_upvotes", "announced_on", "upvotes"),
    Index("ix_papers_published", "published"),
)

paper_versions = Table(
    "paper_versions",
    metadata,
    Column("paper_id", Integer, ForeignKey("papers.id", ondelete="CASCADE"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("created", DateTime(timezone=True), nullable=False),
    UniqueConstraint("paper_id", "version", name="uq_paper_versions_paper_version"),
)

paper_categories = Table(
    "paper_categories",
    metadata,
    Column("paper_id", Integer, ForeignKey("papers.id", ondelete="CASCADE"), nullable=False),
    Column("category", String(40), nullable=False),
    Column("position", Integer, nullable=False),
    UniqueConstraint("paper_id", "category", name="uq_paper_categories_paper_category"),
    Index("ix_paper_categories_category", "category", "paper_id"),
)
