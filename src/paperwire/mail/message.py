"""Outgoing messages. No header is ever built from unchecked text."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy as email_policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

from paperwire.errors import InvalidInput

# Headers fold only past SMTP's 998-octet limit: a long List-Unsubscribe URL stays one
# plain <https://...> value instead of being split into RFC 2047 encoded words.
POLICY = email_policy.default.clone(max_line_length=998)
# Checked header values: printable, no CR/LF or other controls.
FORBIDDEN = {chr(code) for code in range(32)} | {"\x7f"}


def clean_header(value: str, *, limit: int = 400) -> str:
    """A header value with controls refused (CR/LF cannot add headers or recipients)."""
    if any(character in FORBIDDEN for character in value):
        raise InvalidInput("a mail header may not contain line breaks or control characters")
    return value[:limit]


def sender_domain(sender: str) -> str:
    """The domain of the From address (for Message-IDs)."""
    return parseaddr(sender)[1].rpartition("@")[2] or "localhost"


def parse_address(raw: str) -> str:
    """One plain ``local@domain`` address, or InvalidInput."""
    value = raw.strip()
    if not value or len(value) > 254 or any(c in FORBIDDEN or c.isspace() for c in value):
        raise InvalidInput("enter one email address, like ada@example.org")
    name, address = parseaddr(value)
    local, _, domain = address.rpartition("@")
    if name or address != value or not local or "." not in domain or domain.startswith("."):
        raise InvalidInput("enter one email address, like ada@example.org")
    if any(c in value for c in "<>()[],;:\\\""):
        raise InvalidInput("enter one email address, like ada@example.org")
    return value


@dataclass(slots=True)
class OutgoingMail:
    """What a feature wants to send; ``build`` makes the RFC 5322 message."""

    to: str
    subject: str
    text: str
    html: str | None = None
    kind: str = "mail"
    headers: dict[str, str] = field(default_factory=dict)
    message_id: str | None = None  # fixed by the caller (digests: a re-sent copy shares it)

    def build(self, sender: str) -> EmailMessage:
        message = EmailMessage(policy=POLICY)
        message["From"] = clean_header(sender)
        message["To"] = Address(addr_spec=parse_address(self.to))
        message["Subject"] = clean_header(self.subject)
        message["Date"] = format_datetime(datetime.now(UTC))
        domain = sender_domain(sender)
        message["Message-ID"] = (
            clean_header(self.message_id) if self.message_id
            else make_msgid(domain=clean_header(domain))
        )
        for name, value in self.headers.items():
            message[clean_header(name, limit=60)] = clean_header(value, limit=900)
        message.set_content(self.text, cte=_transfer_encoding(self.text))
        if self.html is not None:
            message.add_alternative(self.html, subtype="html", cte=_transfer_encoding(self.html))
        return message


def _transfer_encoding(body: str) -> str:
    """7bit while the text is ASCII and every line fits SMTP's 998 octets, else
    quoted-printable (still readable, and safe on servers without 8BITMIME)."""
    longest = max((len(line.encode()) for line in body.splitlines()), default=0)
    return "7bit" if body.isascii() and longest <= 998 else "quoted-printable"
