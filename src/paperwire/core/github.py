"""GitHub metadata of linked repositories: the refresh job and the reads that show it."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cached_property

from paperwire.core.papers import PapersCore
from paperwire.db import github as store
from paperwire.db import queries
from paperwire.db.locks import GITHUB_LOCK, JobLock
from paperwire.db.session import read_transaction, write_transaction
from paperwire.errors import InvalidQuery
from paperwire.models import CODE_DAYS, MAX_CODE_DAYS, Paper, PaperPage
from paperwire.sources.github import (
    Fetched,
    GithubClient,
    GithubConfig,
    Gone,
    NotModified,
    RateLimited,
    Unreadable,
)

log = logging.getLogger(__name__)
DAY = 86_400
BASE_INTERVAL = 7 * DAY  # a repository without stars is looked at weekly ...
MIN_INTERVAL = DAY  # ... a popular one up to daily
GONE_INTERVAL = 30 * DAY  # a 404 is asked again a month later (it may come back)
RETRY_INTERVAL = DAY  # after an answer that could not be read
BATCH = 100  # repositories read per statement

Progress = Callable[[int, int], None]


def check_interval(stars: int) -> int:
    """Seconds until a repository is looked at again: 7 days / (1 + log10(1 + stars)),
    at least a day."""
    return max(MIN_INTERVAL, int(BASE_INTERVAL / (1 + math.log10(1 + max(stars, 0)))))


@dataclass(slots=True)
class GithubReport:
    new: int = 0  # repositories first linked since the last run
    requests: int = 0
    fetched: int = 0  # 200s
    not_modified: int = 0  # 304s
    gone: int = 0  # 404s, 410s
    skipped: int = 0  # answers that could not be read
    resumes_at: int | None = None  # the run stopped at GitHub's rate limit until then


@dataclass(frozen=True, slots=True)
class GithubStatus:
    counts: store.GithubCounts
    limited_until: int | None  # GitHub's rate limit, while it holds


class GithubCore(PapersCore):
    @cached_property
    def github_client(self) -> GithubClient:
        settings = self.settings
        token = settings.github_token
        return GithubClient(GithubConfig(
            api_url=settings.github_api_url,
            token=token.get_secret_value() if token else None,
            requests_per_hour=settings.github_requests_per_hour,
        ), clock=lambda: self.clock())  # the core's clock, even once replaced

    def close(self) -> None:
        client = self.__dict__.get("github_client")
        if client is not None:
            client.close()
        super().close()

    def github_limited_until(self) -> int | None:
        """When GitHub's rate limit, met by the last run, lifts (None: not limited)."""
        with read_transaction(self.engine) as connection:
            until = store.limited_until(connection)
        return until if until is not None and until > self.now() else None

    def refresh_github(self, *, limit: int | None = None,
                       on_progress: Progress | None = None) -> GithubReport:
        """Fetch the repositories due (new links first, then by age weighted by
        popularity), ``limit`` at most. Stops at GitHub's rate limit and says when it
        lifts. One run at a time per store (the ``github`` lock)."""
        report = GithubReport()
        with JobLock(self.engine, GITHUB_LOCK):
            with write_transaction(self.engine) as connection:
                report.new = store.sync_linked(connection, now=self.now())
            report.resumes_at = self.github_limited_until()
            if report.resumes_at is None:
                self._refresh_due(report, limit, on_progress)
        return report

    def _refresh_due(self, report: GithubReport, limit: int | None,
                     on_progress: Progress | None) -> None:
        client, started = self.github_client, self.github_client.requests
        with read_transaction(self.engine) as connection:
            total = store.counts(connection, now=self.now()).due
        total = min(total, limit) if limit is not None else total
        done = 0
        while done < total:
            with read_transaction(self.engine) as connection:
                batch = store.due_repos(connection, now=self.now(),
                                        limit=min(BATCH, total - done))
            if not batch:
                break
            for repo in batch:
                outcome = client.repo(repo.full_name, repo.etag)
                report.requests = client.requests - started
                if isinstance(outcome, RateLimited):
                    with write_transaction(self.engine) as connection:
                        store.set_limited_until(connection, outcome.resumes_at)
                    report.resumes_at = outcome.resumes_at
                    return
                self._record(repo, outcome, report)
                done += 1
                if on_progress is not None:
                    on_progress(done, total)

    def _record(self, repo: store.DueRepo, outcome: object, report: GithubReport) -> None:
        now = self.now()
        today = datetime.fromtimestamp(now, UTC).date()
        with write_transaction(self.engine) as connection:
            if isinstance(outcome, Fetched):
                report.fetched += 1
                store.record_fetched(connection, repo.key, outcome.fields, etag=outcome.etag,
                                     now=now, next_check_at=now + check_interval(
                                         outcome.fields.stars), day=today)
            elif isinstance(outcome, NotModified):
                report.not_modified += 1
                store.record_not_modified(connection, repo, now=now, day=today,
                                          next_check_at=now + check_interval(repo.stars or 0))
            elif isinstance(outcome, Gone):
                report.gone += 1
                store.record_gone(connection, repo.key, now=now,
                                  next_check_at=now + GONE_INTERVAL)
            elif isinstance(outcome, Unreadable):
                report.skipped += 1
                log.warning("GitHub: skipped %s: %s", repo.full_name, outcome.reason)
                store.postpone(connection, repo.key, next_check_at=now + RETRY_INTERVAL)

    def github_status(self) -> GithubStatus:
        """Counts and the rate limit; reads only (repositories linked since the last
        refresh count as known and due: the refresh adds them)."""
        with read_transaction(self.engine) as connection:
            counts = store.counts(connection, now=self.now())
        return GithubStatus(counts, self.github_limited_until())

    def github_due(self) -> bool:
        """Whether a refresh has anything to do now (for the background thread)."""
        if self.github_limited_until() is not None:
            return False
        return self.github_status().counts.due > 0

    def github_repos_of(self, papers: list[Paper]) -> dict[str, dict]:
        """What is known of the papers' GitHub repositories, by lower-cased owner/name."""
        keys = [f"{link.owner}/{link.name}".lower() for paper in papers for link in paper.links
                if link.host == "github.com" and link.owner and link.name]
        with read_transaction(self.engine) as connection:
            return store.repos_of(connection, keys)

    def trending_by_code(self, *, days: int = CODE_DAYS, limit: int = 50, offset: int = 0,
                         today: date | None = None) -> PaperPage:
        """Papers by the stars their GitHub repository gained over the last ``days`` days
        (1-30)."""
        if not 1 <= days <= MAX_CODE_DAYS:
            raise InvalidQuery(f"days must be between 1 and {MAX_CODE_DAYS}, got {days}")
        day = today or datetime.fromtimestamp(self.now(), UTC).date()
        with read_transaction(self.engine) as connection:
            ranked, total = store.stars_gained(connection, today=day, days=days,
                                               limit=limit, offset=offset)
            found = queries.papers_by_ids(connection, [paper_id for paper_id, _, _ in ranked])
        listed = []
        for paper_id, gained, stars in ranked:
            paper = found[paper_id]
            paper.stars_gained, paper.code_stars = gained, stars
            listed.append(paper)
        return PaperPage(listed, total, None, limit=limit, offset=offset)
