"""Reads for the public side. Everything here returns only what the public may see: published items
and the attachments of their live revisions. Anything else is simply not found (404), so an unpublished
item or a draft's file is never reachable by a guessed URL.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from gongkai.orgs.models import Organization
from gongkai.publishing.constants import ItemStatus
from gongkai.publishing.models import Attachment, InformationItem


@dataclass(frozen=True)
class ItemLookup:
    """The public outcome of an index number: shown, withdrawn (410) or unknown (404)."""

    item: InformationItem | None
    withdrawn: bool = False

    @property
    def found(self) -> bool:
        return self.item is not None and not self.withdrawn


def public_organizations() -> QuerySet[Organization]:
    return Organization.objects.filter(is_active=True).order_by("code")


def published_items(organization: Organization | None = None) -> QuerySet[InformationItem]:
    """Published items, newest first (as the public lists show them)."""
    items = InformationItem.objects.published().with_live().order_by("-published_at", "-pk")
    if organization is not None:
        items = items.filter(organization=organization)
    return items


def item_for_public(index_number: str) -> ItemLookup:
    """Look an index number up for the public page.

    Published → the item with its live revision; withdrawn → the item, for the public explanation only;
    anything else (draft, in review, approved but never published, unknown) → nothing.
    """
    item = (
        InformationItem.objects.with_live()
        .select_related("replaced_by", "replaced_by__live_revision")
        .filter(index_number=index_number)
        .first()
    )
    if item is None or item.live_revision_id is None:
        return ItemLookup(None)
    if item.status == ItemStatus.WITHDRAWN:
        return ItemLookup(item, withdrawn=True)
    if item.status != ItemStatus.PUBLISHED:
        return ItemLookup(None)
    return ItemLookup(item)


def live_attachments(item: InformationItem) -> list[Attachment]:
    return list(item.live_revision.attachments.order_by("uploaded_at", "pk"))


def public_attachment(pk: int) -> Attachment | None:
    """An attachment, only if it belongs to the live revision of a published item."""
    live_revisions = InformationItem.objects.published().values("live_revision_id")
    return Attachment.objects.filter(pk=pk, revisions__in=live_revisions).first()
