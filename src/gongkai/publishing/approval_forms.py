"""《政府信息公开审批表》 (P5): the archived record of each publication."""

from __future__ import annotations

from django.utils import timezone

from gongkai.orgs.models import User

from .models import ApprovalForm, InformationItem, Revision
from .numbering import next_serial


def build_approval_form(
    item: InformationItem, revision: Revision, *, fast_track: dict | None = None
) -> ApprovalForm:
    """《政府信息公开审批表》: a frozen record of what was approved, by whom, when, with what opinion."""
    revision = (
        Revision.objects.select_related("lead_department", "topic", "catalogue_entry")
        .prefetch_related("co_departments", "attachments")
        .get(pk=revision.pk)
    )
    tasks = list(revision.tasks.filter(round=revision.review_round).order_by("position"))
    people = User.objects.only("id", "username", "full_name").in_bulk(
        {revision.created_by_id, revision.submitted_by_id, revision.published_by_id}
        | {t.decided_by_id for t in tasks} - {None}
    )

    def name(user_id: int | None) -> str:
        return people[user_id].display_name if user_id in people else ""

    data = {
        "organization": item.organization.name,
        "index_number": item.index_number,
        "title": revision.title,
        "document_number": revision.document_number,
        "revision": revision.number,
        "lead_department": revision.lead_department.name,
        "co_departments": [d.name for d in revision.co_departments.all()],
        "formed_on": revision.formed_on.isoformat() if revision.formed_on else "",
        "disclosure_attribute": revision.get_disclosure_attribute_display(),
        "catalogue_entry": " / ".join(revision.catalogue_entry.path_names)
        if revision.catalogue_entry
        else "",
        "topic": revision.topic.name if revision.topic else "",
        "summary": revision.summary,
        "attachments": [a.original_name for a in revision.attachments.all()],
        "drafter": name(revision.created_by_id),
        "submitted_by": name(revision.submitted_by_id),
        "submitted_at": revision.submitted_at.isoformat() if revision.submitted_at else "",
        "steps": [
            {
                "name": t.name,
                "role": t.role,
                "status": t.get_status_display(),
                "decided_by": name(t.decided_by_id),
                "decided_at": t.decided_at.isoformat() if t.decided_at else "",
                "opinion": t.opinion,
            }
            for t in tasks
        ],
        "published_by": name(revision.published_by_id),
        "published_at": revision.published_at.isoformat() if revision.published_at else "",
        "change_note": revision.change_note,
        "fast_track": fast_track,
    }
    form = ApprovalForm.objects.filter(revision=revision).first()
    if form is None:
        year = timezone.localdate(revision.published_at or timezone.now()).year
        serial = next_serial(item.organization, "approval", year)
        form = ApprovalForm(
            organization_id=item.organization_id,
            revision=revision,
            archive_number=f"{item.organization.code}-SPB-{year}-{serial:05d}",
        )
    form.data = data
    form.save()
    return form
