"""``paperwire digest preview | send | status | resume``: email digests from the CLI."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from paperwire.cli.app import app, err, one_line_errors, open_core, parse_day_option
from paperwire.cli.app import out as console
from paperwire.digest.models import Frequency, IssueStatus, SendReport
from paperwire.digest.sender import SenderEnv

digest_app = typer.Typer(help="Email digests: preview, send, status, resume.",
                         no_args_is_help=True)
DateOption = Annotated[
    str | None, typer.Option("--date", help="YYYY-MM-DD; default: today (harvest time zone).")
]
app.add_typer(digest_app, name="digest")
STATES = ("queued", "sending", "ambiguous", "sent", "failed", "skipped")


@digest_app.command("preview")
@one_line_errors
def preview(
    email: Annotated[str, typer.Option("--email", help="A subscriber's address.")],
    out: Annotated[Path | None, typer.Option(
        "--out", help="Write here: .html (the HTML part), .eml (the whole message) or"
        " anything else (the text part). Default: the text part to the terminal.")] = None,
    period: Annotated[Frequency | None, typer.Option(
        help="daily or weekly; default: the subscriber's.")] = None,
    date: DateOption = None,
) -> None:
    """Render the digest a subscriber would get now (nothing is stored or sent)."""
    message = open_core().preview_digest(email, period, parse_day_option(date))
    if out is None:
        console.print(_part(message, "plain"), highlight=False, markup=False)
        return
    if out.suffix == ".eml":
        out.write_bytes(bytes(message))
    else:
        out.write_text(_part(message, "html" if out.suffix in {".html", ".htm"} else "plain"))
    err.print(f"wrote {out}")


@digest_app.command("send")
@one_line_errors
def send(
    period: Annotated[Frequency, typer.Option(help="daily or weekly.")] = Frequency.DAILY,
    date: DateOption = None,
) -> None:
    """Build the period's digest (once) and send every unsent message; safe to run
    twice, in several workers, or again after a crash."""
    core = open_core(migrate=True)
    issue_id, built = core.build_digest(period, parse_day_option(date))
    err.print(f"issue {issue_id}: {'built' if built else 'already built'}")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    report = core.send_digests(env=SenderEnv(stop=stop, on_progress=_progress()))
    console.print(_summary(report), highlight=False)


@digest_app.command("status")
@one_line_errors
def status() -> None:
    """Recent issues: recipients and messages per state, and any pause."""
    console.print(_status_table(open_core().digest_status()))


@digest_app.command("resume")
@one_line_errors
def resume() -> None:
    """End a pause now; running workers carry on within a second."""
    count = open_core().resume_digests()
    console.print(f"resumed {count} issue{'s' if count != 1 else ''}")


def _part(message, subtype: str) -> str:  # type: ignore[no-untyped-def]
    import email
    from email import policy

    parsed = email.message_from_bytes(bytes(message), policy=policy.default)
    part = parsed.get_body(preferencelist=(subtype,))
    return part.get_content() if part is not None else ""


def _progress() -> Callable[[SendReport], None]:
    def on_progress(report: SendReport) -> None:
        if report.sent and report.sent % 1000 == 0:
            err.print(f"sent {report.sent:,}")

    return on_progress


def _summary(report: SendReport) -> str:
    return (f"sent {report.sent:,} · failed {report.failed:,} · retried {report.retried:,}"
            f" · ambiguous {report.ambiguous:,} · reclaimed {report.reclaimed:,}"
            f" · pauses {report.pauses:,}")


def _status_table(issues: list[IssueStatus]) -> Table:
    table = Table("issue", "built", "recipients", *STATES, "state")
    for issue in issues:
        built = datetime.fromtimestamp(issue.built_at, UTC).strftime("%Y-%m-%d %H:%M")
        state = "done" if issue.done else "sending"
        if issue.paused_until and issue.paused_until > datetime.now(UTC).timestamp():
            paused = datetime.fromtimestamp(issue.paused_until, UTC).strftime("%H:%M:%S")
            state = f"paused until {paused} UTC: {issue.pause_reason}"
        table.add_row(f"{issue.kind} {issue.period}", built, f"{issue.recipients:,}",
                      *(f"{issue.counts.get(s, 0):,}" for s in STATES), state)
    return table
