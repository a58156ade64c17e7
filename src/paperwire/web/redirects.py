"""Redirect targets from user input: same-site paths only, anything else goes home."""

from __future__ import annotations

from urllib.parse import urlsplit


def safe_next(value: str | None) -> str:
    """``value`` if it is a plain path on this site, else ``/``.

    Refuses ``//host``, ``/\\host``, ``javascript:``, schemes, hosts, control
    characters and backslashes (browsers read ``\\`` as ``/``).
    """
    if not value or len(value) > 2000 or not value.startswith("/"):
        return "/"
    if value.startswith("//") or "\\" in value:
        return "/"
    if any(ord(character) < 33 or ord(character) == 127 for character in value):
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return "/"
    return value
