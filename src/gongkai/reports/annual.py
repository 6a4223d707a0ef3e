"""政府信息公开工作年度报告 (条例 第49–50条) in the national format of 国办公开办函〔2021〕30号.

The six parts:
  一、总体情况 — text by staff, prefilled with what the system knows of the year (``system_figures``);
  二、主动公开政府信息情况 — 规章 and 行政规范性文件 made, abolished and in force COUNTED from the records
      (``document_counts``, one query per figure); 行政许可, 行政处罚, 行政强制 decisions and 行政事业性收费
      ENTERED by staff (the system does not handle them);
  三、收到和处理政府信息公开申请情况 — ENTERED (applications are handled outside the system), totals computed;
  四、政府信息公开行政复议、行政诉讼情况 — ENTERED, totals computed;
  五、存在的主要问题及改进情况 and 六、其他需要报告的事项 — text by staff.

Entered figures are stored as JSON (``AnnualReport.figures``) in the shape of ``ENTERED_SCHEMA``: only the
cells staff fill in, never a total. The tables are laid out once as grids (``Grid``) that the Word file,
the HTML body of the publication and the console form all draw, so they cannot drift apart.

Counting rules (part 二): a column holds 规章 when it or an ancestor is marked ``document_kind=regulation``;
otherwise it holds 行政规范性文件 when its interpretation scope (its own or the nearest ancestor's, as the
interpretation rules read it) is 行政规范性文件. A document counts once, by its current column:
  本年制发 — published, and the 成文日期 of its first published revision falls in the year;
  本年废止 — published, abolished (废止日期) in the year;
  现行有效 — published, formed on or before 31 December, neither abolished nor expired on or before it.
Interpretation materials filed in such a column are not documents and never count.
"""

from __future__ import annotations

import dataclasses
import datetime
import io
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Count, DateField, OuterRef, Q, QuerySet, Subquery
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt

from gongkai.audit import services as audit
from gongkai.catalogue.constants import InterpretationScope
from gongkai.catalogue.models import CatalogueEntry, DocumentKind, annual_report_column_q
from gongkai.console.services import notify
from gongkai.orgs.constants import Role
from gongkai.orgs.models import Organization, User
from gongkai.orgs.selectors import membership_for
from gongkai.publishing import permissions as publishing_permissions
from gongkai.publishing import services as publishing
from gongkai.publishing.constants import ItemStatus, RevisionStatus
from gongkai.publishing.exceptions import WorkflowError, require
from gongkai.publishing.files import safe_name
from gongkai.publishing.models import InformationItem, Revision

from .exports import BODY_FONT, DOCX_TYPE, HEADING_FONT, LATIN_FONT, _east_asian, _run, _write
from .models import AnnualReminder, AnnualReport

FIRST_YEAR = 2008  # 《中华人民共和国政府信息公开条例》 took effect on 1 May 2008
MAX_COUNT = 999_999_999
MAX_FEES = Decimal("999999999.9999")
FEE_PLACES = 4
MAX_TEXT = 30_000
DEADLINE_MONTH, DEADLINE_DAY = 1, 31  # 条例 第50条: published by 31 January of the next year
REMINDER_DAYS = (10, 20, 25, 30)  # of January
REMINDER_KIND = "reports.annual.reminder"

REGULATION = "regulation"
NORMATIVE = "normative"
DOCUMENT_KINDS = ((REGULATION, "规章"), (NORMATIVE, "行政规范性文件"))

# --- the entered figures: schema --------------------------------------------------------------------

# Part 二, the cells staff enter: (key, 信息内容, the article of 条例 第二十条).
DECISIONS = (
    ("licensing", "行政许可", "第二十条第(五)项"),
    ("penalty", "行政处罚", "第二十条第(六)项"),
    ("enforcement", "行政强制", "第二十条第(六)项"),
)
FEES = "fees"

# Part 三: the applicant columns (the 总计 column is computed).
APPLICANTS = (
    ("natural", "自然人"),
    ("business", "商业企业"),
    ("research", "科研机构"),
    ("public_interest", "社会公益组织"),
    ("legal_service", "法律服务机构"),
    ("other_org", "其他"),
)
RESULTS = "三、本年度办理结果"
REFUSED = "(三)不予公开"
UNABLE = "(四)无法提供"
NOT_PROCESSED = "(五)不予处理"
OTHER_HANDLING = "(六)其他处理"
RESULTS_TOTAL = "results_total"
# Part 三: the rows, each with its labels from the outermost in; every row but (七)总计 is entered.
APPLICATION_ROWS = (
    ("new", ("一、本年新收政府信息公开申请数量",)),
    ("carried_over", ("二、上年结转政府信息公开申请数量",)),
    ("granted", (RESULTS, "(一)予以公开")),
    ("partly", (RESULTS, "(二)部分公开(区分处理的,只计这一情形,不计其他情形)")),
    ("refused_secret", (RESULTS, REFUSED, "1.属于国家秘密")),
    ("refused_law", (RESULTS, REFUSED, "2.其他法律行政法规禁止公开")),
    ("refused_safety", (RESULTS, REFUSED, "3.危及“三安全一稳定”")),
    ("refused_third_party", (RESULTS, REFUSED, "4.保护第三方合法权益")),
    ("refused_internal", (RESULTS, REFUSED, "5.属于三类内部事务信息")),
    ("refused_process", (RESULTS, REFUSED, "6.属于四类过程性信息")),
    ("refused_enforcement", (RESULTS, REFUSED, "7.属于行政执法案卷")),
    ("refused_inquiry", (RESULTS, REFUSED, "8.属于行政查询事项")),
    ("unable_not_held", (RESULTS, UNABLE, "1.本机关不掌握相关政府信息")),
    ("unable_not_existing", (RESULTS, UNABLE, "2.没有现成信息需要另行制作")),
    ("unable_unclear", (RESULTS, UNABLE, "3.补正后申请内容仍不明确")),
    ("ignored_petition", (RESULTS, NOT_PROCESSED, "1.信访举报投诉类申请")),
    ("ignored_repeat", (RESULTS, NOT_PROCESSED, "2.重复申请")),
    ("ignored_publication", (RESULTS, NOT_PROCESSED, "3.要求提供公开出版物")),
    ("ignored_mass", (RESULTS, NOT_PROCESSED, "4.无正当理由大量反复申请")),
    ("ignored_confirm", (RESULTS, NOT_PROCESSED, "5.要求行政机关确认或重新出具已获取信息")),
    (
        "other_no_correction",
        (
            RESULTS,
            OTHER_HANDLING,
            "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        ),
    ),
    (
        "other_no_fee",
        (
            RESULTS,
            OTHER_HANDLING,
            "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        ),
    ),
    ("other_other", (RESULTS, OTHER_HANDLING, "3.其他")),
    (RESULTS_TOTAL, (RESULTS, "(七)总计")),
    ("carried_forward", ("四、结转下年度继续办理",)),
)
ENTERED_ROWS = tuple(key for key, _labels in APPLICATION_ROWS if key != RESULTS_TOTAL)
RESULT_ROWS = tuple(key for key, labels in APPLICATION_ROWS if labels[0] == RESULTS and key != RESULTS_TOTAL)
APPLICATION_LABELS = dict(APPLICATION_ROWS)
CONSISTENCY_NOTE = "(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和)"

# Part 四.
REVIEW_GROUPS = (
    ("reconsideration", "行政复议"),
    ("litigation_direct", "未经复议直接起诉"),
    ("litigation_after", "复议后起诉"),
)
OUTCOMES = (
    ("maintained", "结果维持"),
    ("corrected", "结果纠正"),
    ("other", "其他结果"),
    ("pending", "尚未审结"),
)

# The stored JSON: {"decisions": {key: int}, "fees": "decimal", "applications": {row: {column: int}},
# "reviews": {group: {outcome: int}}}. A missing cell reads as 0.
ENTERED_SCHEMA = {
    "decisions": {key: "int" for key, _l, _a in DECISIONS},
    FEES: "decimal(万元, 4 places)",
    "applications": {row: {column: "int" for column, _l in APPLICANTS} for row in ENTERED_ROWS},
    "reviews": {group: {outcome: "int" for outcome, _l in OUTCOMES} for group, _l in REVIEW_GROUPS},
}


def decision_field(key: str) -> str:
    return f"decision-{key}"


FEES_FIELD = "fees"


def application_field(row: str, column: str) -> str:
    return f"app-{row}-{column}"


def review_field(group: str, outcome: str) -> str:
    return f"review-{group}-{outcome}"


def _field_labels() -> dict[str, str]:
    """Every entered cell's form field name → how a person names it (for messages)."""
    labels = {decision_field(key): f"{label} 本年处理决定数量" for key, label, _a in DECISIONS}
    labels[FEES_FIELD] = "行政事业性收费 本年收费金额"
    applicants = dict(APPLICANTS)
    for row in ENTERED_ROWS:
        row_label = "".join(APPLICATION_LABELS[row][1:]) or APPLICATION_LABELS[row][0]
        for column, column_label in APPLICANTS:
            who = f"法人或其他组织-{column_label}" if column != "natural" else applicants[column]
            labels[application_field(row, column)] = f"申请情况“{row_label}”({who})"
    groups = dict(REVIEW_GROUPS)
    for group, _label in REVIEW_GROUPS:
        prefix = "行政复议" if group == "reconsideration" else f"行政诉讼({groups[group]})"
        for outcome, outcome_label in OUTCOMES:
            labels[review_field(group, outcome)] = f"{prefix}{outcome_label}"
    return labels


FIELD_LABELS = _field_labels()
COUNT_FIELDS = tuple(name for name in FIELD_LABELS if name != FEES_FIELD)


def _number_text(value: Any) -> str:
    """The text of a typed number: full-width digits read as digits, thousands separators dropped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "x"  # never a number
    return unicodedata.normalize("NFKC", str(value)).strip().replace(",", "").replace(" ", "")


def _parse_count(name: str, value: Any) -> tuple[int, str | None]:
    text = _number_text(value)
    if text == "":
        return 0, None
    if not text.isascii() or not text.isdigit():
        return 0, f"“{FIELD_LABELS[name]}”须填写不小于0的整数。"
    number = int(text)
    if number > MAX_COUNT:
        return 0, f"“{FIELD_LABELS[name]}”不能超过{MAX_COUNT}。"
    return number, None


def _parse_fees(value: Any) -> tuple[Decimal, str | None]:
    text = _number_text(value)
    label = FIELD_LABELS[FEES_FIELD]
    if text == "":
        return Decimal(0), None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return Decimal(0), f"“{label}”须填写金额(单位:万元),例如 12.5。"
    if not amount.is_finite():
        return Decimal(0), f"“{label}”须填写金额(单位:万元),例如 12.5。"
    if amount < 0:
        return Decimal(0), f"“{label}”不能为负数。"
    if amount > MAX_FEES:
        return Decimal(0), f"“{label}”不能超过{MAX_FEES:,.0f}万元。"
    if -amount.as_tuple().exponent > FEE_PLACES:
        return Decimal(0), f"“{label}”以万元为单位,最多保留{FEE_PLACES}位小数。"
    return amount, None


@dataclass(frozen=True)
class Entered:
    """The entered figures, complete (a missing cell is 0)."""

    decisions: dict[str, int]
    fees: Decimal
    applications: dict[str, dict[str, int]]
    reviews: dict[str, dict[str, int]]

    def to_json(self) -> dict[str, Any]:
        fees = format(self.fees.normalize(), "f") if self.fees else "0"
        return {
            "decisions": dict(self.decisions),
            FEES: fees,
            "applications": {row: dict(cells) for row, cells in self.applications.items()},
            "reviews": {group: dict(cells) for group, cells in self.reviews.items()},
        }

    def values(self) -> dict[str, str]:
        """Form field name → its value as text (the form's initial data)."""
        out = {decision_field(key): str(n) for key, n in self.decisions.items()}
        out[FEES_FIELD] = self.to_json()[FEES]
        for row, cells in self.applications.items():
            for column, n in cells.items():
                out[application_field(row, column)] = str(n)
        for group, cells in self.reviews.items():
            for outcome, n in cells.items():
                out[review_field(group, outcome)] = str(n)
        return out


def parse_entered(values: Mapping[str, Any]) -> tuple[Entered, dict[str, list[str]]]:
    """Form values (field name → text) to figures, with the Chinese message of each bad cell.

    A blank cell is 0. Bad cells read as 0 in the figures returned, so use them only when there is no
    error (``clean_entered`` refuses)."""
    errors: dict[str, list[str]] = {}

    def count(name: str) -> int:
        number, error = _parse_count(name, values.get(name))
        if error:
            errors[name] = [error]
        return number

    decisions = {key: count(decision_field(key)) for key, _l, _a in DECISIONS}
    fees, fee_error = _parse_fees(values.get(FEES_FIELD))
    if fee_error:
        errors[FEES_FIELD] = [fee_error]
    applications = {
        row: {column: count(application_field(row, column)) for column, _l in APPLICANTS}
        for row in ENTERED_ROWS
    }
    reviews = {
        group: {outcome: count(review_field(group, outcome)) for outcome, _l in OUTCOMES}
        for group, _l in REVIEW_GROUPS
    }
    return Entered(decisions, fees, applications, reviews), errors


def clean_entered(values: Mapping[str, Any]) -> Entered:
    """The entered figures, or ValidationError({field name: [Chinese message]}) naming every bad cell."""
    entered, errors = parse_entered(values)
    if errors:
        raise ValidationError(errors)
    return entered


def entered_from_json(figures: Any) -> Entered:
    """The stored JSON read back (unknown keys ignored, missing or unreadable cells as 0)."""
    figures = figures if isinstance(figures, dict) else {}
    values: dict[str, Any] = {}
    decisions = figures.get("decisions") if isinstance(figures.get("decisions"), dict) else {}
    for key, _l, _a in DECISIONS:
        values[decision_field(key)] = decisions.get(key)
    values[FEES_FIELD] = figures.get(FEES)
    applications = figures.get("applications") if isinstance(figures.get("applications"), dict) else {}
    for row in ENTERED_ROWS:
        cells = applications.get(row) if isinstance(applications.get(row), dict) else {}
        for column, _l in APPLICANTS:
            values[application_field(row, column)] = cells.get(column)
    reviews = figures.get("reviews") if isinstance(figures.get("reviews"), dict) else {}
    for group, _l in REVIEW_GROUPS:
        cells = reviews.get(group) if isinstance(reviews.get(group), dict) else {}
        for outcome, _l2 in OUTCOMES:
            values[review_field(group, outcome)] = cells.get(outcome)
    entered, _errors = parse_entered(values)
    return entered


# --- computed totals ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Totals:
    """The totals of parts 三 and 四, computed from the entered cells."""

    application_rows: dict[str, dict[str, int]]  # every row of part 三 incl. (七)总计, each with "total"
    reviews: dict[str, dict[str, int]]  # every group with "total"
    problems: list[str]  # the 勾稽关系 of part 三 that do not hold


def totals_of(entered: Entered) -> Totals:
    rows: dict[str, dict[str, int]] = {}
    for row in ENTERED_ROWS:
        cells = dict(entered.applications[row])
        cells["total"] = sum(cells.values())
        rows[row] = cells
    total_row = {
        column: sum(entered.applications[row][column] for row in RESULT_ROWS) for column, _ in APPLICANTS
    }
    total_row["total"] = sum(total_row.values())
    rows[RESULTS_TOTAL] = total_row
    reviews = {}
    for group, _label in REVIEW_GROUPS:
        cells = dict(entered.reviews[group])
        cells["total"] = sum(cells.values())
        reviews[group] = cells
    problems = []
    columns = [*APPLICANTS, ("total", "总计")]
    for column, label in columns:
        received = rows["new"][column] + rows["carried_over"][column]
        handled = rows[RESULTS_TOTAL][column] + rows["carried_forward"][column]
        if received != handled:
            name = f"法人或其他组织-{label}" if column not in ("natural", "total") else label
            problems.append(
                f"第三部分“{name}”列:本年新收与上年结转之和为{received},办理结果总计与结转下年度之和为"
                f"{handled},两者应当相等(勾稽关系)。"
            )
    return Totals(rows, reviews, problems)


# --- counted figures (part 二): one query per figure ---------------------------------------------------


def entry_ids_by_kind(organization: Organization | int) -> dict[str, set[int]]:
    """The organisation's catalogue entries holding 规章 and 行政规范性文件 (one query).

    规章: the entry or an ancestor is marked ``regulation``. 行政规范性文件: otherwise, the interpretation
    scope read as ``interpretation.rules.scope_of`` reads it (own, else the nearest ancestor's 须解读 or
    行政规范性文件) is 行政规范性文件."""
    organization_id = getattr(organization, "pk", organization)
    rows = {
        pk: (parent, kind, scope)
        for pk, parent, kind, scope in CatalogueEntry.objects.filter(
            organization_id=organization_id
        ).values_list("pk", "parent_id", "document_kind", "interpretation")
    }
    out: dict[str, set[int]] = {REGULATION: set(), NORMATIVE: set()}
    for pk in rows:
        regulation, scope, node, seen = False, None, pk, set()
        while node is not None and node in rows and node not in seen:
            seen.add(node)
            parent, kind, interpretation = rows[node]
            if kind == DocumentKind.REGULATION:
                regulation = True
                break
            if scope is None and interpretation in (
                InterpretationScope.REQUIRED,
                InterpretationScope.NORMATIVE,
            ):
                scope = interpretation
            node = parent
        if regulation:
            out[REGULATION].add(pk)
        elif scope == InterpretationScope.NORMATIVE:
            out[NORMATIVE].add(pk)
    return out


def _documents(organization_id: int, entry_ids: set[int]) -> QuerySet[InformationItem]:
    """Published documents (not interpretation materials) whose live revision sits in one of the entries."""
    return InformationItem.objects.filter(
        organization_id=organization_id,
        status=ItemStatus.PUBLISHED,
        live_revision__isnull=False,
        live_revision__catalogue_entry_id__in=sorted(entry_ids),
        live_revision__interpretation_form="",
    )


def _with_first_formed_on(items: QuerySet[InformationItem]) -> QuerySet[InformationItem]:
    first = (
        Revision.objects.filter(item=OuterRef("pk"), published_at__isnull=False)
        .order_by("number")
        .values("formed_on")[:1]
    )
    return items.annotate(first_formed_on=Subquery(first, output_field=DateField()))


def _year_bounds(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


def made_count(organization_id: int, entry_ids: set[int], year: int) -> int:
    """本年制发件数: the 成文日期 of the first published revision in the year (one query)."""
    start, end = _year_bounds(year)
    items = _with_first_formed_on(_documents(organization_id, entry_ids))
    return items.filter(first_formed_on__gte=start, first_formed_on__lte=end).count()


def abolished_count(organization_id: int, entry_ids: set[int], year: int) -> int:
    """本年废止件数: the 废止日期 in the year (one query)."""
    start, end = _year_bounds(year)
    return (
        _documents(organization_id, entry_ids).filter(abolished_on__gte=start, abolished_on__lte=end).count()
    )


def in_force_count(organization_id: int, entry_ids: set[int], year: int) -> int:
    """现行有效件数 at 31 December: formed by then, neither abolished nor expired by then (one query)."""
    _start, end = _year_bounds(year)
    items = _with_first_formed_on(_documents(organization_id, entry_ids))
    return (
        items.filter(first_formed_on__lte=end)
        .filter(Q(abolished_on__isnull=True) | Q(abolished_on__gt=end))
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gt=end))
        .count()
    )


@dataclass(frozen=True)
class DocumentCounts:
    kind: str
    label: str
    made: int
    abolished: int
    in_force: int


def document_counts(organization: Organization | int, year: int) -> list[DocumentCounts]:
    """The first table of part 二: 规章 and 行政规范性文件, counted from the records."""
    organization_id = getattr(organization, "pk", organization)
    ids = entry_ids_by_kind(organization_id)
    return [
        DocumentCounts(
            kind,
            label,
            made_count(organization_id, ids[kind], year),
            abolished_count(organization_id, ids[kind], year),
            in_force_count(organization_id, ids[kind], year),
        )
        for kind, label in DOCUMENT_KINDS
    ]


# --- what the system knows for part 一 ----------------------------------------------------------------


def _published_in(organization_id: int, year: int) -> QuerySet[InformationItem]:
    start, end = _year_bounds(year)
    return InformationItem.objects.published().filter(
        organization_id=organization_id,
        first_published_at__date__gte=start,
        first_published_at__date__lte=end,
    )


def published_count(organization_id: int, year: int) -> int:
    """Items first published in the year and public now (one query)."""
    return _published_in(organization_id, year).count()


def published_by_heading(organization_id: int, year: int) -> list[tuple[str, int]]:
    """The same items by top-level catalogue heading, most first, then in catalogue order (one query for
    the items, one for the catalogue)."""
    per_entry = dict(
        _published_in(organization_id, year)
        .values_list("live_revision__catalogue_entry")
        .annotate(n=Count("pk"))
        .values_list("live_revision__catalogue_entry", "n")
    )
    entries = {
        pk: (parent, name, position)
        for position, (pk, parent, name) in enumerate(
            CatalogueEntry.objects.filter(organization_id=organization_id)
            .order_by("ordering", "code")
            .values_list("pk", "parent_id", "name")
        )
    }
    counts: dict[tuple[int, str], int] = {}
    for entry_id, n in per_entry.items():
        node, seen = entry_id, set()
        while node in entries and entries[node][0] is not None and node not in seen:
            seen.add(node)
            node = entries[node][0]
        heading = (entries[node][2], entries[node][1]) if node in entries else (len(entries), "未分类")
        counts[heading] = counts.get(heading, 0) + n
    return [
        (name, n) for (_position, name), n in sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))
    ]


def interpretation_count(organization_id: int, year: int) -> int:
    """政策解读 materials first published in the year (one query)."""
    return _published_in(organization_id, year).exclude(live_revision__interpretation_form="").count()


def response_counts(organization_id: int, year: int) -> list[tuple[str, int]]:
    """回应关切: responses to public concerns made in the year, by channel (one query)."""
    from gongkai.concerns.constants import ResponseChannel
    from gongkai.concerns.models import Response

    start, end = _year_bounds(year)
    rows = (
        Response.objects.filter(
            case__organization_id=organization_id,
            responded_at__date__gte=start,
            responded_at__date__lte=end,
        )
        .values_list("channel")
        .annotate(n=Count("pk"))
        .values_list("channel", "n")
    )
    labels = dict(ResponseChannel.choices)
    counts = dict(rows)
    return [
        (str(labels[channel]), counts[channel]) for channel in ResponseChannel.values if counts.get(channel)
    ]


@dataclass(frozen=True)
class SystemFigures:
    published: int
    by_heading: list[tuple[str, int]]
    interpretations: int
    responses: list[tuple[str, int]]

    @property
    def responses_total(self) -> int:
        return sum(n for _label, n in self.responses)


def system_figures(organization: Organization | int, year: int) -> SystemFigures:
    organization_id = getattr(organization, "pk", organization)
    return SystemFigures(
        published=published_count(organization_id, year),
        by_heading=published_by_heading(organization_id, year),
        interpretations=interpretation_count(organization_id, year),
        responses=response_counts(organization_id, year),
    )


OVERVIEW_HEADINGS = (
    "(一)主动公开",
    "(二)依申请公开",
    "(三)政府信息管理",
    "(四)政府信息公开平台建设",
    "(五)监督保障",
)


def overview_prefill(
    organization: Organization, year: int, counts: list[DocumentCounts] | None = None
) -> str:
    """A starting text for part 一: its five headings, the first with the figures the system knows."""
    figures = system_figures(organization, year)
    counts = counts if counts is not None else document_counts(organization, year)
    parts = [f"{year}年,本机关通过政府信息公开平台主动公开政府信息{figures.published}条"]
    if figures.by_heading:
        parts[0] += ",其中" + "、".join(f"{name}{n}条" for name, n in figures.by_heading)
    parts[0] += f";发布政策解读材料{figures.interpretations}条"
    if figures.responses:
        detail = "、".join(f"{label}{n}次" for label, n in figures.responses)
        parts[0] += f";回应社会关切{figures.responses_total}次({detail})"
    parts[0] += "。"
    normative = next(c for c in counts if c.kind == NORMATIVE)
    parts.append(
        f"本年制发行政规范性文件{normative.made}件、废止{normative.abolished}件,"
        f"截至{year}年12月31日现行有效{normative.in_force}件。"
    )
    lines = [OVERVIEW_HEADINGS[0], "".join(parts)]
    for heading in OVERVIEW_HEADINGS[1:]:
        lines += ["", heading, ""]
    return "\n".join(lines).rstrip() + "\n"


# --- the whole report, as read -------------------------------------------------------------------------


@dataclass
class ReportData:
    organization: str
    year: int
    overview: str
    counts: list[DocumentCounts]
    entered: Entered
    totals: Totals
    problems: str
    other_matters: str
    site_name: str = ""

    @property
    def title(self) -> str:
        return f"{self.organization}{self.year}年政府信息公开工作年度报告"

    @property
    def introduction(self) -> str:
        where = f"在{self.site_name}“政府信息公开年报”栏目" if self.site_name else "在“政府信息公开年报”栏目"
        return (
            f"本报告根据《中华人民共和国政府信息公开条例》(以下简称《条例》)第五十条和《国务院办公厅政府信息与"
            f"政务公开办公室关于印发〈中华人民共和国政府信息公开工作年度报告格式〉的通知》(国办公开办函〔2021〕"
            f"30号)要求编制。本报告中所列数据的统计期限自{self.year}年1月1日起至{self.year}年12月31日止。"
            f"本报告电子版可{where}查阅。"
        )

    def fees_text(self) -> str:
        return self.entered.to_json()[FEES]

    def grids(self) -> dict[str, Grid]:
        return {
            "two": part_two_grid(self),
            "three": applications_grid(self.entered, self.totals),
            "four": reviews_grid(self.entered, self.totals),
        }


def report_data(report: AnnualReport) -> ReportData:
    """Everything the report says, counted now from the records and read from the report."""
    organization = report.organization
    entered = entered_from_json(report.figures)
    return ReportData(
        organization=organization.name,
        year=report.year,
        overview=report.overview,
        counts=document_counts(organization, report.year),
        entered=entered,
        totals=totals_of(entered),
        problems=report.problems,
        other_matters=report.other_matters,
        site_name=getattr(settings, "GONGKAI_SITE_NAME", ""),
    )


# --- the tables as grids (Word, HTML and the console form draw the same) -------------------------------


@dataclass
class Cell:
    row: int
    col: int
    text: str = ""
    rowspan: int = 1
    colspan: int = 1
    scope: str = ""  # "col" for a column heading, "row" for a row label, "" for a value
    number: bool = False
    field: str = ""  # the form field of an entered cell ("" for labels, counted figures and totals)
    computed: bool = False  # a total or a counted figure, never typed
    # The console form only: the text in the input (as typed) and its messages.
    input: str = ""
    label: str = ""
    errors: list[str] = dataclasses.field(default_factory=list)


@dataclass
class Grid:
    rows: int
    cols: int
    cells: list[Cell] = dataclasses.field(default_factory=list)

    def add(self, row: int, col: int, text: Any = "", **kwargs) -> Cell:
        cell = Cell(row, col, str(text), **kwargs)
        self.cells.append(cell)
        return cell

    def html_rows(self) -> list[list[Cell]]:
        rows: list[list[Cell]] = [[] for _ in range(self.rows)]
        for cell in sorted(self.cells, key=lambda c: (c.row, c.col)):
            rows[cell.row].append(cell)
        return rows


def part_two_grid(data: ReportData) -> Grid:
    grid = Grid(rows=14, cols=4)
    grid.add(0, 0, "第二十条第(一)项", colspan=4, scope="col")
    for col, text in enumerate(("信息内容", "本年制发件数", "本年废止件数", "现行有效件数")):
        grid.add(1, col, text, scope="col")
    for offset, counts in enumerate(data.counts):
        row = 2 + offset
        grid.add(row, 0, counts.label, scope="row")
        grid.add(row, 1, counts.made, number=True, computed=True)
        grid.add(row, 2, counts.abolished, number=True, computed=True)
        grid.add(row, 3, counts.in_force, number=True, computed=True)
    row = 4
    for article, keys in (
        ("第二十条第(五)项", ("licensing",)),
        ("第二十条第(六)项", ("penalty", "enforcement")),
    ):
        grid.add(row, 0, article, colspan=4, scope="col")
        grid.add(row + 1, 0, "信息内容", scope="col")
        grid.add(row + 1, 1, "本年处理决定数量", colspan=3, scope="col")
        row += 2
        labels = {key: label for key, label, _a in DECISIONS}
        for key in keys:
            grid.add(row, 0, labels[key], scope="row")
            grid.add(row, 1, data.entered.decisions[key], colspan=3, number=True, field=decision_field(key))
            row += 1
    grid.add(row, 0, "第二十条第(八)项", colspan=4, scope="col")
    grid.add(row + 1, 0, "信息内容", scope="col")
    grid.add(row + 1, 1, "本年收费金额(单位:万元)", colspan=3, scope="col")
    grid.add(row + 2, 0, "行政事业性收费", scope="row")
    grid.add(row + 2, 1, data.fees_text(), colspan=3, number=True, field=FEES_FIELD)
    grid.rows = row + 3
    return grid


LABEL_COLUMNS = 3


def applications_grid(entered: Entered, totals: Totals) -> Grid:
    """Part 三: three label columns (merged as the national form merges them), the six applicant columns
    and 总计."""
    columns = [column for column, _l in APPLICANTS]
    header_rows = 3
    grid = Grid(rows=header_rows + len(APPLICATION_ROWS), cols=LABEL_COLUMNS + len(columns) + 1)
    grid.add(0, 0, CONSISTENCY_NOTE, rowspan=3, colspan=LABEL_COLUMNS, scope="col")
    grid.add(0, LABEL_COLUMNS, "申请人情况", colspan=len(columns) + 1, scope="col")
    grid.add(1, LABEL_COLUMNS, "自然人", rowspan=2, scope="col")
    grid.add(1, LABEL_COLUMNS + 1, "法人或其他组织", colspan=len(columns) - 1, scope="col")
    grid.add(1, LABEL_COLUMNS + len(columns), "总计", rowspan=2, scope="col")
    for i, (_column, label) in enumerate(APPLICANTS[1:], start=1):
        grid.add(2, LABEL_COLUMNS + i, label, scope="col")
    # Labels: a label spans the following rows that share it (and all before it); the last label of a row
    # spans the label columns left.
    labels = [labels for _key, labels in APPLICATION_ROWS]
    for index, row_labels in enumerate(labels):
        for level, text in enumerate(row_labels):
            if (
                index > 0
                and len(labels[index - 1]) > level
                and labels[index - 1][: level + 1] == row_labels[: level + 1]
            ):
                continue  # covered by the cell above
            span = 1
            while (
                index + span < len(labels)
                and len(labels[index + span]) > level
                and labels[index + span][: level + 1] == row_labels[: level + 1]
            ):
                span += 1
            last = level == len(row_labels) - 1
            grid.add(
                header_rows + index,
                level,
                text,
                rowspan=span,
                colspan=LABEL_COLUMNS - level if last else 1,
                scope="row",
            )
    for index, (key, _labels) in enumerate(APPLICATION_ROWS):
        values = totals.application_rows[key]
        for i, column in enumerate(columns):
            grid.add(
                header_rows + index,
                LABEL_COLUMNS + i,
                values[column],
                number=True,
                field="" if key == RESULTS_TOTAL else application_field(key, column),
                computed=key == RESULTS_TOTAL,
            )
        grid.add(
            header_rows + index, LABEL_COLUMNS + len(columns), values["total"], number=True, computed=True
        )
    return grid


def reviews_grid(entered: Entered, totals: Totals) -> Grid:
    width = len(OUTCOMES) + 1
    grid = Grid(rows=4, cols=width * 3)
    grid.add(0, 0, "行政复议", colspan=width, scope="col")
    grid.add(0, width, "行政诉讼", colspan=width * 2, scope="col")
    outcome_labels = [label for _o, label in OUTCOMES] + ["总计"]
    for i, label in enumerate(outcome_labels):
        grid.add(1, i, label, rowspan=2, scope="col")
    grid.add(1, width, "未经复议直接起诉", colspan=width, scope="col")
    grid.add(1, width * 2, "复议后起诉", colspan=width, scope="col")
    for g in (1, 2):
        for i, label in enumerate(outcome_labels):
            grid.add(2, width * g + i, label, scope="col")
    for g, (group, _label) in enumerate(REVIEW_GROUPS):
        values = totals.reviews[group]
        for i, (outcome, _l) in enumerate(OUTCOMES):
            grid.add(3, width * g + i, values[outcome], number=True, field=review_field(group, outcome))
        grid.add(3, width * g + len(OUTCOMES), values["total"], number=True, computed=True)
    return grid


# --- Word ---------------------------------------------------------------------------------------------

PART_HEADINGS = (
    "一、总体情况",
    "二、主动公开政府信息情况",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
    "五、存在的主要问题及改进情况",
    "六、其他需要报告的事项",
)


def _paragraphs(text: str) -> list[str]:
    return [line.strip() for line in (text or "").replace("\r\n", "\n").split("\n") if line.strip()]


def annual_report_docx(data: ReportData) -> bytes:
    """The report as a Word file (A4, 宋体 body, 黑体 part headings, the three tables of the format)."""
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(25)
    section.top_margin = section.bottom_margin = Mm(25)
    normal = document.styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.font.size = Pt(12)
    _east_asian(normal.element, BODY_FONT)
    document.core_properties.title = data.title
    document.core_properties.author = data.organization

    heading = document.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(heading, data.title, size=18, bold=True, font=HEADING_FONT)

    def body(text: str) -> None:
        paragraph = document.add_paragraph()
        paragraph.paragraph_format.first_line_indent = Pt(24)
        _run(paragraph, text)

    def part(title: str) -> None:
        paragraph = document.add_paragraph()
        _run(paragraph, title, size=14, bold=True, font=HEADING_FONT)

    def table(grid: Grid, size: float = 9) -> None:
        t = document.add_table(rows=grid.rows, cols=grid.cols)
        t.style = "Table Grid"
        t.alignment = WD_TABLE_ALIGNMENT.CENTER
        for cell in grid.cells:
            target = t.cell(cell.row, cell.col)
            if cell.rowspan > 1 or cell.colspan > 1:
                target = target.merge(t.cell(cell.row + cell.rowspan - 1, cell.col + cell.colspan - 1))
            _write(target, cell.text, bold=cell.scope == "col", align=WD_ALIGN_PARAGRAPH.CENTER)
            for paragraph in target.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(size)

    body(data.introduction)
    grids = data.grids()
    part(PART_HEADINGS[0])
    for line in _paragraphs(data.overview) or ["(未填写)"]:
        body(line)
    part(PART_HEADINGS[1])
    table(grids["two"], size=10.5)
    part(PART_HEADINGS[2])
    table(grids["three"], size=8)
    part(PART_HEADINGS[3])
    table(grids["four"], size=8)
    part(PART_HEADINGS[4])
    for line in _paragraphs(data.problems) or ["(未填写)"]:
        body(line)
    part(PART_HEADINGS[5])
    for line in _paragraphs(data.other_matters) or ["(未填写)"]:
        body(line)

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def docx_filename(data: ReportData) -> str:
    return f"{data.title}.docx"


def body_html(data: ReportData) -> str:
    """The report as the HTML body of the publication (the tables as in the Word file)."""
    return render_to_string(
        "reports/annual_body.html",
        {
            "data": data,
            "grids": data.grids(),
            "headings": PART_HEADINGS,
            "overview": _paragraphs(data.overview),
            "problems": _paragraphs(data.problems),
            "other_matters": _paragraphs(data.other_matters),
        },
    ).strip()


# --- who may do what ------------------------------------------------------------------------------------

NOT_MEMBER = "您不是该机构的工作人员。"


def view_failures(user: User, organization: Organization | int) -> list[str]:
    membership = membership_for(user, organization)
    if membership is None:
        return [NOT_MEMBER]
    if not (membership.has_role(Role.OFFICE_EDITOR) or membership.has_role(Role.LEADER)):
        return ["政府信息公开工作年度报告由办公室编辑编制、分管领导查看,您没有查看权限。"]
    return []


def edit_failures(user: User, organization: Organization | int) -> list[str]:
    membership = membership_for(user, organization)
    if membership is None:
        return [NOT_MEMBER]
    if not membership.has_role(Role.OFFICE_EDITOR):
        return ["只有办公室编辑可以填报和生成政府信息公开工作年度报告。"]
    return []


def year_failures(year: Any, today: datetime.date | None = None) -> list[str]:
    today = today or timezone.localdate()
    if not isinstance(year, int) or isinstance(year, bool) or not FIRST_YEAR <= year <= today.year:
        return [f"年度须在{FIRST_YEAR}年至{today.year}年之间。"]
    return []


def deadline_of(year: int) -> datetime.date:
    return datetime.date(year + 1, DEADLINE_MONTH, DEADLINE_DAY)


# --- services -------------------------------------------------------------------------------------------


def report_for(organization: Organization, year: int) -> AnnualReport | None:
    return (
        AnnualReport.objects.select_related("organization", "item", "created_by", "updated_by")
        .filter(organization=organization, year=year)
        .first()
    )


def new_report(organization: Organization, year: int) -> AnnualReport:
    """An unsaved report of the year, part 一 prefilled with what the system knows."""
    return AnnualReport(organization=organization, year=year, overview=overview_prefill(organization, year))


def report_or_new(organization: Organization, year: int) -> AnnualReport:
    return report_for(organization, year) or new_report(organization, year)


def _text(value: Any, label: str, errors: dict[str, list[str]], name: str) -> str:
    text = "" if value is None else str(value).replace("\r\n", "\n").strip()
    if len(text) > MAX_TEXT:
        errors[name] = [f"“{label}”不能超过{MAX_TEXT}字(现有{len(text)}字)。"]
    return text


TEXT_FIELDS = (
    ("overview", "一、总体情况"),
    ("problems", "五、存在的主要问题及改进情况"),
    ("other_matters", "六、其他需要报告的事项"),
)


def save_report(
    *,
    user: User,
    organization: Organization,
    year: int,
    values: Mapping[str, Any],
    lock_version: int | str | None = None,
) -> AnnualReport:
    """Save the entered figures and texts of a year's report (created at the first save).

    ``values``: form field names (see FIELD_LABELS) and ``overview``, ``problems``, ``other_matters``; a
    name left out keeps its saved value (a blank cell is 0, a blank text is empty). Refuses with
    WorkflowError (not allowed, stale) or ValidationError({field: [message]}) naming every bad cell —
    nothing is written then. One audit event with the cells and texts that changed."""
    require(edit_failures(user, organization))
    require(year_failures(year))
    with transaction.atomic():
        Organization.objects.select_for_update().filter(pk=organization.pk).first()
        report = AnnualReport.objects.select_for_update().filter(organization=organization, year=year).first()
        created = report is None
        if report is None:
            report = AnnualReport(organization=organization, year=year, created_by=user)
        elif lock_version not in (None, "") and str(lock_version) != str(report.lock_version):
            raise WorkflowError("该年度报告已被他人修改,请刷新页面后重新填报(避免覆盖他人的修改)。")
        before = entered_from_json(report.figures).values()
        merged = {**before, **{name: values[name] for name in FIELD_LABELS if name in values}}
        errors: dict[str, list[str]] = {}
        try:
            entered = clean_entered(merged)
        except ValidationError as exc:
            errors.update(exc.message_dict)
        texts = {
            name: _text(values[name], label, errors, name) if name in values else getattr(report, name)
            for name, label in TEXT_FIELDS
        }
        if errors:
            raise ValidationError(errors)
        after = entered.values()
        changed = sorted(
            name for name, value in after.items() if before[name] != value
        )  # all 0 before creation
        changed += [name for name, _label in TEXT_FIELDS if getattr(report, name) != texts[name]]
        report.figures = entered.to_json()
        for name, text in texts.items():
            setattr(report, name, text)
        report.updated_by = user
        report.updated_at = timezone.now()
        if not created:
            report.lock_version += 1
        report.save()
        audit.record(
            action="reports.annual.saved",
            actor=user,
            target=report,
            organization=organization,
            data={"year": year, "created": created, "changed": changed},
        )
    return report


def publication_failures(report: AnnualReport, today: datetime.date | None = None) -> list[str]:
    """What must hold before the publication draft is made: the year is over, the texts are written and
    the application table adds up."""
    today = today or timezone.localdate()
    reasons = []
    if report.pk is None:
        reasons.append("请先保存年度报告的填报内容。")
    if report.year >= today.year:
        reasons.append(f"{report.year}年尚未结束,年度报告须在年度结束后生成发布稿。")
    for name, label in TEXT_FIELDS:
        if not (getattr(report, name) or "").strip():
            reasons.append(f"请填写“{label}”。")
    reasons += totals_of(entered_from_json(report.figures)).problems
    return reasons


def annual_report_column(organization: Organization) -> CatalogueEntry | None:
    """The leaf of the 政府信息公开年报 column where the report is published (marked first)."""
    candidates = list(
        CatalogueEntry.objects.filter(organization=organization)
        .filter(annual_report_column_q())
        .filter(children__isnull=True)
        .order_by("ordering", "code")
    )
    candidates.sort(key=lambda e: e.document_kind != DocumentKind.ANNUAL_REPORT)
    return candidates[0] if candidates else None


@transaction.atomic
def generate_publication(*, user: User, report: AnnualReport, topic=None) -> InformationItem:
    """Make (or bring up to date) the item that publishes the report: in the 政府信息公开年报 column, the
    report as its body, the Word file attached. It then goes through the normal review and publication.

    A draft or rejected item is updated; a published one gets a new revision (the live one stays public);
    an item under review is left alone (refused)."""
    require(edit_failures(user, report.organization))
    report = (
        AnnualReport.objects.select_for_update(of=("self",))
        .select_related("organization", "item")
        .get(pk=report.pk)
    )
    require(publication_failures(report))
    organization = report.organization
    entry = annual_report_column(organization)
    if entry is None:
        raise WorkflowError(
            "本机构基本目录中没有“政府信息公开年报”栏目:请在基本目录中新建该栏目(最末一级),"
            "并将“文件类别”设为“政府信息公开年报”。"
        )
    membership = membership_for(user, organization)
    data = report_data(report)
    content = {
        "title": data.title,
        "summary": f"{organization.name}{report.year}年度政府信息公开工作情况(依据《中华人民共和国政府信息公开条例》第五十条编制)。",
        "body": body_html(data),
        "catalogue_entry": entry,
    }
    if topic is not None:
        content["topic"] = topic
    item = report.item
    if item is not None and item.status == ItemStatus.WITHDRAWN:
        item = None  # a withdrawn publication is gone from the public: publish the report anew
    if item is None:
        item = publishing.create_draft(
            user=user,
            organization=organization,
            data={
                **content,
                "lead_department": membership.department,
                "formed_on": timezone.localdate(),
                "source": organization.name,
            },
        )
        action = "created"
    else:
        item = InformationItem.objects.select_related("latest_revision", "live_revision").get(pk=item.pk)
        revision = item.latest_revision
        if revision.status in (RevisionStatus.IN_REVIEW, RevisionStatus.APPROVED):
            raise WorkflowError("年度报告的发布稿正在审核或待发布,请在审核结束(或退回)后再重新生成。")
        if item.latest_revision_id == item.live_revision_id:
            require(publishing_permissions.revise_failures(user, item))
            publishing.start_revision(user=user, item=item)
            item = InformationItem.objects.get(pk=item.pk)
            content["change_note"] = f"根据{timezone.localdate():%Y年%m月%d日}的填报内容更新年度报告。"
            action = "revised"
        else:
            content["formed_on"] = timezone.localdate()
            action = "updated"
        item = publishing.update_draft(user=user, item=item, data=content)
        name = safe_name(docx_filename(data))
        for attachment in list(item.latest_revision.attachments.filter(original_name=name)):
            publishing.remove_attachment(user=user, item=item, attachment=attachment)
            item = InformationItem.objects.get(pk=item.pk)
    docx = annual_report_docx(data)
    upload = SimpleUploadedFile(docx_filename(data), docx, content_type=DOCX_TYPE)
    publishing.attach_file(user=user, item=item, upload=upload)
    if report.item_id != item.pk:
        report.item = item
        report.save(update_fields=["item"])
    audit.record(
        action="reports.annual.publication_drafted",
        actor=user,
        target=report,
        organization=organization,
        data={"year": report.year, "item": item.pk, "action": action},
    )
    return InformationItem.objects.get(pk=item.pk)


# --- the reminder before 31 January ---------------------------------------------------------------------


def reminder_date(today: datetime.date) -> datetime.date | None:
    """The latest reminder date reached in January (a missed run catches up once), else None."""
    if today.month != DEADLINE_MONTH:
        return None
    reached = [day for day in REMINDER_DAYS if day <= today.day]
    return datetime.date(today.year, DEADLINE_MONTH, max(reached)) if reached else None


def _published_report_orgs(year: int) -> set[int]:
    return set(
        AnnualReport.objects.filter(
            year=year, item__status=ItemStatus.PUBLISHED, item__live_revision__isnull=False
        ).values_list("organization_id", flat=True)
    )


def remind(today: datetime.date | None = None) -> int:
    """In January, tell each organisation's office editors and leaders that last year's report is not
    published yet — once per reminder date (10, 20, 25, 30). Returns how many organisations were told."""
    today = today or timezone.localdate()
    on = reminder_date(today)
    if on is None:
        return 0
    year = today.year - 1
    done = _published_report_orgs(year)
    states = {
        r.organization_id: r
        for r in AnnualReport.objects.select_related("item")
        .filter(year=year)
        .exclude(organization_id__in=done)
    }
    sent = set(
        AnnualReminder.objects.filter(year=year, reminder_on=on).values_list("organization_id", flat=True)
    )
    deadline = deadline_of(year)
    days_left = (deadline - today).days
    told = 0
    organizations = Organization.objects.filter(is_active=True).exclude(pk__in=done | sent).order_by("pk")
    for organization in organizations:
        report = states.get(organization.pk)
        state = report.status_label if report is not None else "尚未填报"
        message = (
            f"{year}年政府信息公开工作年度报告尚未发布(当前:{state}),须于{deadline.year}年1月31日前在"
            f"“政府信息公开年报”栏目公布(条例第五十条),还有{days_left}天。"
        )
        try:
            with transaction.atomic():
                reminder = AnnualReminder.objects.create(organization=organization, year=year, reminder_on=on)
                members = publishing.members_of(organization.pk)
                recipients = [
                    m.user for m in members if m.has_role(Role.OFFICE_EDITOR) or m.has_role(Role.LEADER)
                ]
                reminder.recipients = notify(
                    recipients,
                    organization=organization,
                    kind=REMINDER_KIND,
                    message=message,
                    url=reverse("reports:annual_year", args=[year]),
                )
                reminder.save(update_fields=["recipients"])
                audit.record(  # like every other reminder job: who was told, when, how late
                    action="reports.annual.reminded",
                    target=reminder,
                    organization=organization,
                    data={"year": year, "reminder_on": on.isoformat(), "recipients": reminder.recipients},
                )
        except IntegrityError:
            continue  # this date's reminder was already sent (another worker, an earlier run)
        told += 1
    return told
