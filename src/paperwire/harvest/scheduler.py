"""The daily harvest's schedule: ``next_run_after`` and ``last_run_before`` (when
``harvest_time`` falls in ``harvest_timezone``), which the ``harvest_daily`` task
(``jobs/tasks.py``) checks; the tasks of ``jobs/`` are what ``serve`` and ``worker`` run.
The store's job locks (``db/locks.py``) keep two runs from ever harvesting, or sending
digests, in parallel.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo


def next_run_after(moment: datetime, at: object, timezone: str) -> datetime:
    """The first ``at`` o'clock (in ``timezone``) strictly after ``moment`` (UTC-aware)."""
    zone = ZoneInfo(timezone)
    local = moment.astimezone(zone)
    candidate = datetime.combine(local.date(), at, tzinfo=zone)  # type: ignore[arg-type]
    if candidate <= local:
        candidate = datetime.combine(local.date() + timedelta(days=1), at, tzinfo=zone)  # type: ignore[arg-type]
    return candidate.astimezone(UTC)


def last_run_before(moment: datetime, at: object, timezone: str) -> datetime:
    """The last ``at`` o'clock (in ``timezone``) at or before ``moment`` (UTC-aware)."""
    candidate = next_run_after(moment - timedelta(days=1), at, timezone)
    # A 25-hour day (the end of summer time) can put it just after ``moment``.
    return candidate if candidate <= moment else next_run_after(
        moment - timedelta(days=2), at, timezone)
