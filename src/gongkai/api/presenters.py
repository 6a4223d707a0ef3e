"""Turn items into the dictionaries the API answers with (shapes in schemas.py)."""

from __future__ import annotations

from django.urls import reverse
from ninja.errors import HttpError

from gongkai.audit.registry import registry
from gongkai.orgs.constants import Role
from gongkai.portal.links import attachment_url
from gongkai.publishing.constants import (
    DisclosureAttribute,
    ItemStatus,
    RevisionStatus,
    TaskStatus,
    Validity,
)
from gongkai.publishing.models import InformationItem, ReviewTask, Revision
from gongkai.publishing.permissions import visible_items
from gongkai.publishing.selectors import visible_history, visible_revisions, visible_tasks


def _code_name(obj) -> dict | None:
    return {"code": obj.code, "name": obj.name} if obj is not None else None


def _label(choices, value: str) -> dict:
    try:
        label = str(choices(value).label)
    except ValueError:
        label = value
    return {"code": value, "label": label}


def _person(user) -> str | None:
    return user.display_name if user is not None else None


def public_url(request, item: InformationItem) -> str:
    return request.build_absolute_uri(reverse("portal:item", kwargs={"index_number": item.index_number}))


# --- staff -------------------------------------------------------------------------------------------


def _task(task: ReviewTask, revision_number: int) -> dict:
    return {
        "revision": revision_number,
        "round": task.round,
        "position": task.position,
        "name": task.name,
        "role": _label(Role, task.role),
        "status": _label(TaskStatus, task.status),
        "started_at": task.started_at,
        "decided_by": _person(task.decided_by),
        "decided_at": task.decided_at,
        "opinion": task.opinion,
    }


def _revision(revision: Revision) -> dict:
    return {
        "number": revision.number,
        "status": _label(RevisionStatus, revision.status),
        "title": revision.title,
        "document_number": revision.document_number,
        "publisher": revision.publisher,
        "lead_department": _code_name(revision.lead_department),
        "co_departments": [_code_name(d) for d in revision.co_departments.all()],
        "formed_on": revision.formed_on,
        "effective_on": revision.effective_on,
        "disclosure_attribute": _label(DisclosureAttribute, revision.disclosure_attribute),
        "non_disclosure_reason": revision.non_disclosure_reason,
        "topic": _code_name(revision.topic),
        "catalogue_entry": _code_name(revision.catalogue_entry),
        "summary": revision.summary,
        "body": revision.body,
        "source": revision.source,
        "change_note": revision.change_note,
        "attachments": [
            {
                "id": a.pk,
                "name": a.original_name,
                "size": a.size,
                "content_type": a.content_type,
                "sha256": a.sha256,
                "uploaded_at": a.uploaded_at,
            }
            for a in revision.attachments.all()
        ],
        "created_by": revision.created_by.display_name,
        "created_at": revision.created_at,
        "updated_at": revision.updated_at,
        "submitted_by": _person(revision.submitted_by),
        "submitted_at": revision.submitted_at,
        "review_round": revision.review_round,
        "rejection_reason": revision.rejection_reason,
        "approved_at": revision.approved_at,
        "published_at": revision.published_at,
    }


def staff_item(request, item: InformationItem) -> dict:
    """Status, current step, revisions, every round's review tasks and the audit history of an item, as
    the token's user may see them (`publishing.permissions.visible_items`: without an unpublished
    revision hidden from them, nor its tasks, history and deadline)."""
    item = (
        visible_items(request.auth)
        .select_related("organization", "latest_revision", "live_revision")
        .filter(pk=item.pk)
        .first()
    )
    if item is None:
        raise HttpError(404, "未找到该信息。")
    revisions = list(
        visible_revisions(item)
        .select_related("lead_department", "topic", "catalogue_entry", "created_by", "submitted_by")
        .prefetch_related("co_departments", "attachments")
        .order_by("number")
    )
    numbers = {r.pk: r.number for r in revisions}
    latest = next((r for r in revisions if r.pk == item.latest_revision_id), None)
    tasks = list(
        visible_tasks(item).select_related("decided_by").order_by("revision__number", "round", "position")
    )
    current = None
    if latest is not None and latest.status == RevisionStatus.IN_REVIEW:
        current = next(
            (
                t
                for t in tasks
                if t.revision_id == latest.pk
                and t.round == latest.review_round
                and t.status == TaskStatus.PENDING
            ),
            None,
        )
    return {
        "id": item.pk,
        "organization": _code_name(item.organization),
        "index_number": item.index_number,
        "status": _label(ItemStatus, item.status),
        "lock_version": item.lock_version,
        # The deadline runs for the working revision: none shown when it is hidden.
        "publication_due_on": None if item.hidden_revision_id else item.publication_due_on,
        "publication_due_provisional": False if item.hidden_revision_id else item.publication_due_provisional,
        "public_url": public_url(request, item) if item.is_public else None,
        "current_step": _task(current, numbers[current.revision_id]) if current else None,
        "revisions": [_revision(r) for r in revisions],
        "review_tasks": [_task(t, numbers[t.revision_id]) for t in tasks],
        "history": [
            {
                "seq": e.seq,
                "action": e.action,
                "label": registry.label(e.action),
                "actor": e.actor.display_name if e.actor is not None else (e.actor_repr or "系统"),
                "created_at": e.created_at,
                "data": e.data or {},
            }
            for e in visible_history(item)
        ],
    }


# --- public ------------------------------------------------------------------------------------------


def public_queryset():
    """Published items with everything a listing shows, in a constant number of queries."""
    return (
        InformationItem.objects.published()
        .with_live()
        .select_related("replaced_by")
        .prefetch_related("live_revision__attachments")
        .order_by("-published_at", "-pk")
    )


def public_item(request, item: InformationItem, *, detail: bool = False) -> dict:
    revision = item.live_revision
    validity = item.validity
    data = {
        "index_number": item.index_number,
        "title": revision.title,
        "url": public_url(request, item),
        "document_number": revision.document_number,
        "publisher": revision.publisher,
        "organization": _code_name(item.organization),
        "lead_department": _code_name(revision.lead_department),
        "formed_on": revision.formed_on,
        "effective_on": revision.effective_on,
        "abolished_on": item.abolished_on,
        "expires_on": item.expires_on,
        "validity": _label(Validity, validity),
        "replaced_by": item.replaced_by.index_number
        if item.replaced_by is not None and item.replaced_by.is_public
        else None,
        "topic": _code_name(revision.topic),
        "catalogue_entry": _code_name(revision.catalogue_entry),
        "summary": revision.summary,
        "published_at": item.published_at,
        "first_published_at": item.first_published_at,
        "attachments": [
            {
                "name": a.original_name,
                "size": a.size,
                "content_type": a.content_type,
                "url": request.build_absolute_uri(attachment_url(a)),
            }
            for a in revision.attachments.all()
        ],
    }
    if detail:
        data["body"] = revision.body
        data["change_note"] = revision.change_note
    return data
