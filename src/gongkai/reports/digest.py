"""The weekly digest (issue 8 item 3): every Monday at 08:00 (Asia/Shanghai) each department head gets, in
the console and by e-mail, what of their department is late or falls due within the next
HORIZON_WORKDAYS working days — publications, interpretations, concern clocks, consultation feedback,
messages, error reports, catalogue columns — and the published items with open review findings.

The lists are the oversight figures' own querysets (oversight.SOURCES: the same departments, the same
states) narrowed to what is still open and due by the horizon; the catalogue's coming-due columns come
from catalogue.health. A head gets one digest a week: the console notification of the week is the
record that it was sent (a rerun the same week sends nothing), and nothing is sent when there is
nothing to report.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from huey.contrib.djhuey import db_periodic_task

from gongkai.catalogue import health
from gongkai.concerns.constants import OPEN_STATUSES
from gongkai.console.models import Notification
from gongkai.console.services import notify
from gongkai.orgs.constants import Role
from gongkai.orgs.models import Membership, Organization
from gongkai.participation.privacy import masked_text
from gongkai.publishing.constants import ItemStatus
from gongkai.workdays.calendar import WorkdayCalendar

from . import oversight

logger = logging.getLogger(__name__)

DIGEST_KIND = "reports.weekly_digest"
HORIZON_WORKDAYS = 5
SEND_WEEKDAY, SEND_HOUR = 0, 8  # Monday 08:00, local time
MAX_EMAIL_ENTRIES = 200  # per area; the rest is summed up with a link to the dashboard
NOTIFICATION_MAX = 500

AREAS = (
    ("publications", "主动公开信息发布"),
    ("interpretations", "政策解读"),
    ("concern_clocks", "舆情回应时限"),
    ("consultation_feedback", "征求意见反馈"),
    ("messages", "公众留言答复"),
    ("error_reports", "网民纠错答复"),
    ("catalogue", "基本目录栏目更新"),
    ("findings", "已发布内容的审核问题"),
)
AREA_LABELS = dict(AREAS)


@dataclass(frozen=True)
class Entry:
    area: str
    title: str
    due: str  # the deadline as shown ("2025-12-24", "2025-12-24 16:00"), "" when there is none
    late: bool
    url: str

    @property
    def state(self) -> str:
        return "已逾期" if self.late else "即将到期"


@dataclass
class Digest:
    organization: Organization
    department_id: int
    department_name: str
    today: datetime.date
    horizon: datetime.date
    entries: list[Entry]

    @property
    def late(self) -> list[Entry]:
        return [e for e in self.entries if e.late]

    @property
    def soon(self) -> list[Entry]:
        return [e for e in self.entries if not e.late]

    def by_area(self) -> list[tuple[str, list[Entry]]]:
        return [
            (label, [e for e in self.entries if e.area == key])
            for key, label in AREAS
            if any(e.area == key for e in self.entries)
        ]

    @property
    def url(self) -> str:
        return f"{reverse('reports:oversight')}?department={self.department_id}"


def _day(value) -> str:
    return value.isoformat() if value else ""


def _open(key: str, organization, department_id: int, moment: oversight.Moment):
    """The figure's records of the department, any period (the digest is about what is open now)."""
    return oversight.SOURCES[key].records(organization, moment).filter(dept=department_id)


def collect(
    organization,
    department_id: int,
    *,
    now: datetime.datetime | None = None,
    catalogue: health.HealthReport | None = None,
) -> list[Entry]:
    """What of the department is late or due by HORIZON_WORKDAYS working days from today, most urgent
    first within each area (a fixed number of queries, whatever the size). `catalogue`: the
    organisation's health report of today, when the caller already has it."""
    moment = oversight.Moment.of(now=now)
    today = moment.today
    horizon = WorkdayCalendar().add_workdays(today, HORIZON_WORKDAYS).due
    horizon_end = oversight.local_bounds(horizon, horizon)[1]
    entries: list[Entry] = []

    def add(area, title, due, late, url):
        entries.append(Entry(area, str(title), due, late, url))

    rows = (
        _open("publications", organization, department_id, moment)
        .filter(bucket__in=("overdue", "pending"), publication_due_on__lte=horizon)
        .select_related("latest_revision")
        .order_by("publication_due_on", "pk")
    )
    for item in rows:
        add(
            "publications",
            item.latest_revision.title,
            _day(item.publication_due_on),
            item.bucket == "overdue",
            reverse("console:item", args=[item.pk]),
        )

    rows = (
        _open("interpretations", organization, department_id, moment)
        .filter(
            bucket__in=("missing", "pending"),
            interpretation_due_on__lte=horizon,
            status=ItemStatus.PUBLISHED,
        )
        .select_related("live_revision")
        .order_by("interpretation_due_on", "pk")
    )
    for item in rows:
        add(
            "interpretations",
            f"《{item.live_revision.title}》的政策解读",
            _day(item.interpretation_due_on),
            item.bucket == "missing",
            reverse("console:item", args=[item.pk]),
        )

    rows = (
        _open("concern_clocks", organization, department_id, moment)
        .filter(bucket__in=("breached", "running"), due_at__lt=horizon_end, case__status__in=OPEN_STATUSES)
        .select_related("case")
        .order_by("due_at", "pk")
    )
    for clock in rows:
        add(
            "concern_clocks",
            f"“{clock.case.title}”:{clock.get_kind_display()}",
            timezone.localtime(clock.due_at).strftime("%Y-%m-%d %H:%M"),
            clock.bucket == "breached",
            reverse("concerns:case", args=[clock.case_id]),
        )

    rows = (
        _open("consultation_feedback", organization, department_id, moment)
        .filter(bucket__in=("overdue", "pending"), feedback_due_on__lte=horizon)
        .order_by("feedback_due_on", "pk")
    )
    for consultation in rows:
        add(
            "consultation_feedback",
            f"《{consultation.title}》意见采纳情况反馈",
            _day(consultation.feedback_due_on),
            consultation.bucket == "overdue",
            reverse("participation_console:consultation_detail", args=[consultation.pk]),
        )

    rows = (
        _open("messages", organization, department_id, moment)
        .filter(bucket__in=("over_limit", "overdue", "pending"), due_on__lte=horizon)
        .order_by("due_on", "pk")
    )
    for message in rows:
        subject = masked_text(message.subject)  # an e-mail: personal values masked, as in every notification
        title = subject if message.department_id else f"{subject}(尚未分办)"
        if message.bucket == "over_limit":
            title += f"(已超过3个月最长答复期限 {message.final_due_on:%Y-%m-%d})"
        add(
            "messages",
            title,
            _day(message.due_on),
            message.bucket != "pending",
            reverse("participation_console:message_detail", args=[message.pk]),
        )

    rows = (
        _open("error_reports", organization, department_id, moment)
        .filter(bucket__in=("overdue", "pending"), due_on__lte=horizon)
        .order_by("due_on", "pk")
    )
    for report in rows:
        add(
            "error_reports",
            f"{report.reference}({report.get_category_display()},{report.page_url[:100]})",
            _day(report.due_on),
            report.bucket == "overdue",
            reverse("feedback_console:detail", args=[report.pk]),
        )

    office = oversight.office_id(organization)
    report = catalogue if catalogue is not None else health.check(organization, today)
    for column in report.columns:
        owner = column.entry.responsible_department_id or office
        if owner != department_id:
            continue
        if column.state != health.OK:
            add(
                "catalogue",
                f"{column.path_label}({column.state_label})",
                _day(column.due_on),
                True,
                reverse("console:catalogue_health"),
            )
        elif column.due_on is not None and column.due_on <= horizon:
            add(
                "catalogue",
                f"{column.path_label}(应于 {column.due_on:%Y-%m-%d} 前更新)",
                _day(column.due_on),
                False,
                reverse("console:catalogue_health"),
            )

    findings: dict[int, list] = {}
    rows = (
        _open("findings", organization, department_id, moment)
        .filter(bucket__in=("live_blocking", "live_warning"))
        .select_related("revision")
        .order_by("revision__item_id", "pk")
    )
    for finding in rows:
        findings.setdefault(finding.revision.item_id, []).append(finding)
    for item_id, found in findings.items():
        add(
            "findings",
            f"“{found[0].revision.title}”有 {len(found)} 处审核问题未处理",
            "",
            True,
            reverse("console:item", args=[item_id]),
        )
    return entries


def digest_for(organization, department, *, now: datetime.datetime | None = None, catalogue=None) -> Digest:
    now = now or timezone.now()
    today = timezone.localdate(now)
    horizon = WorkdayCalendar().add_workdays(today, HORIZON_WORKDAYS).due
    return Digest(
        organization,
        department.pk,
        department.name,
        today,
        horizon,
        collect(organization, department.pk, now=now, catalogue=catalogue),
    )


# --- the messages ------------------------------------------------------------------------------------


def _counts_by_area(entries: list[Entry]) -> str:
    parts = []
    for key, label in AREAS:
        n = sum(1 for e in entries if e.area == key)
        if n:
            parts.append(f"{label} {n} 项")
    return "、".join(parts)


def notification_text(digest: Digest) -> str:
    text = (
        f"统计监督周报({digest.department_name},{digest.today:%Y-%m-%d}):已逾期 {len(digest.late)} 项,"
        f"{HORIZON_WORKDAYS}个工作日内(至 {digest.horizon:%Y-%m-%d})到期 {len(digest.soon)} 项。"
        f"其中:{_counts_by_area(digest.entries)}。详见统计监督。"
    )
    return text if len(text) <= NOTIFICATION_MAX else text[: NOTIFICATION_MAX - 1] + "…"


def absolute(url: str) -> str:
    base = (getattr(settings, "GONGKAI_SITE_URL", "") or "").rstrip("/")
    return f"{base}{url}" if base else url


def email_subject(digest: Digest) -> str:
    return (
        f"【统计监督周报】{digest.department_name}:已逾期 {len(digest.late)} 项,"
        f"即将到期 {len(digest.soon)} 项({digest.today:%Y-%m-%d})"
    )


def email_body(digest: Digest) -> str:
    lines = [
        digest.organization.name,
        "",
        f"{digest.department_name}负责同志:",
        "",
        f"截至 {digest.today:%Y年%m月%d日},本科室已逾期 {len(digest.late)} 项,"
        f"{HORIZON_WORKDAYS}个工作日内(至 {digest.horizon:%Y年%m月%d日})到期 {len(digest.soon)} 项,请及时办理:",
    ]
    for label, entries in digest.by_area():
        lines += ["", f"{label}({len(entries)} 项)"]
        for entry in entries[:MAX_EMAIL_ENTRIES]:
            due = f",期限 {entry.due}" if entry.due else ""
            lines.append(f"- [{entry.state}] {entry.title}{due}  {absolute(entry.url)}")
        if len(entries) > MAX_EMAIL_ENTRIES:
            lines.append(f"- 另有 {len(entries) - MAX_EMAIL_ENTRIES} 项,请在统计监督中查看。")
    lines += [
        "",
        f"统计监督:{absolute(digest.url)}",
        "",
        "本邮件由政府信息公开平台每周一自动发送,请勿直接回复。",
    ]
    return "\n".join(lines)


# --- sending -----------------------------------------------------------------------------------------


def week_start(now: datetime.datetime) -> datetime.datetime:
    """Monday 00:00 (local) of the week `now` falls in."""
    today = timezone.localdate(now)
    monday = today - datetime.timedelta(days=today.weekday())
    return oversight.local_bounds(monday, monday)[0]


def heads() -> list[Membership]:
    return [
        m
        for m in Membership.objects.filter(
            organization__is_active=True, department__isnull=False, user__is_active=True
        )
        .select_related("user", "organization", "department")
        .order_by("organization_id", "department_id", "pk")
        if m.has_role(Role.DEPARTMENT_HEAD)
    ]


def send_weekly_digests(now: datetime.datetime | None = None) -> int:
    """Send this week's digest to every department head who has not had it yet and whose department
    has something late or coming due. Returns the number of heads told."""
    now = now or timezone.now()
    since = week_start(now)
    already = set(
        Notification.objects.filter(
            kind=DIGEST_KIND, created_at__gte=since, created_at__lt=since + datetime.timedelta(days=7)
        ).values_list("recipient_id", "organization_id")
    )
    digests: dict[tuple[int, int], Digest] = {}
    catalogues: dict[int, health.HealthReport] = {}
    told = 0
    for membership in heads():
        if (membership.user_id, membership.organization_id) in already:
            continue
        key = (membership.organization_id, membership.department_id)
        if key not in digests:
            org = membership.organization
            if org.pk not in catalogues:
                catalogues[org.pk] = health.check(org, timezone.localdate(now))
            digests[key] = digest_for(org, membership.department, now=now, catalogue=catalogues[org.pk])
        digest = digests[key]
        if not digest.entries:
            continue
        with transaction.atomic():
            notify(
                [membership.user],
                organization=membership.organization_id,
                kind=DIGEST_KIND,
                message=notification_text(digest),
                url=digest.url,
            )
        told += 1
        address = (membership.user.email or "").strip()
        if address:
            try:
                EmailMessage(
                    subject=email_subject(digest),
                    body=email_body(digest),
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    to=[address],
                ).send()
            except Exception:  # the console notification stands; the mail server may be down
                logger.exception("weekly digest e-mail to user %s failed", membership.user_id)
    return told


# --- the periodic task -------------------------------------------------------------------------------


def _local(timestamp: datetime.datetime, utc: bool) -> datetime.datetime:
    """The local time of the timestamp huey checks schedules with (naive: UTC when huey runs in UTC,
    the process's local time otherwise)."""
    if timestamp.tzinfo is None:
        zone = datetime.UTC if utc else timezone.get_current_timezone()
        timestamp = timestamp.replace(tzinfo=zone)
    return timezone.localtime(timestamp)


def is_send_time(timestamp: datetime.datetime, *, utc: bool | None = None) -> bool:
    """Monday 08:00 in the project's time zone, whatever zone huey's clock is in."""
    if utc is None:
        from huey.contrib.djhuey import HUEY

        utc = HUEY.utc
    local = _local(timestamp, utc)
    return local.weekday() == SEND_WEEKDAY and local.hour == SEND_HOUR and local.minute == 0


@db_periodic_task(is_send_time)
def weekly_digest() -> int:
    """Monday 08:00: the weekly digest to each department head."""
    return send_weekly_digests()
