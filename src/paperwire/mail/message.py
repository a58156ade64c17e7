"""Outgoing messages. No header is ever built from unchecked text."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy as email_policy
from email.charset import BASE64, QP, Charset
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.utils import format_datetime, formataddr, make_msgid, parseaddr

from paperwire.errors import InvalidInput

# Built with the compat32 classes (several times faster than EmailMessage's header
# parsing, which matters for 10,000 digests); every header value is checked by
# ``clean_header`` first. Headers fold only past SMTP's 998-octet limit, so a long
# List-Unsubscribe URL stays one plain <https://...> value.
POLICY = email_policy.compat32.clone(max_line_length=998)
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

    def build(self, sender: str) -> Message:
        """The message: text/plain alone, or text then HTML in multipart/alternative."""
        message: Message = _text_part(self.text, "plain")
        if self.html is not None:
            message = MIMEMultipart("alternative", policy=POLICY)
            message.attach(_text_part(self.text, "plain"))
            message.attach(_text_part(self.html, "html"))
        message["From"] = _encoded(clean_header(sender), address=True)
        message["To"] = parse_address(self.to)
        message["Subject"] = _encoded(clean_header(self.subject))
        message["Date"] = format_datetime(datetime.now(UTC))
        message["Message-ID"] = (
            clean_header(self.message_id) if self.message_id
            else make_msgid(domain=clean_header(sender_domain(sender)))
        )
        for name, value in self.headers.items():
            message[clean_header(name, limit=60)] = _encoded(clean_header(value, limit=900))
        return message


def _encoded(value: str, *, address: bool = False) -> str:
    """A checked header value; non-ASCII becomes RFC 2047 encoded words."""
    if value.isascii():
        return value
    if address:
        return formataddr(parseaddr(value), charset="utf-8")
    return Header(value, "utf-8").encode()


def _text_part(body: str, subtype: str) -> MIMENonMultipart:
    """7bit while the text is ASCII and every line fits SMTP's 998 octets; else base64
    (UTF-8) or, for long ASCII lines, quoted-printable. Safe without 8BITMIME."""
    longest = max((len(line.encode()) for line in body.splitlines()), default=0)
    part = MIMENonMultipart("text", subtype, policy=POLICY)
    if body.isascii() and longest <= 998:
        part.set_payload(body, "us-ascii")
        return part
    charset = Charset("utf-8")
    charset.body_encoding = QP if body.isascii() else BASE64
    part.set_payload(body, charset)
    return part
