"""Rendered public pages, cached (the public reads them far more often than anything changes).

Every key holds the public generation (`publishing.signals.generation`), a token that changes inside the
transaction of every change the public sees of an item: a page cached before a change is not served
after it commits — in any process, whatever the cache backend. Keys also hold the day (validity labels
change at midnight) and the host. Entries expire after a while, which bounds what the generation does
not follow (a renamed catalogue column, an edited guide page, the site's name).

- The item page is keyed by the item and its lock version as well, read with the generation in one
  small query (`portal.selectors.published_stamp`). The view count is not cached: the page is stored
  with a marker replaced by the current count on the way out.
- The home, 政府信息公开, list and search pages (`cached_page`) are keyed by their path and query
  string; search pages also by the search index's generation (the index is brought up to date just
  after the commit that changes what is published).

Only complete 200 answers to GET are stored; nothing on these pages depends on the visitor (no forms
with tokens, no account, no cookies), which the tests check.
"""

from __future__ import annotations

import functools
import hashlib

from django.core.cache import cache
from django.http import HttpResponse
from django.utils import timezone

ITEM_TIMEOUT = 600
PAGE_TIMEOUT = 60
MAX_BYTES = 512 * 1024
VIEWS_MARKER = "\ue000views\ue000"  # private-use characters around a word: not something a page contains


def _day() -> str:
    return f"{timezone.localdate():%Y%m%d}"


def item_key(host: str, stamp) -> str:
    return f"gongkai:portal:item:{stamp.generation}:{_day()}:{stamp.pk}:{stamp.lock_version}:{host}"


def get_item(host: str, stamp) -> str | None:
    return cache.get(item_key(host, stamp))


def put_item(host: str, stamp, html: str) -> None:
    cache.set(item_key(host, stamp), html, timeout=ITEM_TIMEOUT)


def page_key(request, *, search: bool = False) -> str:
    from gongkai.publishing.signals import generation

    parts = [str(generation())]
    if search:
        from gongkai.search.columns import generation as index_generation

        parts.append(str(index_generation()))
    address = hashlib.sha256(f"{request.get_host()}\n{request.get_full_path()}".encode()).hexdigest()[:40]
    return f"gongkai:portal:page:{':'.join(parts)}:{_day()}:{address}"


def cached_page(*, search: bool = False):
    """Serve a public page from the cache when the same address was rendered under the same generation."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method != "GET":
                return view(request, *args, **kwargs)
            key = page_key(request, search=search)
            content = cache.get(key)
            if content is not None:
                return HttpResponse(content)
            response = view(request, *args, **kwargs)
            if (
                response.status_code == 200
                and not response.streaming
                and not response.cookies
                and response.get("Content-Type", "").startswith("text/html")
                and len(response.content) <= MAX_BYTES
            ):
                cache.set(key, response.content, timeout=PAGE_TIMEOUT)
            return response

        return wrapper

    return decorator
