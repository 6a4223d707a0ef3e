"""Rate limits for the public forms (纠错, 意见, 留言, 提问): a counter per client and purpose in the cache.

The client is its address (REMOTE_ADDR as the trusted proxy sets it), stored only as a keyed hash, so the
cache never holds a citizen's IP address in clear.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress

from django.conf import settings
from django.core.cache import cache


def client_address(request) -> str:
    raw = (request.META.get("REMOTE_ADDR") or "").strip()
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        return "unknown"


def client_key(request) -> str:
    """A keyed hash of the client's address: stable for rate limits and duplicate checks, not reversible."""
    secret = settings.SECRET_KEY.encode()
    return hmac.new(secret, client_address(request).encode(), hashlib.sha256).hexdigest()[:32]


class Limit:
    """At most `limit` actions per `window` seconds for each client, for one purpose."""

    def __init__(self, purpose: str, limit: int, window: int) -> None:
        self.purpose, self.limit, self.window = purpose, limit, window

    def _key(self, request, scope: str = "") -> str:
        return f"throttle:{self.purpose}:{scope}:{client_key(request)}"

    def exceeded(self, request, scope: str = "") -> bool:
        return (cache.get(self._key(request, scope)) or 0) >= self.limit

    def hit(self, request, scope: str = "") -> None:
        key = self._key(request, scope)
        if cache.add(key, 1, self.window):
            return
        try:
            cache.incr(key)
        except ValueError:  # expired in between
            cache.add(key, 1, self.window)

    def message(self, noun: str) -> str:
        minutes = max(1, self.window // 60)
        return f"您提交得太频繁了:每 {minutes} 分钟最多提交 {self.limit} 条{noun},请稍后再试。"
