"""统计监督 (issue 8 items 2 and 4): the office's oversight figures per department, computed from the
records by one query per figure (no counters kept by hand), with the items behind each number.

Every figure is defined once, as a queryset of the records it counts annotated with ``dept`` (the
responsible department) and ``bucket`` (the state of the record); the figure is that queryset counted
per department in ONE query (one conditional COUNT per bucket), and the drill-down is the same
queryset filtered to one department and bucket, so a list always holds exactly the rows a number
counts. The deadlines themselves are not recomputed here: each record carries the due date its own app
computed with the working-day calendar (publication_due_on, interpretation_due_on, Clock.due_at,
feedback_due_on, due_on / final_due_on); the figures only compare it with what happened. Dates are
local dates (Asia/Shanghai, the project's TIME_ZONE), a period runs from the start of its first day to
the end of its last.

The figures (bucket keys in brackets; the rate is the first bucket out of the decided ones):
- 主动公开按期发布 (``publications``): 主动公开 items whose deadline (条例第26条, 20 working days from the
  formed or changed date of the working revision) falls in the period — published on time / late,
  unpublished past the deadline, not yet due. "Published" is the publication of the revision the deadline
  belongs to (the first publication for a new item, the revision's for a change), local date ≤ deadline.
- 政策解读按时发布 (``interpretations``): documents needing interpretation first published in the period
  (as the console's interpretation report counts them), by their first interpretation's first publication.
- 舆情回应时限 (``concern_clocks``): the legal clocks of concern cases started in the period (as the
  concerns dashboard counts them), per the case's responsible department.
- 征求意见反馈按时公布 (``consultation_feedback``): closed consultations whose feedback deadline falls in
  the period, by the first publication of their feedback report.
- 公众留言按时答复 (``messages``): messages whose answer deadline falls in the period; an answer or a
  refusal (不予受理, also a reply with reasons) counts as a reply; open ones past the 3-month limit apart.
- 基本目录栏目 (``catalogue``): the leaf columns today, as catalogue.health judges them (empty, overdue,
  ok) — a state, not a period.
- 内容审核问题 (``findings``): open findings (blocking, or warnings not acknowledged) on the current
  revisions of items today — on public content or on content not yet published — a state, not a period.
- 网民纠错按时答复 (``error_reports``): error reports whose answer deadline falls in the period.

Records without a department (an unrouted message, a case not assigned, a column without a responsible
department, an error report about no item) are the office's: the organisation's first department of
the 办公室 kind.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Case as SqlCase
from django.db.models import (
    CharField,
    Count,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate
from django.urls import reverse
from django.utils import timezone

from gongkai.catalogue import health
from gongkai.catalogue.constants import ColumnKind, UpdateFrequency
from gongkai.catalogue.models import CatalogueEntry
from gongkai.concerns.models import Clock
from gongkai.core.excel import write_sheet
from gongkai.feedback.models import ErrorReport
from gongkai.feedback.models import Status as ReportStatus
from gongkai.orgs.constants import DepartmentKind, Role
from gongkai.orgs.models import Department
from gongkai.participation.constants import MessageStatus
from gongkai.participation.models import Consultation, Message
from gongkai.participation.privacy import masked_text
from gongkai.publishing.constants import ItemStatus
from gongkai.publishing.models import InformationItem
from gongkai.review.constants import FindingStatus, Severity
from gongkai.review.models import Finding

Counts = dict[int | None, dict[str, int]]  # department id → bucket → number

# Longest period the dashboard accepts (three years and a leap day).
MAX_PERIOD_DAYS = 3 * 365 + 1


@dataclass(frozen=True)
class Bucket:
    key: str
    label: str
    tone: str  # good / late / bad / worst / open / neutral: the chart colour and the CSS modifier


@dataclass(frozen=True)
class Figure:
    key: str
    title: str
    unit: str  # what is counted (件, 个, 条 …) for the sentences of the page
    definition: str  # how it is counted, in Chinese, shown with the figure
    buckets: tuple[Bucket, ...]
    good: tuple[str, ...] = ()  # the rate's numerator …
    decided: tuple[str, ...] = ()  # … out of these (empty: no rate)
    in_period: bool = True  # False: the state today, whatever the period
    headers: tuple[str, ...] = ()  # the drill-down's columns

    def bucket(self, key: str) -> Bucket | None:
        return next((b for b in self.buckets if b.key == key), None)

    @property
    def bucket_keys(self) -> tuple[str, ...]:
        return tuple(b.key for b in self.buckets)

    def rate(self, row: dict[str, int]) -> float | None:
        """The share (percent, one decimal) of good out of decided, None when nothing is decided."""
        if not self.decided:
            return None
        decided = sum(row.get(k, 0) for k in self.decided)
        if not decided:
            return None
        return round(sum(row.get(k, 0) for k in self.good) * 100 / decided, 1)


ON_TIME = Bucket("on_time", "按时", "good")
LATE = Bucket("late", "逾期完成", "late")
OVERDUE = Bucket("overdue", "超期未完成", "bad")
PENDING = Bucket("pending", "未到期", "open")

FIGURES: dict[str, Figure] = {
    f.key: f
    for f in (
        Figure(
            "publications",
            "主动公开信息按期发布",
            "条",
            "法定发布期限(成文或变更之日起20个工作日,条例第二十六条)在统计期间内的主动公开信息:"
            "按时 = 该版本发布日期不晚于期限;逾期完成 = 晚于期限发布;超期未完成 = 已过期限仍未发布;"
            "未到期 = 期限未到、尚未发布。按时率 = 按时 ÷(按时 + 逾期完成 + 超期未完成)。",
            (
                Bucket("on_time", "按时发布", "good"),
                Bucket("late", "逾期发布", "late"),
                Bucket("overdue", "超期未发布", "bad"),
                Bucket("pending", "未到期", "open"),
            ),
            good=("on_time",),
            decided=("on_time", "late", "overdue"),
            headers=("标题", "索引号", "牵头科室", "法定发布期限", "发布时间", "状态"),
        ),
        Figure(
            "interpretations",
            "政策解读按时发布",
            "件",
            "统计期间内首次发布、须解读的文件(与“政策解读及时性统计”口径相同):按时 = 首个解读的发布日期"
            "不晚于解读期限;逾期解读 = 晚于期限;未解读(已逾期)= 期限已过仍无解读;未到期 = 期限未到、尚无解读。",
            (
                Bucket("on_time", "按时解读", "good"),
                Bucket("late", "逾期解读", "late"),
                Bucket("missing", "未解读(已逾期)", "bad"),
                Bucket("pending", "未到期", "open"),
            ),
            good=("on_time",),
            decided=("on_time", "late", "missing"),
            headers=("文件", "索引号", "牵头科室", "文件发布日期", "解读期限", "首个解读发布日期", "状态"),
        ),
        Figure(
            "concern_clocks",
            "舆情回应时限",
            "个",
            "统计期间内起算的舆情回应时限(与舆情统计看板口径相同),按事件的责任科室统计:按时完成 = 在到期"
            "时间前回应;超时完成 = 到期后才回应;超时未完成 = 已到期仍未回应;计时中 = 未到期、尚未回应。",
            (
                Bucket("on_time", "按时完成", "good"),
                Bucket("late", "超时完成", "late"),
                Bucket("breached", "超时未完成", "bad"),
                Bucket("running", "计时中", "open"),
            ),
            good=("on_time",),
            decided=("on_time", "late", "breached"),
            headers=("事件", "时限", "责任科室", "起算时间", "到期时间", "完成时间", "状态"),
        ),
        Figure(
            "consultation_feedback",
            "征求意见反馈按时公布",
            "件",
            "反馈期限(截止后若干个工作日)在统计期间内的征求意见:按时 = 意见采纳情况反馈的首次发布日期不晚于"
            "反馈期限;逾期公布 = 晚于期限;超期未公布 = 已过期限仍未公布;未到期 = 期限未到、尚未公布。",
            (
                Bucket("on_time", "按时公布", "good"),
                Bucket("late", "逾期公布", "late"),
                Bucket("overdue", "超期未公布", "bad"),
                Bucket("pending", "未到期", "open"),
            ),
            good=("on_time",),
            decided=("on_time", "late", "overdue"),
            headers=("征求意见稿", "起草科室", "征求意见截止", "反馈期限", "反馈发布时间", "状态"),
        ),
        Figure(
            "messages",
            "公众留言按时答复",
            "条",
            "答复期限在统计期间内的公众留言(答复或不予受理均视为已回复):按时答复 = 回复日期不晚于答复期限;"
            "逾期答复 = 晚于期限;超期未答复 = 已过期限仍未回复;超过3个月未答复 = 已过3个月最长答复期限"
            "(国办秘函〔2019〕19号);未到期 = 期限未到、尚未回复。未分办的留言计入办公室。",
            (
                Bucket("on_time", "按时答复", "good"),
                Bucket("late", "逾期答复", "late"),
                Bucket("overdue", "超期未答复", "bad"),
                Bucket("over_limit", "超过3个月未答复", "worst"),
                Bucket("pending", "未到期", "open"),
            ),
            good=("on_time",),
            decided=("on_time", "late", "overdue", "over_limit"),
            headers=("留言标题", "类型", "办理科室", "提交时间", "答复期限", "回复时间", "状态"),
        ),
        Figure(
            "catalogue",
            "基本目录栏目更新",
            "个",
            "当前各末级栏目的状态(与“目录健康”口径相同,不随统计期间变化):空白栏目 = 没有已发布信息;"
            "未按期更新 = 最后一次发布距今超过栏目类型或更新频率的要求;正常 = 其余。按责任科室统计,"
            "未指定责任科室的栏目计入办公室。",
            (
                Bucket("empty", "空白栏目", "bad"),
                Bucket("overdue", "未按期更新", "late"),
                Bucket("ok", "正常", "good"),
            ),
            good=("ok",),
            decided=("empty", "overdue", "ok"),
            in_period=False,
            headers=("栏目", "编码", "责任科室", "已发布", "最后更新", "更新要求", "状态"),
        ),
        Figure(
            "findings",
            "内容审核问题",
            "处",
            "当前各信息的现行版本(已发布版本及正在办理的版本)上尚未处理的审核发现(不随统计期间变化):"
            "必须修改的问题,以及未确认的提示。已撤回的信息不计。",
            (
                Bucket("live_blocking", "已发布内容:必须修改", "bad"),
                Bucket("live_warning", "已发布内容:提示未确认", "late"),
                Bucket("draft_blocking", "待发布内容:必须修改", "open"),
                Bucket("draft_warning", "待发布内容:提示未确认", "neutral"),
            ),
            in_period=False,
            headers=("信息标题", "版本", "牵头科室", "位置", "类别", "命中内容", "发现时间", "状态"),
        ),
        Figure(
            "error_reports",
            "网民纠错按时答复",
            "条",
            "答复期限(3个工作日)在统计期间内的网民纠错(答复或认定无效均视为已答复),按相关信息的牵头科室"
            "统计,无相关信息的计入办公室:按时答复 = 答复日期不晚于期限;逾期答复 = 晚于期限;"
            "超期未答复 = 已过期限仍未答复;未到期 = 期限未到、尚未答复。",
            (
                Bucket("on_time", "按时答复", "good"),
                Bucket("late", "逾期答复", "late"),
                Bucket("overdue", "超期未答复", "bad"),
                Bucket("pending", "未到期", "open"),
            ),
            good=("on_time",),
            decided=("on_time", "late", "overdue"),
            headers=("编号", "纠错页面", "错误类型", "负责科室", "提交时间", "答复期限", "答复时间", "状态"),
        ),
    )
}


# --- shared pieces -----------------------------------------------------------------------------------


def local_bounds(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """From the start of `start` to the start of the day after `end`, local time (end inclusive)."""
    zone = timezone.get_current_timezone()
    begin = datetime.datetime.combine(start, datetime.time.min, tzinfo=zone)
    finish = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)
    return begin, finish


def local_day(expression) -> TruncDate:
    """The local date of a timestamp, in the database (NULL stays NULL)."""
    return TruncDate(expression, tzinfo=timezone.get_current_timezone())


def office_of(organization) -> Subquery:
    """The organisation's office (its first department of the 办公室 kind), as a subquery."""
    org_id = getattr(organization, "pk", organization)
    return Subquery(
        Department.objects.filter(organization_id=org_id, kind=DepartmentKind.OFFICE)
        .order_by("ordering", "code", "pk")
        .values("pk")[:1],
        output_field=IntegerField(),
    )


def office_id(organization) -> int | None:
    org_id = getattr(organization, "pk", organization)
    return (
        Department.objects.filter(organization_id=org_id, kind=DepartmentKind.OFFICE)
        .order_by("ordering", "code", "pk")
        .values_list("pk", flat=True)
        .first()
    )


def _or_office(organization, *expressions):
    return Coalesce(*expressions, office_of(organization), output_field=IntegerField())


def _buckets(*cases: tuple[Q, str], default: str) -> SqlCase:
    return SqlCase(
        *(When(condition, then=Value(key)) for condition, key in cases),
        default=Value(default),
        output_field=CharField(),
    )


@dataclass(frozen=True)
class Moment:
    """The instant the figures are computed for: `now`, and its local date."""

    now: datetime.datetime
    today: datetime.date

    @classmethod
    def of(cls, today: datetime.date | None = None, now: datetime.datetime | None = None) -> Moment:
        if now is None:
            now = timezone.now()
            if today is not None and today != timezone.localdate(now):
                # a past or future day: its end, so every clock due that day has come due
                now = local_bounds(today, today)[1] - datetime.timedelta(microseconds=1)
        return cls(now=now, today=today or timezone.localdate(now))


# --- the figures as querysets: each record with its department and bucket ---------------------------


def _publications(organization, moment: Moment) -> QuerySet:
    published = F("latest_revision__published_at")
    return (
        InformationItem.objects.filter(organization=organization, publication_due_on__isnull=False)
        .exclude(Q(status=ItemStatus.WITHDRAWN) & Q(latest_revision__published_at__isnull=True))
        .annotate(
            dept=_or_office(organization, F("latest_revision__lead_department")),
            done_on=local_day(published),
        )
        .annotate(
            bucket=_buckets(
                (Q(done_on__isnull=False, done_on__lte=F("publication_due_on")), "on_time"),
                (Q(done_on__isnull=False), "late"),
                (Q(publication_due_on__lt=moment.today), "overdue"),
                default="pending",
            )
        )
    )


def _first_interpretation(outer: str = "pk") -> Subquery:
    """When the first interpretation of the document was first published (interpretation.rules.
    first_interpretations, as a subquery: items whose live revision interprets it, drafts excluded)."""
    return Subquery(
        InformationItem.objects.filter(
            live_revision__interprets_id=OuterRef(outer), first_published_at__isnull=False
        )
        .exclude(status=ItemStatus.DRAFT)
        .order_by("first_published_at")
        .values("first_published_at")[:1],
        output_field=DateTimeField(),
    )


def _interpretations(organization, moment: Moment) -> QuerySet:
    return (
        InformationItem.objects.filter(
            organization=organization,
            interpretation_due_on__isnull=False,
            first_published_at__isnull=False,
        )
        .annotate(
            dept=_or_office(
                organization, F("live_revision__lead_department"), F("latest_revision__lead_department")
            ),
            first_interpretation_at=_first_interpretation(),
        )
        .annotate(done_on=local_day("first_interpretation_at"))
        .annotate(
            bucket=_buckets(
                (Q(done_on__isnull=False, done_on__lte=F("interpretation_due_on")), "on_time"),
                (Q(done_on__isnull=False), "late"),
                (Q(interpretation_due_on__lt=moment.today), "missing"),
                default="pending",
            )
        )
    )


def _concern_clocks(organization, moment: Moment) -> QuerySet:
    met = Q(met_at__isnull=False)
    return Clock.objects.filter(case__organization=organization).annotate(
        dept=_or_office(organization, F("case__department")),
        bucket=_buckets(
            (met & Q(met_at__lte=F("due_at")), "on_time"),
            (met, "late"),
            (Q(due_at__lte=moment.now), "breached"),
            default="running",
        ),
    )


def _consultation_feedback(organization, moment: Moment) -> QuerySet:
    return (
        Consultation.objects.filter(organization=organization, feedback_due_on__isnull=False)
        .annotate(
            dept=_or_office(organization, F("department")),
            done_on=local_day("feedback_item__first_published_at"),
        )
        .annotate(
            bucket=_buckets(
                (Q(done_on__isnull=False, done_on__lte=F("feedback_due_on")), "on_time"),
                (Q(done_on__isnull=False), "late"),
                (Q(feedback_due_on__lt=moment.today), "overdue"),
                default="pending",
            )
        )
    )


REPLIED_MESSAGE = (MessageStatus.ANSWERED, MessageStatus.REJECTED)


def _messages(organization, moment: Moment) -> QuerySet:
    replied = Q(status__in=REPLIED_MESSAGE, answered_at__isnull=False)
    return (
        Message.objects.filter(organization=organization)
        .annotate(dept=_or_office(organization, F("department")), done_on=local_day("answered_at"))
        .annotate(
            bucket=_buckets(
                (replied & Q(done_on__lte=F("due_on")), "on_time"),
                (replied, "late"),
                (Q(final_due_on__lt=moment.today), "over_limit"),
                (Q(due_on__lt=moment.today), "overdue"),
                default="pending",
            )
        )
    )


def _overdue_after(moment: Moment) -> SqlCase:
    """The instant before which a column's last publication makes it overdue today, per column kind and
    update frequency: catalogue.health.rule_for's limit for each combination (None: no limit)."""
    zone = timezone.get_current_timezone()
    whens = []
    kinds = [*ColumnKind.values, ""]
    frequencies = [*UpdateFrequency.values, ""]
    for kind in kinds:
        for frequency in frequencies:
            rule = health.rule_for(CatalogueEntry(column_kind=kind, update_frequency=frequency))
            if rule.days is None:
                continue
            # overdue when today > last + days, i.e. last (local date) < today - days
            cutoff = datetime.datetime.combine(
                moment.today - datetime.timedelta(days=rule.days), datetime.time.min, tzinfo=zone
            )
            whens.append(When(Q(column_kind=kind, update_frequency=frequency), then=Value(cutoff)))
    return SqlCase(*whens, default=Value(None), output_field=DateTimeField())


def _catalogue(organization, moment: Moment) -> QuerySet:
    published = InformationItem.objects.published().filter(
        organization=organization, live_revision__catalogue_entry=OuterRef("pk")
    )
    last = Subquery(
        published.annotate(at=Coalesce("live_revision__published_at", "published_at"))
        .order_by("-at")
        .values("at")[:1],
        output_field=DateTimeField(),
    )
    return (
        CatalogueEntry.objects.filter(organization=organization)
        .exclude(Exists(CatalogueEntry.objects.filter(parent_id=OuterRef("pk"))))
        .annotate(
            dept=_or_office(organization, F("responsible_department")),
            last_published_at=last,
            overdue_before=_overdue_after(moment),
        )
        .annotate(
            bucket=_buckets(
                (Q(last_published_at__isnull=True), "empty"),
                (Q(overdue_before__isnull=False, last_published_at__lt=F("overdue_before")), "overdue"),
                default="ok",
            )
        )
    )


def _findings(organization, moment: Moment) -> QuerySet:
    live = Q(revision__item__live_revision=F("revision"), revision__item__status=ItemStatus.PUBLISHED)
    current = Q(revision__item__latest_revision=F("revision")) | live
    blocking = Q(severity=Severity.BLOCKING)
    return (
        Finding.objects.filter(current, revision__item__organization=organization, status=FindingStatus.OPEN)
        .exclude(revision__item__status=ItemStatus.WITHDRAWN)
        .filter(severity__in=(Severity.BLOCKING, Severity.WARNING))
        .annotate(
            dept=_or_office(organization, F("revision__lead_department")),
            bucket=_buckets(
                (live & blocking, "live_blocking"),
                (live, "live_warning"),
                (blocking, "draft_blocking"),
                default="draft_warning",
            ),
        )
    )


REPLIED_REPORT = (ReportStatus.ANSWERED, ReportStatus.REJECTED)


def _error_reports(organization, moment: Moment) -> QuerySet:
    replied = Q(status__in=REPLIED_REPORT, answered_at__isnull=False)
    return (
        ErrorReport.objects.filter(organization=organization)
        .annotate(
            dept=_or_office(
                organization,
                F("item__live_revision__lead_department"),
                F("item__latest_revision__lead_department"),
            ),
            done_on=local_day("answered_at"),
        )
        .annotate(
            bucket=_buckets(
                (replied & Q(done_on__lte=F("due_on")), "on_time"),
                (replied, "late"),
                (Q(due_on__lt=moment.today), "overdue"),
                default="pending",
            )
        )
    )


def _date_period(field_name: str) -> Callable[[QuerySet, datetime.date, datetime.date], QuerySet]:
    def narrow(queryset: QuerySet, start: datetime.date, end: datetime.date) -> QuerySet:
        return queryset.filter(**{f"{field_name}__gte": start, f"{field_name}__lte": end})

    return narrow


def _instant_period(field_name: str) -> Callable[[QuerySet, datetime.date, datetime.date], QuerySet]:
    def narrow(queryset: QuerySet, start: datetime.date, end: datetime.date) -> QuerySet:
        begin, finish = local_bounds(start, end)
        return queryset.filter(**{f"{field_name}__gte": begin, f"{field_name}__lt": finish})

    return narrow


def _no_period(queryset: QuerySet, start: datetime.date, end: datetime.date) -> QuerySet:
    return queryset


@dataclass(frozen=True)
class Source:
    records: Callable[[object, Moment], QuerySet]
    period: Callable[[QuerySet, datetime.date, datetime.date], QuerySet]
    related: tuple[str, ...] = field(default=())
    order: tuple[str, ...] = field(default=("pk",))


SOURCES: dict[str, Source] = {
    "publications": Source(
        _publications,
        _date_period("publication_due_on"),
        ("latest_revision", "latest_revision__lead_department"),
        ("publication_due_on", "pk"),
    ),
    "interpretations": Source(
        _interpretations,
        _instant_period("first_published_at"),
        ("live_revision", "live_revision__lead_department", "latest_revision"),
        ("interpretation_due_on", "pk"),
    ),
    "concern_clocks": Source(
        _concern_clocks, _instant_period("started_at"), ("case", "case__department"), ("due_at", "pk")
    ),
    "consultation_feedback": Source(
        _consultation_feedback,
        _date_period("feedback_due_on"),
        ("department", "feedback_item"),
        ("feedback_due_on", "pk"),
    ),
    "messages": Source(_messages, _date_period("due_on"), ("department",), ("due_on", "pk")),
    "catalogue": Source(_catalogue, _no_period, ("responsible_department",), ("ordering", "code", "pk")),
    "findings": Source(
        _findings,
        _no_period,
        ("revision", "revision__item", "revision__lead_department"),
        ("revision__item_id", "field", "start", "pk"),
    ),
    "error_reports": Source(
        _error_reports,
        _date_period("due_on"),
        ("item", "item__live_revision", "item__latest_revision"),
        ("due_on", "pk"),
    ),
}


def records(
    key: str,
    organization,
    start: datetime.date,
    end: datetime.date,
    *,
    today: datetime.date | None = None,
    now: datetime.datetime | None = None,
    department: int | None = None,
) -> QuerySet:
    """The records figure `key` counts for the period, annotated with ``dept`` and ``bucket``."""
    source = SOURCES[key]
    queryset = source.period(source.records(organization, Moment.of(today, now)), start, end)
    if department is not None:
        queryset = queryset.filter(dept=department)
    return queryset


def _count(key: str, queryset: QuerySet) -> Counts:
    """ONE query: per department, one conditional count per bucket."""
    figure = FIGURES[key]
    out: Counts = {}
    for row in queryset.order_by().values("dept", "bucket").annotate(n=Count("pk")):
        out.setdefault(row["dept"], dict.fromkeys(figure.bucket_keys, 0))[row["bucket"]] = row["n"]
    return out


def counts(
    key: str,
    organization,
    start: datetime.date,
    end: datetime.date,
    *,
    today: datetime.date | None = None,
    now: datetime.datetime | None = None,
    department: int | None = None,
) -> Counts:
    """Figure `key` per department for the period (one query); departments with nothing are absent."""
    return _count(key, records(key, organization, start, end, today=today, now=now, department=department))


# The figures one by one (each is one query; see the module's docstring for the definitions).


def publication_timeliness(organization, start, end, *, today=None, department=None) -> Counts:
    return counts("publications", organization, start, end, today=today, department=department)


def interpretation_timeliness(organization, start, end, *, today=None, department=None) -> Counts:
    return counts("interpretations", organization, start, end, today=today, department=department)


def concern_clock_compliance(organization, start, end, *, now=None, department=None) -> Counts:
    return counts("concern_clocks", organization, start, end, now=now, department=department)


def consultation_feedback_timeliness(organization, start, end, *, today=None, department=None) -> Counts:
    return counts("consultation_feedback", organization, start, end, today=today, department=department)


def message_timeliness(organization, start, end, *, today=None, department=None) -> Counts:
    return counts("messages", organization, start, end, today=today, department=department)


def catalogue_health(organization, *, today=None, department=None) -> Counts:
    today = today or timezone.localdate()
    return counts("catalogue", organization, today, today, today=today, department=department)


def open_findings(organization, *, department=None) -> Counts:
    today = timezone.localdate()
    return counts("findings", organization, today, today, department=department)


def error_report_timeliness(organization, start, end, *, today=None, department=None) -> Counts:
    return counts("error_reports", organization, start, end, today=today, department=department)


# --- the dashboard: all figures with totals and rates ------------------------------------------------


@dataclass
class Line:
    """One department's row of a figure (department None: the organisation's total)."""

    department_id: int | None
    name: str
    values: dict[str, int]
    figure: Figure

    @property
    def cells(self) -> list[tuple[Bucket, int]]:
        return [(b, self.values.get(b.key, 0)) for b in self.figure.buckets]

    @property
    def total(self) -> int:
        return sum(self.values.get(b.key, 0) for b in self.figure.buckets)

    @property
    def rate(self) -> float | None:
        return self.figure.rate(self.values)


@dataclass
class Table:
    figure: Figure
    lines: list[Line]  # departments with something, in the organisation's order
    total: Line

    @property
    def empty(self) -> bool:
        return self.total.total == 0


def departments_of(organization) -> list[Department]:
    return list(Department.objects.filter(organization=organization).order_by("ordering", "code", "pk"))


def table(
    key: str,
    organization,
    start,
    end,
    *,
    departments: list[Department],
    today=None,
    now=None,
    department: int | None = None,
) -> Table:
    figure = FIGURES[key]
    found = counts(key, organization, start, end, today=today, now=now, department=department)
    lines = []
    for dept in departments:
        if dept.pk in found:
            lines.append(Line(dept.pk, dept.name, found.pop(dept.pk), figure))
    for dept_id, values in found.items():  # no office to fall back to: "未指定科室"
        lines.append(Line(dept_id, "未指定科室", values, figure))
    total = {b: sum(line.values.get(b, 0) for line in lines) for b in figure.bucket_keys}
    return Table(figure, lines, Line(None, "合计", total, figure))


def dashboard(
    organization, start, end, *, today=None, now=None, department: int | None = None
) -> list[Table]:
    """Every figure for the period (one query each, plus one for the departments' names)."""
    moment = Moment.of(today, now)
    departments = departments_of(organization)
    return [
        table(
            key,
            organization,
            start,
            end,
            departments=departments,
            today=moment.today,
            now=moment.now,
            department=department,
        )
        for key in FIGURES
    ]


# --- the drill-down: the records behind a number -----------------------------------------------------


def _day(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d")
    return value.isoformat()


def _moment(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


@dataclass(frozen=True)
class DrillRow:
    pk: int
    cells: tuple
    url: str
    bucket: Bucket
    department: str


def _item_title(item) -> str:
    revision = item.live_revision or item.latest_revision
    return revision.title if revision else f"#{item.pk}"


def _describe(key: str, obj, names: dict[int, str], paths: dict[int, str]) -> tuple[tuple, str]:
    figure = FIGURES[key]
    state = figure.bucket(obj.bucket).label
    dept = names.get(obj.dept, "未指定科室")
    if key == "publications":
        revision = obj.latest_revision
        return (
            (
                revision.title,
                obj.index_number or "",
                dept,
                _day(obj.publication_due_on),
                _moment(revision.published_at),
                state,
            ),
            reverse("console:item", args=[obj.pk]),
        )
    if key == "interpretations":
        return (
            (
                _item_title(obj),
                obj.index_number or "",
                dept,
                _day(obj.first_published_at),
                _day(obj.interpretation_due_on),
                _day(obj.first_interpretation_at),
                state,
            ),
            reverse("console:item", args=[obj.pk]),
        )
    if key == "concern_clocks":
        return (
            (
                obj.case.title,
                obj.get_kind_display(),
                dept,
                _moment(obj.started_at),
                _moment(obj.due_at),
                _moment(obj.met_at),
                state,
            ),
            reverse("concerns:case", args=[obj.case_id]),
        )
    if key == "consultation_feedback":
        published = obj.feedback_item.first_published_at if obj.feedback_item_id else None
        return (
            (obj.title, dept, _day(obj.closes_on), _day(obj.feedback_due_on), _moment(published), state),
            reverse("participation_console:consultation_detail", args=[obj.pk]),
        )
    if key == "messages":
        return (
            (
                masked_text(obj.subject),  # as the message console shows it to those without the right
                obj.get_kind_display(),
                dept if obj.department_id else f"{dept}(未分办)",
                _moment(obj.created_at),
                _day(obj.due_on),
                _moment(obj.answered_at),
                state if obj.status != MessageStatus.REJECTED else f"{state}(不予受理)",
            ),
            reverse("participation_console:message_detail", args=[obj.pk]),
        )
    if key == "catalogue":
        rule = health.rule_for(obj)
        return (
            (
                paths.get(obj.pk, obj.name),
                obj.code,
                dept,
                obj.item_count,
                _day(obj.last_published_at) or "从未发布",
                rule.label,
                state,
            ),
            reverse("console:catalogue_health"),
        )
    if key == "findings":
        revision = obj.revision
        return (
            (
                revision.title,
                f"第{revision.number}版",
                dept,
                obj.field_label or obj.field,
                obj.get_category_display(),
                obj.matched,
                _moment(obj.found_at),
                state,
            ),
            reverse("console:item", args=[revision.item_id]),
        )
    if key == "error_reports":
        return (
            (
                obj.reference,
                obj.page_url,
                obj.get_category_display(),
                dept,
                _moment(obj.created_at),
                _day(obj.due_on),
                _moment(obj.answered_at),
                state if obj.status != ReportStatus.REJECTED else f"{state}(认定无效)",
            ),
            reverse("feedback_console:detail", args=[obj.pk]),
        )
    raise KeyError(key)


def _catalogue_paths(organization) -> dict[int, str]:
    entries = {
        e["pk"]: e
        for e in CatalogueEntry.objects.filter(organization=organization).values("pk", "name", "parent")
    }
    paths = {}
    for pk in entries:
        names, node, seen = [], entries.get(pk), set()
        while node is not None and node["pk"] not in seen:
            seen.add(node["pk"])
            names.append(node["name"])
            node = entries.get(node["parent"])
        paths[pk] = " / ".join(reversed(names))
    return paths


def drill_queryset(
    key: str,
    organization,
    start,
    end,
    *,
    department: int | None = None,
    bucket: str | None = None,
    today=None,
    now=None,
) -> QuerySet:
    """The records behind figure `key` for one department (None: all) and bucket (None: all), in the
    order the drill-down lists them: the figure's own queryset, narrowed, never a second definition."""
    source = SOURCES[key]
    queryset = records(key, organization, start, end, today=today, now=now, department=department)
    if bucket is not None:
        queryset = queryset.filter(bucket=bucket)
    if key == "catalogue":
        queryset = queryset.annotate(
            item_count=Subquery(
                InformationItem.objects.published()
                .filter(organization=organization, live_revision__catalogue_entry=OuterRef("pk"))
                .order_by()
                .values("live_revision__catalogue_entry")
                .annotate(n=Count("pk"))
                .values("n")[:1],
                output_field=IntegerField(),
            )
        )
    return queryset.select_related(*source.related).order_by(*source.order)


def describe(key: str, organization, objects) -> list[DrillRow]:
    """The drill-down's rows (cells in the order of the figure's headers, a console link, the state)."""
    figure = FIGURES[key]
    names = dict(Department.objects.filter(organization=organization).values_list("pk", "name"))
    paths = _catalogue_paths(organization) if key == "catalogue" else {}
    out = []
    for obj in objects:
        if key == "catalogue" and obj.item_count is None:
            obj.item_count = 0
        cells, url = _describe(key, obj, names, paths)
        out.append(DrillRow(obj.pk, cells, url, figure.bucket(obj.bucket), names.get(obj.dept, "未指定科室")))
    return out


def drill_down(key: str, organization, start, end, **kwargs) -> list[DrillRow]:
    return describe(key, organization, list(drill_queryset(key, organization, start, end, **kwargs)))


# --- who sees what -----------------------------------------------------------------------------------

NOT_ALLOWED = "只有办公室编辑、分管领导和科室负责人可以查看统计监督。"
NO_DEPARTMENT = "您是科室负责人,但尚未分配科室,无法查看本科室的统计。请联系系统管理员。"
OTHER_DEPARTMENT = "科室负责人只能查看本科室的统计,不能查看其他科室。"


def sees_organization(membership) -> bool:
    """Office editors and leaders oversee the whole organisation."""
    return membership is not None and (
        membership.has_role(Role.OFFICE_EDITOR) or membership.has_role(Role.LEADER)
    )


def access_failures(membership) -> list[str]:
    """Why this member may not see the oversight pages (empty when they may)."""
    if sees_organization(membership):
        return []
    if membership is not None and membership.has_role(Role.DEPARTMENT_HEAD):
        return [] if membership.department_id else [NO_DEPARTMENT]
    return [NOT_ALLOWED]


def department_failures(membership, department_id: int | None) -> list[str]:
    """Whether the member may see `department_id` (None: the whole organisation)."""
    if sees_organization(membership):
        return []
    if department_id is not None and department_id != membership.department_id:
        return [OTHER_DEPARTMENT]
    return []


# --- Excel -------------------------------------------------------------------------------------------


SUMMARY_HEADERS = ("指标", "统计口径", "科室", "分类", "数量")


def summary_rows(tables: list[Table], start, end, today) -> list[list]:
    """The dashboard as rows: figure, scope, department, bucket (合计 and 按时率 too), number."""
    rows = []
    for tab in tables:
        figure = tab.figure
        scope = f"{start:%Y-%m-%d} 至 {end:%Y-%m-%d}" if figure.in_period else f"截至 {today:%Y-%m-%d}"
        for line in [*tab.lines, tab.total]:
            for bucket, n in line.cells:
                rows.append([figure.title, scope, line.name, bucket.label, n])
            rows.append([figure.title, scope, line.name, "合计", line.total])
            if figure.decided:
                rate = line.rate
                rows.append(
                    [
                        figure.title,
                        scope,
                        line.name,
                        "按时率(%)" if figure.key != "catalogue" else "正常率(%)",
                        rate if rate is not None else "—",
                    ]
                )
    return rows


def summary_xlsx(tables: list[Table], start, end, today) -> bytes:
    return write_sheet(
        "统计监督", SUMMARY_HEADERS, summary_rows(tables, start, end, today), [24, 26, 18, 24, 10]
    )


def drill_down_xlsx(key: str, rows: list[DrillRow]) -> bytes:
    figure = FIGURES[key]
    widths = [40 if n == 0 else 16 for n in range(len(figure.headers))]
    return write_sheet(figure.title[:31], figure.headers, [list(r.cells) for r in rows], widths)
