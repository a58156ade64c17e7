"""One declarative settings object, read from ``PAPERWIRE_*`` environment variables.

Settings are built once (``Settings()``) by the entry point and passed down;
nothing in paperwire reads the environment at import time.
"""

from __future__ import annotations

from datetime import time
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url

DEFAULT_CATEGORIES = ["cs.AI", "cs.CL", "cs.CV", "cs.LG", "stat.ML"]


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
    embedder: str = Field(
        default="onnx",
        pattern="^(onnx|fake|none)$",
        description=(
            "Sentence-embedding model for semantic search, concepts and similar papers:"
            " `onnx` (the bundled all-MiniLM-L6-v2 on ONNX Runtime, int8), `fake` (a"
            " deterministic word-hashing embedder for tests) or `none` (keyword search only)."
        ),
    )
    model_cache_dir: Path | None = Field(
        default=None,
        description=(
            "Where the ONNX graph built from the bundled model weights is cached."
            " Unset: `models/` in the data folder."
        ),
    )
    embed_batch_size: int = Field(
        default=256, ge=1, le=10_000,
        description="Papers embedded per transaction by the embedding job.",
    )
    embed_in_background: bool = Field(
        default=True,
        description="`paperwire serve` embeds new and changed papers in a background thread.",
    )
    vector_exact_max: int = Field(
        default=5_000, ge=0,
        description=(
            "Up to this many papers, semantic search scans every vector exactly; above it,"
            " it walks an HNSW graph (approximate, recall@10 >= 0.98 measured)."
        ),
    )
    search_fusion: str = Field(
        default="rrf",
        pattern="^(rrf|weighted)$",
        description=(
            "How keyword and semantic rankings are fused: `rrf` (reciprocal rank fusion,"
            " measured best, see docs/search.md) or `weighted` (normalised score blend)."
        ),
    )

    # -- harvesting arXiv (see docs/harvesting.md) --
    arxiv_oai_url: str = Field(
        default="https://oaipmh.arxiv.org/oai",
        description="arXiv's OAI-PMH endpoint, for bulk and incremental harvests.",
    )
    arxiv_api_url: str = Field(
        default="https://export.arxiv.org/api/query",
        description="arXiv's API (Atom) endpoint, for `paperwire add` and small queries.",
    )
    arxiv_rss_url: str = Field(
        default="https://rss.arxiv.org",
        description="arXiv's RSS/Atom listings, for the papers announced each day.",
    )
    arxiv_delay_seconds: float = Field(
        default=3.0,
        ge=0,
        description=(
            "Seconds between two requests to arXiv (arXiv asks for at least 3). Lower it"
            " only for tests against a local server."
        ),
    )
    arxiv_max_backoff_seconds: float = Field(
        default=3600.0,
        ge=0,
        description="Longest wait after repeated 5xx answers before giving up on a request.",
    )
    arxiv_timeout_seconds: float = Field(
        default=120.0, gt=0, description="How long one request to arXiv may take."
    )
    categories: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: list(DEFAULT_CATEGORIES),
        description=(
            "arXiv categories the daily harvest follows, separated by spaces or commas"
            " (e.g. `cs.AI cs.LG stat.ML`)."
        ),
    )
    harvest_enabled: bool = Field(
        default=True,
        description="Whether `paperwire serve` runs the daily harvest in the background.",
    )
    harvest_time: time = Field(
        default=time(1, 0),
        description=(
            "When the daily harvest runs (HH:MM, in `harvest_timezone`): after arXiv's"
            " 20:00 announcement and the midnight refresh of its listings."
        ),
    )
    harvest_timezone: str = Field(
        default="America/New_York", description="Time zone of `harvest_time` (IANA name)."
    )
    harvest_first_run_days: int = Field(
        default=3,
        ge=1,
        le=60,
        description="How many recent days an empty store harvests on its first start.",
    )
    harvest_lock_seconds: int = Field(
        default=900,
        ge=10,
        description="How long the harvest lock lasts without renewal (frees a crashed holder).",
    )

    @field_validator("categories", mode="before")
    @classmethod
    def _split_categories(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part for part in value.replace(",", " ").split() if part]
        return value

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'paperwire.db').resolve()}"

    @property
    def vector_dir(self) -> Path:
        """Where vector index files live: next to the store, in the data folder."""
        return self.data_dir / "vectors"

    @property
    def resolved_model_cache_dir(self) -> Path:
        return self.model_cache_dir or self.data_dir / "models"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    def describe(self) -> list[tuple[str, str, str]]:
        """(environment variable, current value, description) for every setting."""
        rows = []
        for name, field in type(self).model_fields.items():
            value = getattr(self, name)
            if value is None:
                shown = "(unset)"
            elif isinstance(value, list):
                shown = " ".join(str(item) for item in value)
            else:
                shown = str(value)
            if name == "database_url" and value:
                shown = make_url(value).render_as_string(hide_password=True)
            rows.append((f"PAPERWIRE_{name.upper()}", shown, field.description or ""))
        return rows
