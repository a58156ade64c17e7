"""Storage of GitHub metadata (``github_repos``) and star history (``github_stars``).

A repository is known once a paper links it (``sync_linked``); the refresh job reads the
ones due, oldest check first (never fetched before anything), and writes what GitHub
answered. Statements inside the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, Select, and_, case, func, insert, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite

from paperwire.db.tables import github_limits, github_repos, github_stars, paper_links, papers
from paperwire.sources.github import RepoFields

RATE_LIMIT = "core"  # GitHub's core REST budget


@dataclass(frozen=True, slots=True)
class DueRepo:
    key: str  # lower-cased owner/name as papers link it
    full_name: str  # GitHub's name for it, after a rename
    etag: str | None
    stars: int | None


@dataclass(frozen=True, slots=True)
class GithubCounts:
    known: int
    fetched: int
    gone: int
    due: int


def link_key() -> Any:
    """The ``github_repos.key`` a ``paper_links`` row names."""
    return func.lower(paper_links.c.owner + literal("/") + paper_links.c.name)


def _unknown_linked() -> Select:
    """The GitHub repositories active links name that ``github_repos`` does not know yet:
    (key, full_name)."""
    key = link_key()
    linked = (
        select(key.label("key"), func.min(paper_links.c.owner + literal("/") + paper_links.c.name)
               .label("full_name"))
        .where(paper_links.c.host == "github.com", paper_links.c.status == "active",
               paper_links.c.owner.is_not(None), paper_links.c.name.is_not(None))
        .group_by(key)
        .subquery()
    )
    return (select(linked.c.key, linked.c.full_name)
            .where(~select(github_repos.c.key).where(github_repos.c.key == linked.c.key).exists()))


def sync_linked(connection: Connection, *, now: int) -> int:
    """Know every GitHub repository an active link names; new ones are due at once.
    Returns how many were new."""
    new = connection.execute(_unknown_linked()).all()
    if new:
        connection.execute(insert(github_repos), [
            {"key": row.key, "full_name": row.full_name, "archived": False, "gone": False,
             "next_check_at": 0} for row in new])
    return len(new)


def due_repos(connection: Connection, *, now: int, limit: int) -> list[DueRepo]:
    """Repositories to fetch now: never fetched first, then the longest overdue."""
    rows = connection.execute(
        select(github_repos.c.key, github_repos.c.full_name, github_repos.c.etag,
               github_repos.c.stars)
        .where(github_repos.c.next_check_at <= now)
        .order_by(github_repos.c.fetched_at.is_not(None), github_repos.c.next_check_at,
                  github_repos.c.key)
        .limit(limit))
    return [DueRepo(row.key, row.full_name, row.etag, row.stars) for row in rows]


def record_fetched(connection: Connection, key: str, fields: RepoFields, *, etag: str | None,
                   now: int, next_check_at: int, day: date) -> None:
    """A 200: every field as GitHub gave it, and today's star count."""
    connection.execute(update(github_repos).where(github_repos.c.key == key).values(
        full_name=fields.full_name, stars=fields.stars, description=fields.description,
        license=fields.license, pushed_at=fields.pushed_at, archived=fields.archived,
        gone=False, etag=etag, fetched_at=now, next_check_at=next_check_at))
    record_stars(connection, key, day, fields.stars)


def record_not_modified(connection: Connection, repo: DueRepo, *, now: int,
                        next_check_at: int, day: date) -> None:
    """A 304: nothing changed but when it was checked; today's star row still counts."""
    connection.execute(update(github_repos).where(github_repos.c.key == repo.key).values(
        fetched_at=now, next_check_at=next_check_at))
    if repo.stars is not None:
        record_stars(connection, repo.key, day, repo.stars)


def record_gone(connection: Connection, key: str, *, now: int, next_check_at: int) -> None:
    connection.execute(update(github_repos).where(github_repos.c.key == key).values(
        gone=True, etag=None, fetched_at=now, next_check_at=next_check_at))


def postpone(connection: Connection, key: str, *, next_check_at: int) -> None:
    """A repository whose answer could not be read: try it again later."""
    connection.execute(update(github_repos).where(github_repos.c.key == key).values(
        next_check_at=next_check_at))


def record_stars(connection: Connection, key: str, day: date, stars: int) -> None:
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(github_stars).values(repo_key=key, day=day, stars=stars)
    connection.execute(statement.on_conflict_do_update(
        index_elements=["repo_key", "day"], set_={"stars": stars}))


def counts(connection: Connection, *, now: int) -> GithubCounts:
    """Repositories known, fetched, gone and due, counting those linked since the last
    refresh (the next one adds them, due at once) without writing anything."""
    unknown = _unknown_linked().subquery()
    row = connection.execute(select(
        func.count(),
        func.count(github_repos.c.fetched_at),
        func.coalesce(func.sum(case((github_repos.c.gone, 1), else_=0)), 0),
        func.coalesce(func.sum(case((github_repos.c.next_check_at <= now, 1), else_=0)), 0),
        select(func.count()).select_from(unknown).scalar_subquery(),
    ).select_from(github_repos)).one()
    new = int(row[4])
    return GithubCounts(known=row[0] + new, fetched=row[1], gone=int(row[2]),
                        due=int(row[3]) + new)


def repos_of(connection: Connection, keys: list[str]) -> dict[str, dict[str, Any]]:
    """What is known of the repositories, by key (fetched ones only)."""
    if not keys:
        return {}
    rows = connection.execute(select(github_repos).where(
        github_repos.c.key.in_(keys), github_repos.c.fetched_at.is_not(None)))
    return {row.key: dict(row._mapping) for row in rows}


def first_repo_stars() -> Any:
    """A list column: the stars of the paper's first repository link when it is a
    GitHub repository still there (None else)."""
    link = paper_links.alias("first_link")
    first = (
        select(link.c.id)
        .where(link.c.paper_id == papers.c.id, link.c.kind == "repo", link.c.status == "active")
        .order_by(link.c.position, link.c.id)
        .limit(1)
        .correlate(papers)
        .scalar_subquery()
    )
    return (
        select(github_repos.c.stars)
        .select_from(paper_links.join(github_repos, github_repos.c.key == link_key()))
        .where(paper_links.c.id == first, github_repos.c.gone.is_(False))
        .correlate(papers)
        .scalar_subquery()
        .label("code_stars")
    )


def limited_until(connection: Connection) -> int | None:
    """When GitHub's rate limit, met by the last run, lifts (as GitHub said)."""
    return connection.execute(select(github_limits.c.resumes_at).where(
        github_limits.c.name == RATE_LIMIT)).scalar()


def set_limited_until(connection: Connection, resumes_at: int) -> None:
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(github_limits).values(name=RATE_LIMIT, resumes_at=resumes_at)
    connection.execute(statement.on_conflict_do_update(
        index_elements=["name"], set_={"resumes_at": resumes_at}))


def stars_gained(connection: Connection, *, today: date, days: int, limit: int,
                 offset: int) -> tuple[list[tuple[int, int, int]], int]:
    """Papers by the stars their GitHub repository gained over ``days`` days:
    (paper id, gained, stars now), most gained first, and how many papers gained any.
    Gained = the latest count − the count on the last day at or before ``today − days``
    (the first count recorded when the history is younger)."""
    start = today.toordinal() - days
    latest = (select(github_stars.c.repo_key, func.max(github_stars.c.day).label("day"))
              .group_by(github_stars.c.repo_key).subquery())
    base_day = (
        select(github_stars.c.repo_key,
               func.coalesce(
                   func.max(case((github_stars.c.day <= date.fromordinal(start),
                                  github_stars.c.day))),
                   func.min(github_stars.c.day)).label("day"))
        .group_by(github_stars.c.repo_key).subquery())
    now_row, then_row = github_stars.alias("now_row"), github_stars.alias("then_row")
    gains = (
        select(latest.c.repo_key.label("key"),
               (now_row.c.stars - then_row.c.stars).label("gained"),
               now_row.c.stars.label("stars"))
        .select_from(latest
                     .join(now_row, and_(now_row.c.repo_key == latest.c.repo_key,
                                         now_row.c.day == latest.c.day))
                     .join(base_day, base_day.c.repo_key == latest.c.repo_key)
                     .join(then_row, and_(then_row.c.repo_key == latest.c.repo_key,
                                          then_row.c.day == base_day.c.day))
                     .join(github_repos, github_repos.c.key == latest.c.repo_key))
        .where(github_repos.c.gone.is_(False), now_row.c.stars > then_row.c.stars)
        .subquery())
    per_paper = (
        select(paper_links.c.paper_id, func.max(gains.c.gained).label("gained"),
               func.max(gains.c.stars).label("stars"))
        .select_from(paper_links.join(gains, gains.c.key == link_key()))
        .where(paper_links.c.status == "active", paper_links.c.host == "github.com")
        .group_by(paper_links.c.paper_id)
        .subquery())
    rows = connection.execute(
        select(per_paper.c.paper_id, per_paper.c.gained, per_paper.c.stars)
        .join(papers, papers.c.id == per_paper.c.paper_id)
        .order_by(per_paper.c.gained.desc(), per_paper.c.stars.desc(), papers.c.arxiv_id)
        .limit(limit).offset(offset)).all()
    total = connection.execute(select(func.count()).select_from(per_paper)).scalar_one()
    return [(row[0], int(row[1]), int(row[2])) for row in rows], total
