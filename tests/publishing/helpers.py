"""Builders and snapshots shared by the publishing tests."""

from __future__ import annotations

import datetime
import re

from gongkai.audit.models import AuditEvent
from gongkai.console.models import Notification
from gongkai.orgs.constants import Role
from gongkai.orgs.models import Department, User
from gongkai.publishing import services
from gongkai.publishing.models import InformationItem, ReviewTask, Revision
from tests.factories import ALL_BOTTOM_LINES, Staff, make_draft, make_staff
from tests.orgs.factories import DepartmentFactory, MembershipFactory, UserFactory

CJK = re.compile(r"[\u4e00-\u9fff]")

# Who approves each step of the default chain in the builders (position -> Staff attribute).
CHAIN_PEOPLE = {1: "head", 2: "secrecy", 3: "editor2", 4: "leader"}
STEP_NAMES = {1: "科室审核", 2: "保密审查", 3: "办公室审核", 4: "分管领导签发"}

WORKFLOW_ROLES = [
    Role.DRAFTER,
    Role.DEPARTMENT_HEAD,
    Role.CONFIDENTIALITY_REVIEWER,
    Role.OFFICE_EDITOR,
    Role.LEADER,
    Role.POLICY_REVIEWER,
]


def person(staff: Staff, department: Department, roles, *, fast_track: bool = False) -> User:
    user = UserFactory()
    MembershipFactory(
        user=user, organization=staff.org, department=department, roles=list(roles), can_fast_track=fast_track
    )
    return user


def outsider() -> User:
    """A member of another organisation holding every workflow role there, fast-track right included."""
    other = make_staff()
    user = UserFactory()
    MembershipFactory(
        user=user,
        organization=other.org,
        department=DepartmentFactory(organization=other.org),
        roles=list(WORKFLOW_ROLES),
        can_fast_track=True,
    )
    return user


def fresh(item: InformationItem) -> InformationItem:
    return InformationItem.objects.select_related("latest_revision", "live_revision", "organization").get(
        pk=item.pk
    )


def submitted(staff: Staff, *, by: User | None = None, **overrides) -> InformationItem:
    item = make_draft(staff, **overrides)
    services.submit_for_review(user=by or staff.drafter, item=item)
    return fresh(item)


def advance_to_step(staff: Staff, item: InformationItem, position: int) -> InformationItem:
    """Approve the steps before `position` with the builders' reviewers."""
    for step in range(1, position):
        services.approve_step(
            user=getattr(staff, CHAIN_PEOPLE[step]), item=item, opinion="同意", bottom_lines=ALL_BOTTOM_LINES
        )
    return fresh(item)


def snapshot(item: InformationItem) -> dict:
    """Everything a refused action must leave as it was."""
    item = fresh(item)
    return {
        "status": item.status,
        "lock_version": item.lock_version,
        "live_revision": item.live_revision_id,
        "latest_revision": item.latest_revision_id,
        "index_number": item.index_number,
        "published_at": item.published_at,
        "withdrawn_at": item.withdrawn_at,
        "abolished_on": item.abolished_on,
        "fast_tracked": item.fast_tracked,
        "post_reviewed_at": item.post_reviewed_at,
        "publication_due_on": item.publication_due_on,
        "revisions": list(
            Revision.objects.filter(item=item)
            .order_by("pk")
            .values_list("pk", "status", "review_round", "title", "summary", "rejection_reason")
        ),
        "tasks": list(
            ReviewTask.objects.filter(revision__item=item)
            .order_by("pk")
            .values_list("pk", "status", "decided_by", "opinion")
        ),
        "audit_events": AuditEvent.objects.count(),
        "notifications": Notification.objects.count(),
        "items": InformationItem.objects.count(),
    }


def world_snapshot() -> dict:
    return {
        "items": InformationItem.objects.count(),
        "revisions": Revision.objects.count(),
        "audit_events": AuditEvent.objects.count(),
        "notifications": Notification.objects.count(),
    }


def chinese(messages) -> bool:
    return bool(messages) and all(CJK.search(str(m)) for m in messages)


def d(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


__all__ = ["make_staff"]
