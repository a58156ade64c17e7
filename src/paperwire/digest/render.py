"""Render one subscriber's digest: text/plain then HTML (inlined CSS) in
multipart/alternative, with List-Unsubscribe (RFC 2369) and one-click (RFC 8058).

Paper blocks are rendered once per paper and reused for every subscriber; only
the links and the topic section differ. Titles and abstracts go into bodies only,
never into a header.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from paperwire.community.accounts import email_key
from paperwire.digest.models import Frequency, Period
from paperwire.mail.message import OutgoingMail
from paperwire.mail.tokens import Signer, fingerprint
from paperwire.models import Paper
from paperwire.settings import Settings
from paperwire.text import collapse_whitespace, excerpt

TEMPLATES = Path(__file__).parent / "templates"
SUBSCRIBER_TOKEN = "digest-subscriber"  # the purpose of unsubscribe / manage tokens


def subscriber_token(signer: Signer, subscription_id: int, address: str) -> str:
    """The long-lived token of unsubscribe and manage links: bound to one subscription
    and one address, so it cannot be moved to another subscriber."""
    return signer.sign(SUBSCRIBER_TOKEN, {"s": subscription_id, "e": fingerprint(email_key(address))})


@dataclass(frozen=True, slots=True)
class Recipient:
    subscription_id: int
    email: str
    message_id: str | None = None


class DigestRenderer:
    def __init__(self, settings: Settings, signer: Signer) -> None:
        self.settings, self.signer = settings, signer
        self.base = settings.base_url.rstrip("/")
        self.env = Environment(
            loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
            keep_trailing_newline=True,
        )
        self.blocks: dict[int, tuple[str, Markup]] = {}  # paper id -> (text, html)

    def list_id(self, kind: Frequency) -> str:
        host = urlsplit(self.base).hostname or "localhost"
        return f"{self.settings.site_name} {kind.value} digest <{kind.value}-digest.{host}>"

    def message(self, recipient: Recipient, period: Period, trending: list[Paper],
                extras: list[Paper], for_you: list[Paper] | None = None) -> Message:
        token = subscriber_token(self.signer, recipient.subscription_id, recipient.email)
        unsubscribe = f"{self.base}/digest/unsubscribe?token={token}"
        for_you = for_you or []
        context = self._context(recipient, period, trending, extras)
        context.update(unsubscribe_url=unsubscribe,
                       manage_url=f"{self.base}/digest/manage?token={token}")
        mail = OutgoingMail(
            to=recipient.email,
            subject=f"{self.settings.site_name}: {context['heading']} · {context['subheading']}",
            text=self.env.get_template("digest.txt").render(
                **context, trending=self._texts(trending), extras=self._texts(extras, len(trending)),
                for_you=self._texts(for_you, len(trending) + len(extras))),
            html=self.env.get_template("digest.html").render(
                **context, trending=self._htmls(trending), extras=self._htmls(extras),
                for_you=self._htmls(for_you)),
            kind="digest",
            headers={
                "List-Id": self.list_id(period.kind),
                "List-Unsubscribe": f"<{unsubscribe}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                "Auto-Submitted": "auto-generated",
            },
            message_id=recipient.message_id,
        )
        return mail.build(self.settings.mail_from)

    def _context(self, recipient: Recipient, period: Period, trending: list[Paper],
                 extras: list[Paper]) -> dict[str, object]:
        daily = period.kind is Frequency.DAILY
        day = period.day
        when = f"{day:%A}, {day:%b} {day.day}, {day.year}"
        if not daily:
            first = period.first_day
            when = f"{first:%b} {first.day} – {day:%b} {day.day}, {day.year}"
        return {
            "site_name": self.settings.site_name, "email": recipient.email,
            "kind": period.kind.value, "subheading": when,
            "heading": "Daily Papers" if daily else "Weekly Papers",
            "trending_title": "Trending today" if daily else "Trending this week",
        }

    # -- paper blocks, rendered once per paper -------------------------------------------

    def _block(self, paper: Paper) -> tuple[str, Markup]:
        if paper.id not in self.blocks:
            title = collapse_whitespace(paper.title)
            authors = _authors(paper.authors)
            abstract = excerpt(paper.abstract, 300)
            summary = excerpt(collapse_whitespace(paper.ai_summary), 240) if paper.ai_summary else ""
            link = f"{self.base}/papers/{paper.arxiv_id}"
            text = self.env.get_template("paper.txt").render(
                number="{number}", paper=paper, link=link, authors=authors,
                title_lines="\n   ".join(textwrap.wrap(title, 68)) or paper.arxiv_id,
                abstract_lines=textwrap.fill(abstract, 72, initial_indent="   ",
                                             subsequent_indent="   "),
                summary_lines=textwrap.fill(f"In one line: {summary}", 72, initial_indent="   ",
                                            subsequent_indent="   ") if summary else "",
            )
            html = Markup(self.env.get_template("paper.html").render(
                paper=paper, link=link, title=title, authors=authors, abstract=abstract,
                summary=summary))
            self.blocks[paper.id] = (text, html)
        return self.blocks[paper.id]

    def _texts(self, papers: list[Paper], start: int = 0) -> list[str]:
        return [self._block(p)[0].replace("{number}", str(start + n), 1)
                for n, p in enumerate(papers, 1)]

    def _htmls(self, papers: list[Paper]) -> list[Markup]:
        return [self._block(p)[1] for p in papers]


def _authors(names: list[str], shown: int = 4) -> str:
    names = [collapse_whitespace(name) for name in names]
    if len(names) <= shown + 1:
        return ", ".join(names)
    return ", ".join(names[:shown]) + f" and {len(names) - shown} more"
