"""Catalogue consistency (DOMAIN P9, 国办秘函〔2019〕19号): which columns are empty or overdue, and what
published content does not fit the catalogue.

Everything is computed from the records as they are (no stored counters), in a constant number of
queries whatever the size of the catalogue:

- each leaf (a column items are published in) is EMPTY (no published item), OVERDUE (its last
  publication is older than its rule allows) or OK;
- the rule of a column is the stricter of its kind (news 14 days, policy/notice 183 days:
  STALE_AFTER_DAYS) and its update frequency (monthly 31, quarterly 92, yearly 366 days; real time and
  as needed add nothing);
- published items outside a leaf (no entry, or a heading) are listed: they should not exist;
- 行政规范性文件 (in a column whose name or code, or an ancestor's, contains “规范性文件”) with neither an
  abolition nor an expiry date, in force for 5 years or more, are listed as “有效期待确认”: such
  documents are valid for 5 years unless they say otherwise.

The inspection (国办秘函〔2019〕19号) fails outright at RISK_THRESHOLD empty or overdue columns.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field, replace

from django.db.models import Count, Exists, Max, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from gongkai.orgs.constants import Role
from gongkai.publishing.models import InformationItem

from .constants import STALE_AFTER_DAYS, ColumnKind, UpdateFrequency
from .models import CatalogueEntry

EMPTY, OVERDUE, OK = "empty", "overdue", "ok"
STATE_LABELS = {EMPTY: "空白栏目", OVERDUE: "未按期更新", OK: "正常"}

# Longest gap between two publications a column's update frequency allows.
FREQUENCY_DAYS = {UpdateFrequency.MONTHLY: 31, UpdateFrequency.QUARTERLY: 92, UpdateFrequency.YEARLY: 366}
RISK_THRESHOLD = 5
NORMATIVE_MARK = "规范性文件"
NORMATIVE_VALID_YEARS = 5
NOTIFICATION_KIND = "catalogue.health"
HEALTH_URL = "/console/catalogue/health/"
MAX_MESSAGE = 500


@dataclass(frozen=True)
class Rule:
    days: int | None  # None: no time limit (only emptiness is checked)
    label: str


def rule_for(entry: CatalogueEntry) -> Rule:
    """The stricter of the column kind's and the update frequency's limits."""
    limits = []
    kind_days = STALE_AFTER_DAYS.get(entry.column_kind)
    if kind_days:
        limits.append((kind_days, f"{ColumnKind(entry.column_kind).label}:{kind_days}天内须更新"))
    frequency_days = FREQUENCY_DAYS.get(entry.update_frequency)
    if frequency_days:
        label = UpdateFrequency(entry.update_frequency).label
        limits.append((frequency_days, f"{label}:{frequency_days}天内须更新"))
    if not limits:
        return Rule(None, "不限更新周期(须有内容)")
    days, label = min(limits, key=lambda pair: pair[0])
    return Rule(days, label)


@dataclass
class ColumnHealth:
    entry: CatalogueEntry
    path: list[str]
    item_count: int
    last_published_on: datetime.date | None
    rule: Rule
    state: str
    due_on: datetime.date | None = None  # the day after which the column counts as overdue

    @property
    def department(self):
        return self.entry.responsible_department

    @property
    def path_label(self) -> str:
        return " / ".join(self.path)

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def days_since(self) -> int | None:
        return None if self.last_published_on is None else (self._today - self.last_published_on).days

    _today: datetime.date = field(default=None, repr=False)


@dataclass
class HealthReport:
    organization: object
    today: datetime.date
    columns: list[ColumnHealth]
    misplaced: list[InformationItem]  # published items not in a leaf of the catalogue
    validity_unconfirmed: list[InformationItem]  # 有效期待确认
    organization_problems: int  # empty + overdue columns of the whole organisation
    department: object = None  # set when the report is narrowed to one department

    def _of(self, state):
        return [c for c in self.columns if c.state == state]

    @property
    def empty(self) -> list[ColumnHealth]:
        return self._of(EMPTY)

    @property
    def overdue(self) -> list[ColumnHealth]:
        return self._of(OVERDUE)

    @property
    def ok(self) -> list[ColumnHealth]:
        return self._of(OK)

    @property
    def problems(self) -> list[ColumnHealth]:
        return [c for c in self.columns if c.state != OK]

    @property
    def risk(self) -> bool:
        """The site inspection fails when RISK_THRESHOLD or more columns are empty or overdue."""
        return self.organization_problems >= RISK_THRESHOLD

    def for_department(self, department) -> HealthReport:
        """The columns the department is responsible for and its items; the risk stays organisation-wide."""
        dept_id = getattr(department, "pk", department)
        return replace(
            self,
            columns=[c for c in self.columns if c.entry.responsible_department_id == dept_id],
            misplaced=[i for i in self.misplaced if i.live_revision.lead_department_id == dept_id],
            validity_unconfirmed=[
                i
                for i in self.validity_unconfirmed
                if i.live_revision.lead_department_id == dept_id
                or i.live_revision.catalogue_entry.responsible_department_id == dept_id
            ],
            department=department,
        )


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def check(organization, today: datetime.date | None = None) -> HealthReport:
    """The catalogue health of one organisation on `today` (four queries)."""
    today = today or timezone.localdate()
    entries = list(
        CatalogueEntry.objects.filter(organization=organization)
        .select_related("responsible_department")
        .order_by("ordering", "code")
    )
    by_id = {e.pk: e for e in entries}
    parents = {e.parent_id for e in entries if e.parent_id}

    def path(entry):
        names, node, seen = [], entry, set()
        while node is not None and node.pk not in seen:
            seen.add(node.pk)
            names.append(node.name)
            node = by_id.get(node.parent_id)
        return list(reversed(names))

    published = InformationItem.objects.published().filter(organization=organization)
    stats = {
        row["live_revision__catalogue_entry"]: row
        for row in published.filter(live_revision__catalogue_entry__isnull=False)
        .values("live_revision__catalogue_entry")
        .annotate(n=Count("pk"), last=Max(Coalesce("live_revision__published_at", "published_at")))
    }

    columns = []
    for entry in entries:
        if entry.pk in parents:
            continue
        row = stats.get(entry.pk)
        count = row["n"] if row else 0
        last = timezone.localdate(row["last"]) if row and row["last"] else None
        rule = rule_for(entry)
        due_on = last + datetime.timedelta(days=rule.days) if last and rule.days else None
        if not count:
            state = EMPTY
        elif due_on is not None and today > due_on:
            state = OVERDUE
        else:
            state = OK
        columns.append(ColumnHealth(entry, path(entry), count, last, rule, state, due_on, _today=today))

    with_live = published.select_related(
        "live_revision", "live_revision__catalogue_entry", "live_revision__lead_department"
    )
    misplaced = list(
        with_live.filter(
            Q(live_revision__catalogue_entry__isnull=True)
            | ~Q(live_revision__catalogue_entry__organization=organization)
            | Exists(CatalogueEntry.objects.filter(parent_id=OuterRef("live_revision__catalogue_entry")))
        ).order_by("-published_at", "-pk")
    )

    def normative(entry):
        node, seen = entry, set()
        while node is not None and node.pk not in seen:
            seen.add(node.pk)
            if NORMATIVE_MARK in node.name or NORMATIVE_MARK in node.code:
                return True
            node = by_id.get(node.parent_id)
        return False

    normative_ids = [e.pk for e in entries if e.pk not in parents and normative(e)]
    cutoff = _years_before(today, NORMATIVE_VALID_YEARS)
    validity_unconfirmed = (
        list(
            with_live.filter(
                live_revision__catalogue_entry__in=normative_ids,
                abolished_on__isnull=True,
                expires_on__isnull=True,
            )
            .annotate(in_force_on=Coalesce("live_revision__effective_on", "live_revision__formed_on"))
            .filter(in_force_on__lte=cutoff)
            .order_by("in_force_on", "pk")
        )
        if normative_ids
        else []
    )
    problems = sum(1 for c in columns if c.state != OK)
    return HealthReport(organization, today, columns, misplaced, validity_unconfirmed, problems)


# --- who sees what ---------------------------------------------------------------------------------


def scope_failures(membership) -> list[str]:
    """Why a member may not see the catalogue health page (empty when they may)."""
    if membership.has_role(Role.OFFICE_EDITOR):
        return []
    if membership.has_role(Role.DEPARTMENT_HEAD):
        if membership.department_id:
            return []
        return ["您是科室负责人,但尚未分配科室,无法查看本科室负责的栏目。请联系系统管理员。"]
    return ["只有办公室编辑和科室负责人可以查看目录健康情况。"]


def report_for(membership, today: datetime.date | None = None) -> HealthReport:
    """Office editors see the whole organisation, a department head the columns of their department."""
    report = check(membership.organization, today)
    if membership.has_role(Role.OFFICE_EDITOR):
        return report
    return report.for_department(membership.department)


# --- the daily warnings ----------------------------------------------------------------------------


def _clip(text: str) -> str:
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"


def _column_list(columns: list[ColumnHealth]) -> str:
    return "、".join(f"“{c.path_label}”" for c in columns)


def department_message(columns: list[ColumnHealth]) -> str:
    empty = [c for c in columns if c.state == EMPTY]
    overdue = [c for c in columns if c.state == OVERDUE]
    parts = []
    if empty:
        parts.append(f"空白栏目 {len(empty)} 个:{_column_list(empty)}")
    if overdue:
        parts.append(f"未按期更新栏目 {len(overdue)} 个:{_column_list(overdue)}")
    return _clip("基本目录检查:本科室负责的" + ";".join(parts) + "。请尽快发布或更新内容。")


OFFICE_PREFIX = "基本目录检查("


def office_message(report: HealthReport) -> str:
    text = (
        f"{OFFICE_PREFIX}{report.today:%Y-%m-%d}):空白栏目 {len(report.empty)} 个,"
        f"未按期更新栏目 {len(report.overdue)} 个,合计 {report.organization_problems} 个"
    )
    if report.risk:
        text += f",达到或超过 {RISK_THRESHOLD} 个,政府网站检查将被判定为单项否决,请立即处理"
    if report.misplaced:
        text += f";未归入末级栏目的已发布信息 {len(report.misplaced)} 条"
    if report.validity_unconfirmed:
        text += f";有效期待确认的规范性文件 {len(report.validity_unconfirmed)} 件"
    return _clip(text + "。")


def notify_organization(organization, today: datetime.date | None = None) -> int:
    """Warn each responsible department's heads about their empty/overdue columns and the office editors
    about the totals; a person gets a given message at most once a day. Returns notifications sent."""
    from gongkai.console.models import Notification
    from gongkai.console.services import notify
    from gongkai.publishing.services import members_of

    report = check(organization, today)
    today = report.today
    members = members_of(organization.pk)
    start = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
    already = set(
        Notification.objects.filter(
            organization=organization,
            kind=NOTIFICATION_KIND,
            created_at__gte=start,
            created_at__lt=start + datetime.timedelta(days=1),
        ).values_list("recipient_id", "message")
    )

    office_done = {rid for rid, message in already if message.startswith(OFFICE_PREFIX)}

    def send(recipients, message):
        fresh = [m.user for m in recipients if (m.user_id, message) not in already]
        return notify(
            fresh, organization=organization, kind=NOTIFICATION_KIND, message=message, url=HEALTH_URL
        )

    sent = 0
    by_department: dict[int, list[ColumnHealth]] = {}
    for column in report.problems:
        if column.entry.responsible_department_id:
            by_department.setdefault(column.entry.responsible_department_id, []).append(column)
    for dept_id, columns in by_department.items():
        heads = [m for m in members if m.has_role(Role.DEPARTMENT_HEAD) and m.department_id == dept_id]
        sent += send(heads, department_message(columns))
    if report.problems or report.misplaced or report.validity_unconfirmed:
        editors = [m for m in members if m.has_role(Role.OFFICE_EDITOR) and m.user_id not in office_done]
        sent += send(editors, office_message(report))
    return sent


def notify_all(today: datetime.date | None = None) -> int:
    from gongkai.orgs.models import Organization

    return sum(notify_organization(org, today) for org in Organization.objects.filter(is_active=True))
