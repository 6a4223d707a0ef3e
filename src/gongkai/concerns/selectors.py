"""Reads of 政务舆情 for the console: the case and mention lists, the running clocks as the case page and
the inbox show them, and the dashboard's figures (each figure is one query).

Who sees what follows permissions.py: the office, the monitors and the leaders see every case; anyone
else sees the cases of their own department only.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from . import clocks, permissions
from .constants import OPEN_STATUSES, SEVERITY_RANK, CaseStatus, Channel, ClockKind, Severity
from .models import Case, Clock, Mention

CASE_TABS = {"open": OPEN_STATUSES, "closed": (CaseStatus.CLOSED,), "all": None}
DEFAULT_PERIOD_DAYS = 30
MAX_PERIOD_DAYS = 366
INBOX_CLOCKS = 50


def coordinates(membership) -> bool:
    """Whether this membership sees every case (the same roles as permissions.COORDINATORS)."""
    return membership is not None and any(membership.has_role(r) for r in permissions.COORDINATORS)


def visible_cases(membership) -> QuerySet[Case]:
    """The cases of the membership's organisation that this person may see."""
    cases = Case.objects.filter(organization_id=membership.organization_id)
    if coordinates(membership):
        return cases
    if membership.department_id:
        return cases.filter(department_id=membership.department_id)
    return cases.none()


def case_list(membership, *, tab: str = "open", severity: str = "", department_id: int | None = None):
    cases = visible_cases(membership).select_related("department").prefetch_related("clocks")
    statuses = CASE_TABS.get(tab, OPEN_STATUSES)
    if statuses is not None:
        cases = cases.filter(status__in=statuses)
    if severity:
        cases = cases.filter(severity=severity)
    if department_id:
        cases = cases.filter(department_id=department_id)
    return cases.order_by("-detected_at", "-pk")


@dataclass
class ClockRow:
    clock: Clock
    level: str  # done, late, overdue, near, normal
    label: str

    @property
    def case(self) -> Case:
        return self.clock.case


def clock_row(clock: Clock, now: datetime.datetime | None = None) -> ClockRow:
    state = clocks.state(clock, now)
    return ClockRow(clock=clock, level=state["level"], label=state["label"])


def clock_rows(items, now: datetime.datetime | None = None) -> list[ClockRow]:
    now = now or timezone.now()
    return [clock_row(c, now) for c in sorted(items, key=lambda c: (c.due_at, c.pk))]


def open_clocks_for(membership, *, now: datetime.datetime | None = None, limit: int = INBOX_CLOCKS):
    """The running (unmet) clocks of open cases this person may see, most urgent first: one query."""
    if membership is None:
        return []
    wanted = Clock.objects.filter(
        met_at__isnull=True,
        case__organization_id=membership.organization_id,
        case__status__in=OPEN_STATUSES,
    )
    if not coordinates(membership):
        if not membership.department_id:
            return []
        wanted = wanted.filter(case__department_id=membership.department_id)
    rows = wanted.select_related("case", "case__department").order_by("due_at", "pk")[:limit]
    now = now or timezone.now()
    return [clock_row(c, now) for c in rows]


def safe_link(url: str) -> str:
    """A link that may be shown as <a href>: http(s) only (a mention's address comes from outside)."""
    url = (url or "").strip()
    return url if url.lower().startswith(("http://", "https://")) else ""


def mention_list(
    organization,
    *,
    channel: str = "",
    source_id: int | None = None,
    category: str = "",
    has_case: str = "",
    q: str = "",
) -> QuerySet[Mention]:
    mentions = Mention.objects.filter(organization=organization).select_related(
        "source", "case", "duplicate_of"
    )
    if channel:
        mentions = mentions.filter(channel=channel)
    if source_id:
        mentions = mentions.filter(source_id=source_id)
    if category:
        # categories is a JSON list of short codes; a code never contains another one's quotes.
        mentions = mentions.filter(categories__icontains=f'"{category}"')
    if has_case == "yes":
        mentions = mentions.filter(case__isnull=False)
    elif has_case == "no":
        mentions = mentions.filter(case__isnull=True)
    q = (q or "").strip()
    if q:
        mentions = mentions.filter(title__icontains=q)
    return mentions.order_by("-detected_at", "-pk")


# ---------------------------------------------------------------------------------------------------
# The dashboard


def default_period(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    today = today or timezone.localdate()
    return today - datetime.timedelta(days=DEFAULT_PERIOD_DAYS - 1), today


def _bounds(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """From the start of `start` to the end of `end`, local time (end inclusive)."""
    zone = timezone.get_current_timezone()
    begin = datetime.datetime.combine(start, datetime.time.min, tzinfo=zone)
    finish = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)
    return begin, finish


def _days(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    return [start + datetime.timedelta(days=n) for n in range((end - start).days + 1)]


def mention_volume(organization, start: datetime.date, end: datetime.date) -> list[dict]:
    """Mentions detected per local day and channel from `start` to `end` (inclusive): one query.
    Every day of the period has a row, days without mentions too."""
    begin, finish = _bounds(start, end)
    rows = (
        Mention.objects.filter(organization=organization, detected_at__gte=begin, detected_at__lt=finish)
        .annotate(day=TruncDate("detected_at", tzinfo=timezone.get_current_timezone()))
        .values("day", "channel")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts: dict[datetime.date, dict[str, int]] = {}
    for row in rows:
        day = row["day"]
        if isinstance(day, datetime.datetime):  # some backends hand back a datetime
            day = day.date()
        per_day = counts.setdefault(day, {})
        per_day[row["channel"]] = per_day.get(row["channel"], 0) + row["n"]
    result = []
    for day in _days(start, end):
        by_channel = counts.get(day, {})
        result.append({"date": day, "total": sum(by_channel.values()), "by_channel": by_channel})
    return result


def channels_in(volume: list[dict]) -> list[tuple[str, str]]:
    """The channels that occur in a volume series, in the order of Channel, with their labels."""
    present = {c for row in volume for c in row["by_channel"]}
    return [(value, label) for value, label in Channel.choices if value in present]


def open_cases_by_severity(organization) -> list[dict]:
    """Open cases per severity, most severe first, every severity listed: one query."""
    counts = dict(
        Case.objects.filter(organization=organization, status__in=OPEN_STATUSES)
        .values("severity")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("severity", "n")
    )
    ordered = sorted(Severity.choices, key=lambda c: -SEVERITY_RANK[c[0]])
    return [
        {"severity": value, "label": str(label), "count": counts.get(value, 0)} for value, label in ordered
    ]


COMPLIANCE_BUCKETS = (
    ("on_time", "按时完成"),
    ("late", "超时完成"),
    ("breached", "超时未完成"),
    ("running", "计时中"),
)


def clock_compliance(
    organization,
    start: datetime.date,
    end: datetime.date,
    *,
    now: datetime.datetime | None = None,
) -> list[dict]:
    """For the clocks started in the period, per kind: met on time, met late, past due and unmet, still
    running (unmet, not yet due) — one query; the rate is on time out of those decided (the first three)."""
    now = now or timezone.now()
    begin, finish = _bounds(start, end)
    met = Q(met_at__isnull=False)
    rows = (
        Clock.objects.filter(case__organization=organization, started_at__gte=begin, started_at__lt=finish)
        .values("kind")
        .annotate(
            on_time=Count("pk", filter=met & Q(met_at__lte=F("due_at"))),
            late=Count("pk", filter=met & Q(met_at__gt=F("due_at"))),
            breached=Count("pk", filter=Q(met_at__isnull=True, due_at__lte=now)),
            running=Count("pk", filter=Q(met_at__isnull=True, due_at__gt=now)),
        )
        .order_by()
    )
    by_kind = {row["kind"]: row for row in rows}
    result = []
    for kind, label in ClockKind.choices:
        row = by_kind.get(kind, {})
        figures = {key: row.get(key, 0) for key, _label in COMPLIANCE_BUCKETS}
        decided = figures["on_time"] + figures["late"] + figures["breached"]
        result.append(
            {
                "kind": kind,
                "label": str(label),
                **figures,
                "total": decided + figures["running"],
                "rate": round(figures["on_time"] * 100 / decided, 1) if decided else None,
            }
        )
    return result
