"""网民纠错 in the console (/console/feedback/): office editors list, answer or reject reports.
The rules are in services.py; contact details are personal data shown to office editors only."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from gongkai.console.access import ConsoleForbidden, console_view
from gongkai.orgs.constants import Role
from gongkai.workdays.calendar import WorkdayCalendar

from . import selectors, services
from .forms import AnswerForm
from .models import ErrorReport

STATUS_TABS = [("open", "待答复"), ("answered", "已答复"), ("rejected", "无效"), ("all", "全部")]


def _require_editor(request) -> None:
    if not request.membership.has_role(Role.OFFICE_EDITOR):
        raise ConsoleForbidden("只有办公室编辑可以查看和处理网民纠错。")


def _report(request, pk) -> ErrorReport:
    report = (
        ErrorReport.objects.select_related("item", "answered_by", "organization")
        .filter(organization=request.organization, pk=pk)
        .first()
    )
    if report is None:
        raise Http404("没有找到该纠错。")
    return report


@console_view
def report_list(request):
    _require_editor(request)
    status = request.GET.get("status", "open")
    if status not in selectors.STATUS_FILTERS:
        status = "open"
    today = timezone.localdate()
    calendar = WorkdayCalendar()
    rows = [
        (r, selectors.deadline_info(r, today=today, calendar=calendar))
        for r in selectors.reports_for(request.organization, status, today)[:200]
    ]
    return render(
        request,
        "feedback/console_list.html",
        {"rows": rows, "status": status, "tabs": STATUS_TABS},
    )


def _detail(request, report, answer_form=None, reject_form=None, status=200):
    return render(
        request,
        "feedback/console_detail.html",
        {
            "report": report,
            "deadline": selectors.deadline_info(report),
            "answer_form": answer_form or AnswerForm(prefix="answer"),
            "reject_form": reject_form or AnswerForm(prefix="reject"),
        },
        status=status,
    )


@console_view
def report_detail(request, pk):
    _require_editor(request)
    return _detail(request, _report(request, pk))


@console_view
@require_POST
def report_action(request, pk, action):
    _require_editor(request)
    report = _report(request, pk)
    if action not in ("answer", "reject"):
        raise Http404("没有这个操作。")
    form = AnswerForm(request.POST, prefix=action)
    forms = {f"{action}_form": form}
    if not form.is_valid():
        return _detail(request, report, status=400, **forms)
    do = services.answer_report if action == "answer" else services.reject_report
    try:
        do(report, request.user, form.cleaned_data["text"])
    except ValidationError as exc:
        for message in exc.messages:
            form.add_error(None, message)
        return _detail(request, report, status=400, **forms)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return redirect("feedback_console:detail", pk=report.pk)
    messages.success(request, "已答复。" if action == "answer" else "已认定为无效。")
    return redirect("feedback_console:list")
