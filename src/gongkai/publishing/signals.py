"""Signals other apps listen to, sent only after the transaction that caused them commits.

``public_changed`` — what the public sees of an item changed: it was published (or a new revision went
live), withdrawn, or abolished. Receivers (the search index, the static export) bring their copy up to
date; they must not raise (they are called with ``robust`` semantics: an error is logged, and
``gongkai reindex`` / ``gongkai export_site`` rebuild everything).
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.dispatch import Signal

logger = logging.getLogger(__name__)

public_changed = Signal()  # kwargs: item_id: int


def announce_public_change(item_id: int) -> None:
    """Send ``public_changed`` for an item once the current transaction commits (at once outside one)."""

    def send() -> None:
        for receiver, result in public_changed.send_robust(sender=None, item_id=item_id):
            if isinstance(result, Exception):
                logger.error(
                    "public_changed receiver %r failed for item %s", receiver, item_id, exc_info=result
                )

    transaction.on_commit(send)
