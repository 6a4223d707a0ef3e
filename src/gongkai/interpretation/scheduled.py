"""The daily duty of policy interpretation: documents whose interpretation is near or past its deadline
(I5) are announced once per level to the drafting department's head and drafters (谁起草、谁解读;
the head is the 第一责任人) and to the office."""

from __future__ import annotations

import datetime

from django.utils import timezone

from gongkai.orgs.constants import Role
from gongkai.publishing.models import InformationItem
from gongkai.publishing.scheduled import NEAR, OVERDUE, announce_level
from gongkai.publishing.services import members_of
from gongkai.workdays.calendar import WorkdayCalendar

from . import rules

WARNING_WORKDAYS = 3


def escalate_interpretation_deadlines(today: datetime.date | None = None) -> int:
    today = today or timezone.localdate()
    warn_until = WorkdayCalendar().add_workdays(today, WARNING_WORKDAYS).due
    candidates = list(
        InformationItem.objects.published()
        .filter(interpretation_due_on__isnull=False, interpretation_due_on__lte=warn_until)
        .select_related("live_revision", "organization")
    )
    waiting = {
        state.item.pk
        for state in rules.timeliness(candidates, today)
        if state.state in ("pending", "missing")
    }
    sent = 0
    members: dict[int, list] = {}
    for item in candidates:
        if item.pk not in waiting:
            continue
        level = OVERDUE if item.interpretation_due_on < today else NEAR
        if item.interpretation_escalation_level >= level:
            continue
        revision = item.live_revision
        if item.organization_id not in members:
            members[item.organization_id] = members_of(item.organization_id)
        state = "已超过" if level == OVERDUE else "即将到达"
        announce_level(
            item,
            level=level,
            field="interpretation_escalation_level",
            due_on=item.interpretation_due_on,
            members=members[item.organization_id],
            who=lambda m, dept=revision.lead_department_id: (
                m.has_role(Role.OFFICE_EDITOR)
                or (
                    m.department_id == dept and (m.has_role(Role.DEPARTMENT_HEAD) or m.has_role(Role.DRAFTER))
                )
            ),
            kind="interpretation.deadline",
            message=f"“{revision.title}”的政策解读{state}期限 {item.interpretation_due_on:%Y-%m-%d}"
            f"(最迟于文件发布后{item.organization.interpretation_workdays}个工作日内发布)",
            action="interpretation.deadline.escalated",
        )
        sent += 1
    return sent
