"""征求意见 pages: the public ones under /hudong/ (the 互动交流 index, the list, a consultation with its
comment form, the thanks page) and the staff ones under /console/participation/consultations/.

Views shape requests and responses only; every rule and write is in consultations.py.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from gongkai.console.access import ConsoleForbidden, console_view
from gongkai.console.replies import error_messages
from gongkai.core import throttle
from gongkai.portal.links import attachment_url, item_url
from gongkai.portal.site import site_for
from gongkai.publishing import selectors as publishing_selectors
from gongkai.publishing.exceptions import WorkflowError
from gongkai.reports.exports import attachment_disposition
from gongkai.workdays.calendar import WorkdayCalendar

from . import consultations as rules
from .constants import CommentStatus, ConsultationStatus, Disposition
from .consultation_forms import (
    ClassifyForm,
    CommentForm,
    ConsultationForm,
    ExtendForm,
    ModerateForm,
    SummaryForm,
)
from .models import Comment, Consultation

LIMIT = throttle.Limit("consultation_comment", 5, 600)  # 5 comments per client per consultation per 10 min
SESSION_KEY = "consultation_comment"
HONEYPOT_MESSAGE = "提交未被接受,请刷新页面后重新填写。"


# --- public --------------------------------------------------------------------------------------------


def _url_or_none(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:  # that section is not built yet
        return None


def _crumbs(*extra) -> list[tuple[str, str | None]]:
    return [("首页", "/"), ("互动交流", reverse("participation:index")), *extra]


def privacy_notice(consultation: Consultation) -> str:
    asked = [
        label
        for field, label in (
            ("name", "姓名"),
            ("phone", "联系电话"),
            ("email", "电子邮箱"),
            ("address", "通讯地址"),
        )
        if getattr(consultation, f"ask_{field}")
    ]
    contact = "、".join(asked) if asked else "联系方式(如您填写)"
    shown = (
        "审核通过的意见内容将在本页面公开,姓名仅显示姓氏,其他个人信息不公开;"
        if consultation.show_comments
        else "意见内容不在本页面公开;"
    )
    return (
        f"您提交的{contact}由{consultation.organization.name}收集,仅用于就您的意见与您联系、"
        "核实情况,依照《中华人民共和国个人信息保护法》妥善保管,不会用于其他目的,也不会向第三方提供。"
        f"{shown}意见采纳情况反馈中引用意见时不署名,并隐去其中的个人信息。提交意见即表示您同意上述处理方式。"
    )


@require_safe
def index(request):
    return render(
        request,
        "participation/consultation_hudong_index.html",
        {
            "site": site_for(request, None),
            "open": rules.open_consultations(),
            "message_url": _url_or_none("participation:message_list"),
            "interview_url": _url_or_none("participation:interview_list"),
            "breadcrumbs": [("首页", "/"), ("互动交流", None)],
        },
    )


@require_safe
def consultation_list(request):
    today = timezone.localdate()
    page = Paginator(rules.public_consultations(), 20).get_page(request.GET.get("page"))
    rows = [(c, rules.PHASE_LABELS[rules.phase(c, today)]) for c in page.object_list]
    return render(
        request,
        "participation/consultation_list.html",
        {
            "site": site_for(request, None),
            "page": page,
            "rows": rows,
            "breadcrumbs": _crumbs(("征求意见", None)),
        },
    )


def _public_consultation(pk) -> Consultation:
    consultation = rules.public_consultation(pk)
    if consultation is None:
        raise Http404("没有找到该征求意见。")
    return consultation


def _detail_context(request, consultation, form, *, problem="", submitted=""):
    from gongkai.portal.selectors import live_attachments

    today = timezone.localdate()
    calendar = WorkdayCalendar()
    item = consultation.item
    current = rules.phase(consultation, today)
    shortened = rules.is_shortened(consultation, calendar)
    comments_page = None
    if consultation.show_comments:
        comments_page = Paginator(rules.public_comments(consultation), 30).get_page(request.GET.get("page"))
    report = rules.feedback_report_public(consultation)
    return {
        "site": site_for(request, consultation.organization),
        "consultation": consultation,
        "item": item,
        "revision": item.live_revision,
        "item_url": item_url(item),
        "attachments": [(a, attachment_url(a)) for a in live_attachments(item)],
        "sections": rules.sections_of(consultation),
        "phase": current,
        "phase_label": rules.PHASE_LABELS[current],
        "accepting": current == rules.Phase.OPEN,
        "shortened": shortened,
        "minimum": rules.minimum_label(consultation.kind),
        "days": rules.calendar_days(consultation.opens_on, consultation.closes_on),
        "workdays": rules.period_workdays(consultation.opens_on, consultation.closes_on, calendar),
        "opens": rules.chinese_date(consultation.opens_on),
        "closes": rules.chinese_date(consultation.closes_on),
        "refusal": rules.refusal(consultation, today),
        "problem": problem,
        "submitted": submitted,
        "form": form,
        "notice": privacy_notice(consultation),
        "comments_page": comments_page,
        "public_rows": [(c, rules.public_name(c), rules.masked_text(c.text)) for c in (comments_page or [])],
        "report": report,
        "report_url": item_url(report) if report else "",
        "breadcrumbs": _crumbs(
            ("征求意见", reverse("participation:consultation_list")), (consultation.title, None)
        ),
    }


def _render_detail(request, consultation, form, *, status=200, **extra):
    return render(
        request,
        "participation/consultation_detail.html",
        _detail_context(request, consultation, form, **extra),
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def consultation_detail(request, pk):
    consultation = _public_consultation(pk)
    sections = rules.sections_of(consultation)
    if request.method != "POST":
        anchor = request.GET.get("anchor", "")
        initial = {"anchor": anchor} if anchor in {s.anchor for s in sections} else {}
        form = CommentForm(consultation=consultation, sections=sections, initial=initial)
        return _render_detail(request, consultation, form)

    form = CommentForm(request.POST, consultation=consultation, sections=sections)
    submitted = (request.POST.get("text") or "")[: rules.MAX_COMMENT * 2]
    problem = rules.refusal(consultation)
    if problem:
        return _render_detail(request, consultation, form, status=400, problem=problem, submitted=submitted)
    scope = str(consultation.pk)
    if LIMIT.exceeded(request, scope):
        return _render_detail(request, consultation, form, status=429, problem=LIMIT.message("意见"))
    if request.POST.get("website", "").strip():
        LIMIT.hit(request, scope)
        fresh = CommentForm(consultation=consultation, sections=sections)
        return _render_detail(request, consultation, fresh, status=400, problem=HONEYPOT_MESSAGE)
    if not form.is_valid():
        return _render_detail(request, consultation, form, status=400)
    data = form.cleaned_data
    try:
        comment = rules.submit_comment(
            consultation=consultation,
            text=data["text"],
            anchor=data.get("anchor", ""),
            name=data.get("name", ""),
            phone=data.get("phone", ""),
            email=data.get("email", ""),
            address=data.get("address", ""),
            consented=data["consent"],
            client_key=throttle.client_key(request),
        )
    except ValidationError as exc:
        if getattr(exc, "code", None) == "closed":
            return _render_detail(
                request, consultation, form, status=400, problem=exc.messages[0], submitted=submitted
            )
        _apply(form, exc)
        return _render_detail(request, consultation, form, status=400)
    LIMIT.hit(request, scope)
    request.session[SESSION_KEY] = {"consultation": consultation.pk, "pending": comment.status == "pending"}
    return redirect("participation:consultation_thanks", pk=consultation.pk)


@require_safe
def consultation_thanks(request, pk):
    consultation = _public_consultation(pk)
    saved = request.session.get(SESSION_KEY) or {}
    if saved.get("consultation") != consultation.pk:
        return redirect("participation:consultation_detail", pk=consultation.pk)
    return render(
        request,
        "participation/consultation_thanks.html",
        {
            "site": site_for(request, consultation.organization),
            "consultation": consultation,
            "pending": saved.get("pending", False),
            "closes": rules.chinese_date(consultation.closes_on),
            "breadcrumbs": _crumbs(
                ("征求意见", reverse("participation:consultation_list")),
                (consultation.title, reverse("participation:consultation_detail", args=[consultation.pk])),
                ("意见已提交", None),
            ),
        },
    )


# --- console -------------------------------------------------------------------------------------------


def _refuse(failures) -> None:
    if failures:
        raise ConsoleForbidden(failures)


def _apply(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            for message in errors:
                form.add_error(field if field in form.fields else None, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


def _consultation(request, pk) -> Consultation:
    consultation = (
        Consultation.objects.select_related(
            "organization",
            "department",
            "item",
            "item__latest_revision",
            "feedback_item",
            "feedback_item__latest_revision",
            "created_by",
        )
        .filter(organization=request.organization, pk=pk)
        .first()
    )
    if consultation is None:
        raise Http404("没有找到该征求意见。")
    _refuse(rules.view_failures(request.user, consultation))
    return consultation


def _may_draft(request) -> bool:
    m = request.membership
    return m.has_role("office_editor") or m.has_role("drafter")


@console_view
def console_list(request):
    tab = request.GET.get("tab", "active")
    if tab not in dict(rules.CONSOLE_TABS):
        tab = "active"
    today = timezone.localdate()
    calendar = WorkdayCalendar()
    page = Paginator(rules.console_list(request.membership, tab), 30).get_page(request.GET.get("page"))
    rows = [
        (
            c,
            rules.PHASE_LABELS[rules.phase(c, today)],
            rules.feedback_deadline(c, today=today, calendar=calendar),
        )
        for c in page.object_list
    ]
    return render(
        request,
        "participation/consultation_console_list.html",
        {
            "page": page,
            "rows": rows,
            "tabs": rules.CONSOLE_TABS,
            "tab": tab,
            "can_draft": _may_draft(request),
        },
    )


@console_view
@require_http_methods(["GET", "HEAD", "POST"])
def console_create(request):
    organization = request.organization
    if not _may_draft(request):
        raise ConsoleForbidden("只有起草人或办公室编辑可以发起征求意见。")
    if request.method != "POST":
        initial = {"department": request.membership.department_id}
        form = ConsultationForm(organization=organization, initial=initial)
        return render(request, "participation/consultation_form.html", {"form": form, "creating": True})
    form = ConsultationForm(request.POST, request.FILES, organization=organization)
    if form.is_valid():
        try:
            consultation = rules.create_consultation(
                user=request.user,
                organization=organization,
                data=form.consultation_data(),
                draft_text=form.cleaned_data.get("draft_text", ""),
                draft_html=form.cleaned_data.get("docx_file") or "",
                catalogue_entry=form.cleaned_data.get("catalogue_entry"),
                topic=form.cleaned_data.get("topic"),
            )
        except ValidationError as exc:
            _apply(form, exc)
        except WorkflowError as exc:
            for reason in exc.reasons:
                form.add_error(None, reason)
        else:
            messages.success(
                request,
                "已保存征求意见,并生成了征求意见公告草稿。请在公告页面上传征求意见稿、起草说明等附件,完善目录分类后提交审核;"
                "公告发布后,征求意见将于开始日期自动开始。",
            )
            return redirect("participation_console:consultation_detail", pk=consultation.pk)
    return render(
        request, "participation/consultation_form.html", {"form": form, "creating": True}, status=400
    )


@console_view
@require_http_methods(["GET", "HEAD", "POST"])
def console_edit(request, pk):
    consultation = _consultation(request, pk)
    _refuse(rules.handle_failures(request.user, consultation))
    if consultation.status != ConsultationStatus.DRAFT:
        messages.error(request, "征求意见已经开始,不能再修改;如需延长期限,请使用“延长截止日期”。")
        return redirect("participation_console:consultation_detail", pk=consultation.pk)
    context = {"consultation": consultation, "creating": False}
    if request.method != "POST":
        initial = {f: getattr(consultation, f) for f in rules.CONSULTATION_FIELDS}
        form = ConsultationForm(organization=request.organization, creating=False, initial=initial)
        return render(request, "participation/consultation_form.html", {**context, "form": form})
    form = ConsultationForm(request.POST, organization=request.organization, creating=False)
    if form.is_valid():
        try:
            rules.update_consultation(
                user=request.user, consultation=consultation, data=form.consultation_data()
            )
        except ValidationError as exc:
            _apply(form, exc)
        except WorkflowError as exc:
            for reason in exc.reasons:
                form.add_error(None, reason)
        else:
            messages.success(request, "已保存。")
            return redirect("participation_console:consultation_detail", pk=consultation.pk)
    return render(request, "participation/consultation_form.html", {**context, "form": form}, status=400)


def _comment_rows(request, consultation, comments, clear, bound):
    """Each comment with its contact details (masked unless the person holds the right) and its forms."""
    approved = [c for c in comments if c.status == CommentStatus.APPROVED]
    numbers = {c.pk: n for n, c in enumerate(comments, start=1)}
    rows = []
    # The choices of 与之重复的意见 quote the other comments: masked like their text for those without the
    # right (computed once, not per row).
    quoted = {o.pk: (o.text if clear else rules.masked_text(o.text))[:20] for o in approved}
    for c in comments:
        originals = [
            (o.pk, f"意见{numbers[o.pk]}:{quoted[o.pk]}")
            for o in approved
            if o.pk != c.pk and o.disposition != Disposition.DUPLICATE
        ]
        moderate = bound.get(("moderate", c.pk)) or ModerateForm(
            prefix=f"m{c.pk}",
            initial={"decision": "approve" if c.status != CommentStatus.APPROVED else "reject"},
        )
        classify = bound.get(("classify", c.pk)) or ClassifyForm(
            prefix=f"c{c.pk}",
            originals=originals,
            initial={"disposition": c.disposition, "reason": c.reason, "duplicate_of": c.duplicate_of_id},
        )
        rows.append(
            {
                "comment": c,
                "number": numbers[c.pk],
                "contact": rules.contact_of(c, clear=clear),
                "text": c.text if clear else rules.masked_text(c.text),
                "blocking": rules.blocking(c.screening),
                "findings": c.screening,
                "moderate_form": moderate,
                "classify_form": classify,
                "duplicate_number": numbers.get(c.duplicate_of_id),
            }
        )
    return rows


def _console_detail(request, consultation, *, status=200, bound=None, extend_form=None, summary_form=None):
    today = timezone.localdate()
    calendar = WorkdayCalendar()
    current = rules.phase(consultation, today)
    can_handle = rules.handle_failures(request.user, consultation) == []
    clear = rules.sees_personal_data(request.user, consultation)
    status_filter = request.GET.get("comments", "")
    if status_filter not in CommentStatus.values:
        status_filter = ""
    comments = list(rules.console_comments(consultation))
    rows = _comment_rows(request, consultation, comments, clear, bound or {})
    if status_filter:
        rows = [r for r in rows if r["comment"].status == status_filter]
    counts = rules.feedback_counts(consultation)
    locked_problem = rules._feedback_locked_failure(consultation)
    closed = consultation.status == ConsultationStatus.CLOSED or current == rules.Phase.CLOSED
    # The notice and the feedback report are items of the publishing workflow: their titles and links go
    # only to those who may read them (an office editor may have moved one to another department).
    seen = publishing_selectors.seen_by_id(
        request.user, [consultation.item_id, consultation.feedback_item_id]
    )
    return render(
        request,
        "participation/consultation_console_detail.html",
        {
            "consultation": consultation,
            "notice_item": seen.get(consultation.item_id),
            "feedback_item": seen.get(consultation.feedback_item_id),
            "today": today,
            "phase": current,
            "phase_label": rules.PHASE_LABELS[current],
            "can_handle": can_handle,
            "clear": clear,
            "rows": rows,
            "comment_tabs": [("", "全部"), *CommentStatus.choices],
            "comment_filter": status_filter,
            "counts": counts,
            "shortened": rules.is_shortened(consultation, calendar),
            "minimum": rules.minimum_label(consultation.kind),
            "days": rules.calendar_days(consultation.opens_on, consultation.closes_on),
            "workdays": rules.period_workdays(consultation.opens_on, consultation.closes_on, calendar),
            "deadline": rules.feedback_deadline(consultation, today=today, calendar=calendar),
            "may_edit": can_handle and consultation.status == ConsultationStatus.DRAFT and current != "open",
            "may_extend": can_handle and current == rules.Phase.OPEN,
            "may_moderate": can_handle and not locked_problem,
            "may_classify": can_handle and closed and not locked_problem,
            "report_failures": rules.report_failures(consultation) if closed else [],
            "locked_problem": locked_problem,
            "extend_form": extend_form or ExtendForm(initial={"closes_on": consultation.closes_on}),
            "summary_form": summary_form
            or SummaryForm(initial={"feedback_summary": consultation.feedback_summary}),
            "public_url": reverse("participation:consultation_detail", args=[consultation.pk])
            if rules.notice_published(consultation)
            else "",
        },
        status=status,
    )


@console_view
def console_detail(request, pk):
    return _console_detail(request, _consultation(request, pk))


def _handled(request, pk) -> Consultation:
    consultation = _consultation(request, pk)
    _refuse(rules.handle_failures(request.user, consultation))
    return consultation


def _back(consultation, anchor: str = "") -> HttpResponse:
    url = reverse("participation_console:consultation_detail", args=[consultation.pk])
    return redirect(url + (f"#{anchor}" if anchor else ""))


@console_view
@require_POST
def console_extend(request, pk):
    consultation = _handled(request, pk)
    form = ExtendForm(request.POST)
    if not form.is_valid():
        return _console_detail(request, consultation, status=400, extend_form=form)
    try:
        rules.extend_period(
            user=request.user,
            consultation=consultation,
            closes_on=form.cleaned_data["closes_on"],
            note=form.cleaned_data["note"],
        )
    except ValidationError as exc:
        _apply(form, exc)
        return _console_detail(request, consultation, status=400, extend_form=form)
    except WorkflowError as exc:
        error_messages(request, exc.reasons)
        return _back(consultation)
    messages.success(request, f"截止日期已延长至{form.cleaned_data['closes_on']:%Y-%m-%d}。")
    return _back(consultation)


def _comment(consultation, comment_pk) -> Comment:
    comment = consultation.comments.filter(pk=comment_pk).first()
    if comment is None:
        raise Http404("没有找到该意见。")
    return comment


@console_view
@require_POST
def comment_moderate(request, pk, comment_pk):
    consultation = _handled(request, pk)
    comment = _comment(consultation, comment_pk)
    form = ModerateForm(request.POST, prefix=f"m{comment.pk}")
    bound = {("moderate", comment.pk): form}
    if not form.is_valid():
        return _console_detail(request, consultation, status=400, bound=bound)
    try:
        rules.moderate_comment(
            user=request.user,
            comment=comment,
            approve=form.cleaned_data["decision"] == "approve",
            note=form.cleaned_data["note"],
        )
    except ValidationError as exc:
        _apply(form, exc)
        return _console_detail(request, consultation, status=400, bound=bound)
    except WorkflowError as exc:
        error_messages(request, exc.reasons)
        return _back(consultation, f"comment-{comment.pk}")
    messages.success(request, "已审核该意见。")
    return _back(consultation, f"comment-{comment.pk}")


@console_view
@require_POST
def comment_classify(request, pk, comment_pk):
    consultation = _handled(request, pk)
    comment = _comment(consultation, comment_pk)
    originals = [(c.pk, str(c.pk)) for c in consultation.comments.exclude(pk=comment.pk)]
    form = ClassifyForm(request.POST, prefix=f"c{comment.pk}", originals=originals)
    bound = {("classify", comment.pk): form}
    if not form.is_valid():
        return _console_detail(request, consultation, status=400, bound=bound)
    try:
        rules.classify_comment(
            user=request.user,
            comment=comment,
            disposition=form.cleaned_data["disposition"],
            reason=form.cleaned_data["reason"],
            duplicate_of=form.cleaned_data["duplicate_of"],
        )
    except ValidationError as exc:
        _apply(form, exc)
        return _console_detail(request, consultation, status=400, bound=bound)
    except WorkflowError as exc:
        error_messages(request, exc.reasons)
        return _back(consultation, f"comment-{comment.pk}")
    messages.success(request, "已认定采纳情况。")
    return _back(consultation, f"comment-{comment.pk}")


@console_view
@require_POST
def feedback_summary(request, pk):
    consultation = _handled(request, pk)
    form = SummaryForm(request.POST)
    if not form.is_valid():
        return _console_detail(request, consultation, status=400, summary_form=form)
    try:
        rules.save_feedback_summary(
            user=request.user, consultation=consultation, summary=form.cleaned_data["feedback_summary"]
        )
    except ValidationError as exc:
        _apply(form, exc)
        return _console_detail(request, consultation, status=400, summary_form=form)
    except WorkflowError as exc:
        error_messages(request, exc.reasons)
        return _back(consultation, "feedback")
    messages.success(request, "已保存采纳情况说明。")
    return _back(consultation, "feedback")


@console_view
@require_POST
def feedback_report(request, pk):
    consultation = _handled(request, pk)
    try:
        item = rules.generate_feedback_report(user=request.user, consultation=consultation)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return _back(consultation, "feedback")
    except WorkflowError as exc:
        error_messages(request, exc.reasons)
        return _back(consultation, "feedback")
    messages.success(
        request,
        "已生成意见采纳情况反馈草稿。请核对内容后提交审核;发布后,征求意见页面将链接该反馈。",
    )
    return redirect("console:item", pk=item.pk)


@console_view
@require_safe
def comments_export(request, pk):
    consultation = _handled(request, pk)
    try:
        content, masked = rules.export_comments(user=request.user, consultation=consultation)
    except WorkflowError as exc:
        raise ConsoleForbidden(exc.reasons) from exc
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    suffix = "(已脱敏)" if masked else ""
    response["Content-Disposition"] = attachment_disposition(
        f"公众意见-{consultation.title[:40]}{suffix}.xlsx", f"comments-{consultation.pk}.xlsx"
    )
    return response
