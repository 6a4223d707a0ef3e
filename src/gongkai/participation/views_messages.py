"""公众留言 pages: the public list, form, thanks and lookup at /hudong/liuyan/, and the console's list and
detail at /console/participation/messages/. The rules are in messages.py; bad input is the form again
with its Chinese messages (400), too many submissions a 429, a refusal the console's Chinese 403 page."""

from __future__ import annotations

import datetime

from django.contrib import messages as flash
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from gongkai.console.access import ConsoleForbidden, console_view
from gongkai.core import throttle
from gongkai.portal.selectors import public_organizations
from gongkai.portal.site import site_for
from gongkai.workdays.calendar import Deadline, WorkdayCalendar

from . import messages as rules
from .message_forms import (
    PRIVACY_NOTICE,
    AnswerForm,
    LookupForm,
    MessageForm,
    PolicyForm,
    ReasonForm,
    RouteForm,
)
from .models import Message

SUBMIT_LIMIT = throttle.Limit("message", 3, 600)  # 3 messages per client per 10 minutes
LOOKUP_LIMIT = throttle.Limit("message_lookup", 10, 600)  # 10 look-ups per client per 10 minutes
SESSION_KEY = "participation_message"
PUBLIC_PAGE_SIZE = 20
CONSOLE_PAGE_SIZE = 50


def _apply(form, exc: ValidationError) -> None:
    """A service's ValidationError onto the form: field messages by their field, the rest on top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            for message in errors:
                form.add_error(field if field in form.fields else None, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


# --- public pages ------------------------------------------------------------------------------------


def _crumbs(*tail):
    return [("首页", "/"), ("互动交流", None), ("咨询建言", "/hudong/liuyan/"), *tail]


def _public(request, template: str, organization, context: dict, status: int = 200) -> HttpResponse:
    return render(
        request,
        template,
        {
            "site": site_for(request, organization),
            "organization": organization,
            "org_query": f"?org={organization.code}" if organization is not None else "",
            **context,
        },
        status=status,
    )


def _choose(request, template: str, crumbs, status: int = 200) -> HttpResponse:
    """Several public organisations and none named: ask which one (a link per organisation)."""
    return _public(
        request,
        template,
        None,
        {"organizations": list(public_organizations()), "choose": True, "breadcrumbs": crumbs},
        status=status,
    )


@require_safe
def message_list(request: HttpRequest) -> HttpResponse:
    crumbs = _crumbs()
    organization = rules.organization_for(request.GET.get("org", ""))
    if organization is None:
        return _choose(request, "participation/message_list.html", crumbs)
    page = Paginator(rules.public_messages(organization), PUBLIC_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "message": m,
            "name": rules.masked_name(m.name),
            "subject": rules.public_text(m.subject),
            "text": rules.public_text(m.text),
        }
        for m in page.object_list
    ]
    return _public(
        request,
        "participation/message_list.html",
        organization,
        {"page": page, "rows": rows, "breadcrumbs": crumbs},
    )


def _form_page(request, organization, form, *, problem: str = "", status: int = 200) -> HttpResponse:
    return _public(
        request,
        "participation/message_form.html",
        organization,
        {
            "form": form,
            "problem": problem,
            "notice": PRIVACY_NOTICE,
            "workdays": rules.answer_workdays(organization),
            "breadcrumbs": _crumbs(("我要留言", None)),
        },
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def message_form(request: HttpRequest) -> HttpResponse:
    source = request.POST if request.method == "POST" else request.GET
    organization = rules.organization_for(source.get("org", ""))
    if organization is None:
        return _choose(
            request,
            "participation/message_form.html",
            _crumbs(("我要留言", None)),
            status=400 if request.method == "POST" else 200,
        )
    if request.method != "POST":
        return _form_page(request, organization, MessageForm(initial={"org": source.get("org", "")}))

    form = MessageForm(request.POST)
    if SUBMIT_LIMIT.exceeded(request):
        return _form_page(request, organization, form, problem=SUBMIT_LIMIT.message("留言"), status=429)
    if request.POST.get("website", "").strip():
        SUBMIT_LIMIT.hit(request)
        return _form_page(
            request,
            organization,
            MessageForm(initial={"org": source.get("org", "")}),
            problem="提交未被接受,请刷新页面后重新填写。",
            status=400,
        )
    if not form.is_valid():
        return _form_page(request, organization, form, status=400)
    data = form.cleaned_data
    try:
        message = rules.submit_message(
            organization=organization,
            kind=data["kind"],
            subject=data["subject"],
            text=data["text"],
            name=data["name"],
            phone=data["phone"],
            email=data["email"],
            publish_ok=data["publish_ok"],
            consented=data["consent"],
            client_key=throttle.client_key(request),
        )
    except ValidationError as exc:
        _apply(form, exc)
        return _form_page(request, organization, form, status=400)
    SUBMIT_LIMIT.hit(request)
    request.session[SESSION_KEY] = {
        "code": message.tracking_code,
        "due_on": message.due_on.isoformat(),
        "provisional": message.due_provisional,
        "final_due_on": message.final_due_on.isoformat(),
        "org": organization.code,
    }
    return redirect("participation:message_thanks")


@require_safe
def message_thanks(request: HttpRequest) -> HttpResponse:
    saved = request.session.get(SESSION_KEY)
    if not isinstance(saved, dict) or "code" not in saved:
        return redirect("participation:message_form")
    organization = rules.organization_for(saved.get("org", ""))
    try:
        due = Deadline(datetime.date.fromisoformat(saved["due_on"]), bool(saved.get("provisional")))
    except (KeyError, TypeError, ValueError):
        return redirect("participation:message_form")
    return _public(
        request,
        "participation/message_thanks.html",
        organization,
        {
            "code": rules.format_code(saved["code"]),
            "due": due.label,
            "final_due_on": saved.get("final_due_on", ""),
            "breadcrumbs": _crumbs(("留言已提交", None)),
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
def message_lookup(request: HttpRequest) -> HttpResponse:
    """The writer enters the tracking code (POST, so it never lands in a URL or a log) to read the state and
    the answer. Every attempt counts against the client's limit, so codes cannot be guessed in bulk."""
    organization = rules.organization_for(request.GET.get("org", ""))
    context = {"breadcrumbs": _crumbs(("留言查询", None)), "problem": "", "found": None}
    if request.method != "POST":
        return _public(
            request, "participation/message_lookup.html", organization, {**context, "form": LookupForm()}
        )
    form = LookupForm(request.POST)
    if LOOKUP_LIMIT.exceeded(request):
        minutes = LOOKUP_LIMIT.window // 60
        problem = f"查询过于频繁:每 {minutes} 分钟最多查询 {LOOKUP_LIMIT.limit} 次,请稍后再试。"
        return _public(
            request,
            "participation/message_lookup.html",
            organization,
            {**context, "form": form, "problem": problem},
            status=429,
        )
    LOOKUP_LIMIT.hit(request)
    if not form.is_valid():
        return _public(
            request, "participation/message_lookup.html", organization, {**context, "form": form}, status=400
        )
    message = rules.lookup(form.cleaned_data["code"])
    if message is None:
        problem = "没有找到该查询码对应的留言,请核对后重新输入。"
        return _public(
            request,
            "participation/message_lookup.html",
            organization,
            {**context, "form": form, "problem": problem},
        )
    return _public(
        request,
        "participation/message_lookup.html",
        message.organization,
        {
            **context,
            "form": LookupForm(),
            "found": message,
            "code": rules.format_code(message.tracking_code),
            "due": Deadline(message.due_on, message.due_provisional).label,
        },
    )


# --- console -----------------------------------------------------------------------------------------

TABS = [("new", "待分办"), ("routed", "办理中"), ("answered", "已答复"), ("all", "全部")]


def _require_viewer(request) -> None:
    membership = request.membership
    if not (rules.sees_all(membership) or rules.answers_for_department(membership)):
        raise ConsoleForbidden("只有办公室编辑、分管领导和科室工作人员可以查看公众留言。")


def _list_page(request, policy_form=None, status: int = 200) -> HttpResponse:
    _require_viewer(request)
    membership = request.membership
    default = "new" if rules.is_office(membership) else "routed"  # a department never holds new ones
    tab = request.GET.get("tab", default)
    if tab not in dict(TABS):
        tab = default
    today = timezone.localdate()
    calendar = WorkdayCalendar()
    page = Paginator(rules.console_messages(membership, tab, today), CONSOLE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    office = rules.is_office(membership)
    rows = []
    for m in page.object_list:
        personal = office or rules.in_routed_department(membership, m)
        rows.append(
            {
                "message": m,
                "deadline": rules.deadline_state(m, today=today, calendar=calendar),
                "writer": m.name if personal else rules.masked_name(m.name),
                "subject": m.subject if personal else rules.public_text(m.subject),
            }
        )
    workdays = rules.answer_workdays(request.organization)
    if office and policy_form is None:
        policy_form = PolicyForm(initial={"answer_workdays": workdays})
    return render(
        request,
        "participation/message_console_list.html",
        {
            "tabs": TABS,
            "tab": tab,
            "page": page,
            "rows": rows,
            "workdays": workdays,
            "policy_form": policy_form if office else None,
            "scope": "本机构" if rules.sees_all(membership) else membership.department.name,
        },
        status=status,
    )


@console_view
@require_safe
def console_list(request):
    return _list_page(request)


@console_view
@require_POST
def console_policy(request):
    _require_viewer(request)
    if not rules.is_office(request.membership):
        raise ConsoleForbidden("只有办公室编辑可以设置留言答复期限。")
    form = PolicyForm(request.POST)
    if not form.is_valid():
        return _list_page(request, policy_form=form, status=400)
    try:
        rules.set_answer_workdays(
            user=request.user,
            organization=request.organization,
            workdays=form.cleaned_data["answer_workdays"],
        )
    except ValidationError as exc:
        _apply(form, exc)
        return _list_page(request, policy_form=form, status=400)
    flash.success(
        request,
        f"留言答复期限已设为 {form.cleaned_data['answer_workdays']} 个工作日,此后收到的留言按此计算。",
    )
    return redirect("participation_console:message_list")


def _message(request, pk) -> Message:
    message = (
        Message.objects.select_related("organization", "department", "routed_by", "answered_by")
        .filter(organization=request.organization, pk=pk)
        .first()
    )
    if message is None:
        raise Http404("没有找到该留言。")
    failures = rules.view_failures(request.user, message)
    if failures:
        raise ConsoleForbidden(failures)
    return message


def _reason_form(action: str, data=None) -> ReasonForm:
    if action == "return":
        return ReasonForm(
            data,
            prefix="return",
            label="退回理由",
            help_text="说明为什么不属于本科室办理,办公室将据此重新分办。",
        )
    return ReasonForm(data, prefix="reject", label="不予受理理由", help_text="该理由将通过查询码告知留言人。")


def _detail(request, message: Message, status: int = 200, **forms) -> HttpResponse:
    user = request.user
    can = {
        "route": rules.route_failures(user, message) == [],
        "answer": rules.answer_failures(user, message) == [],
        "return": rules.return_failures(user, message) == [],
        "reject": rules.reject_failures(user, message) == [],
    }
    personal = rules.personal_data_visible(user, message)
    screening = message.screening if isinstance(message.screening, dict) else {}
    context = {
        "message": message,
        "deadline": rules.deadline_state(message),
        "due_label": Deadline(message.due_on, message.due_provisional).label,
        "personal": personal,
        "writer": message.name if personal else rules.masked_name(message.name),
        # Phone numbers, ID numbers and e-mails the writer put in the text are personal data too.
        "text": message.text if personal else rules.public_text(message.text),
        "subject": message.subject if personal else rules.public_text(message.subject),
        "code": rules.format_code(message.tracking_code) if personal else "",
        "can": can,
        "message_findings": [{**f, "text": rules.describe(f)} for f in screening.get("message", [])],
        "answer_findings": [{**f, "text": rules.describe(f)} for f in screening.get("answer", [])],
        "message_blocked": bool(rules.blocking(screening.get("message", []))),
        "route_form": forms.get("route_form")
        or RouteForm(
            prefix="route",
            organization=request.organization,
            initial={"department": message.department_id},
        ),
        "answer_form": forms.get("answer_form")
        or AnswerForm(prefix="answer", initial={"show_publicly": message.publish_ok}),
        "return_form": forms.get("return_form") or _reason_form("return"),
        "reject_form": forms.get("reject_form") or _reason_form("reject"),
    }
    if not message.publish_ok:
        context["answer_form"].fields["show_publicly"].disabled = True
        context["answer_form"].fields["show_publicly"].label = "留言人未同意公开:留言和答复不会在网站显示"
    return render(request, "participation/message_console_detail.html", context, status=status)


@console_view
@require_safe
def console_detail(request, pk):
    return _detail(request, _message(request, pk))


ACTIONS = {
    "route": (rules.route_failures, "已分办。"),
    "answer": (rules.answer_failures, "已答复。留言人可凭查询码查看答复。"),
    "return": (rules.return_failures, "已退回办公室重新分办。"),
    "reject": (rules.reject_failures, "已作不予受理处理,理由将告知留言人。"),
}


@console_view
@require_POST
def console_action(request, pk, action):
    if action not in ACTIONS:
        raise Http404("没有这个操作。")
    message = _message(request, pk)
    failures_of, done = ACTIONS[action]
    failures = failures_of(request.user, message)
    if failures:
        raise ConsoleForbidden(failures)
    if action == "route":
        form = RouteForm(request.POST, prefix="route", organization=request.organization)
    elif action == "answer":
        form = AnswerForm(request.POST, prefix="answer")
    else:
        form = _reason_form(action, request.POST)
    forms = {f"{action}_form": form}
    if not form.is_valid():
        return _detail(request, message, status=400, **forms)
    data = form.cleaned_data
    try:
        if action == "route":
            rules.route_message(message, request.user, data["department"], data["note"])
        elif action == "answer":
            rules.answer_message(
                message, request.user, data["text"], show_publicly=bool(data.get("show_publicly"))
            )
        elif action == "return":
            rules.return_message(message, request.user, data["reason"])
        else:
            rules.reject_message(message, request.user, data["reason"])
    except ValidationError as exc:
        _apply(form, exc)
        return _detail(request, message, status=400, **forms)
    except PermissionDenied as exc:  # the state changed meanwhile (someone else acted first)
        flash.error(request, str(exc) or "无法完成该操作。")
        return redirect("participation_console:message_detail", pk=message.pk)
    flash.success(request, done)
    if action == "return":  # the department no longer sees it
        return redirect("participation_console:message_list")
    return redirect("participation_console:message_detail", pk=message.pk)
