"""Public view counts, buffered in each process and written together at most once per interval.

Counting a view with its own UPDATE made every public read a write transaction (a commit per page, and
a single hot row): the item page could not pass a few hundred requests per second. Views are now added up
in memory and written with one UPDATE per item every ``settings.GONGKAI_VIEW_FLUSH_SECONDS`` (1 s by
default; 0 writes through, as the tests do), by whichever request comes after the interval, and when the
process exits. A crash loses at most that interval's views of that process.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections import Counter

from django.conf import settings
from django.db import transaction
from django.db.models import F

logger = logging.getLogger(__name__)

_pending: Counter = Counter()
_lock = threading.Lock()
_last_flush = time.monotonic()


def _interval() -> float:
    return float(getattr(settings, "GONGKAI_VIEW_FLUSH_SECONDS", 1.0))


def record(item_id: int) -> int:
    """Count one view; returns the views of this item not in the count read before this call."""
    global _last_flush
    with _lock:
        _pending[item_id] += 1
        unwritten = _pending[item_id]
        due = time.monotonic() - _last_flush >= _interval()
        if due:
            _last_flush = time.monotonic()
    if due:
        flush()
    return unwritten


def flush() -> int:
    """Write the buffered views (one UPDATE per item, one transaction). Returns the views written."""
    from .models import InformationItem

    with _lock:
        batch = dict(_pending)
        _pending.clear()
    if not batch:
        return 0
    try:
        with transaction.atomic():
            for item_id, count in sorted(batch.items()):
                InformationItem.objects.filter(pk=item_id).update(view_count=F("view_count") + count)
    except Exception:  # noqa: BLE001 — keep the views for the next flush rather than lose them
        logger.exception("view counts not written; kept for the next flush")
        with _lock:
            _pending.update(batch)
        return 0
    return sum(batch.values())


def _flush_at_exit() -> None:
    try:
        flush()
    except Exception:  # noqa: BLE001 — the database may already be gone at exit
        logger.warning("view counts lost at exit", exc_info=True)


atexit.register(_flush_at_exit)
