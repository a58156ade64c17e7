"""The shared bits of the ``paperwire`` command: the Typer app, the consoles, the
one-line error decorator, the one ``Settings`` and the one core of a run, progress bars.

Every command module (``store``, ``search``, ``harvest``, ``digest``, ``users``,
``serve``, ``config``) imports this module and nothing else of ``cli/``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from paperwire.core import Paperwire, make_paperwire
from paperwire.db.session import StoreError, store_error_line
from paperwire.errors import PaperwireError
from paperwire.settings import Settings, load_settings

app = typer.Typer(
    name="paperwire",
    help="A self-hosted Daily Papers for arXiv.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

out = Console()
err = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True, emoji=False)
    return typer.Exit(code)


def one_line_errors(command: F) -> F:
    """Turn paperwire's and the store's errors into one line on stderr and exit 1."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except PaperwireError as error:
            raise fail(str(error)) from None
        except ValidationError as error:  # a setting's value, from Settings()
            raise fail(settings_error(error)) from None
        except StoreError as error:
            raise fail(f"store error: {store_error_line(error)}") from None
        except OSError as error:
            raise fail(f"{error.strerror or error}: {error.filename or ''}".rstrip(": ")) from None

    return wrapper  # type: ignore[return-value]


def settings_error(error: ValidationError) -> str:
    """One line naming each bad setting and its value."""
    lines = []
    for problem in error.errors():
        message = str(problem["msg"]).removeprefix("Value error, ")
        if not message.startswith("PAPERWIRE_"):
            name = "_".join(str(part) for part in problem["loc"]).upper()
            message = f"PAPERWIRE_{name}: {message} (got {problem.get('input')!r})"
        lines.append(message)
    return "; ".join(lines)


class _Run:
    """What one run of the command shares: its ``Settings``, built on first use."""

    settings: Settings | None = None


_run = _Run()


@app.callback()
def _start_run() -> None:
    # Each run (a process, or one CliRunner.invoke in tests) reads the environment afresh.
    _run.settings = None


def current_settings() -> Settings:
    """The run's one ``Settings``, read from the environment on first use (so ``--help``
    needs no valid settings) and shared by everything the command then does."""
    if _run.settings is None:
        _run.settings = load_settings()
    return _run.settings


def open_core(
    *, migrate: bool = False, ensure_ready: bool = True, refuse_weak_secret: bool = True
) -> Paperwire:
    """The core of every command, built by the one factory (``make_paperwire``) from the
    run's settings. It refuses the default secret key outside dev mode before the store
    is touched (only ``doctor`` passes ``refuse_weak_secret=False``: it reports the key).
    ``migrate`` upgrades the store first; otherwise the store must be current, unless
    ``ensure_ready=False`` (``doctor``, ``restore``: they look at or fill it themselves)."""
    core = make_paperwire(current_settings(), refuse_weak_secret=refuse_weak_secret)
    if migrate:
        core.migrate()
    elif ensure_ready:
        core.ensure_ready()
    return core


def parse_day_option(value: str | None) -> date | None:
    """A ``--date``/``--from``-style YYYY-MM-DD option, or None when not given."""
    from paperwire.models import parse_day

    return parse_day(value) if value else None


# -- progress bars -------------------------------------------------------------------


def bytes_progress() -> Progress:
    """Progress through files, in bytes (``import``)."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeRemainingColumn(),
        console=err,
        transient=False,
    )


def count_progress() -> Progress:
    """Progress through papers (embedded or indexed), with their rate and the time left."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        RateColumn("papers"),
        TimeRemainingColumn(),
        console=err,
    )


class RateColumn(ProgressColumn):
    """Items a second."""

    def __init__(self, unit: str = "rows") -> None:
        super().__init__()
        self.unit = unit

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        if speed is None:
            return Text("")
        return Text(f"{speed:,.0f} {self.unit}/s" if speed >= 100 else f"{speed:.1f} {self.unit}/s")


def rows_progress() -> Progress:
    """Progress through table rows, with their rate (``export``, ``restore``)."""
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), RateColumn(),
        TimeRemainingColumn(), console=err,
    )
