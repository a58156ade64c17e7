"""The change log: a row per change to a paper or its embedding, written by triggers in
the changing transaction, which every host's indexes follow (db/changes.py).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# (table, its paper id column, kind, the update that counts as a change: None for any)
WATCHED = (
    ("papers", "id", "paper", "modified_at"),
    ("paper_embeddings", "paper_id", "embedding", None),
)


def upgrade() -> None:
    op.create_table(
        "change_log",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), nullable=False),
        sa.Column("paper_id", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("txid", sa.BigInteger),
        sa.Column("changed_at", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_change_log"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_change_log_txid", "change_log", ["txid"])
    op.create_index("ix_change_log_changed_at", "change_log", ["changed_at"])
    postgres = op.get_bind().dialect.name == "postgresql"
    for table, column, kind, stamp in WATCHED:
        for statement in (_postgres_triggers if postgres else _sqlite_triggers)(
            table, column, kind, stamp
        ):
            op.execute(statement)


def _sqlite_triggers(table: str, column: str, kind: str, stamp: str | None) -> list[str]:
    def insert(row: str) -> str:
        return (f"INSERT INTO change_log (paper_id, kind, changed_at) VALUES "
                f"({row}.{column}, '{kind}', CAST(strftime('%s', 'now') AS INTEGER));")

    update_of = f"UPDATE OF {stamp}" if stamp else "UPDATE"
    when = f" WHEN OLD.{stamp} IS NOT NEW.{stamp}" if stamp else ""
    return [
        f"CREATE TRIGGER change_log_{table}_insert AFTER INSERT ON {table} "
        f"BEGIN {insert('NEW')} END",
        f"CREATE TRIGGER change_log_{table}_update AFTER {update_of} ON {table}{when} "
        f"BEGIN {insert('NEW')} END",
        f"CREATE TRIGGER change_log_{table}_delete AFTER DELETE ON {table} "
        f"BEGIN {insert('OLD')} END",
    ]


def _postgres_triggers(table: str, column: str, kind: str, stamp: str | None) -> list[str]:
    function = f"change_log_{table}"
    when = f" WHEN (OLD.{stamp} IS DISTINCT FROM NEW.{stamp})" if stamp else ""
    return [
        f"""CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          INSERT INTO change_log (paper_id, kind, txid, changed_at) VALUES (
            CASE WHEN TG_OP = 'DELETE' THEN OLD.{column} ELSE NEW.{column} END, '{kind}',
            pg_current_xact_id()::text::bigint, extract(epoch FROM now())::bigint);
          RETURN NULL;
        END $$""",
        f"CREATE TRIGGER {function}_insert_delete AFTER INSERT OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {function}()",
        f"CREATE TRIGGER {function}_update AFTER UPDATE ON {table} "
        f"FOR EACH ROW{when} EXECUTE FUNCTION {function}()",
    ]


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table, *_ in WATCHED:
        if postgres:
            op.execute(f"DROP TRIGGER IF EXISTS change_log_{table}_insert_delete ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS change_log_{table}_update ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS change_log_{table}()")
        else:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS change_log_{table}_{event}")
    op.drop_table("change_log")
