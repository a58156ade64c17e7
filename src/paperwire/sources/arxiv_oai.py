"""arXiv's OAI-PMH responses (metadataPrefix ``arXivRaw``) into ``PaperRecord``s.

``parse_list_records`` turns one ListRecords response into an :class:`OaiPage`:
the good records, the bad ones (kept for quarantine with their raw XML), the
deleted ones, and the resumption token. A response that is not well-formed
raises :class:`~paperwire.sources.xmlsafe.MalformedDocument`; an OAI-PMH
``<error>`` raises :class:`OaiError`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from xml.etree.ElementTree import Element, tostring

from paperwire.errors import InvalidArxivId, InvalidRecord
from paperwire.ids import normalize_arxiv_id
from paperwire.records import PaperRecord, Version
from paperwire.sources.snapshot import parse_rfc1123
from paperwire.sources.xmlsafe import MalformedDocument, child_text, local_name, parse_xml
from paperwire.text import split_authors

OAI = "{http://www.openarchives.org/OAI/2.0/}"
RAW = "{http://arxiv.org/OAI/arXivRaw/}"
METADATA_PREFIX = "arXivRaw"
MAX_RAW_KEPT = 100_000
_TEXT_FIELDS = {
    "submitter": "submitter",
    "comments": "comments",
    "journal-ref": "journal_ref",
    "doi": "doi",
    "report-no": "report_no",
    "license": "license",
}


class OaiError(Exception):
    """An OAI-PMH ``<error code=...>`` answer."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}" if message else code)
        self.code = code


@dataclass(frozen=True, slots=True)
class BadRecord:
    """A record that could not become a paper: quarantined, not stored."""

    index: int  # 1-based position in the page
    arxiv_id: str | None
    reason: str
    raw: str


@dataclass(slots=True)
class OaiPage:
    response_date: datetime | None
    records: list[PaperRecord] = field(default_factory=list)
    bad: list[BadRecord] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    datestamps: list[date] = field(default_factory=list)
    token: str | None = None  # None or "": the list is complete
    replaced_bytes: int = 0
    first_bad_offset: int | None = None  # byte offset of the first invalid UTF-8 sequence

    @property
    def size(self) -> int:
        return len(self.records) + len(self.bad) + len(self.deleted)

    @property
    def is_last(self) -> bool:
        return not self.token


def parse_list_records(body: bytes) -> OaiPage:
    document = parse_xml(body)
    root = document.root
    if local_name(root) != "OAI-PMH":
        raise MalformedDocument(f"expected an OAI-PMH document, got <{local_name(root)}>")
    error = root.find(f"{OAI}error")
    if error is not None:
        raise OaiError(error.get("code", "unknown"), (error.text or "").strip())
    listing = root.find(f"{OAI}ListRecords")
    if listing is None:
        raise MalformedDocument("OAI-PMH response has neither ListRecords nor error")
    page = OaiPage(
        _response_date(root),
        replaced_bytes=document.replaced_bytes,
        first_bad_offset=document.first_bad_offset,
    )
    for index, element in enumerate(listing.iterfind(f"{OAI}record"), start=1):
        _add_record(page, index, element)
    token = listing.find(f"{OAI}resumptionToken")
    page.token = (token.text or "").strip() or None if token is not None else None
    return page


def _response_date(root: Element) -> datetime | None:
    text = (child_text(root, f"{OAI}responseDate") or "").strip()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None
    except ValueError:
        return None


def _add_record(page: OaiPage, index: int, element: Element) -> None:
    header = element.find(f"{OAI}header")
    identifier = (child_text(header, f"{OAI}identifier") or "") if header is not None else ""
    arxiv_id = identifier.removeprefix("oai:arXiv.org:").strip() or None
    try:
        if header is None:
            raise InvalidRecord("record has no header")
        stamp = _datestamp(header)
        if header.get("status") == "deleted":
            page.deleted.append(_checked_id(arxiv_id))
        else:
            page.records.append(record_from_arxivraw(_metadata(element), stamp))
        page.datestamps.append(stamp)
    except (InvalidRecord, InvalidArxivId) as error:
        raw = tostring(element, encoding="unicode")[:MAX_RAW_KEPT]
        page.bad.append(BadRecord(index, arxiv_id, str(error), raw))


def _checked_id(arxiv_id: str | None) -> str:
    if not arxiv_id:
        raise InvalidRecord("header 'identifier': missing")
    return normalize_arxiv_id(arxiv_id)


def _datestamp(header: Element) -> date:
    text = (child_text(header, f"{OAI}datestamp") or "").strip()
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise InvalidRecord(f"header 'datestamp': {text!r} is not a date") from None


def _metadata(record: Element) -> Element:
    raw = record.find(f"{OAI}metadata/{RAW}arXivRaw")
    if raw is None:
        raise InvalidRecord("record has no arXivRaw metadata")
    return raw


def record_from_arxivraw(raw: Element, datestamp: date | None = None) -> PaperRecord:
    """One ``<arXivRaw>`` element as a record; ``InvalidRecord`` names what is wrong."""
    fields: dict[str, str] = {}
    version_elements: list[Element] = []
    for child in raw:  # one pass over the children: this runs for every record
        name = local_name(child)
        if name == "version":
            version_elements.append(child)
        elif name not in fields:
            fields[name] = "".join(child.itertext())
    versions, withdrawn = _versions(version_elements)
    return PaperRecord(
        arxiv_id=_required(fields, "id"),
        title=_required(fields, "title"),
        abstract=fields.get("abstract", "").strip("\n"),
        authors=split_authors(fields.get("authors", "")),
        categories=fields.get("categories", "").split(),
        versions=versions,
        update_date=datestamp,
        withdrawn=withdrawn,
        **{attr: fields.get(tag, "").strip() or None for tag, attr in _TEXT_FIELDS.items()},
    )


def _required(fields: dict[str, str], tag: str) -> str:
    value = fields.get(tag, "").strip()
    if not value:
        raise InvalidRecord(f"field '{tag}': missing")
    return value


def _versions(elements: list[Element]) -> tuple[list[Version], bool]:
    """Every ``<version>``; a latest version of size 0 means the paper was withdrawn."""
    versions: list[tuple[Version, str]] = []
    for element in elements:
        label = element.get("version", "")
        if not (label.startswith("v") and label[1:].isdigit()):
            raise InvalidRecord(f"field 'version': bad label {label!r}")
        created = parse_rfc1123(child_text(element, f"{RAW}date"))
        size = (child_text(element, f"{RAW}size") or "").strip().lower()
        versions.append((Version(int(label[1:]), created), size))
    if not versions:
        raise InvalidRecord("field 'version': none")
    versions.sort(key=lambda pair: pair[0].number)
    withdrawn = versions[-1][1] in ("0kb", "0")
    return [version for version, _ in versions], withdrawn
