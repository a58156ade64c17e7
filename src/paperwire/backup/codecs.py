"""How each column type is written in an archive, and read back.

A column's codec is named in the archive's header, so an archive says how to read
itself. The codecs are the column kinds of ``paperwire.db.dump``: ``int``, ``float``,
``str``, ``bool`` as JSON's own; ``datetime`` as ISO 8601 in UTC with its offset
(``2026-11-28T09:30:00.123456+00:00``); ``date`` as ``YYYY-MM-DD``; ``bytes`` as
standard base64; ``json`` as the JSON value itself. NULL is ``null`` in every codec.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any


class CodecError(ValueError):
    """A value that its column's codec cannot read."""


@dataclass(frozen=True, slots=True)
class Codec:
    name: str
    encode: Callable[[Any], Any]
    decode: Callable[[Any], Any]


def _utc(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; the store writes UTC, so naive means UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _read_datetime(value: Any) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise CodecError("not an ISO 8601 date and time") from None
    if parsed.tzinfo is None:
        raise CodecError("a date and time without its UTC offset")
    return parsed.astimezone(UTC)


def _read_date(value: Any) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise CodecError("not a YYYY-MM-DD date") from None


def _read_bytes(value: Any) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (TypeError, ValueError, binascii.Error):
        raise CodecError("not base64") from None


def _expect(kind: type | tuple[type, ...], what: str) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            raise CodecError(f"not {what}")
        return value

    return check


def _read_float(value: Any) -> float:
    return float(_expect((int, float), "a number")(value))


CODECS: dict[str, Codec] = {
    "int": Codec("int", int, _expect(int, "an integer")),
    "float": Codec("float", float, _read_float),
    "str": Codec("str", str, _expect(str, "a string")),
    "bool": Codec("bool", bool, _expect(bool, "true or false")),
    "datetime": Codec("datetime", lambda v: _utc(v).isoformat(), _read_datetime),
    "date": Codec("date", date.isoformat, _read_date),
    "bytes": Codec("bytes", lambda v: base64.b64encode(v).decode("ascii"), _read_bytes),
    "json": Codec("json", lambda v: v, lambda v: v),
}


def encoder(codec: Codec) -> Callable[[Any], Any]:
    """The codec's encoder with NULL passed through."""
    encode = codec.encode
    return lambda value: None if value is None else encode(value)


def decoder(codec: Codec) -> Callable[[Any], Any]:
    decode = codec.decode
    return lambda value: None if value is None else decode(value)
