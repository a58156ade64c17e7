"""``paperwire digest preview | send | status | resume``: email digests from the CLI.

Registered on the main Typer app by :func:`register` (called from ``cli.py``).
"""

from __future__ import annotations

import signal
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from paperwire.digest.models import Frequency, IssueStatus, SendReport
from paperwire.digest.sender import SenderEnv

digest_app = typer.Typer(help="Email digests: preview, send, status, resume.",
                         no_args_is_help=True)
DateOption = Annotated[
    str | None, typer.Option("--date", help="YYYY-MM-DD; default: today (harvest time zone).")
]
STATES = ("queued", "sending", "ambiguous", "sent", "failed", "skipped")


def register(app: typer.Typer) -> None:
    from paperwire import cli

    app.add_typer(digest_app, name="digest")

    @digest_app.command("preview")
    @cli.one_line_errors
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
        message = cli.open_core().preview_digest(email, period, _day(date))
        if out is None:
            cli.out.print(_part(message, "plain"), highlight=False, markup=False)
            return
        if out.suffix == ".eml":
            out.write_bytes(bytes(message))
        else:
            out.write_text(_part(message, "html" if out.suffix in {".html", ".htm"} else "plain"))
        cli.err.print(f"wrote {out}")

    @digest_app.command("send")
    @cli.one_line_errors
    def send(
        period: Annotated[Frequency, typer.Option(help="daily or weekly.")] = Frequency.DAILY,
        date: DateOption = None,
    ) -> None:
        """Build the period's digest (once) and send every unsent message; safe to run
        twice, in several workers, or again after a crash."""
        core = cli.open_core(migrate=True)
        issue_id, built = core.build_digest(period, _day(date))
        cli.err.print(f"issue {issue_id}: {'built' if built else 'already built'}")
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        report = core.send_digests(env=SenderEnv(stop=stop, on_progress=_progress(cli)))
        cli.out.print(_summary(report), highlight=False)

    @digest_app.command("status")
    @cli.one_line_errors
    def status() -> None:
        """Recent issues: recipients and messages per state, and any pause."""
        cli.out.print(_status_table(cli.open_core().digest_status()))

    @digest_app.command("resume")
    @cli.one_line_errors
    def resume() -> None:
        """End a pause now; running workers carry on within a second."""
        count = cli.open_core().resume_digests()
        cli.out.print(f"resumed {count} issue{'s' if count != 1 else ''}")


def _day(value: str | None):  # type: ignore[no-untyped-def]
    from paperwire.models import parse_day

    return parse_day(value) if value else None


def _part(message, subtype: str) -> str:  # type: ignore[no-untyped-def]
    import email
    from email import policy

    parsed = email.message_from_bytes(bytes(message), policy=policy.default)
    part = parsed.get_body(preferencelist=(subtype,))
    return part.get_content() if part is not None else ""


def _progress(cli):  # type: ignore[no-untyped-def]
    def on_progress(report: SendReport) -> None:
        if report.sent and report.sent % 1000 == 0:
            cli.err.print(f"sent {report.sent:,}")

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
