"""Periodic duties of the publishing workflow (run by tasks.py): deadlines kept current and announced.

- 条例第26条: 主动公开 information is published within 20 working days of being formed or changed. The lead
  department's head and the office editors hear once when an item comes within
  PUBLICATION_WARNING_WORKDAYS of its deadline and once when it is past it.
- P6: an urgent publication is reviewed afterwards within the organisation's hours; the people who may
  do that review hear once when the time is up.
- Deadlines are computed with the working-day calendar, which changes (overrides, next year's holidays):
  open deadlines are recomputed so a provisional mark disappears once the year is published.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from gongkai.audit import services as audit
from gongkai.orgs.constants import Role
from gongkai.workdays.calendar import WorkdayCalendar

from . import permissions
from .constants import (
    PUBLICATION_DEADLINE_WORKDAYS,
    PUBLICATION_WARNING_WORKDAYS,
    DisclosureAttribute,
    ItemStatus,
    RevisionStatus,
)
from .models import InformationItem
from .services import members_of, notify_members

NEAR, OVERDUE = 1, 2


def open_items():
    """主动公开 items whose current revision is not yet public (new items and revisions alike)."""
    return (
        InformationItem.objects.filter(latest_revision__disclosure_attribute=DisclosureAttribute.PROACTIVE)
        .exclude(latest_revision__status__in=[RevisionStatus.PUBLISHED, RevisionStatus.SUPERSEDED])
        .exclude(status=ItemStatus.WITHDRAWN)
    )


def announce_level(
    item, *, level: int, field: str, due_on, members, who, kind: str, message: str, action: str
):
    """Record that ``item`` reached a deadline level (``field``), tell ``who`` and audit it, together."""
    with transaction.atomic():
        InformationItem.objects.filter(pk=item.pk).update(**{field: level})
        notify_members(item, members=members, who=who, kind=kind, message=message)
        audit.record(
            action=action,
            target=item,
            organization=item.organization_id,
            data={"level": level, "due_on": due_on.isoformat()},
        )


def escalate_publication_deadlines(today: datetime.date | None = None) -> int:
    """Announce each level (near, overdue) of each item's deadline once; returns announcements made."""
    today = today or timezone.localdate()
    warn_until = WorkdayCalendar().add_workdays(today, PUBLICATION_WARNING_WORKDAYS).due
    pending = open_items().filter(publication_due_on__isnull=False, publication_due_on__lte=warn_until)
    members: dict[int, list] = {}
    sent = 0
    for item in pending.select_related("latest_revision"):
        level = OVERDUE if item.publication_due_on < today else NEAR
        if item.escalation_level >= level:
            continue
        revision = item.latest_revision
        if item.organization_id not in members:
            members[item.organization_id] = members_of(item.organization_id)
        state = "已超过" if level == OVERDUE else "即将到达"
        announce_level(
            item,
            level=level,
            field="escalation_level",
            due_on=item.publication_due_on,
            members=members[item.organization_id],
            who=lambda m, dept=revision.lead_department_id: (
                m.has_role(Role.OFFICE_EDITOR)
                or (m.has_role(Role.DEPARTMENT_HEAD) and m.department_id == dept)
            ),
            kind="publishing.deadline",
            message=f"“{revision.title}”{state}法定发布期限 {item.publication_due_on:%Y-%m-%d}"
            f"(条例第26条:{PUBLICATION_DEADLINE_WORKDAYS}个工作日)",
            action="publishing.deadline.escalated",
        )
        sent += 1
    return sent


def escalate_overdue_post_reviews(now: datetime.datetime | None = None) -> int:
    """Urgent publications whose after-the-fact review is overdue: tell those who may do it, once."""
    now = now or timezone.now()
    overdue = InformationItem.objects.filter(
        fast_tracked=True,
        post_reviewed_at__isnull=True,
        post_review_due_at__lt=now,
        post_review_overdue_notified=False,
        status=ItemStatus.PUBLISHED,
    ).select_related("live_revision")
    sent = 0
    for item in overdue:
        with transaction.atomic():
            InformationItem.objects.filter(pk=item.pk).update(post_review_overdue_notified=True)
            notify_members(
                item,
                who=lambda m, item=item: (
                    not permissions.post_review_failures(m.user, item) or m.has_role(Role.LEADER)
                ),
                kind="post_review.overdue",
                message=f"紧急发布的“{item.live_revision.title}”已超过事后审核期限 "
                f"{timezone.localtime(item.post_review_due_at):%Y-%m-%d %H:%M},请尽快审核。",
            )
            audit.record(
                action="publishing.post_review.overdue",
                target=item,
                organization=item.organization_id,
                data={"due_at": item.post_review_due_at.isoformat()},
            )
        sent += 1
    return sent


def recompute_publication_deadlines() -> int:
    """Recompute open deadlines with the calendar as it is now; returns how many changed.

    A change moves the deadline (and clears its provisional mark) but keeps what was already announced
    unless the deadline moved later, in which case the warnings start again."""
    calendar = WorkdayCalendar()

    def recomputed(item):
        """The deadline as the calendar says now, or None when that is what the item already has."""
        revision = item.latest_revision
        deadline = calendar.add_workdays(
            revision.changed_on or revision.formed_on, PUBLICATION_DEADLINE_WORKDAYS
        )
        unchanged = (deadline.due, deadline.provisional) == (
            item.publication_due_on,
            item.publication_due_provisional,
        )
        return None if unchanged else deadline

    changed = 0
    candidates = open_items().filter(publication_due_on__isnull=False).select_related("latest_revision")
    for candidate in candidates:
        if recomputed(candidate) is None:
            continue  # the common case: one read for all, no lock
        with transaction.atomic():
            # Locked and read afresh: a publication or an edit may be changing the item meanwhile.
            item = candidates.select_for_update(of=("self",)).filter(pk=candidate.pk).first()
            deadline = recomputed(item) if item is not None else None
            if deadline is None:
                continue
            level = 0 if deadline.due > item.publication_due_on else item.escalation_level
            InformationItem.objects.filter(pk=item.pk).update(
                publication_due_on=deadline.due,
                publication_due_provisional=deadline.provisional,
                escalation_level=level,
            )
            # A statutory deadline (条例第26条) moved: the old one stays on record.
            audit.record(
                action="publishing.deadline.recomputed",
                target=item,
                organization=item.organization_id,
                data={
                    "from": item.publication_due_on.isoformat(),
                    "from_provisional": item.publication_due_provisional,
                    "to": deadline.due.isoformat(),
                    "provisional": deadline.provisional,
                    "escalation_level": level,
                },
            )
        changed += 1
    return changed
