"""Signed tokens for links in mail (itsdangerous): a purpose, a payload, an age limit.

A token is the payload (JSON, base64) plus a timestamp and an HMAC-SHA1 under the
secret key salted with the purpose, so a token made for one purpose (confirming)
never works for another (unsubscribing), and no payload can be changed without the
key. Any failure (bad signature, wrong purpose, too old, malformed) reads as None,
so callers answer every bad token the same way.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import Any

from itsdangerous import BadData, TimestampSigner, URLSafeTimedSerializer
from itsdangerous.encoding import base64_decode, base64_encode

MAX_TOKEN_CHARS = 300


class Signer:
    def __init__(self, secret: str, clock: Callable[[], float] = time.time) -> None:
        self.secret = secret

        class ClockSigner(TimestampSigner):  # itsdangerous reads the time through this hook
            def get_timestamp(self) -> int:
                return int(clock())

        self.signer_class = ClockSigner

    def _serializer(self, purpose: str) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(
            self.secret, salt=f"paperwire:{purpose}", signer=self.signer_class
        )

    def sign(self, purpose: str, payload: dict[str, Any]) -> str:
        return str(self._serializer(purpose).dumps(payload))

    def load(self, purpose: str, token: str, *, max_age_s: int) -> dict[str, Any] | None:
        """The payload, or None for any token that is not ours, for this purpose, in time."""
        if not token or len(token) > MAX_TOKEN_CHARS or not token.isascii():
            return None
        if not _canonical(token):
            return None
        try:
            payload = self._serializer(purpose).loads(token, max_age=max_age_s)
        except (BadData, UnicodeError, ValueError):
            return None
        return payload if isinstance(payload, dict) else None

    def expired(self, purpose: str, token: str, *, max_age_s: int) -> bool:
        """Whether the token is genuine but older than ``max_age_s`` (to offer a new link)."""
        if self.load(purpose, token, max_age_s=max_age_s) is not None:
            return False
        return self.load(purpose, token, max_age_s=10 * 365 * 86_400) is not None


def _canonical(token: str) -> bool:
    """One spelling per token: base64 ignores a last character's spare bits, so a token
    with a changed last character could decode the same; such variants are refused."""
    parts = token.split(".")
    try:
        return len(parts) == 3 and all(base64_encode(base64_decode(p)) == p.encode() for p in parts)
    except BadData:
        return False


def fingerprint(value: str) -> str:
    """A short hash binding a token to one address without putting the address in it."""
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:12]
