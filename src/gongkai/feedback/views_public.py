"""The public error-report form (网民纠错) at /xxgk/jiucuo/?page=<path>."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from gongkai.core import throttle
from gongkai.portal.site import site_for

from . import services
from .forms import ReportForm

LIMIT = throttle.Limit("feedback", 5, 600)  # 5 reports per client per 10 minutes
SESSION_KEY = "feedback_reference"


def _context(request, form, page, organization, **extra):
    return {
        "site": site_for(request, organization),
        "form": form,
        "page": page,
        "organization": organization,
        "breadcrumbs": [("首页", "/"), ("政府信息公开", "/xxgk/"), ("网民纠错", None)],
        **extra,
    }


def _page_and_org(data) -> tuple[services.Page | None, object, str]:
    try:
        page = services.clean_page(data.get("page", ""))
    except ValidationError as exc:
        return None, None, exc.messages[0]
    organization = services.organization_for(page, data.get("org", ""))
    if organization is None:
        return page, None, "无法确定该页面所属的机构,请从本网站的页面进入纠错。"
    return page, organization, ""


@require_http_methods(["GET", "HEAD", "POST"])
def report_form(request: HttpRequest) -> HttpResponse:
    source = request.POST if request.method == "POST" else request.GET
    page, organization, problem = _page_and_org(source)
    if problem:
        form = ReportForm(initial={"page": "", "org": ""})
        return render(
            request, "feedback/form.html", _context(request, form, None, None, problem=problem), status=400
        )
    if request.method != "POST":
        form = ReportForm(initial={"page": page.url, "org": source.get("org", "")})
        return render(request, "feedback/form.html", _context(request, form, page, organization))

    form = ReportForm(request.POST)
    if LIMIT.exceeded(request):
        return render(
            request,
            "feedback/form.html",
            _context(
                request,
                form,
                page,
                organization,
                problem=LIMIT.message("纠错"),
            ),
            status=429,
        )
    if request.POST.get("website", "").strip():
        LIMIT.hit(request)
        return render(
            request,
            "feedback/form.html",
            _context(
                request,
                ReportForm(initial={"page": page.url}),
                page,
                organization,
                problem="提交未被接受,请刷新页面后重新填写。",
            ),
            status=400,
        )
    if not form.is_valid():
        return render(request, "feedback/form.html", _context(request, form, page, organization), status=400)
    try:
        report = services.submit_report(
            organization=organization,
            page=page,
            category=form.cleaned_data["category"],
            description=form.cleaned_data["description"],
            contact_name=form.cleaned_data["contact_name"],
            contact=form.cleaned_data["contact"],
        )
    except ValidationError as exc:
        for message in exc.messages:
            form.add_error(None, message)
        return render(request, "feedback/form.html", _context(request, form, page, organization), status=400)
    LIMIT.hit(request)
    request.session[SESSION_KEY] = [report.reference, report.due_on.isoformat(), report.due_provisional]
    return redirect("feedback:thanks")


@require_safe
def thanks(request: HttpRequest) -> HttpResponse:
    saved = request.session.get(SESSION_KEY)
    if not saved:
        return redirect("/xxgk/")
    reference, due_on, provisional = saved
    return render(
        request,
        "feedback/thanks.html",
        {
            "site": site_for(request, None),
            "reference": reference,
            "due_on": due_on,
            "provisional": provisional,
            "breadcrumbs": [("首页", "/"), ("政府信息公开", "/xxgk/"), ("网民纠错", None)],
        },
    )
