"""The rules of 网民纠错: where a report belongs, its 3-working-day deadline, who answers it, and the
daily reminders. Views and the periodic task call these; they hold no rules of their own."""

from __future__ import annotations

import datetime
import logging
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import Resolver404, resolve
from django.utils import timezone

from gongkai.audit import services as audit
from gongkai.orgs.constants import Role
from gongkai.workdays.calendar import WorkdayCalendar

from .models import ANSWER_WORKDAYS, MAX_DESCRIPTION, ErrorReport, Escalation, Status

logger = logging.getLogger(__name__)

NOTIFICATION_KIND = "feedback.due"
CONSOLE_URL = "/console/feedback/"
MAX_PAGE = 500
MAX_ANSWER = 2000
# Paths that are not public pages of the site: nobody reports errors on them.
PRIVATE_PREFIXES = ("/console/", "/admin/", "/api/", "/xxgk/jiucuo/")
_BAD_CHARS = re.compile(r"[\x00-\x20\x7f\\]")


@dataclass(frozen=True)
class Page:
    """A validated page of this site: its path (with any query) and the published item it shows."""

    url: str
    item: object = None


def clean_page(value: str) -> Page:
    """A path on this site (``/xxgk/…``), never a URL elsewhere, a script or a console page."""
    value = (value or "").strip()
    if not value:
        raise ValidationError("请从需要纠错的页面进入本表单(缺少页面地址)。")
    if (
        len(value) > MAX_PAGE
        or _BAD_CHARS.search(value)
        or not value.startswith("/")
        or value.startswith("//")
    ):
        raise ValidationError("页面地址无效:只能对本网站的页面纠错。")
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or parts.fragment:
        raise ValidationError("页面地址无效:只能对本网站的页面纠错。")
    path = parts.path
    if any(path.startswith(prefix) for prefix in PRIVATE_PREFIXES):
        raise ValidationError("页面地址无效:只能对本网站公开的页面纠错。")
    try:
        match = resolve(path)
    except (Resolver404, ValueError):
        raise ValidationError("页面地址无效:本网站没有这个页面。") from None
    item = None
    if match.namespace == "portal" and match.url_name in ("item", "item_print"):
        from gongkai.portal.selectors import item_for_public

        lookup = item_for_public(match.kwargs.get("index_number", ""))
        if lookup.found:
            item = lookup.item
    return Page(url=value, item=item)


def organization_for(page: Page, org_code: str = ""):
    """The item's organisation; else ?org=<code>; else the single public organisation; else None."""
    from gongkai.portal.selectors import public_organizations

    if page.item is not None:
        return page.item.organization
    organizations = list(public_organizations())
    code = (org_code or "").strip()
    if code:
        return next((o for o in organizations if o.code == code), None)
    return organizations[0] if len(organizations) == 1 else None


def due_for(day: datetime.date, calendar: WorkdayCalendar | None = None):
    return (calendar or WorkdayCalendar()).add_workdays(day, ANSWER_WORKDAYS)


@transaction.atomic
def submit_report(
    *, organization, page: Page, category: str, description: str, contact_name: str = "", contact: str = ""
) -> ErrorReport:
    description = (description or "").strip()
    if not description:
        raise ValidationError({"description": "请填写问题描述。"})
    if len(description) > MAX_DESCRIPTION:
        raise ValidationError({"description": f"问题描述不能超过 {MAX_DESCRIPTION} 字。"})
    deadline = due_for(timezone.localdate())
    report = ErrorReport(
        organization=organization,
        page_url=page.url,
        item=page.item,
        category=category,
        description=description,
        contact_name=(contact_name or "").strip(),
        contact=(contact or "").strip(),
        due_on=deadline.due,
        due_provisional=deadline.provisional,
    )
    report.full_clean()
    report.save()
    # No personal data in the audit log: the contact stays on the report only.
    audit.record(
        action="feedback.received",
        target=report,
        organization=organization,
        data={"page": report.page_url, "category": report.category, "due_on": report.due_on.isoformat()},
    )
    transaction.on_commit(lambda: _tell_concerns(report))
    return report


def _tell_concerns(report: ErrorReport) -> None:
    """The report is also a 舆情 channel; a failure there never touches the report (it is committed)."""
    try:
        from gongkai.concerns import channels

        channels.error_report_received(report)
    except Exception:
        logger.exception("error report %s could not be handed to 政务舆情", report.pk)


def answer_failures(user, report: ErrorReport) -> list[str]:
    """Why `user` may not answer (or see) the organisation's error reports; empty when they may."""
    from gongkai.orgs.selectors import membership_for

    membership = membership_for(user, report.organization_id) if user.is_authenticated else None
    if membership is None or not membership.has_role(Role.OFFICE_EDITOR):
        return ["只有本机构的办公室编辑可以处理网民纠错。"]
    if not report.is_open:
        return ["该纠错已处理,不能重复处理。"]
    return []


def _close(report: ErrorReport, user, text: str, status: str, action: str, empty_message: str) -> ErrorReport:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"answer": empty_message})
    if len(text) > MAX_ANSWER:
        raise ValidationError({"answer": f"内容不能超过 {MAX_ANSWER} 字。"})
    with transaction.atomic():
        report = ErrorReport.objects.select_for_update().get(pk=report.pk)
        failures = answer_failures(user, report)
        if failures:
            raise PermissionDenied(";".join(failures))
        report.status = status
        report.answer = text
        report.answered_by = user
        report.answered_at = timezone.now()
        report.save(update_fields=["status", "answer", "answered_by", "answered_at"])
        audit.record(
            action=action,
            actor=user,
            target=report,
            organization=report.organization_id,
            data={"answer": text, "due_on": report.due_on.isoformat()},
        )
    return report


def answer_report(report: ErrorReport, user, text: str) -> ErrorReport:
    return _close(report, user, text, Status.ANSWERED, "feedback.answered", "请填写答复内容。")


def reject_report(report: ErrorReport, user, reason: str) -> ErrorReport:
    return _close(report, user, reason, Status.REJECTED, "feedback.rejected", "请填写认定无效的理由。")


# --- the daily reminders ---------------------------------------------------------------------------


def _recipients(report: ErrorReport, members) -> list:
    people = [m for m in members if m.has_role(Role.OFFICE_EDITOR)]
    item = report.item
    if item is not None:
        revision = item.live_revision or item.latest_revision
        dept_id = revision.lead_department_id if revision else None
        if dept_id:
            people += [m for m in members if m.has_role(Role.DEPARTMENT_HEAD) and m.department_id == dept_id]
    return [m.user for m in people]


def escalation_message(report: ErrorReport, level: int) -> str:
    when = "今日到期" if level == Escalation.DUE_TODAY else "已超期"
    return (
        f"网民纠错 {report.reference}({report.get_category_display()},页面 {report.page_url[:200]})"
        f"{when},答复期限 {report.due_on:%Y-%m-%d}{'(暂定)' if report.due_provisional else ''}。"
        "请在 3 个工作日内答复网民纠错。"
    )


def escalate(today: datetime.date | None = None) -> int:
    """Open reports on or past their due date: remind office editors (and the lead department's head for
    an item) once per level — due today, then overdue. Returns the number of escalations."""
    from gongkai.console.services import notify
    from gongkai.publishing.services import members_of

    today = today or timezone.localdate()
    reports = (
        ErrorReport.objects.filter(status=Status.NEW, due_on__lte=today, organization__is_active=True)
        .exclude(escalation_level__gte=Escalation.OVERDUE)
        .select_related("organization", "item", "item__live_revision", "item__latest_revision")
        .order_by("pk")
    )
    members_by_org: dict[int, list] = {}
    count = 0
    for report in reports:
        level = Escalation.OVERDUE if report.due_on < today else Escalation.DUE_TODAY
        if report.escalation_level >= level:
            continue
        with transaction.atomic():
            locked = ErrorReport.objects.select_for_update().get(pk=report.pk)
            if locked.status != Status.NEW or locked.escalation_level >= level:
                continue
            if report.organization_id not in members_by_org:
                members_by_org[report.organization_id] = members_of(report.organization_id)
            recipients = _recipients(report, members_by_org[report.organization_id])
            sent = notify(
                recipients,
                organization=report.organization_id,
                kind=NOTIFICATION_KIND,
                message=escalation_message(report, level),
                url=f"{CONSOLE_URL}{report.pk}/",
            )
            locked.escalation_level = level
            locked.save(update_fields=["escalation_level"])
            audit.record(
                action="feedback.escalated",
                target=locked,
                organization=report.organization_id,
                data={"level": int(level), "due_on": report.due_on.isoformat(), "notified": sent},
            )
            count += 1
    return count
