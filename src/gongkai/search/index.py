"""Keeping the index equal to what is published.

The index holds exactly the published items: their text (title, document number, summary, body as plain
text, and the text of their PDF/.docx/.txt attachments) and one SearchEntry each with what search filters
and counts by. It is brought up to date after every commit that changes what the public sees
(publishing.signals.public_changed), and ``gongkai reindex`` rebuilds it from scratch. The page of results
shown is read from the published items themselves, so a stale row can never show something unpublished.

Every transaction that changes the index also gives IndexGeneration a new token (first, so concurrent
updates queue on that one row in the same order): that is how a process's in-memory copy of the entries
(columns.py) learns that it must reload.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator, Sequence

from django.db import transaction
from django.utils import timezone

from gongkai.publishing.constants import ItemStatus
from gongkai.publishing.extract import attachment_text
from gongkai.publishing.html import plain_text
from gongkai.publishing.models import Attachment, InformationItem, Revision

from . import backends, text
from .models import Field, IndexGeneration, SearchEntry

logger = logging.getLogger(__name__)

BATCH = 1000


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


def _published(ids: Sequence[int] | None = None):
    items = InformationItem.objects.filter(status=ItemStatus.PUBLISHED, live_revision__isnull=False)
    return items if ids is None else items.filter(pk__in=ids)


def _attachment_texts(revision_ids: list[int]) -> dict[int, str]:
    """Attachment text by revision, read straight from the rows (files only when not read before)."""
    through = Revision.attachments.through
    rows = (
        through.objects.filter(revision_id__in=revision_ids)
        .order_by("attachment__uploaded_at", "attachment_id")
        .values_list("revision_id", "attachment_id", "attachment__text")
    )
    texts: dict[int, list[str]] = {}
    unread: list[tuple[int, int]] = []
    for revision_id, attachment_id, value in rows:
        if value is None:
            unread.append((revision_id, attachment_id))
            value = ""
        texts.setdefault(revision_id, []).append(value)
    if unread:  # attachments stored before text extraction existed: read them once
        texts = {}
        for revision_id, attachment_id, _value in rows:
            attachment = Attachment.objects.get(pk=attachment_id)
            texts.setdefault(revision_id, []).append(attachment_text(attachment))
    return {revision_id: "\n".join(parts) for revision_id, parts in texts.items()}


def _index_batch(ids: Sequence[int], index, *, bulk: bool = False) -> int:
    """Index the published ones among ``ids`` (their old rows must be gone). Returns how many."""
    rows = list(
        _published(ids).values_list(
            "pk",
            "organization_id",
            "published_at",
            "abolished_on",
            "expires_on",
            "live_revision_id",
            "live_revision__catalogue_entry_id",
            "live_revision__topic_id",
            "live_revision__title",
            "live_revision__document_number",
            "live_revision__summary",
            "live_revision__body",
        )
    )
    if not rows:
        return 0
    attachments = _attachment_texts([row[5] for row in rows])
    entries = []
    texts: list[backends.Row] = []
    for pk, org_id, published_at, abolished, expires, rev_id, entry_id, topic_id, *fields in rows:
        entries.append(
            SearchEntry(
                item_id=pk,
                organization_id=org_id,
                published_at=published_at,
                year=timezone.localtime(published_at).year,
                catalogue_entry_id=entry_id,
                topic_id=topic_id,
                abolished_on=abolished,
                expires_on=expires,
            )
        )
        title, number, summary, body = fields
        for field, value in _field_values(title, number, summary, body, attachments.get(rev_id, "")):
            norm = text.normalize(value)
            if norm:
                texts.append((pk, field, norm))
    SearchEntry.objects.bulk_create(entries)
    if bulk:
        index.bulk_add(texts)
    else:
        index.add(texts)
    return len(entries)


def _field_values(title, number, summary, body, attachments) -> Iterator[tuple[int, str]]:
    yield Field.TITLE, title
    yield Field.DOCUMENT_NUMBER, number
    yield Field.SUMMARY, summary
    yield Field.BODY, plain_text(body)
    yield Field.ATTACHMENTS, attachments


def new_generation() -> None:
    """Mark the index as changed by this transaction (call inside it, before changing anything)."""
    token = secrets.randbits(62)
    if not IndexGeneration.objects.filter(pk=1).update(token=token):
        IndexGeneration.objects.create(pk=1, token=token)


def update_items(item_ids: Sequence[int]) -> None:
    """Make the index rows of these items match what is published now (remove the unpublished ones)."""
    ids = list(dict.fromkeys(item_ids))
    if not ids:
        return
    index = backends.current()
    with transaction.atomic():
        new_generation()
        index.delete_items(ids)
        SearchEntry.objects.filter(item_id__in=ids).delete()
        _index_batch(ids, index)


def on_public_change(sender, item_id: int, **kwargs) -> None:
    """Receiver of publishing.signals.public_changed (called after commit)."""
    update_items([item_id])


def rebuild(*, progress=None) -> int:
    """Empty the index and index every published item again. Returns the number of items indexed."""
    index = backends.current()
    done = 0
    with transaction.atomic():
        new_generation()
        index.clear()
        SearchEntry.objects.all().delete()
        ids = list(_published().order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), BATCH):
            done += _index_batch(ids[start : start + BATCH], index, bulk=True)
            if progress is not None:
                progress(done, len(ids))
        index.finish_bulk()
    index.optimize()
    return done


def merge(*, at_least: int = 1) -> int:
    """Fold what was indexed since the base was built into a new base (PostgreSQL; nothing on SQLite,
    whose FTS5 merges its own segments), if the delta holds at least ``at_least`` fields or stale items.
    Holds the generation row meanwhile, so index updates wait (searches do not); the token is unchanged:
    the results are the same. Returns the number of tokens written (0 when nothing was done)."""
    index = backends.current()
    if index.delta_size() < max(1, at_least):
        return 0
    with transaction.atomic():
        if not IndexGeneration.objects.select_for_update().filter(pk=1).exists():
            new_generation()
        if index.delta_size() < max(1, at_least):  # merged by another process meanwhile
            return 0
        return index.merge()


def repair() -> int:
    """Index what is published but missing or out of date, drop what is indexed but no longer published
    (for instance after a failed after-commit update, or a process killed between the commit and it).
    An entry is out of date when the publication time or the validity dates differ from the item's:
    a new revision going live changes the publication time. Returns how many items were fixed."""
    fields = ("published_at", "abolished_on", "expires_on")
    published = {row[0]: row[1:] for row in _published().values_list("pk", *fields)}
    indexed = {row[0]: row[1:] for row in SearchEntry.objects.values_list("item_id", *fields)}
    wrong = sorted(pk for pk in published.keys() | indexed.keys() if published.get(pk) != indexed.get(pk))
    for start in range(0, len(wrong), BATCH):
        update_items(wrong[start : start + BATCH])
    if wrong:
        logger.warning("search index repaired: %d items were out of step", len(wrong))
    return len(wrong)
