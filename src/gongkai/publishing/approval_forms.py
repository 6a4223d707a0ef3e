"""《政府信息公开审批表》 (P5): the archived record of each publication."""

from __future__ import annotations

from django.utils import timezone

from gongkai.orgs.models import User

from .models import ApprovalForm, InformationItem, Revision
from .numbering import next_serial


def content_review_record(revision: Revision, name) -> dict:
    """The content review on the form: the seven bottom lines as confirmed, audio/video heard or watched,
    and every finding with how it was resolved."""
    from gongkai.review.constants import BOTTOM_LINES, Severity
    from gongkai.review.models import BottomLineConfirmation, MediaConfirmation

    labels = dict(BOTTOM_LINES)
    confirmation = (
        BottomLineConfirmation.objects.filter(revision=revision).order_by("-round", "-confirmed_at").first()
    )
    findings = list(revision.findings.order_by("field", "start"))
    return {
        "bottom_lines": {
            "confirmed_by": confirmation.confirmed_by.display_name if confirmation else "",
            "confirmed_at": confirmation.confirmed_at.isoformat() if confirmation else "",
            "lines": [str(labels[code]) for code in confirmation.lines] if confirmation else [],
        },
        "media": [
            {
                "attachment": c.attachment.original_name,
                "confirmed_by": name(c.confirmed_by_id) or c.confirmed_by.display_name,
                "confirmed_at": c.confirmed_at.isoformat(),
            }
            for c in MediaConfirmation.objects.filter(revision=revision).select_related(
                "attachment", "confirmed_by"
            )
        ],
        "findings": [
            {
                "where": f.field_label,
                "category": f.get_category_display(),
                "severity": f.get_severity_display(),
                "matched": f.matched,
                "resolution": (
                    f"已确认:{f.acknowledgement}({f.acknowledged_by.display_name})"
                    if f.acknowledged_by_id
                    else ("未处理" if f.severity == Severity.BLOCKING else "提示")
                ),
            }
            for f in findings
        ],
    }


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
        "content_review": content_review_record(revision, name),
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
