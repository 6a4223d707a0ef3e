"""统计监督 in the console (/console/reports/oversight/): the office's dashboard of figures per department
for a chosen period, with charts and tables, the items behind each number, and the Excel export.

Office editors and leaders see the whole organisation (and may narrow it to one department); a
department head sees their own department only; anyone else gets the console's Chinese 403 page. Bad
input never raises: the page comes back with its Chinese messages (status 400) and the default period.
"""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_safe

from gongkai.audit import services as audit
from gongkai.console.access import ConsoleForbidden, console_view
from gongkai.orgs.models import Department

from . import oversight
from .exports import XLSX_TYPE, attachment_disposition

PAGE_SIZE = 100
EXPORT_LIMIT = 50_000
DATE_FORMAT = "日期格式不正确,请按“2025-12-01”的格式填写。"


class OversightForm(forms.Form):
    start = forms.DateField(
        label="开始日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "开始" + DATE_FORMAT},
    )
    end = forms.DateField(
        label="结束日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "结束" + DATE_FORMAT},
    )
    department = forms.TypedChoiceField(
        label="科室", required=False, coerce=int, empty_value=None, choices=()
    )

    def __init__(self, *args, departments: list[Department], fixed_department: Department | None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["department"]
        if fixed_department is not None:
            field.choices = [(fixed_department.pk, fixed_department.name)]
        else:
            field.choices = [("", "全部科室"), *((d.pk, d.name) for d in departments)]
        field.error_messages["invalid_choice"] = "所选科室不存在或不属于本机构,请从列表中选择。"

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if start > end:
                raise ValidationError("开始日期不能晚于结束日期。")
            if (end - start).days + 1 > oversight.MAX_PERIOD_DAYS:
                raise ValidationError(f"统计期间不能超过 {oversight.MAX_PERIOD_DAYS} 天。")
        return data


def default_period(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """This year so far."""
    today = today or timezone.localdate()
    return today.replace(month=1, day=1), today


class Context:
    """What every oversight page needs: who asks, the period, the department shown, and the input's
    problems (each a Chinese message)."""

    def __init__(self, request):
        membership = request.membership
        failures = oversight.access_failures(membership)
        if failures:
            raise ConsoleForbidden(failures)
        self.organization = request.organization
        self.whole = oversight.sees_organization(membership)
        self.departments = oversight.departments_of(self.organization)
        own = None
        if not self.whole:
            own = next((d for d in self.departments if d.pk == membership.department_id), None)
            if own is None:  # a department of another organisation: nothing of this one to show
                raise ConsoleForbidden([oversight.NO_DEPARTMENT])
        self.own = own
        requested = request.GET.get("department", "").strip()
        if own is not None and requested.isascii() and requested.isdigit() and int(requested) != own.pk:
            raise ConsoleForbidden([oversight.OTHER_DEPARTMENT])
        data = request.GET if any(k in request.GET for k in ("start", "end", "department")) else None
        default = default_period()
        self.form = OversightForm(
            data,
            initial={"start": default[0], "end": default[1], "department": own.pk if own else None},
            departments=self.departments,
            fixed_department=own,
        )
        self.valid = self.form.is_valid() if data is not None else True
        start, end = default
        department = own.pk if own else None
        if data is not None and self.valid:
            start = self.form.cleaned_data.get("start")
            end = self.form.cleaned_data.get("end")
            if start and not end:
                end = max(start, default[1])
                end = min(end, start + datetime.timedelta(days=oversight.MAX_PERIOD_DAYS - 1))
            elif end and not start:
                start = end.replace(month=1, day=1)
            elif not start:
                start, end = default
            department = own.pk if own else self.form.cleaned_data.get("department")
        if data is not None and not self.valid and own is None:
            # keep a valid department choice even when the dates are wrong
            chosen = request.GET.get("department", "")
            if chosen.isascii() and chosen.isdigit() and any(d.pk == int(chosen) for d in self.departments):
                department = int(chosen)
        self.start, self.end = start, end
        self.department = department
        self.department_obj = next((d for d in self.departments if d.pk == department), None)

    def query(self, *, department: int | None = None, **extra) -> str:
        """The page's conditions as a query string (start, end, department, then `extra`)."""
        params = {"start": self.start.isoformat(), "end": self.end.isoformat()}
        department = department if department is not None else self.department
        if department is not None:
            params["department"] = department
        params.update({k: v for k, v in extra.items() if v not in (None, "")})
        return urlencode(params)

    @property
    def status(self) -> int:
        return 200 if self.valid else 400


def _chart_data(tables: list[oversight.Table]) -> list[dict]:
    return [
        {
            "key": t.figure.key,
            "title": t.figure.title,
            "departments": [line.name for line in t.lines],
            "buckets": [
                {
                    "key": b.key,
                    "name": b.label,
                    "tone": b.tone,
                    "counts": [line.values.get(b.key, 0) for line in t.lines],
                }
                for b in t.figure.buckets
            ],
        }
        for t in tables
    ]


@require_safe
@console_view
def dashboard(request):
    ctx = Context(request)
    tables = oversight.dashboard(request.organization, ctx.start, ctx.end, department=ctx.department)
    rows = []
    for t in tables:
        lines = []
        for line in [*t.lines, t.total]:
            cells = [
                (
                    bucket,
                    n,
                    reverse("reports:oversight_figure", args=[t.figure.key])
                    + "?"
                    + ctx.query(department=line.department_id, bucket=bucket.key),
                )
                for bucket, n in line.cells
            ]
            lines.append({"line": line, "cells": cells, "is_total": line.department_id is None})
        rows.append({"table": t, "lines": lines})
    return render(
        request,
        "reports/oversight.html",
        {
            "ctx": ctx,
            "form": ctx.form,
            "rows": rows,
            "chart_data": _chart_data(tables),
            "today": timezone.localdate(),
            "export_query": ctx.query(),
        },
        status=ctx.status,
    )


def _figure(key: str) -> oversight.Figure:
    figure = oversight.FIGURES.get(key)
    if figure is None:
        raise Http404("没有这项统计指标。")
    return figure


def _bucket(request, figure: oversight.Figure) -> tuple[str | None, list[str]]:
    value = request.GET.get("bucket", "").strip()
    if not value:
        return None, []
    if figure.bucket(value) is None:
        labels = "、".join(b.label for b in figure.buckets)
        return None, [f"“{figure.title}”没有这个分类,可选:{labels}。已显示全部分类。"]
    return value, []


@require_safe
@console_view
def figure_detail(request, figure: str):
    spec = _figure(figure)
    ctx = Context(request)
    bucket, problems = _bucket(request, spec)
    queryset = oversight.drill_queryset(
        spec.key, request.organization, ctx.start, ctx.end, department=ctx.department, bucket=bucket
    )
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = oversight.describe(spec.key, request.organization, page.object_list)
    return render(
        request,
        "reports/oversight_figure.html",
        {
            "ctx": ctx,
            "form": ctx.form,
            "figure": spec,
            "bucket": spec.bucket(bucket) if bucket else None,
            "problems": problems,
            "page": page,
            "rows": rows,
            "page_query": ctx.query(bucket=bucket),
            "export_query": ctx.query(figure=spec.key, bucket=bucket),
            "back_query": ctx.query(),
            "today": timezone.localdate(),
        },
        status=400 if problems or not ctx.valid else 200,
    )


@require_safe
@console_view
def export(request):
    ctx = Context(request)
    if not ctx.valid:
        return dashboard(request)  # never export with the input silently replaced
    org = request.organization
    key = request.GET.get("figure", "").strip()
    stamp = f"{ctx.start:%Y%m%d}-{ctx.end:%Y%m%d}"
    if key:
        spec = _figure(key)
        bucket, problems = _bucket(request, spec)
        if problems:
            return figure_detail(request, key)
        queryset = oversight.drill_queryset(
            spec.key, org, ctx.start, ctx.end, department=ctx.department, bucket=bucket
        )
        content = oversight.drill_down_xlsx(
            spec.key, oversight.describe(spec.key, org, queryset[:EXPORT_LIMIT])
        )
        name, fallback = f"统计监督-{spec.title}-{stamp}.xlsx", f"oversight-{spec.key}-{stamp}.xlsx"
    else:
        tables = oversight.dashboard(org, ctx.start, ctx.end, department=ctx.department)
        content = oversight.summary_xlsx(tables, ctx.start, ctx.end, timezone.localdate())
        name, fallback = f"统计监督-{stamp}.xlsx", f"oversight-{stamp}.xlsx"
    audit.record(
        action="reports.oversight.exported",
        request=request,
        organization=org,
        data={
            "figure": key,
            "start": ctx.start.isoformat(),
            "end": ctx.end.isoformat(),
            "department": getattr(ctx.department, "pk", ctx.department),
        },
    )
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = attachment_disposition(name, fallback)
    response["Cache-Control"] = "private, no-store"
    return response
