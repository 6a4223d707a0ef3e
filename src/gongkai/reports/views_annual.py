"""政府信息公开工作年度报告 in the console (/console/reports/annual/).

Office editors fill in and generate; leaders read. The page shows part 二's counted figures beside the
entered ones, the totals computed, and the Word draft to download; "生成发布稿" makes the item that goes
through the normal review and publication into the 政府信息公开年报 column. Bad input comes back with its
Chinese messages and everything typed kept (status 400); a refusal is the console's Chinese 403 page.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Min
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from gongkai.console.access import ConsoleForbidden, console_view
from gongkai.console.replies import error_messages
from gongkai.publishing.exceptions import WorkflowError
from gongkai.publishing.models import InformationItem, Topic

from . import annual
from .exports import DOCX_TYPE, attachment_disposition
from .models import AnnualReport


def _refuse(failures) -> None:
    if failures:
        raise ConsoleForbidden(failures)


def _year(year: str) -> int:
    number = int(year)
    if annual.year_failures(number):
        raise Http404(
            f"没有{number}年度的年度报告(年度须在{annual.FIRST_YEAR}年至{timezone.localdate().year}年之间)。"
        )
    return number


def _years(organization) -> list[int]:
    """From the first year with a published item or a report (at least last year) to this year, newest first."""
    this_year = timezone.localdate().year
    first = InformationItem.objects.filter(organization=organization).aggregate(
        first=Min("first_published_at")
    )["first"]
    first_report = AnnualReport.objects.filter(organization=organization).aggregate(first=Min("year"))[
        "first"
    ]
    start = this_year - 1
    if first is not None:
        start = min(start, timezone.localtime(first).year)
    if first_report is not None:
        start = min(start, first_report)
    return list(range(this_year, max(start, annual.FIRST_YEAR) - 1, -1))


@require_safe
@console_view
def annual_list(request):
    organization = request.organization
    _refuse(annual.view_failures(request.user, organization))
    reports = {
        r.year: r for r in AnnualReport.objects.select_related("item").filter(organization=organization)
    }
    today = timezone.localdate()
    rows = []
    for year in _years(organization):
        report = reports.get(year)
        deadline = annual.deadline_of(year)
        published = report is not None and report.status == "published"
        rows.append(
            {
                "year": year,
                "report": report,
                "status": report.status_label if report else "尚未填报",
                "deadline": deadline,
                "overdue": not published and today > deadline,
                "due_soon": not published and year == today.year - 1 and today <= deadline,
            }
        )
    context = {
        "organization": organization,
        "rows": rows,
        "can_edit": annual.edit_failures(request.user, organization) == [],
        "section": "reports",
    }
    return render(request, "reports/annual_list.html", context)


def _grids(data: annual.ReportData, values: dict[str, str], errors: dict[str, list[str]]):
    grids = data.grids()
    for grid in grids.values():
        for cell in grid.cells:
            if cell.field:
                cell.input = values.get(cell.field, cell.text)
                cell.label = annual.FIELD_LABELS[cell.field]
                cell.errors = errors.get(cell.field, [])
    return grids


def _page(request, year: int, report: AnnualReport, *, values=None, errors=None, status=200):
    organization = request.organization
    errors = errors or {}
    data = annual.report_data(report)
    if values is not None:
        # Re-shown after a refusal: the figures as typed (bad cells count as 0 in the totals shown).
        entered, _bad = annual.parse_entered(values)
        data.entered, data.totals = entered, annual.totals_of(entered)
        for name, _label in annual.TEXT_FIELDS:
            setattr(data, name, values.get(name, ""))
    else:
        values = data.entered.values()
    can_edit = annual.edit_failures(request.user, organization) == []
    texts = {
        name: {
            "name": name,
            "label": label,
            "value": getattr(data, name),
            "errors": errors.get(name, []),
        }
        for name, label in annual.TEXT_FIELDS
    }
    context = {
        "organization": organization,
        "year": year,
        "report": report,
        "data": data,
        "grids": _grids(data, values, errors),
        "texts": texts,
        "has_errors": bool(errors),
        "figures": annual.system_figures(organization, year),
        "deadline": annual.deadline_of(year),
        "can_edit": can_edit,
        "publication_failures": annual.publication_failures(report) if can_edit else [],
        "topics": Topic.objects.filter(organization=organization).order_by("ordering", "code")
        if can_edit
        else [],
        "section": "reports",
    }
    return render(request, "reports/annual_year.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@console_view
def annual_year(request, year: str):
    year_number = _year(year)
    organization = request.organization
    _refuse(annual.view_failures(request.user, organization))
    report = annual.report_or_new(organization, year_number)
    if request.method != "POST":
        return _page(request, year_number, report)
    _refuse(annual.edit_failures(request.user, organization))
    values = {key: request.POST.get(key, "") for key in (*annual.FIELD_LABELS, *dict(annual.TEXT_FIELDS))}
    try:
        annual.save_report(
            user=request.user,
            organization=organization,
            year=year_number,
            values=values,
            lock_version=request.POST.get("lock_version"),
        )
    except ValidationError as exc:
        messages.error(
            request, f"有{len(exc.message_dict)}处填写有误,请按提示修改后再保存(已填写的内容都保留在下面)。"
        )
        return _page(request, year_number, report, values=values, errors=exc.message_dict, status=400)
    except WorkflowError as exc:
        error_messages(request, exc.reasons)
        return _page(request, year_number, report, values=values, status=409)
    messages.success(request, f"{year_number}年度报告已保存。")
    return redirect(reverse("reports:annual_year", args=[year_number]))


@require_safe
@console_view
def annual_docx(request, year: str):
    year_number = _year(year)
    organization = request.organization
    _refuse(annual.view_failures(request.user, organization))
    data = annual.report_data(annual.report_or_new(organization, year_number))
    response = HttpResponse(annual.annual_report_docx(data), content_type=DOCX_TYPE)
    response["Content-Disposition"] = attachment_disposition(
        annual.docx_filename(data), f"annual-report-{organization.code}-{year_number}.docx"
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@console_view
def annual_publish(request, year: str):
    year_number = _year(year)
    organization = request.organization
    _refuse(annual.edit_failures(request.user, organization))
    back = reverse("reports:annual_year", args=[year_number])
    report = annual.report_for(organization, year_number)
    if report is None:
        messages.error(request, "请先保存年度报告的填报内容,再生成发布稿。")
        return redirect(back)
    topic = None
    topic_id = (request.POST.get("topic") or "").strip()
    if topic_id:
        topic = Topic.objects.filter(
            organization=organization, pk=topic_id if topic_id.isascii() and topic_id.isdigit() else 0
        ).first()
        if topic is None:
            messages.error(request, "所选主题分类不存在或不属于本机构。")
            return redirect(back)
    try:
        item = annual.generate_publication(user=request.user, report=report, topic=topic)
    except WorkflowError as exc:
        error_messages(request, exc.reasons)
        return redirect(back)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(back)
    messages.success(
        request,
        "已生成年度报告发布稿(正文为年度报告,附 Word 文件)。请核对后提交审核,审核通过后发布到“政府信息公开年报”栏目。",
    )
    return redirect(reverse("console:item", args=[item.pk]))
