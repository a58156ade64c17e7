"""Background jobs as tasks (``tasks.py``), run by procrastinate on PostgreSQL
(``queue.py``) or in-process on SQLite (``runner.py``); see docs/jobs.md."""
