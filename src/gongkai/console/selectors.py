"""Reads for the console: the inbox sections, the item list, an item's review record.

The inbox is computed from the workflow's own data every time (no stored counters), with a fixed,
small number of queries however many items there are: permission predicates run in Python over rows
fetched with their related objects.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils import timezone

from gongkai.console.models import Notification
from gongkai.orgs.constants import Role
from gongkai.orgs.models import Membership
from gongkai.publishing import permissions
from gongkai.publishing.constants import ItemStatus, RevisionStatus, TaskStatus
from gongkai.publishing.models import InformationItem, ReviewTask
from gongkai.workdays.calendar import WorkdayCalendar

from .deadlines import DeadlineInfo, deadline_info

ITEM_RELATED = (
    "organization",
    "latest_revision",
    "latest_revision__lead_department",
    "live_revision",
)


@dataclass
class DeadlineRow:
    item: InformationItem
    deadline: DeadlineInfo


@dataclass
class Inbox:
    review_tasks: list[ReviewTask] = field(default_factory=list)
    my_drafts: list[InformationItem] = field(default_factory=list)
    to_publish: list[InformationItem] = field(default_factory=list)
    post_review: list[InformationItem] = field(default_factory=list)
    deadlines: list[DeadlineRow] = field(default_factory=list)
    notifications: list[Notification] = field(default_factory=list)
    deadline_scope: str = ""

    @property
    def is_empty(self) -> bool:
        return not (
            self.review_tasks or self.my_drafts or self.to_publish or self.post_review or self.deadlines
        )


def org_items(organization) -> QuerySet[InformationItem]:
    return InformationItem.objects.filter(organization=organization).select_related(*ITEM_RELATED)


def pending_tasks_for(user, organization) -> list[ReviewTask]:
    """Review steps waiting for a decision that this person may take."""
    tasks = (
        ReviewTask.objects.filter(
            status=TaskStatus.PENDING,
            revision__status=RevisionStatus.IN_REVIEW,
            revision__item__organization=organization,
        )
        .select_related("revision", "revision__item", "revision__lead_department", "revision__submitted_by")
        .order_by("started_at", "pk")
    )
    return [
        t for t in tasks if t.round == t.revision.review_round and permissions.decide_failures(user, t) == []
    ]


def drafts_of(user, organization) -> list[InformationItem]:
    """Drafts this person wrote or submitted, including those returned to them with a reason."""
    return list(
        org_items(organization)
        .filter(latest_revision__status__in=[RevisionStatus.DRAFT, RevisionStatus.REJECTED])
        .filter(Q(latest_revision__created_by=user) | Q(latest_revision__submitted_by=user))
        .order_by("-latest_revision__updated_at", "-pk")
    )


def awaiting_publication(user, membership: Membership) -> list[InformationItem]:
    if not membership.has_role(Role.OFFICE_EDITOR):
        return []
    items = (
        org_items(membership.organization)
        .filter(latest_revision__status=RevisionStatus.APPROVED)
        .order_by("latest_revision__approved_at", "pk")
    )
    return [i for i in items if permissions.publish_failures(user, i) == []]


def awaiting_post_review(user, membership: Membership) -> list[InformationItem]:
    if not (membership.has_role(Role.OFFICE_EDITOR) or membership.has_role(Role.LEADER)):
        return []
    items = (
        org_items(membership.organization)
        .filter(fast_tracked=True, post_reviewed_at__isnull=True, status=ItemStatus.PUBLISHED)
        .select_related("fast_tracked_by")
        .order_by("post_review_due_at", "pk")
    )
    return [i for i in items if permissions.post_review_failures(user, i) == []]


def unpublished_with_deadlines(
    membership: Membership, *, today: datetime.date | None = None
) -> tuple[list[DeadlineRow], str]:
    """Items still to be published with their legal deadline, most urgent first.

    A department's people see their department's items; office editors (who publish and are warned
    about every deadline) see the whole organisation's.
    """
    items = (
        org_items(membership.organization)
        .filter(publication_due_on__isnull=False)
        .exclude(status=ItemStatus.WITHDRAWN)
        .exclude(latest_revision__status__in=[RevisionStatus.PUBLISHED, RevisionStatus.SUPERSEDED])
        .order_by("publication_due_on", "pk")
    )
    if membership.has_role(Role.OFFICE_EDITOR):
        scope = "本机构"
    elif membership.department_id:
        items = items.filter(latest_revision__lead_department_id=membership.department_id)
        scope = membership.department.name
    else:
        return [], ""
    today = today or timezone.localdate()
    calendar = WorkdayCalendar()
    rows = []
    for item in items:
        info = deadline_info(item, today=today, calendar=calendar)
        if info is not None:
            rows.append(DeadlineRow(item, info))
    return rows, scope


def unread_notifications(user, organization, limit: int = 20) -> list[Notification]:
    return list(
        Notification.objects.filter(recipient=user, organization=organization, read_at__isnull=True)[:limit]
    )


def unread_count(user, organization) -> int:
    return Notification.objects.filter(
        recipient=user, organization=organization, read_at__isnull=True
    ).count()


def inbox_for(user, membership: Membership, *, today: datetime.date | None = None) -> Inbox:
    organization = membership.organization
    deadlines, scope = unpublished_with_deadlines(membership, today=today)
    return Inbox(
        review_tasks=pending_tasks_for(user, organization),
        my_drafts=drafts_of(user, organization),
        to_publish=awaiting_publication(user, membership),
        post_review=awaiting_post_review(user, membership),
        deadlines=deadlines,
        notifications=unread_notifications(user, organization),
        deadline_scope=scope,
    )


def search_items(
    organization, *, status: str = "", department=None, q: str = ""
) -> QuerySet[InformationItem]:
    items = org_items(organization).order_by("-created_at", "-pk")
    if status:
        items = items.filter(status=status)
    if department is not None:
        items = items.filter(latest_revision__lead_department=department)
    q = (q or "").strip()
    if q:
        items = items.filter(
            Q(latest_revision__title__icontains=q)
            | Q(live_revision__title__icontains=q)
            | Q(index_number__icontains=q)
            | Q(latest_revision__document_number__icontains=q)
        )
    return items


def tasks_by_revision(item) -> list[tuple]:
    """Every review round of every revision, newest revision first: [(revision, [(round, [tasks])])]."""
    tasks = (
        ReviewTask.objects.filter(revision__item=item)
        .select_related("revision", "decided_by", "department")
        .order_by("-revision__number", "round", "position")
    )
    grouped: dict = {}
    revisions = {}
    for task in tasks:
        revisions[task.revision_id] = task.revision
        grouped.setdefault(task.revision_id, {}).setdefault(task.round, []).append(task)
    return [(revisions[rid], sorted(rounds.items())) for rid, rounds in grouped.items()]


def findings_for(revision) -> list[ReviewTask]:
    """Decisions already taken on this revision, in every round (opinions and rejection reasons)."""
    return list(
        revision.tasks.filter(status__in=[TaskStatus.APPROVED, TaskStatus.REJECTED])
        .select_related("decided_by")
        .order_by("round", "position")
    )
