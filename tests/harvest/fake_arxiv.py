"""A fake arXiv on 127.0.0.1: OAI-PMH (arXivRaw), the API (Atom) and the daily listings.

Responses are written in arXiv's real formats. Every request is recorded with
its arrival time; tests can queue scripted answers (errors, broken pages) that
are served before the normal ones.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse
from xml.sax.saxutils import escape

OAI_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"'
    ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
    ' xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/'
    ' http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd">\n'
    "<responseDate>{now}</responseDate>\n"
    '<request verb="ListRecords" metadataPrefix="arXivRaw">http://arxiv.example/oai</request>\n'
)


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Request:
    at: float  # time.monotonic() on arrival
    path: str
    params: dict[str, str]


def rfc1123(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC), usegmt=True)


@dataclass
class FakeRecord:
    arxiv_id: str
    datestamp: date
    title: str = "A study of things"
    versions: list[tuple[int, datetime, str]] = field(default_factory=list)  # (n, date, size)
    authors: str = "Ada Lovelace, Charles Babbage and Alan Turing"
    categories: str = "cs.LG cs.AI"
    abstract: str = "  We study things.\nThey are interesting.\n"
    comments: str | None = None
    sets: tuple[str, ...] = ("cs",)
    deleted: bool = False
    raw_metadata: bytes | None = None  # replaces the generated <arXivRaw> (bad records)

    def xml(self) -> bytes:
        status = ' status="deleted"' if self.deleted else ""
        specs = "".join(f"<setSpec>{s}</setSpec>" for s in self.sets)
        header = (
            f"<header{status}><identifier>oai:arXiv.org:{self.arxiv_id}</identifier>"
            f"<datestamp>{self.datestamp.isoformat()}</datestamp>{specs}</header>"
        )
        if self.deleted:
            return f"<record>{header}</record>\n".encode()
        metadata = b"<metadata>" + self.metadata() + b"</metadata>"
        return b"<record>" + header.encode() + metadata + b"</record>\n"

    def metadata(self) -> bytes:
        if self.raw_metadata is not None:
            return self.raw_metadata
        versions = "".join(
            f'<version version="v{n}"><date>{rfc1123(created)}</date><size>{size}</size>'
            f"<source_type>D</source_type></version>"
            for n, created, size in self.versions
        )
        optional = f"<comments>{escape(self.comments)}</comments>" if self.comments else ""
        return (
            '<arXivRaw xmlns="http://arxiv.org/OAI/arXivRaw/"'
            ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
            ' xsi:schemaLocation="http://arxiv.org/OAI/arXivRaw/'
            ' http://arxiv.org/OAI/arXivRaw.xsd">'
            f"<id>{self.arxiv_id}</id><submitter>Ada Lovelace</submitter>{versions}"
            f"<title>{escape(self.title)}</title><authors>{escape(self.authors)}</authors>"
            f"<categories>{self.categories}</categories>{optional}"
            "<license>http://creativecommons.org/licenses/by/4.0/</license>"
            f"<abstract>{escape(self.abstract)}</abstract></arXivRaw>"
        ).encode()


def make_records(
    count: int, *, start: date = date(2026, 2, 2), prefix: str = "2602"
) -> list[FakeRecord]:
    records = []
    for index in range(count):
        created = datetime(2026, 2, 1, 12, 0, tzinfo=UTC).replace(minute=index % 60)
        records.append(
            FakeRecord(
                arxiv_id=f"{prefix}.{index + 1:05d}",
                datestamp=start.fromordinal(start.toordinal() + index // 7),
                title=f"Paper number {index + 1}",
                versions=[(1, created, "120kb")],
            )
        )
    return records


def oai_page(records: list[FakeRecord], token: str | None, *, extra: bytes = b"") -> bytes:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    body = OAI_HEAD.format(now=now).encode() + b"<ListRecords>\n"
    body += b"".join(record.xml() for record in records) + extra
    if token is not None:
        body += f"<resumptionToken>{escape(token)}</resumptionToken>\n".encode()
    return body + b"</ListRecords>\n</OAI-PMH>\n"


def no_mailing_atom(day: date, categories: str = "cs.AI+cs.LG") -> bytes:
    """arXiv's Atom listing of a day without a mailing: the feed, regenerated just after
    midnight Eastern (05:00 UTC in winter), with no entries."""
    generated = datetime(day.year, day.month, day.day, 5, 0, 12, tzinfo=UTC)
    names = categories.replace("+", ", ")
    return (
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        '<feed xmlns:arxiv="http://arxiv.org/schemas/atom"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/"'
        ' xmlns="http://www.w3.org/2005/Atom" xml:lang="en-us">\n'
        f"  <id>http://rss.arxiv.org/atom/{categories}</id>\n"
        f"  <title>{names} updates on arXiv.org</title>\n"
        f"  <updated>{generated.isoformat(timespec='microseconds')}</updated>\n"
        f'  <link href="http://rss.arxiv.org/atom/{categories}" rel="self"'
        ' type="application/atom+xml"/>\n'
        f"  <subtitle>{names} updates on the arXiv.org e-print archive.</subtitle>\n"
        "</feed>\n"
    ).encode()


def no_mailing_rss(day: date, categories: str = "cs.AI+cs.LG") -> bytes:
    """The RSS twin: a channel dated ``day`` (its announcement date), with arXiv's
    ``skipDays`` and no items."""
    stamp = f"{day.strftime('%a, %d %b %Y')} 00:00:00 -0500"
    link = f"http://rss.arxiv.org/rss/{categories}"
    names = categories.replace("+", ", ")
    return (
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        '<rss xmlns:arxiv="http://arxiv.org/schemas/atom"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/"'
        ' xmlns:atom="http://www.w3.org/2005/Atom" version="2.0">\n'
        f"  <channel>\n    <title>{names} updates on arXiv.org</title>\n"
        f"    <link>{link}</link>\n"
        f"    <description>{names} updates on the arXiv.org e-print archive.</description>\n"
        f'    <atom:link href="{link}" rel="self" type="application/rss+xml"/>\n'
        "    <docs>http://www.rssboard.org/rss-specification</docs>\n"
        "    <language>en-us</language>\n"
        f"    <lastBuildDate>{stamp}</lastBuildDate>\n"
        "    <managingEditor>rss-help@arxiv.org</managingEditor>\n"
        f"    <pubDate>{stamp}</pubDate>\n"
        "    <skipDays><day>Saturday</day><day>Sunday</day></skipDays>\n"
        "  </channel>\n</rss>\n"
    ).encode()


def oai_error(code: str, message: str) -> bytes:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return OAI_HEAD.format(now=now).encode() + (
        f'<error code="{code}">{escape(message)}</error>\n</OAI-PMH>\n'.encode()
    )


class FakeArxiv:
    def __init__(self) -> None:
        self.records: list[FakeRecord] = []
        self.page_size = 3
        self.requests: list[Request] = []
        self.scripted: list[Callable[[Request], Response | None]] = []
        self.bad_tokens: set[str] = set()
        self.api_body: bytes = b""
        self.listing_body: bytes = b""
        self.lock = threading.Lock()
        self.pages_served = 0  # OAI-PMH answers (200) written out in full
        self._served = threading.Condition()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> FakeArxiv:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def script(self, *responses: Response | Callable[[Request], Response | None]) -> None:
        """Serve these, in order, before the normal answers. A callable answering None
        lets a request through and stays first in line until it answers."""
        for response in responses:
            self.scripted.append(response if callable(response) else (lambda _r, x=response: x))

    def wait_for_requests(self, count: int, timeout: float = 60) -> bool:
        """Block until ``count`` requests in all have arrived."""
        with self._served:
            return self._served.wait_for(lambda: len(self.requests) >= count, timeout)

    def wait_for_pages(self, count: int, timeout: float = 60) -> bool:
        """Block until ``count`` OAI-PMH pages in all have been written to their clients."""
        with self._served:
            return self._served.wait_for(lambda: self.pages_served >= count, timeout)

    def mark_served(self, path: str, status: int) -> None:
        if path == "/oai" and status == 200:
            with self._served:
                self.pages_served += 1
                self._served.notify_all()

    def oai_requests(self) -> list[Request]:
        return [r for r in self.requests if r.path == "/oai"]

    # -- answers -------------------------------------------------------------------

    def answer(self, request: Request) -> Response:
        with self.lock:
            self.requests.append(request)
            with self._served:
                self._served.notify_all()  # wait_for_requests
            if self.scripted:  # the first scripted answer waits until it applies
                scripted = self.scripted[0](request)
                if scripted is not None:
                    self.scripted.pop(0)
                    return scripted
        if request.path == "/oai":
            return self.list_records(request.params)
        if request.path == "/api/query":
            return Response(body=self.api_body, headers={"Content-Type": "application/atom+xml"})
        if request.path.startswith(("/atom/", "/rss/")):
            return Response(body=self.listing_body)
        return Response(404, b"not found")

    def list_records(self, params: dict[str, str]) -> Response:
        if "resumptionToken" in params:
            token = params["resumptionToken"]
            if set(params) != {"verb", "resumptionToken"}:
                return Response(body=oai_error("badArgument", "token must go alone"))
            if token in self.bad_tokens:
                return Response(body=oai_error("badResumptionToken", "expired"))
            offset, set_spec, from_, until = token.split("|")
            offset = int(offset)
        else:
            offset, set_spec = 0, params.get("set", "")
            from_, until = params.get("from", ""), params.get("until", "")
        chosen = [
            r for r in self.records
            if (not set_spec or set_spec in r.sets)
            and (not from_ or r.datestamp >= date.fromisoformat(from_))
            and (not until or r.datestamp <= date.fromisoformat(until))
        ]
        if not chosen:
            return Response(body=oai_error("noRecordsMatch", "nothing"))
        page = chosen[offset : offset + self.page_size]
        more = offset + self.page_size < len(chosen)
        token = f"{offset + self.page_size}|{set_spec}|{from_}|{until}" if more else ""
        return Response(body=oai_page(page, token))


def _handler(fake: FakeArxiv) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            parsed = urlparse(self.path)
            params = {key: values[-1] for key, values in parse_qs(parsed.query).items()}
            response = fake.answer(Request(time.monotonic(), parsed.path, params))
            self.send_response(response.status)
            headers = {"Content-Type": "text/xml; charset=utf-8", **response.headers}
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            self.wfile.write(response.body)
            self.wfile.flush()
            fake.mark_served(parsed.path, response.status)

        def log_message(self, *_args: object) -> None:
            pass

    return Handler


# -- hostile documents (refused by sources/xmlsafe.py; timed in bench/harvest.py) ------

BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + b"".join(
        f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'.encode()
        for i in range(1, 10)
    )
    + b"]>\n<lolz>&lol9;</lolz>\n"
)
XXE = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE foo [ <!ELEMENT foo ANY >\n'
    b' <!ENTITY xxe SYSTEM "file:///etc/passwd" >]>\n<OAI-PMH><ListRecords>&xxe;'
    b"</ListRecords></OAI-PMH>"
)
XXE_PARAMETER = (
    b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY % ext SYSTEM "http://127.0.0.1:9/x.dtd">'
    b" %ext;]><r/>"
)
