"""The 条例 第26条 publication deadline as the inbox shows it: how urgent, in colour and in words."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from gongkai.publishing.constants import PUBLICATION_WARNING_WORKDAYS, ItemStatus, RevisionStatus
from gongkai.workdays.calendar import WorkdayCalendar

# Due within this many working days: shown as near (orange). The same threshold as the escalation job
# (publishing.scheduled.escalate_publication_deadlines), so the inbox turns orange when the warning goes out.
NEAR_WORKDAYS = PUBLICATION_WARNING_WORKDAYS

OVERDUE, NEAR, NORMAL = "overdue", "near", "normal"


@dataclass(frozen=True)
class DeadlineInfo:
    due: datetime.date
    provisional: bool
    level: str  # OVERDUE / NEAR / NORMAL: the CSS modifier, deadline--<level>
    workdays: int  # working days left (NEAR/NORMAL) or past (OVERDUE)
    due_today: bool = False

    @property
    def date_label(self) -> str:
        text = self.due.isoformat()
        return f"{text}(暂定)" if self.provisional else text

    @property
    def status_label(self) -> str:
        """Words that carry the urgency, so colour is never the only signal."""
        if self.level == OVERDUE:
            return f"已超期 {self.workdays} 个工作日" if self.workdays else "已超期"
        if self.level == NEAR:
            return "今日到期" if self.due_today else f"即将到期,剩余 {self.workdays} 个工作日"
        return f"剩余 {self.workdays} 个工作日"

    @property
    def css_class(self) -> str:
        return f"deadline deadline--{self.level}"


def publication_pending(item) -> bool:
    """Whether the item's working revision still has to be published (so the deadline runs)."""
    revision = item.latest_revision
    return (
        item.publication_due_on is not None
        and item.status != ItemStatus.WITHDRAWN
        and revision is not None
        and revision.status not in (RevisionStatus.PUBLISHED, RevisionStatus.SUPERSEDED)
    )


def deadline_info(
    item, *, today: datetime.date | None = None, calendar: WorkdayCalendar | None = None
) -> DeadlineInfo | None:
    if not publication_pending(item):
        return None
    today = today or timezone.localdate()
    calendar = calendar or WorkdayCalendar()
    due = item.publication_due_on
    if due < today:
        return DeadlineInfo(
            due, item.publication_due_provisional, OVERDUE, calendar.workdays_between(due, today)
        )
    left = calendar.workdays_between(today, due)
    near_limit = calendar.add_workdays(today, NEAR_WORKDAYS).due
    level = NEAR if due <= near_limit else NORMAL
    return DeadlineInfo(due, item.publication_due_provisional, level, left, due_today=due == today)
