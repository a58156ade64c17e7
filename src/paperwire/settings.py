"""One declarative settings object, read from ``PAPERWIRE_*`` environment variables.

Settings are built once (``Settings()``) by the entry point and passed down;
nothing in paperwire reads the environment at import time.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url


class Settings(BaseSettings):
    """Every knob paperwire has. Each field's description is its documentation."""

    model_config = SettingsConfigDict(env_prefix="PAPERWIRE_", extra="ignore")

    data_dir: Path = Field(
        default=Path("data"),
        description="Folder for the SQLite store and other local state.",
    )
    database_url: str | None = Field(
        default=None,
        description=(
            "SQLAlchemy URL of the store. Unset: a SQLite file `paperwire.db` in the data"
            " folder. PostgreSQL: `postgresql+psycopg://user@host/dbname`."
        ),
    )
    site_name: str = Field(default="paperwire", description="Name shown in the page header.")
    base_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Public address of the site, used for absolute links.",
    )
    page_size: int = Field(
        default=50, ge=1, le=500, description="Papers per page on list and search pages."
    )
    import_batch_size: int = Field(
        default=1000,
        ge=1,
        le=50_000,
        description="Records stored per transaction while importing.",
    )
    sqlite_busy_timeout_ms: int = Field(
        default=10_000, ge=0, description="How long SQLite waits for a lock before failing."
    )
    web_threads: int = Field(
        default=8,
        ge=1,
        le=200,
        description="Threads per web process that render pages and query the store at once.",
    )
    log_sql: bool = Field(default=False, description="Log every SQL statement (debugging).")

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'paperwire.db').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    def describe(self) -> list[tuple[str, str, str]]:
        """(environment variable, current value, description) for every setting."""
        rows = []
        for name, field in type(self).model_fields.items():
            value = getattr(self, name)
            shown = "(unset)" if value is None else str(value)
            if name == "database_url" and value:
                shown = make_url(value).render_as_string(hide_password=True)
            rows.append((f"PAPERWIRE_{name.upper()}", shown, field.description or ""))
        return rows
