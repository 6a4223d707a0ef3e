"""在线访谈 pages: the public list, interview page (preview + question form, live, archive) and the live JSON
at /hudong/fangtan/; the console at /console/participation/interviews/ (schedule, publish, start and end,
moderate questions, type the guests' answers, summary).

Views only read and call interviews.py. Console: a refusal is the console's Chinese 403 page, another
organisation's interview a 404, bad input the page again with its Chinese messages (status 400).
Public: an unpublished interview is a 404; a question refused (closed, too many, bad captcha) is the page
again with the reason and what was typed.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from gongkai.console.access import ConsoleForbidden, console_view
from gongkai.core import throttle
from gongkai.orgs.constants import Role
from gongkai.portal.site import chosen_organization, site_for
from gongkai.publishing.exceptions import WorkflowError

from . import interviews
from .constants import InterviewStatus, QuestionStatus
from .interview_forms import AnswerForm, ApproveForm, InterviewForm, QuestionForm, RejectForm, SummaryForm
from .models import Interview, Question

LIMIT = throttle.Limit("interview_question", 3, 600)  # 3 questions per client per interview per 10 minutes
PAST_PER_PAGE = 20
LIVE_MAX_AGE = 2  # seconds: a spike of pollers is served from caches (nginx, the browser)
POLL_SECONDS = {InterviewStatus.LIVE: 4, InterviewStatus.SCHEDULED: 30}
ASKED = "ok"


def _apply(form, exc: ValidationError) -> None:
    """A service's ValidationError onto the form: field messages by their field, the rest on top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            for message in errors:
                form.add_error(field if field in form.fields else None, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


# --- public -----------------------------------------------------------------------------------------------------


def _list_url(site) -> str:
    return reverse("participation:interview_list") + site.query


@require_safe
def interview_list(request):
    organization, organizations = chosen_organization(request)
    site = site_for(request, organization, several=len(organizations) > 1)
    lists = interviews.public_lists(organization)
    past = Paginator(lists["past"], PAST_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "participation/interview_list.html",
        {
            "site": site,
            "organization": organization,
            "organizations": organizations if len(organizations) > 1 else [],
            "base_url": reverse("participation:interview_list"),
            "live": lists["live"],
            "upcoming": lists["upcoming"],
            "page": past,
            "show_publisher": organization is None and len(organizations) > 1,
            "breadcrumbs": [("首页", site.home_url), ("互动交流", None), ("在线访谈", None)],
        },
    )


def _public(pk) -> Interview:
    interview = interviews.public_interview(pk)
    if interview is None:
        raise Http404("没有找到该在线访谈。")
    return interview


def _detail_page(request, interview, *, form=None, problem="", status=200):
    site = site_for(request, interview.organization)
    shown = interviews.shown_questions(interview)
    closed = interviews.asking_closed_reason(interview)
    if form is None and not closed:
        form = QuestionForm()
    item = interview.interprets
    interprets = (
        item
        if item is not None and item.status == "published" and item.live_revision_id is not None
        else None
    )
    return render(
        request,
        "participation/interview_detail.html",
        {
            "site": site,
            "interview": interview,
            "guests": interviews.guest_lines(interview.guests),
            "answered": interviews.transcript(shown),
            "waiting": [q for q in shown if q.status == QuestionStatus.APPROVED],
            "last_seq": max((q.seq for q in shown), default=0),
            "poll_seconds": POLL_SECONDS.get(interview.status, 0),
            "form": None if closed else form,
            "closed": closed,
            "problem": problem,
            "asked": request.GET.get("tiwen") == ASKED,
            "interprets": interprets,
            "anonymous": interviews.ANONYMOUS,
            "breadcrumbs": [
                ("首页", site.home_url),
                ("在线访谈", _list_url(site)),
                (interview.title, None),
            ],
        },
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def interview_detail(request, pk):
    interview = _public(pk)
    if request.method != "POST":
        return _detail_page(request, interview)
    form = QuestionForm(request.POST)
    closed = interviews.asking_closed_reason(interview)
    if closed:
        return _detail_page(request, interview, problem=closed, status=400)
    scope = str(interview.pk)
    if LIMIT.exceeded(request, scope):
        return _detail_page(request, interview, form=form, problem=LIMIT.message("提问"), status=429)
    if request.POST.get("website", "").strip():
        LIMIT.hit(request, scope)
        return _detail_page(
            request, interview, form=QuestionForm(), problem="提交未被接受,请刷新页面后重新填写。", status=400
        )
    if not form.is_valid():
        return _detail_page(request, interview, form=form, status=400)
    try:
        interviews.submit_question(
            interview=interview,
            text=form.cleaned_data["text"],
            name=form.cleaned_data["name"],
            client_key=throttle.client_key(request),
        )
    except ValidationError as exc:
        _apply(form, exc)
        return _detail_page(request, interview, form=form, status=400)
    LIMIT.hit(request, scope)
    return redirect(reverse("participation:interview_detail", args=[interview.pk]) + f"?tiwen={ASKED}#ask")


@require_safe
def interview_live_json(request, pk):
    """New entries of the live page: approved and answered questions with ``seq`` above ``after``."""
    raw = request.GET.get("after", "0").strip() or "0"
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 10:
        return JsonResponse({"error": "参数 after 无效:应为不小于 0 的整数。"}, status=400)
    interview = interviews.public_interview(pk)
    if interview is None:
        return JsonResponse({"error": "没有找到该在线访谈。"}, status=404)
    response = JsonResponse(
        interviews.live_payload(interview, int(raw)), json_dumps_params={"ensure_ascii": False}
    )
    response["Cache-Control"] = f"public, max-age={LIVE_MAX_AGE}"
    return response


# --- console ----------------------------------------------------------------------------------------------------


def _refuse(failures) -> None:
    if failures:
        raise ConsoleForbidden(failures)


def _interview(request, pk) -> Interview:
    interview = (
        Interview.objects.select_related("organization", "department", "interprets", "created_by")
        .filter(organization=request.organization, pk=pk)
        .first()
    )
    if interview is None:
        raise Http404("没有找到该在线访谈。")
    _refuse(interviews.console_failures(request.user, request.organization.pk))
    membership = request.membership
    if not membership.has_role(Role.OFFICE_EDITOR) and membership.department_id != interview.department_id:
        raise ConsoleForbidden("只有办公室编辑和承办科室可以查看该在线访谈。")
    return interview


def _console_url(interview, anchor: str = "") -> str:
    url = reverse("participation_console:interview_console_detail", args=[interview.pk])
    return url + (f"#{anchor}" if anchor else "")


@console_view
def interview_console_list(request):
    _refuse(interviews.console_failures(request.user, request.organization.pk))
    rows = interviews.console_interviews(request.membership)
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "participation/interview_console_list.html",
        {
            "page": page,
            "can_create": interviews.create_failures(request.user, request.organization.pk) == [],
            "section": "interviews",
        },
    )


def _form_page(request, form, interview=None, status=200):
    return render(
        request,
        "participation/interview_form.html",
        {"form": form, "interview": interview, "section": "interviews"},
        status=status,
    )


@console_view
@require_http_methods(["GET", "HEAD", "POST"])
def interview_create(request):
    _refuse(interviews.create_failures(request.user, request.organization.pk))
    kwargs = {"organization": request.organization, "membership": request.membership}
    if request.method != "POST":
        return _form_page(request, InterviewForm(**kwargs))
    form = InterviewForm(request.POST, **kwargs)
    if not form.is_valid():
        return _form_page(request, form, status=400)
    try:
        interview = interviews.create_interview(
            user=request.user, organization=request.organization, data=form.data_for_service()
        )
    except ValidationError as exc:
        _apply(form, exc)
        return _form_page(request, form, status=400)
    except WorkflowError as exc:
        raise ConsoleForbidden(exc.reasons) from exc
    messages.success(request, "在线访谈已保存。发布预告后公众才能看到并提问。")
    return redirect(_console_url(interview))


@console_view
@require_http_methods(["GET", "HEAD", "POST"])
def interview_edit(request, pk):
    interview = _interview(request, pk)
    _refuse(interviews.manage_failures(request.user, interview))
    if interview.status == InterviewStatus.ENDED:
        messages.error(request, "访谈已结束,只能填写访谈摘要。")
        return redirect(_console_url(interview, "summary"))
    kwargs = {"organization": request.organization, "membership": request.membership, "interview": interview}
    if request.method != "POST":
        return _form_page(request, InterviewForm(**kwargs), interview)
    form = InterviewForm(request.POST, **kwargs)
    if not form.is_valid():
        return _form_page(request, form, interview, status=400)
    try:
        interviews.update_interview(user=request.user, interview=interview, data=form.data_for_service())
    except ValidationError as exc:
        _apply(form, exc)
        return _form_page(request, form, interview, status=400)
    except WorkflowError as exc:
        raise ConsoleForbidden(exc.reasons) from exc
    messages.success(request, "在线访谈已修改。")
    return redirect(_console_url(interview))


def _detail(request, interview, *, status=200, summary_form=None, bound=None, problem=""):
    bound = bound or {}
    queues = interviews.question_queues(interview)
    for question in queues[QuestionStatus.PENDING]:
        question.approve_form = bound.get(f"approve-{question.pk}") or ApproveForm(
            prefix=f"approve-{question.pk}", initial={"text": question.text}
        )
        question.reject_form = bound.get(f"reject-{question.pk}") or RejectForm(
            prefix=f"reject-{question.pk}"
        )
    for question in queues[QuestionStatus.REJECTED]:
        question.approve_form = bound.get(f"approve-{question.pk}") or ApproveForm(
            prefix=f"approve-{question.pk}", initial={"text": question.text}
        )
    for question in queues[QuestionStatus.APPROVED] + queues[QuestionStatus.ANSWERED]:
        question.answer_form = bound.get(f"answer-{question.pk}") or AnswerForm(
            prefix=f"answer-{question.pk}",
            interview=interview,
            initial={"guest": question.answered_by_guest, "answer": question.answer},
        )
    user = request.user
    return render(
        request,
        "participation/interview_console_detail.html",
        {
            "interview": interview,
            "guests": interviews.guest_lines(interview.guests),
            "queues": queues,
            "pending": queues[QuestionStatus.PENDING],
            "approved": queues[QuestionStatus.APPROVED],
            "answered": queues[QuestionStatus.ANSWERED],
            "rejected": queues[QuestionStatus.REJECTED],
            "can_manage": interviews.manage_failures(user, interview) == [],
            "can_moderate": interviews.moderate_failures(user, interview) == [],
            "can_answer": interview.status != InterviewStatus.SCHEDULED,
            "summary_form": summary_form or SummaryForm(initial={"summary": interview.summary}),
            "public_url": reverse("participation:interview_detail", args=[interview.pk]),
            "problem": problem,
            "section": "interviews",
        },
        status=status,
    )


@console_view
def interview_console_detail(request, pk):
    return _detail(request, _interview(request, pk))


STATE_ACTIONS = {
    "publish": (
        lambda user, i: interviews.set_published(user=user, interview=i, published=True),
        "预告已发布。",
    ),
    "unpublish": (
        lambda user, i: interviews.set_published(user=user, interview=i, published=False),
        "已撤回。",
    ),
    "start": (lambda user, i: interviews.start_interview(user=user, interview=i), "访谈已开始。"),
    "end": (lambda user, i: interviews.end_interview(user=user, interview=i), "访谈已结束。"),
}


@console_view
@require_POST
def interview_action(request, pk, action):
    interview = _interview(request, pk)
    if action == "summary":
        form = SummaryForm(request.POST)
        if not form.is_valid():
            return _detail(request, interview, status=400, summary_form=form)
        try:
            interviews.save_summary(
                user=request.user, interview=interview, summary=form.cleaned_data["summary"]
            )
        except ValidationError as exc:
            _apply(form, exc)
            return _detail(request, interview, status=400, summary_form=form)
        except WorkflowError as exc:
            raise ConsoleForbidden(exc.reasons) from exc
        messages.success(request, "访谈摘要已保存。")
        return redirect(_console_url(interview, "summary"))
    if action not in STATE_ACTIONS:
        raise Http404("没有这个操作。")
    do, done = STATE_ACTIONS[action]
    try:
        do(request.user, interview)
    except ValidationError as exc:
        return _detail(request, interview, status=400, problem="".join(exc.messages))
    except WorkflowError as exc:
        raise ConsoleForbidden(exc.reasons) from exc
    messages.success(request, done)
    return redirect(_console_url(interview))


@console_view
@require_POST
def question_action(request, pk, question_pk, action):
    interview = _interview(request, pk)
    question = Question.objects.filter(interview=interview, pk=question_pk).first()
    if question is None:
        raise Http404("没有找到该提问。")
    question.interview = interview
    prefix = f"{action}-{question.pk}"
    if action == "approve":
        form = ApproveForm(request.POST, prefix=prefix)
        call = lambda data: interviews.approve_question(  # noqa: E731
            user=request.user, question=question, text=data["text"]
        )
        done, anchor = "提问已采用,已显示在访谈页面。", f"q-{question.pk}"
    elif action == "reject":
        form = RejectForm(request.POST, prefix=prefix)
        call = lambda data: interviews.reject_question(  # noqa: E731
            user=request.user, question=question, note=data["note"]
        )
        done, anchor = "提问已不予采用。", "pending"
    elif action == "answer":
        form = AnswerForm(request.POST, prefix=prefix, interview=interview)
        call = lambda data: interviews.answer_question(  # noqa: E731
            user=request.user, question=question, guest=data["guest"], answer=data["answer"]
        )
        done, anchor = "回答已发布,访谈页面将自动显示。", f"q-{question.pk}"
    else:
        raise Http404("没有这个操作。")
    if not form.is_valid():
        return _detail(request, interview, status=400, bound={prefix: form})
    try:
        call(form.cleaned_data)
    except ValidationError as exc:
        _apply(form, exc)
        return _detail(request, interview, status=400, bound={prefix: form})
    except WorkflowError as exc:
        raise ConsoleForbidden(exc.reasons) from exc
    messages.success(request, done)
    return redirect(_console_url(interview, anchor))
