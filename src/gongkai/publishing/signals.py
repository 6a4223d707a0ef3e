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


def generation() -> int:
    """The token of `models.PublicGeneration` as this connection sees it (0 before the first change)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT token FROM publishing_publicgeneration WHERE id = 1")
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def next_generation() -> None:
    from django.db import connection

    from .models import PublicGeneration

    with connection.cursor() as cursor:
        cursor.execute("UPDATE publishing_publicgeneration SET token = token + 1 WHERE id = 1")
        updated = cursor.rowcount
    if not updated:  # the row is made by a migration; a flushed test database has none
        PublicGeneration.objects.get_or_create(pk=1, defaults={"token": 1})


def announce_public_change(item_id: int) -> None:
    """Give the public generation a new token in this transaction, and send ``public_changed`` for the
    item once the transaction commits (at once outside one)."""
    next_generation()

    def send() -> None:
        for receiver, result in public_changed.send_robust(sender=None, item_id=item_id):
            if isinstance(result, Exception):
                logger.error(
                    "public_changed receiver %r failed for item %s", receiver, item_id, exc_info=result
                )

    transaction.on_commit(send)
