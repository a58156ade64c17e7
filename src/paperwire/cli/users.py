"""``paperwire user add | promote | ban | claims | approve-claim | reject-claim``: accounts
and author claims from the CLI."""

from __future__ import annotations

from typing import Annotated

import typer

from paperwire.cli.app import app, one_line_errors, open_core, out
from paperwire.community.models import ClaimStatus, Role

user_app = typer.Typer(help="Manage accounts: add, promote, ban; review author claims.",
                       no_args_is_help=True)
app.add_typer(user_app, name="user")


@user_app.command("add")
@one_line_errors
def user_add(
    email: Annotated[str, typer.Argument(help="The account's email address.")],
    name: Annotated[str | None, typer.Option(help="User name (a-z, 0-9, -, _).")] = None,
    role: Annotated[Role, typer.Option(help="user, moderator or admin.")] = Role.USER,
) -> None:
    """Create an account (it signs in by emailed link like any other)."""
    user = open_core().add_user(email, username=name, role=role)
    out.print(f"added {user.username} <{user.email}> as {user.role.value}", highlight=False)


@user_app.command("promote")
@one_line_errors
def user_promote(
    email: Annotated[str, typer.Argument(help="The account's email address.")],
    role: Annotated[Role, typer.Option(help="The new role.")] = Role.MODERATOR,
) -> None:
    """Give an account a role: moderator (hides comments) or admin (also reads the outbox)."""
    user = open_core().set_role(email, role)
    out.print(f"{user.username} is now {user.role.value}", highlight=False)


@user_app.command("ban")
@one_line_errors
def user_ban(
    email: Annotated[str, typer.Argument(help="The account's email address.")],
    undo: Annotated[bool, typer.Option("--undo", help="Lift the ban.")] = False,
) -> None:
    """Ban an account (ending all its sessions), or lift a ban with --undo."""
    user = open_core().set_banned(email, not undo)
    out.print(f"{user.username} is {'banned' if user.banned else 'no longer banned'}",
              highlight=False)


@user_app.command("claims")
@one_line_errors
def user_claims(
    every: Annotated[bool, typer.Option("--all", help="Decided claims too.")] = False,
) -> None:
    """List author claims waiting for a decision (readers saying a name is theirs)."""
    found = open_core().author_claims(status=None if every else ClaimStatus.PENDING)
    for claim in found:
        out.print(f"{claim.id}\t{claim.status.value}\t{claim.username} <{claim.email}>\t"
                  f"{claim.name}", highlight=False, markup=False)
    if not found:
        out.print("no claims" if every else "no claims waiting", highlight=False)


@user_app.command("approve-claim")
@one_line_errors
def user_approve_claim(
    claim_id: Annotated[int, typer.Argument(help="The claim's number (see `user claims`).")],
) -> None:
    """Approve an author claim: the author's page names the reader."""
    claim = open_core().decide_author_claim(claim_id, approve=True)
    out.print(f"approved: {claim.name} is {claim.username}", highlight=False, markup=False)


@user_app.command("reject-claim")
@one_line_errors
def user_reject_claim(
    claim_id: Annotated[int, typer.Argument(help="The claim's number (see `user claims`).")],
) -> None:
    """Reject an author claim: it stays off the author's page."""
    claim = open_core().decide_author_claim(claim_id, approve=False)
    out.print(f"rejected: {claim.username}'s claim of {claim.name}", highlight=False,
              markup=False)
