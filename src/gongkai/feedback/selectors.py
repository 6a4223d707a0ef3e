"""Reading error reports for the console: overdue first, then newest first; deadlines as the inbox shows them."""

from __future__ import annotations

import datetime

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from gongkai.console.deadlines import NEAR, NEAR_WORKDAYS, NORMAL, OVERDUE, DeadlineInfo
from gongkai.workdays.calendar import WorkdayCalendar

from .models import ErrorReport, Status

STATUS_FILTERS = {"open": Status.NEW, "answered": Status.ANSWERED, "rejected": Status.REJECTED, "all": None}


def reports_for(organization, status: str = "open", today: datetime.date | None = None) -> QuerySet:
    today = today or timezone.localdate()
    reports = ErrorReport.objects.filter(organization=organization).select_related("item", "answered_by")
    wanted = STATUS_FILTERS.get(status, Status.NEW)
    if wanted is not None:
        reports = reports.filter(status=wanted)
    overdue = Q(status=Status.NEW, due_on__lt=today)
    return reports.annotate(
        overdue_first=Case(When(overdue, then=Value(0)), default=Value(1), output_field=IntegerField())
    ).order_by("overdue_first", "-created_at", "-pk")


def deadline_info(
    report: ErrorReport, *, today: datetime.date | None = None, calendar: WorkdayCalendar | None = None
) -> DeadlineInfo | None:
    """The answer deadline of an open report, coloured like the inbox (None once answered)."""
    if not report.is_open:
        return None
    today = today or timezone.localdate()
    calendar = calendar or WorkdayCalendar()
    due = report.due_on
    if due < today:
        return DeadlineInfo(due, report.due_provisional, OVERDUE, calendar.workdays_between(due, today))
    left = calendar.workdays_between(today, due)
    level = NEAR if due <= calendar.add_workdays(today, NEAR_WORKDAYS).due else NORMAL
    return DeadlineInfo(due, report.due_provisional, level, left, due_today=due == today)
