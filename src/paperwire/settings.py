"""One declarative settings object, read from ``PAPERWIRE_*`` environment variables.

Settings are built once (``Settings()``) by the entry point and passed down;
nothing in paperwire reads the environment at import time.
"""

from __future__ import annotations

import re
from contextlib import suppress
from datetime import date, time
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from paperwire.db.engine import redacted_url
from paperwire.errors import InsecureSettings

DEFAULT_CATEGORIES = ["cs.AI", "cs.CL", "cs.CV", "cs.LG", "stat.ML"]


DEFAULT_SECRET = "change-me-this-is-not-secret"
MIN_SECRET_LENGTH = 32
SECRET_REFUSAL = (
    "PAPERWIRE_SECRET_KEY is unset or the published default (or shorter than 32 characters):"
    " set a random key of 32+ characters, or PAPERWIRE_DEV_MODE=true for development"
)
RATE_UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


CLOSURE = re.compile(r"(?P<day>\d{4}-\d{2}-\d{2})\s*(?::\s*(?P<reason>.*))?")


def parse_closures(value: str) -> dict[date, str]:
    """``"2027-12-29:end-of-year holiday, 2027-12-30"`` -> {day: reason}; a bad entry
    is refused with its text."""
    entries = (part.strip() for part in value.replace("\n", ",").split(","))
    return dict(_closure(entry) for entry in entries if entry)


def _closure(entry: str) -> tuple[date, str]:
    match = CLOSURE.fullmatch(entry)
    if match:
        with suppress(ValueError):
            return date.fromisoformat(match["day"]), (match["reason"] or "").strip() or (
                "arXiv closed"
            )
    raise ValueError(
        f"PAPERWIRE_ARXIV_EXTRA_CLOSURES: {entry!r} is not a date"
        " (YYYY-MM-DD or YYYY-MM-DD:reason, entries separated by commas)"
    )


def parse_rate(value: str) -> tuple[int, int]:
    """``"10/hour"`` -> (10, 3600): how many events in how many seconds."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(second|minute|hour|day)\s*", value)
    if not match or int(match[1]) < 1:
        raise ValueError(f"a rate looks like 10/hour (second, minute, hour, day), got {value!r}")
    return int(match[1]), RATE_UNITS[match[2]]


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
    page_size: int = Field(default=50, ge=1, le=500, description="Papers per page on list pages.")
    search_page_size: int = Field(
        default=25, ge=1, le=500,
        description=(
            "Results per page on the search page. Each result costs about 0.4 ms of CPU"
            " (highlighting, concepts, rendering); at 25 the page holds its 100 ms p95"
            " budget for 100 concurrent readers on two cores (docs/benchmarks.md)."
        ),
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
    page_cache_seconds: float = Field(
        default=5.0,
        ge=0,
        le=3600,
        description=(
            "How long anonymous readers are served a list page rendered earlier (0: never)."
            " Signed-in readers always get a fresh page."
        ),
    )
    web_threads: int = Field(
        default=4,
        ge=1,
        le=200,
        description=(
            "Threads per web process that render pages and query the store at once. Pages"
            " are CPU work under one GIL: past a few threads they only queue for it (4 gave"
            " a loaded search page half the p95 of 8; docs/benchmarks.md)."
        ),
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
    embed_claim_seconds: int = Field(
        default=900, ge=1, le=86_400,
        description=(
            "How long an embedding batch's claim on its papers holds at most: batches"
            " running at once (several workers) take disjoint papers, and a claimer's papers"
            " are free again at once when it dies, or after this long if it hangs."
            " Keep it longer than a batch of `embed_batch_size` takes."
        ),
    )
    embed_threads: int = Field(
        default=0, ge=0, le=256,
        description=(
            "CPU threads ONNX Runtime uses to embed papers in batches (0: one per core"
            " this process may use), in up to 4 single-session lanes."
            " Queries always embed on one thread of their own."
        ),
    )
    embed_batch_tokens: int = Field(
        default=0, ge=0, le=65_536,
        description=(
            "Tokens an embedding batch holds at most on the CPU (rows times its longest"
            " row; 0: 512, four 128-token abstracts, which fit a core's cache on the CPUs"
            " measured). `python bench/embedding.py --sweep` measures the best value for a"
            " machine. A GPU always takes batches of 32."
        ),
    )
    embed_in_background: bool = Field(
        default=True,
        description=(
            "New and changed papers are embedded by the `embed_pending` job (`paperwire"
            " serve` or `paperwire worker` runs it)."
        ),
    )
    index_follow_seconds: float = Field(
        default=2.0, ge=0, le=3600,
        description=(
            "How often each `paperwire serve` process brings its own keyword and vector"
            " indexes up to the store's change feed (what another host imported, what a"
            " worker embedded). 0: only when this process changes the store or a search"
            " finds the keyword index behind."
        ),
    )
    index_snapshot_dir: Path | None = Field(
        default=None,
        description=(
            "A folder every host can read (a shared mount, or one synced from object"
            " storage) where `paperwire index snapshot` publishes this host's keyword and"
            " vector indexes. A `serve` process whose own indexes are missing starts from"
            " the latest snapshot there and follows the change feed from it, instead of"
            " reading every paper. Unset: no snapshots."
        ),
    )
    index_snapshot_seconds: int = Field(
        default=3600, ge=1, le=86_400,
        description=(
            "How often a worker publishes its host's indexes to `index_snapshot_dir` (the"
            " `publish_index_snapshot` task, one at a time across workers), when that is set."
        ),
    )
    healthz_max_index_lag_seconds: float = Field(
        default=60.0, gt=0,
        description=(
            "`/healthz` answers 503 once a change has waited longer than this to reach this"
            " host's keyword or vector index (a load balancer then sends readers elsewhere)."
        ),
    )
    embed_poll_seconds: int = Field(
        default=60, ge=1, le=3600,
        description=(
            "How often the `embed_pending` and `build_summaries` jobs look in the store for"
            " papers waiting (added by any process: `paperwire import --no-embed`, a"
            " harvest), and each web process brings its own search indexes up to date."
            " Imports and harvests queue an embedding job at once."
        ),
    )
    vector_exact_max: int = Field(
        default=5_000, ge=0,
        description=(
            "Up to this many papers, semantic search scans every vector exactly; above it,"
            " it walks an HNSW graph (approximate, recall@10 >= 0.98 measured)."
        ),
    )
    keyword_engine: str = Field(
        default="tantivy",
        pattern="^(tantivy|database)$",
        description=(
            "Keyword search engine: `tantivy` (an index next to the store that prunes:"
            " milliseconds over all of arXiv) or `database` (SQLite FTS5 / PostgreSQL full"
            " text, which score every match: fine up to about 100,000 papers)."
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

    rerank: str = Field(
        default="none",
        pattern="^(none|sentences|http|embeddings)$",
        description=(
            "Second-stage reranker over the best `PAPERWIRE_RERANK_DEPTH` results (see"
            " docs/search.md): `none`, `sentences` (the bundled model on each abstract's"
            " sentences: about 2 s of CPU per new query and no gain measured, so off by"
            " default),"
            " `http` (a cross-encoder server's `/rerank` at `PAPERWIRE_RERANK_URL`) or"
            " `embeddings` (an OpenAI-compatible `/v1/embeddings` server there)."
        ),
    )
    rerank_url: str | None = Field(
        default=None,
        description=(
            "The reranking endpoint's full URL, e.g. `http://127.0.0.1:8080/rerank` or"
            " `http://127.0.0.1:8000/v1/embeddings` (for `http` and `embeddings`)."
        ),
    )
    rerank_api_key: SecretStr | None = Field(
        default=None, description="Sent as `Authorization: Bearer ...` to the endpoint, if set."
    )
    rerank_model: str | None = Field(
        default=None, description="The `model` field of each request to the endpoint, if set."
    )
    rerank_timeout_s: float = Field(
        default=2.0, gt=0,
        description="Seconds to wait for the endpoint; past them a search keeps the fused order.",
    )
    rerank_depth: int = Field(
        default=50, ge=2, le=500, description="How many of the fused results are reranked."
    )
    rerank_weight: float | None = Field(
        default=None, ge=0, le=1,
        description=(
            "Share of the reranker's order in the blend with the fused order (reciprocal"
            " rank fusion of the two ranks): 0 keeps the fused order, 1 is the reranker's."
            " Unset: 0.2 for `sentences` (fit on half the judged queries), 0.5 for an"
            " endpoint (unmeasured: measure your model's)."
        ),
    )

    # -- background jobs (see docs/jobs.md) --
    jobs_in_serve: bool = Field(
        default=True,
        description=(
            "On PostgreSQL, whether one `paperwire serve` process (the holder of the `jobs`"
            " lock) also runs a job-queue worker, so one box needs no `paperwire worker`."
            " Set false when `paperwire worker` processes run the jobs. On SQLite `serve`"
            " always runs them in-process."
        ),
    )
    jobs_concurrency: int = Field(
        default=2, ge=1, le=64,
        description="Jobs `paperwire serve` runs at once (its worker or in-process runner).",
    )
    jobs_retry_seconds: float = Field(
        default=60.0, gt=0, le=86_400,
        description=(
            "A failed job runs again after this long, doubled after each further failure,"
            " up to its task's attempts (`paperwire jobs list --status failed` shows why)."
        ),
    )
    jobs_embed_batch: int = Field(
        default=1024, ge=1, le=100_000,
        description=(
            "Papers one embedding (or summary) job takes; it queues the next job while more"
            " are pending, so any worker may take the next batch."
        ),
    )
    jobs_embed_parallel: int = Field(
        default=4, ge=1, le=64,
        description=(
            "Embedding jobs that may wait in the queue at once (PostgreSQL): with a backlog"
            " each job queues more up to this many, so as many workers embed at once (each"
            " batch claims its own papers). SQLite's in-process runner runs one at a time."
        ),
    )
    for_you_in_background: bool = Field(
        default=True,
        description=(
            "The `retrain_for_you` task trains and stores the For-you models of readers"
            " whose signals changed (or whose model was trained on a smaller vector index"
            " over an hour ago), so page views on any host read a stored model instead of"
            " training one."
        ),
    )
    jobs_for_you_batch: int = Field(
        default=500, ge=1, le=100_000,
        description="Readers one `retrain_for_you` job trains; it queues the next while more are stale.",
    )
    jobs_keep_days: int = Field(
        default=14, ge=1, le=3650,
        description=(
            "Finished jobs (succeeded, failed, cancelled) and recorded job failures older"
            " than this are deleted by the daily `prune_jobs` task; newer failures stay in"
            " `paperwire jobs list` and on /status."
        ),
    )
    jobs_heartbeat_seconds: float = Field(
        default=10.0, gt=0, le=600,
        description="How often a queue worker (PostgreSQL) tells the store it is alive.",
    )
    jobs_stalled_seconds: int = Field(
        default=30, ge=1, le=3600,
        description=(
            "A queue worker silent this long is taken for dead (killed, or its host lost):"
            " its running jobs are put back in the queue for another worker."
        ),
    )
    jobs_poll_seconds: float = Field(
        default=5.0, gt=0, le=600,
        description=(
            "How often a queue worker looks for due jobs besides PostgreSQL's notifications"
            " (retries scheduled for later are found this way)."
        ),
    )

    # -- one-line summaries (see docs/papers.md) --
    summaries_in_background: bool = Field(
        default=True,
        description=(
            "The `build_summaries` job makes the one-line summaries of newly embedded papers"
            " (and the abstractive ones, with `PAPERWIRE_SUMMARY_URL`)."
        ),
    )
    summary_url: str | None = Field(
        default=None,
        description=(
            "An OpenAI-compatible server (vLLM, llama.cpp, Ollama) for abstractive summaries,"
            " e.g. `http://127.0.0.1:8000/v1`; `/chat/completions` is added. Unset: the"
            " extractive summary only."
        ),
    )
    summary_model: str | None = Field(
        default=None, description="The `model` of each request; needed with `PAPERWIRE_SUMMARY_URL`."
    )
    summary_api_key: SecretStr | None = Field(
        default=None, description="Sent as `Authorization: Bearer ...` to the summary endpoint."
    )
    summary_language: str = Field(
        default="English", min_length=2, max_length=40,
        description="The language abstractive summaries are asked in.",
    )
    summary_requests_per_minute: float = Field(
        default=30.0, gt=0, le=6000, description="At most this many requests a minute to the endpoint."
    )
    summary_timeout_s: float = Field(
        default=60.0, gt=0, le=600, description="Seconds one request to the endpoint may take."
    )

    # -- GitHub metadata of linked repositories (see docs/papers.md) --
    github_token: SecretStr | None = Field(
        default=None,
        description=(
            "A GitHub token, sent as `Authorization: Bearer ...`: 5,000 requests an hour"
            " instead of 60. Unset: anonymous requests."
        ),
    )
    github_api_url: str = Field(
        default="https://api.github.com",
        description="GitHub's REST API (another for GitHub Enterprise: `https://HOST/api/v3`).",
    )
    github_requests_per_hour: float = Field(
        default=4000.0, gt=0, le=100_000,
        description=(
            "At most this many requests an hour to GitHub (its limit is 5,000 with a token)."
            " With a token a 304 does not count (GitHub does not count it either)."
        ),
    )
    github_in_background: bool = Field(
        default=True,
        description=(
            "`paperwire serve` refreshes the GitHub metadata of linked repositories in a"
            " background thread: new links at once, the rest by age and popularity."
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
    arxiv_extra_closures: Annotated[dict[date, str], NoDecode] = Field(
        default_factory=dict,
        description=(
            "Days arXiv announces nothing that its rules do not give (weekends and the US"
            " federal holidays it observes are computed; its published 2025-2026"
            " end-of-year closures are built in; days its listing reports empty are"
            " learnt from the listing): dates separated by commas, each `YYYY-MM-DD` or"
            " `YYYY-MM-DD:reason`, e.g. `2027-12-29:end-of-year holiday, 2027-12-30`."
        ),
    )
    harvest_enabled: bool = Field(
        default=True,
        description=(
            "Whether the `harvest_daily` job runs the daily harvest (and the scheduled"
            " digests after it), in `paperwire serve` or `paperwire worker`."
        ),
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

    @field_validator("categories", mode="before")
    @classmethod
    def _split_categories(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part for part in value.replace(",", " ").split() if part]
        return value

    @field_validator("arxiv_extra_closures", mode="before")
    @classmethod
    def _parse_closures(cls, value: Any) -> Any:
        return parse_closures(value) if isinstance(value, str) else value

    # -- community: accounts, security, rate limits --------------------------------
    dev_mode: bool = Field(
        default=False,
        description=(
            "Development mode: allows the default secret key and prints sign-in links to"
            " the console. Never on a public site."
        ),
    )
    secret_key: str = Field(
        default=DEFAULT_SECRET,
        description=(
            "Secret for signing CSRF tokens, digest links, feed tokens and other signed"
            " values. At least 32 characters; unless dev mode is on, every command that"
            " opens the store (and the web app) refuses to run with the default or a"
            " shorter key."
        ),
    )
    open_signup: bool = Field(
        default=True,
        description=(
            "Anyone may create an account by signing in with a new address. Off: only"
            " addresses added with `paperwire user add` receive sign-in links."
        ),
    )
    login_link_minutes: int = Field(
        default=10, ge=1, le=60, description="How long a sign-in link stays valid."
    )
    session_days: int = Field(
        default=30, ge=1, le=365, description="How long a sign-in session lasts."
    )
    max_body_bytes: int = Field(
        default=65_536,
        ge=1024,
        description="Largest request body accepted; bigger ones are answered 413.",
    )
    rate_limits_shared: bool = Field(
        default=True,
        description=(
            "Count rate limits in the store, so every process and host of a deployment"
            " shares one limit. Off: each process counts in its own memory and allows the"
            " full rate on its own."
        ),
    )
    rate_limit_signin_ip: str = Field(
        default="10/hour", description="Sign-in link requests per client address (N/unit)."
    )
    rate_limit_signin_address: str = Field(
        default="5/hour", description="Sign-in link requests per email address (N/unit)."
    )
    rate_limit_votes: str = Field(
        default="120/minute", description="Upvote toggles per user (N/unit)."
    )
    rate_limit_comments: str = Field(
        default="10/minute", description="New comments and edits per user (N/unit)."
    )
    rate_limit_submissions: str = Field(
        default="20/hour", description="Paper submissions per user (N/unit)."
    )
    rate_limit_library_imports: str = Field(
        default="20/hour", description="Library file uploads per user (N/unit)."
    )
    rate_limit_mcp: str = Field(
        default="120/minute",
        description="Requests to the MCP endpoint `/mcp` per client address (N/unit).",
    )
    trending_half_life_hours: float = Field(
        default=24.0,
        gt=0,
        le=24 * 30,
        description=(
            "Half-life of an upvote's weight in the trending score: a vote this old counts"
            " half as much as a new one."
        ),
    )
    library_fetch_max: int = Field(
        default=500,
        ge=0,
        le=10_000,
        description=(
            "Most arXiv ids one library import fetches from the arXiv API (politely: a"
            " call per 100 ids, seconds apart); the rest are reported unmatched."
        ),
    )
    library_upload_max_bytes: int = Field(
        default=10 * 1024 * 1024,
        ge=1024,
        description="Largest library file upload accepted on the account page.",
    )
    submission_window_days: int = Field(
        default=14,
        ge=1,
        description="Papers first published longer ago than this cannot be submitted.",
    )
    # -- mail ---------------------------------------------------------------------------
    mail_from: str = Field(
        default="paperwire <paperwire@localhost>", description="From address of every mail."
    )
    smtp_host: str | None = Field(
        default=None,
        description=(
            "SMTP server for outgoing mail. Unset: mail goes to the embedded outbox (a table"
            " admins read at /admin/outbox)."
        ),
    )
    smtp_port: int = Field(default=587, ge=1, le=65535, description="SMTP server port.")
    smtp_security: str = Field(
        default="starttls",
        pattern="^(none|starttls|tls)$",
        description="`starttls`, `tls` (implicit TLS, usually port 465) or `none`.",
    )
    smtp_username: str | None = Field(default=None, description="SMTP user name, if any.")
    smtp_password: str | None = Field(default=None, description="SMTP password, if any.")
    smtp_password_file: Path | None = Field(
        default=None, description="File holding the SMTP password (instead of smtp_password)."
    )
    smtp_timeout_s: float = Field(default=30.0, gt=0, description="SMTP timeout in seconds.")
    smtp_ca_file: Path | None = Field(
        default=None,
        description="Extra CA certificates (PEM) to trust for the SMTP server's TLS certificate.",
    )

    # -- email digests (see docs/digests.md) -------------------------------------------
    digest_enabled: bool = Field(
        default=True,
        description=(
            "Whether the scheduler (`paperwire serve`, `paperwire worker`) sends the daily"
            " digest after the daily harvest, and the weekly one on `digest_weekly_day`."
        ),
    )
    digest_weekly_day: str = Field(
        default="monday",
        pattern="^(monday|tuesday|wednesday|thursday|friday|saturday|sunday)$",
        description="Weekday the weekly digest goes out (after that day's harvest).",
    )
    digest_trending_papers: int = Field(
        default=10, ge=1, le=50, description="Top trending papers in every digest."
    )
    digest_topic_papers: int = Field(
        default=10, ge=0, le=50,
        description="Most papers matching a subscriber's topics added to their digest.",
    )
    digest_send_rate: float = Field(
        default=20.0, ge=0,
        description="Messages per second each SMTP connection of a worker sends at most (0: no limit).",
    )
    digest_connections: int = Field(
        default=1, ge=1, le=32,
        description=(
            "SMTP connections one sending process uses at once (each sends one message at"
            " a time); more hide the server's latency."
        ),
    )
    digest_lease_seconds: float = Field(
        default=120.0, gt=0,
        description=(
            "How long a worker holds a claimed message; a worker that dies frees it after"
            " this (it is then re-sent with the same Message-ID)."
        ),
    )
    digest_retry_seconds: float = Field(
        default=60.0, gt=0,
        description="First wait after a transient (4xx) SMTP answer; doubles each retry.",
    )
    digest_max_attempts: int = Field(
        default=8, ge=1, le=50,
        description="Attempts per message before a transient failure counts as failed.",
    )
    digest_pause_after_errors: int = Field(
        default=10, ge=1,
        description=(
            "Consecutive connection errors (server down, 421) after which sending pauses."
        ),
    )
    digest_pause_seconds: float = Field(
        default=300.0, gt=0,
        description=(
            "How long a paused run waits before resuming by itself (`paperwire digest"
            " resume` resumes at once)."
        ),
    )
    digest_max_bounces: int = Field(
        default=3, ge=1,
        description="Permanent (5xx) failures after which a subscription stops receiving.",
    )
    digest_confirm_days: int = Field(
        default=7, ge=1, le=30, description="How long a confirmation link stays valid."
    )
    digest_unsubscribe_days: int = Field(
        default=365, ge=60,
        description="How long unsubscribe and manage links in a digest stay valid (>= 60).",
    )
    rate_limit_subscribe_ip: str = Field(
        default="10/hour", description="Confirmation mails requested per client address."
    )
    rate_limit_subscribe_address: str = Field(
        default="3/hour", description="Confirmation mails requested per email address."
    )

    @field_validator(
        "rate_limit_signin_ip", "rate_limit_signin_address", "rate_limit_votes",
        "rate_limit_comments", "rate_limit_submissions", "rate_limit_library_imports",
        "rate_limit_mcp", "rate_limit_subscribe_ip",
        "rate_limit_subscribe_address",
    )
    @classmethod
    def _rate(cls, value: str) -> str:
        parse_rate(value)
        return value

    @model_validator(mode="after")
    def _rerank_endpoint(self) -> Settings:
        if self.rerank in ("http", "embeddings") and not self.rerank_url:
            raise ValueError(f"PAPERWIRE_RERANK={self.rerank} needs PAPERWIRE_RERANK_URL")
        if self.summary_url and not self.summary_model:
            raise ValueError("PAPERWIRE_SUMMARY_URL needs PAPERWIRE_SUMMARY_MODEL")
        return self

    @property
    def uses_default_secret(self) -> bool:
        """The key is the published default or too short to be a real secret."""
        return self.secret_key == DEFAULT_SECRET or len(self.secret_key) < MIN_SECRET_LENGTH

    @property
    def secret_refused(self) -> bool:
        """Whether :meth:`require_secret` refuses: a weak key outside dev mode."""
        return self.uses_default_secret and not self.dev_mode

    def require_secret(self) -> str:
        """The signing key, or :class:`InsecureSettings` when it is the default or short
        outside dev mode. The one rule: the core factory and every signer call it."""
        if self.secret_refused:
            raise InsecureSettings(SECRET_REFUSAL)
        return self.secret_key

    def resolved_smtp_password(self) -> str | None:
        if self.smtp_password_file:
            return self.smtp_password_file.read_text().strip()
        return self.smtp_password

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'paperwire.db').resolve()}"

    @property
    def text_index_dir(self) -> Path:
        """Where the keyword (tantivy) index lives: next to the store, in the data folder."""
        return self.data_dir / "text-index"

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
            elif isinstance(value, dict):  # as the variable is written: day:reason, ...
                shown = ", ".join(f"{key}:{item}" for key, item in value.items())
            else:
                shown = str(value)
            if name in {"secret_key", "smtp_password", "summary_api_key", "github_token"} and value:
                shown = "(set)" if name != "secret_key" or not self.uses_default_secret else (
                    "(the default or too short: allowed only in dev mode)"
                )
            if name == "database_url" and value:
                shown = redacted_url(value)
            rows.append((f"PAPERWIRE_{name.upper()}", shown, field.description or ""))
        return rows


def load_settings() -> Settings:
    """The one place settings are read from the environment (and ``.env``): every command
    and every ``serve`` worker process calls this once and shares the answer."""
    return Settings()
