"""How each column type is written in an archive, and read back.

A column's codec is named in the archive's header, so an archive says how to read
itself: ``int``, ``float``, ``str``, ``bool`` as JSON's own; ``datetime`` as ISO 8601
in UTC with its offset (``2026-11-28T09:30:00.123456+00:00``); ``date`` as
``YYYY-MM-DD``; ``bytes`` as standard base64; ``json`` as the JSON value itself. NULL is
``null`` in every codec.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, Integer, LargeBinary, String
from sqlalchemy.types import TypeEngine


class CodecError(ValueError):
    """A value that its column's codec cannot read."""


@dataclass(frozen=True, slots=True)
class Codec:
    name: str
    encode: Callable[[Any], Any]
    decode: Callable[[Any], Any]
    sql_type: Callable[[], TypeEngine[Any]]


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
    "int": Codec("int", int, _expect(int, "an integer"), Integer),
    "float": Codec("float", float, _read_float, Float),
    "str": Codec("str", str, _expect(str, "a string"), String),
    "bool": Codec("bool", bool, _expect(bool, "true or false"), Boolean),
    "datetime": Codec(
        "datetime", lambda v: _utc(v).isoformat(), _read_datetime,
        lambda: DateTime(timezone=True),
    ),
    "date": Codec("date", date.isoformat, _read_date, Date),
    "bytes": Codec(
        "bytes", lambda v: base64.b64encode(v).decode("ascii"), _read_bytes, LargeBinary
    ),
    "json": Codec("json", lambda v: v, lambda v: v, JSON),
}

# Checked in this order: Boolean before Integer, DateTime before Date (unrelated classes,
# but kept apart for clarity), Text is a String, BigInteger an Integer.
_BY_TYPE: list[tuple[type, str]] = [
    (Boolean, "bool"), (DateTime, "datetime"), (Date, "date"), (LargeBinary, "bytes"),
    (JSON, "json"), (Float, "float"), (Integer, "int"), (String, "str"),
]


def codec_for(column_type: TypeEngine[Any]) -> Codec:
    """The codec of a column type; a type with none is a bug to fix here, not data to lose."""
    for sql_class, name in _BY_TYPE:
        if isinstance(column_type, sql_class):
            return CODECS[name]
    raise TypeError(f"no archive codec for column type {column_type!r}: add one to {__name__}")


def encoder(codec: Codec) -> Callable[[Any], Any]:
    """The codec's encoder with NULL passed through."""
    encode = codec.encode
    return lambda value: None if value is None else encode(value)


def decoder(codec: Codec) -> Callable[[Any], Any]:
    decode = codec.decode
    return lambda value: None if value is None else decode(value)
