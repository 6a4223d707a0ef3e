"""Keeping the index equal to what is published.

The index holds exactly the published items, with the fields of their live revision: title, document
number, summary, body (as plain text) and the text of their PDF/.docx/.txt attachments. It is brought up to
date after every commit that changes what the public sees (publishing.signals.public_changed), and
``gongkai reindex`` rebuilds it from scratch. Search also filters on the item table, so a stale row can
never show something unpublished; it could only miss a change until the next reindex.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence

from django.db import transaction

from gongkai.publishing.constants import ItemStatus
from gongkai.publishing.extract import attachment_text
from gongkai.publishing.html import plain_text
from gongkai.publishing.models import InformationItem

from . import backends, text
from .models import Field

logger = logging.getLogger(__name__)

BATCH = 500


def item_fields(item: InformationItem) -> dict[int, str]:
    """The searchable text of a published item's live revision, by field (original text, not normalised)."""
    revision = item.live_revision
    attachments = sorted(revision.attachments.all(), key=lambda a: (a.uploaded_at, a.pk))
    return {
        Field.TITLE: revision.title,
        Field.DOCUMENT_NUMBER: revision.document_number,
        Field.SUMMARY: revision.summary,
        Field.BODY: plain_text(revision.body),
        Field.ATTACHMENTS: "\n".join(attachment_text(a) for a in attachments),
    }


def _rows(items: Iterable[InformationItem]) -> Iterator[backends.Row]:
    for item in items:
        for field, value in item_fields(item).items():
            norm = text.normalize(value)
            if norm:
                yield (item.pk, int(field), norm)


def _published(ids: Sequence[int] | None = None):
    items = (
        InformationItem.objects.filter(status=ItemStatus.PUBLISHED, live_revision__isnull=False)
        .select_related("live_revision")
        .prefetch_related("live_revision__attachments")
        .order_by("pk")
    )
    if ids is not None:
        items = items.filter(pk__in=ids)
    return items


def update_items(item_ids: Sequence[int]) -> None:
    """Make the index rows of these items match what is published now (remove the unpublished ones)."""
    ids = list(dict.fromkeys(item_ids))
    index = backends.current()
    with transaction.atomic():
        index.delete_items(ids)
        index.add(list(_rows(_published(ids))))


def on_public_change(sender, item_id: int, **kwargs) -> None:
    """Receiver of publishing.signals.public_changed (called after commit)."""
    update_items([item_id])


def rebuild(*, progress=None) -> int:
    """Empty the index and index every published item again. Returns the number of items indexed."""
    index = backends.current()
    done = 0
    with transaction.atomic():
        index.clear()
        ids = list(_published().values_list("pk", flat=True))
        for start in range(0, len(ids), BATCH):
            batch = ids[start : start + BATCH]
            index.add(list(_rows(_published(batch))))
            done += len(batch)
            if progress is not None:
                progress(done, len(ids))
    index.optimize()
    return done
