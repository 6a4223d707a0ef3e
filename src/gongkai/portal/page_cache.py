"""The rendered item page, cached (the public reads it far more often than anything changes).

A cached page is keyed by host, item, the item's lock version, the day (validity can change at midnight)
and a portal-wide version that every `public_changed` bumps (a new interpretation or a replacement shows
on another item's page). Entries also expire after ``TIMEOUT`` seconds, which bounds what no signal
covers (a renamed catalogue column or site name). The view count is not cached: the page is stored with
a marker that is replaced by the current count on the way out.
"""

from __future__ import annotations

from django.core.cache import cache
from django.utils import timezone

VERSION_KEY = "gongkai:portal:version"
TIMEOUT = 600
VIEWS_MARKER = "\ue000views\ue000"  # private-use characters around a word: not something a page contains


def version() -> int:
    value = cache.get(VERSION_KEY)
    if value is None:
        cache.add(VERSION_KEY, 1, timeout=None)
        value = cache.get(VERSION_KEY, 1)
    return value


def bump(**kwargs) -> None:
    """Receiver of publishing.signals.public_changed: every cached item page is out of date."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, 2, timeout=None)


def key(host: str, item) -> str:
    return key_for(host, item.pk, item.lock_version)


def key_for(host: str, pk: int, lock_version: int) -> str:
    return f"gongkai:portal:item:{version()}:{timezone.localdate():%Y%m%d}:{pk}:{lock_version}:{host}"


def get(host: str, item) -> str | None:
    return cache.get(key(host, item))


def get_for(host: str, pk: int, lock_version: int) -> str | None:
    return cache.get(key_for(host, pk, lock_version))


def put(host: str, item, html: str) -> None:
    cache.set(key(host, item), html, timeout=TIMEOUT)
