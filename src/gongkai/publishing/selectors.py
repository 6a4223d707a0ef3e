"""Reads of an item as one person may see it. Items come from `permissions.visible_items` (the rule); what
belongs to an unpublished revision the person may not read — the revision, its review rounds, attachments,
findings and history — is left out here."""

from __future__ import annotations

from django.db.models import QuerySet

from gongkai.audit.models import AuditEvent
from gongkai.audit.selectors import events_for

from .models import Attachment, InformationItem, ReviewTask, Revision
from .permissions import visible_items, visible_revisions

__all__ = ["visible_attachments", "visible_history", "visible_revisions", "visible_tasks"]

# Events about the live item, not its working revision: shown even after a hidden revision was started.
LIVE_ITEM_ACTIONS = frozenset(
    {
        "publishing.item.withdrawn",
        "publishing.item.abolished",
        "publishing.item.post_reviewed",
        "publishing.post_review.overdue",
    }
)


def visible_tasks(item: InformationItem) -> QuerySet[ReviewTask]:
    return ReviewTask.objects.filter(revision__in=visible_revisions(item))


def visible_attachments(item: InformationItem) -> QuerySet[Attachment]:
    return Attachment.objects.filter(revisions__in=visible_revisions(item)).distinct()


def visible_history(item: InformationItem) -> list[AuditEvent]:
    """The item's audit events, oldest first. Without a hidden revision, all of them; with one, none that
    names it, and from the moment it was started only those about the live item (its edits, uploads,
    submissions, decisions and deadline warnings all concern the hidden revision)."""
    events = list(events_for(item))
    if not item.hidden_revision_id:  # an item from `visible_items` (AttributeError otherwise)
        return events
    hidden = Revision.objects.only("number", "created_at").get(pk=item.hidden_revision_id)
    return [
        event
        for event in events
        if (event.data or {}).get("revision") != hidden.number
        and (event.created_at < hidden.created_at or event.action in LIVE_ITEM_ACTIONS)
    ]


def seen_by_id(user, ids) -> dict[int, InformationItem]:
    """The items among ``ids`` that ``user`` may see, as they may see them (``visible_items``: a hidden
    working revision is swapped for the live one), by id. For pages of other apps that link items (a 舆情
    case's website response, a consultation's notice): an id missing from the result is a draft the person
    may not read — show that something is there, never its title."""
    wanted = {pk for pk in ids if pk}
    if not wanted:
        return {}
    items = visible_items(user).filter(pk__in=wanted).select_related("latest_revision", "live_revision")
    return {item.pk: item for item in items}
