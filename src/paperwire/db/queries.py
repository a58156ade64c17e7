"""Read queries over the store. Every list surface goes through ``list_papers``."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, FromClause, Row, Select, exists, false, func, select

from paperwire.db.github import first_repo_stars
from paperwire.db.links import has_code, links_of
from paperwire.db.tables import (
    comments,
    paper_categories,
    paper_embeddings,
    paper_links,
    paper_versions,
    papers,
    submissions,
    users,
    votes,
)
from paperwire.db.trending import trending_scores
from paperwire.models import DateWindow, Paper, PaperFilter, PaperPage, SortOrder, StoreStats
from paperwire.ranking import TrendingWindow

SUMMARY_COLUMNS = (
    papers.c.id, papers.c.arxiv_id, papers.c.title_text, papers.c.abstract_text,
    papers.c.authors, papers.c.categories, papers.c.primary_category, papers.c.published,
    papers.c.updated, papers.c.announced_on, papers.c.latest_version, papers.c.withdrawn,
    papers.c.upvotes,
)
DETAIL_COLUMNS = (
    *SUMMARY_COLUMNS, papers.c.comments, papers.c.journal_ref, papers.c.doi,
    papers.c.report_no, papers.c.license, papers.c.submitter,
)


def community_columns(viewer_id: int | None) -> tuple[Any, ...]:
    """Comment count, who submitted it, and whether the viewer upvoted it."""
    count = (
        select(func.count())
        .where(
            comments.c.paper_id == papers.c.id,
            comments.c.deleted.is_(False),
            comments.c.hidden.is_(False),
        )
        .scalar_subquery()
        .label("num_comments")
    )
    voted = (
        exists().where(votes.c.paper_id == papers.c.id, votes.c.user_id == viewer_id)
        if viewer_id is not None
        else false()
    )
    code = (
        select(paper_links.c.url)
        .where(paper_links.c.paper_id == papers.c.id, paper_links.c.kind == "repo",
               paper_links.c.status == "active")
        .order_by(paper_links.c.position, paper_links.c.id)
        .limit(1)
        .scalar_subquery()
        .label("code_url")
    )
    project = (
        select(paper_links.c.url)
        .where(paper_links.c.paper_id == papers.c.id, paper_links.c.kind == "project",
               paper_links.c.status == "active")
        .order_by(paper_links.c.position, paper_links.c.id)
        .limit(1)
        .scalar_subquery()
        .label("project_url")
    )
    return (
        count,
        code,
        project,
        first_repo_stars(),
        voted.label("voted"),
        users.c.username.label("submitted_by"),
        users.c.display_name.label("submitted_by_name"),
    )


def with_community(columns: tuple[Any, ...], viewer_id: int | None = None) -> Select:
    source: FromClause = papers.outerjoin(
        submissions, submissions.c.paper_id == papers.c.id
    ).outerjoin(users, users.c.id == submissions.c.user_id)
    return select(*columns, *community_columns(viewer_id)).select_from(source)


def _utc(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo:
        return value
    return value.replace(tzinfo=UTC)


def paper_from_row(row: Row[Any]) -> Paper:
    data = dict(row._mapping)  # a plain dict: RowMapping.get() is slow on missing keys
    return Paper(
        id=data["id"],
        arxiv_id=data["arxiv_id"],
        title=data["title_text"],
        abstract=data["abstract_text"],
        authors=list(data["authors"]),
        categories=list(data["categories"]),
        primary_category=data["primary_category"],
        published=_utc(data["published"]),
        updated=_utc(data["updated"]),
        announced_on=data["announced_on"],
        latest_version=data["latest_version"],
        withdrawn=bool(data["withdrawn"]),
        upvotes=data["upvotes"],
        comments=data.get("comments"),
        journal_ref=data.get("journal_ref"),
        doi=data.get("doi"),
        report_no=data.get("report_no"),
        license=data.get("license"),
        submitter=data.get("submitter"),
        num_comments=data.get("num_comments") or 0,
        voted=bool(data.get("voted")),
        submitted_by=data.get("submitted_by"),
        submitted_by_name=data.get("submitted_by_name"),
        trending_score=data.get("score"),
        code_url=data.get("code_url"),
        code_stars=data.get("code_stars"),
        project_url=data.get("project_url"),
    )


def latest_day(connection: Connection) -> date | None:
    return connection.execute(select(func.max(papers.c.announced_on))).scalar()


def list_papers(
    connection: Connection, paper_filter: PaperFilter, *, half_life_hours: float = 24.0
) -> PaperPage:
    """Papers of a day/week/month window, most upvoted first (or newest first), then
    announcement order; or, with ``sort=TRENDING``, by the trending score (see
    ``paperwire.ranking``).

    Issues a fixed number of statements whatever the store holds: the page,
    the count, the neighbouring windows and the window's top categories.
    """
    if paper_filter.sort is SortOrder.TRENDING:
        return _list_trending(connection, paper_filter, half_life_hours)
    window = _window_or_latest(connection, paper_filter)
    if window is None:
        return PaperPage([], 0, None, limit=paper_filter.limit)
    conditions = [*_window_conditions(window), *_category_conditions(paper_filter)]
    order = (
        (papers.c.published.desc(), papers.c.arxiv_id.desc())
        if paper_filter.sort is SortOrder.PUBLISHED
        else (papers.c.upvotes.desc(), papers.c.arxiv_id)
    )
    rows = connection.execute(
        with_community(SUMMARY_COLUMNS, paper_filter.viewer_id)
        .where(*conditions, *_submitter_conditions(paper_filter))
        .order_by(*order)
        .limit(paper_filter.limit)
        .offset(paper_filter.offset)
    )
    total = connection.execute(
        select(func.count()).select_from(_submitted(paper_filter)).where(*conditions)
    )
    previous_day, next_day = _neighbour_days(connection, window, paper_filter.category)
    return PaperPage(
        papers=[paper_from_row(row) for row in rows],
        total=total.scalar_one(),
        window=window,
        previous=_window_like(window, previous_day),
        next=_window_like(window, next_day),
        limit=paper_filter.limit,
        offset=paper_filter.offset,
        categories=_top_categories(connection, window),
    )


def _window_or_latest(connection: Connection, paper_filter: PaperFilter) -> DateWindow | None:
    if paper_filter.window is not None:
        return paper_filter.window
    day = latest_day(connection)
    return None if day is None else DateWindow.around(paper_filter.period, day)


def _window_conditions(window: DateWindow) -> list[Any]:
    return [papers.c.announced_on >= window.start, papers.c.announced_on < window.end]


def _submitter_conditions(paper_filter: PaperFilter) -> list[Any]:
    return [users.c.username == paper_filter.submitter] if paper_filter.submitter else []


def _submitted(paper_filter: PaperFilter) -> FromClause:
    """What a count selects from: the papers, or those the filter's submitter submitted."""
    if not paper_filter.submitter:
        return papers
    return papers.join(submissions, submissions.c.paper_id == papers.c.id).join(
        users, (users.c.id == submissions.c.user_id) & (users.c.username == paper_filter.submitter)
    )


def _top_categories(connection: Connection, window: DateWindow, limit: int = 10) -> list[tuple[str, int]]:
    """The window's most common categories (primary or cross-listed), for filter chips."""
    count = func.count().label("papers")
    rows = connection.execute(
        select(paper_categories.c.category, count)
        .join(papers, papers.c.id == paper_categories.c.paper_id)
        .where(papers.c.announced_on >= window.start, papers.c.announced_on < window.end)
        .group_by(paper_categories.c.category)
        .order_by(count.desc(), paper_categories.c.category)
        .limit(limit)
    )
    return [(category, papers_count) for category, papers_count in rows]


def _list_trending(
    connection: Connection, paper_filter: PaperFilter, half_life_hours: float
) -> PaperPage:
    """Papers by trending score. With a window: that window's papers, those without
    votes in the horizon after the rest. Without one: the papers with votes in the
    horizon, or, when none was voted for, the latest day's (week's, month's) papers by
    upvotes, so the list is never empty while the store has papers (two statements more,
    only then)."""
    now = paper_filter.now if paper_filter.now is not None else int(time.time())
    horizon = TrendingWindow.of(now=now, period=paper_filter.period, half_life_hours=half_life_hours)
    scores = trending_scores(horizon).subquery()
    page = _trending_page(connection, paper_filter, scores, paper_filter.window)
    if paper_filter.window is None and page.total == 0:
        latest = _window_or_latest(connection, paper_filter)
        if latest is not None:
            page = _trending_page(connection, paper_filter, scores, latest)
    return page


def _trending_page(
    connection: Connection, paper_filter: PaperFilter, scores: Any, window: DateWindow | None
) -> PaperPage:
    conditions = [*_category_conditions(paper_filter), *_submitter_conditions(paper_filter)]
    if window is None:
        score = scores.c.score
        source = with_community((*SUMMARY_COLUMNS, score), paper_filter.viewer_id).join(
            scores, scores.c.paper_id == papers.c.id)
    else:
        score = func.coalesce(scores.c.score, 0.0).label("score")
        source = with_community((*SUMMARY_COLUMNS, score), paper_filter.viewer_id).outerjoin(
            scores, scores.c.paper_id == papers.c.id)
        conditions += _window_conditions(window)
    listed = source.where(*conditions)
    rows = connection.execute(
        listed.order_by(score.desc(), papers.c.upvotes.desc(), papers.c.arxiv_id)
        .limit(paper_filter.limit)
        .offset(paper_filter.offset)
    )
    total = connection.execute(
        select(func.count()).select_from(listed.with_only_columns(papers.c.id).subquery())
    )
    return PaperPage(
        papers=[paper_from_row(row) for row in rows],
        total=total.scalar_one(),
        window=paper_filter.window,
        limit=paper_filter.limit,
        offset=paper_filter.offset,
    )


def _category_conditions(paper_filter: PaperFilter) -> list[Any]:
    conditions = [_in_category(paper_filter.category)] if paper_filter.category else []
    if paper_filter.has_code:
        conditions.append(has_code())
    if paper_filter.categories:
        conditions.append(exists().where(
            paper_categories.c.paper_id == papers.c.id,
            paper_categories.c.category.in_(paper_filter.categories),
        ))
    return conditions


def _in_category(category: str) -> Any:
    return exists().where(
        paper_categories.c.paper_id == papers.c.id, paper_categories.c.category == category
    )


def _neighbour_days(
    connection: Connection, window: DateWindow, category: str | None
) -> tuple[date | None, date | None]:
    extra = [_in_category(category)] if category else []
    before = (
        select(func.max(papers.c.announced_on))
        .where(papers.c.announced_on < window.start, *extra)
        .scalar_subquery()
    )
    after = (
        select(func.min(papers.c.announced_on))
        .where(papers.c.announced_on >= window.end, *extra)
        .scalar_subquery()
    )
    row = connection.execute(select(before, after)).one()
    return row[0], row[1]


def _window_like(window: DateWindow, day: date | None) -> DateWindow | None:
    return None if day is None else DateWindow.around(window.period, day)


def get_paper(
    connection: Connection, arxiv_id: str, *, viewer_id: int | None = None
) -> Paper | None:
    row = connection.execute(
        with_community(DETAIL_COLUMNS, viewer_id).where(papers.c.arxiv_id == arxiv_id)
    ).one_or_none()
    if row is None:
        return None
    paper = paper_from_row(row)
    versions = connection.execute(
        select(paper_versions.c.version, paper_versions.c.created)
        .where(paper_versions.c.paper_id == paper.id)
        .order_by(paper_versions.c.version)
    )
    paper.versions = [(number, _utc(created)) for number, created in versions]
    paper.links = links_of(connection, [paper.id]).get(paper.id, [])
    return paper


def papers_by_ids(connection: Connection, ids: Sequence[int]) -> dict[int, Paper]:
    if not ids:
        return {}
    rows = connection.execute(
        with_community(SUMMARY_COLUMNS).where(papers.c.id.in_(list(ids)))
    )
    return {row.id: paper_from_row(row) for row in rows}


def papers_and_concepts(
    connection: Connection, ids: Sequence[int], model: str | None
) -> tuple[dict[int, Paper], dict[int, list[str]]]:
    """Papers by id and, with a model, their stored key concepts: one statement."""
    if model is None:
        return papers_by_ids(connection, ids), {}
    if not ids:
        return {}, {}
    concepts = (
        select(paper_embeddings.c.concepts)
        .where(paper_embeddings.c.paper_id == papers.c.id, paper_embeddings.c.model == model)
        .scalar_subquery()
        .label("stored_concepts")
    )
    rows = connection.execute(
        with_community(SUMMARY_COLUMNS).add_columns(concepts).where(papers.c.id.in_(list(ids)))
    ).all()
    found = {row.id: paper_from_row(row) for row in rows}
    return found, {row.id: list(row.stored_concepts) for row in rows if row.stored_concepts}


def papers_by_arxiv_ids(connection: Connection, arxiv_ids: Sequence[str]) -> list[Paper]:
    """The stored papers among ``arxiv_ids``, in the order given (one statement)."""
    if not arxiv_ids:
        return []
    rows = connection.execute(
        with_community(SUMMARY_COLUMNS).where(papers.c.arxiv_id.in_(list(arxiv_ids)))
    )
    found = {row.arxiv_id: paper_from_row(row) for row in rows}
    return [found[arxiv_id] for arxiv_id in arxiv_ids if arxiv_id in found]


def store_stats(connection: Connection, *, backend: str, revision: str | None) -> StoreStats:
    totals = connection.execute(
        select(
            func.count(),
            func.count().filter(papers.c.withdrawn.is_(True)),
            func.min(papers.c.announced_on),
            func.max(papers.c.announced_on),
            func.count(papers.c.announced_on.distinct()),
        ).select_from(papers)
    ).one()
    categories = connection.execute(
        select(papers.c.primary_category, func.count())
        .group_by(papers.c.primary_category)
        .order_by(func.count().desc())
        .limit(10)
    )
    return StoreStats(
        papers=totals[0],
        withdrawn=totals[1],
        first_day=totals[2],
        last_day=totals[3],
        days=totals[4],
        categories=[(name or "(none)", count) for name, count in categories],
        backend=backend,
        revision=revision,
    )
