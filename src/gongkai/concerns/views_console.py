"""政务舆情 in the console (/console/concerns/): the cases and their handling, the mentions and manual
entry, the sources, rules, settings and robots, the burst alerts and the dashboard.

Views only read (selectors.py) and call the rules (services.py, settings_services.py, pipeline.py); who
may see or do what is permissions.py. A refusal is the console's Chinese 403 page, a case or record of
another organisation a 404, bad input the form again with its Chinese messages (status 400).
"""

from __future__ import annotations

import mimetypes

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from gongkai.console.access import ConsoleForbidden, console_view, memberships_of, switch_to
from gongkai.console.replies import back, error_messages
from gongkai.orgs.models import Department
from gongkai.publishing import permissions as publishing_permissions
from gongkai.publishing import selectors as publishing_selectors
from gongkai.publishing.exceptions import WorkflowError
from gongkai.reports.exports import attachment_disposition

from . import documents, permissions, selectors, services, settings_services
from . import forms as f
from .constants import (
    OPEN_STATUSES,
    CaseStatus,
    Category,
    Channel,
    ReportKind,
    Severity,
)
from .models import Alert, Case, CategoryRule, Mention, MonitoringRule, Report, Source, Webhook

CASE_TABS = [("open", "处置中"), ("closed", "已办结"), ("all", "全部")]
SCREENSHOT_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}


# --- helpers ---------------------------------------------------------------------------------------------


def _refuse(failures) -> None:
    if failures:
        raise ConsoleForbidden(failures)


def _nav(request) -> dict:
    user, org_id = request.user, request.organization.pk
    return {
        "can_view_all": permissions.view_all_failures(user, org_id) == [],
        "can_keep": permissions.keep_sources_failures(user, org_id) == [],
        "can_enter": permissions.enter_mention_failures(user, org_id) == [],
    }


def _render(request, template: str, context: dict, *, section: str, status: int = 200):
    return render(request, template, {**_nav(request), "section": section, **context}, status=status)


def _int(value) -> int | None:
    value = str(value or "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) < 18 else None


def _apply(form, exc: ValidationError) -> None:
    """A service's ValidationError onto the form: field messages by their field, the rest on top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            for message in errors:
                form.add_error(field if field in form.fields else None, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


def _case(request, pk) -> Case:
    """A case of one of the person's organisations that they may see (switching to its organisation)."""
    org_ids = [m.organization_id for m in memberships_of(request.user)]
    case = (
        Case.objects.select_related("organization", "department", "created_by")
        .filter(organization_id__in=org_ids, pk=pk)
        .first()
    )
    if case is None:
        raise Http404("没有找到该舆情事件。")
    if case.organization_id != request.organization.pk:
        membership = next(
            m for m in memberships_of(request.user) if m.organization_id == case.organization_id
        )
        switch_to(request, membership)
        messages.info(request, f"已切换到机构“{membership.organization.name}”。")
    _refuse(permissions.view_case_failures(request.user, case))
    return case


def _own(request, model, pk, missing: str):
    obj = model.objects.filter(organization=request.organization, pk=pk).first()
    if obj is None:
        raise Http404(missing)
    return obj


def _require_keeper(request) -> None:
    _refuse(permissions.keep_sources_failures(request.user, request.organization.pk))


def _require_all(request) -> None:
    _refuse(permissions.view_all_failures(request.user, request.organization.pk))


def _case_url(case, anchor: str = "") -> str:
    return reverse("concerns:case", args=[case.pk]) + (f"#{anchor}" if anchor else "")


# --- cases -----------------------------------------------------------------------------------------------


@console_view
def case_list(request):
    membership = request.membership
    tab = request.GET.get("status", "open")
    if tab not in selectors.CASE_TABS:
        tab = "open"
    severity = request.GET.get("severity", "")
    if severity not in Severity.values:
        severity = ""
    sees_all = selectors.coordinates(membership)
    departments = (
        list(Department.objects.filter(organization=request.organization).order_by("ordering", "code"))
        if sees_all
        else []
    )
    dept_id = _int(request.GET.get("department"))
    department = next((d for d in departments if d.pk == dept_id), None)
    cases = selectors.case_list(
        membership, tab=tab, severity=severity, department_id=department.pk if department else None
    )
    page = Paginator(cases, 30).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = [(case, selectors.clock_rows(case.clocks.all(), now)) for case in page.object_list]
    return _render(
        request,
        "concerns/case_list.html",
        {
            "page": page,
            "rows": rows,
            "tabs": CASE_TABS,
            "tab": tab,
            "severities": Severity.choices,
            "severity": severity,
            "departments": departments,
            "department": department,
            "sees_all": sees_all,
            "own_department": membership.department,
        },
        section="cases",
    )


def _report_rows(case) -> list[tuple[Report, str]]:
    """Each report with its label (首报, 续报1, 续报2 … in the order sent), as the Word files name them."""
    rows, follow_ups = [], 0
    for report in case.reports.select_related("author").order_by("sent_at", "pk"):
        if report.kind == ReportKind.FOLLOW_UP:
            follow_ups += 1
            rows.append((report, f"续报{follow_ups}"))
        else:
            rows.append((report, report.get_kind_display()))
    return rows


def _case_page(request, case, *, status: int = 200, **bound):
    user = request.user
    can_handle = permissions.handle_case_failures(user, case) == []
    can_coordinate = permissions.coordinate_failures(user, case) == []
    can_record = permissions.record_failures(user, case) == []
    is_open = case.status != CaseStatus.CLOSED
    reports = _report_rows(case)
    has_initial = any(r.kind == ReportKind.INITIAL for r, _label in reports)
    forms = {
        "assess_form": f.AssessmentForm(
            prefix="assess", initial={name: getattr(case, name) for name in services.ASSESSMENT_FIELDS}
        ),
        "classify_form": f.ClassifyForm(
            prefix="classify",
            organization=case.organization,
            initial={"severity": case.severity, "department": case.department_id},
        ),
        "move_form": f.MoveForm(prefix="move"),
        "close_form": f.CloseForm(prefix="close"),
        "report_form": f.ReportForm(
            prefix="report", initial={"kind": ReportKind.FOLLOW_UP if has_initial else ReportKind.INITIAL}
        ),
        "response_form": f.ResponseForm(prefix="response", organization=case.organization, user=request.user),
        "referral_form": f.ReferralForm(prefix="referral"),
    }
    forms.update(bound)
    moves = (
        [(to, CaseStatus(to).label) for to in services.TRANSITIONS.get(case.status, ())] if can_handle else []
    )
    shown = {
        "assess_form": can_handle and is_open,
        "classify_form": can_coordinate and is_open,
        "move_form": bool(moves),
        "close_form": can_coordinate and case.status == CaseStatus.MONITORING,
        "report_form": can_record,
        "response_form": can_record and is_open,
        "referral_form": can_record,
    }
    # A refusal for a form the page no longer offers (the case moved on) is shown at the top.
    hidden_errors = [
        message
        for name, form in bound.items()
        if not shown.get(name) and form.errors
        for errors in form.errors.values()
        for message in errors
    ]
    mentions = list(
        case.mentions.select_related("source", "duplicate_of").order_by("-detected_at", "-pk")[:200]
    )
    for mention in mentions:
        mention.link = selectors.safe_link(mention.url)
    responses = list(case.responses.select_related("created_by"))
    # A website response may be a draft: its title and link go only to those who may read it
    # (publishing.permissions.visible_items); others see that one is being prepared.
    seen = publishing_selectors.seen_by_id(request.user, [r.item_id for r in responses])
    for response in responses:
        response.link = selectors.safe_link(response.url)
        response.seen_item = seen.get(response.item_id)
    return _render(
        request,
        "concerns/case_detail.html",
        {
            "case": case,
            "categories": [Category(c).label for c in case.categories if c in Category.values],
            "clocks": selectors.clock_rows(case.clocks.all()),
            "mentions": mentions,
            "events": list(case.events.select_related("actor")),
            "reports": reports,
            "responses": responses,
            "referrals": list(case.referrals.select_related("created_by")),
            "moves": moves,
            "can_assess": shown["assess_form"],
            "can_classify": shown["classify_form"],
            "can_close": shown["close_form"],
            "can_record": can_record,
            "can_respond": shown["response_form"],
            "can_draft": shown["response_form"]
            and publishing_permissions.create_failures(user, case.organization, case.department) == [],
            "hidden_errors": hidden_errors,
            "is_open": is_open,
            "assessment": [
                (
                    services.ASSESSMENT_LABELS[name],
                    case.get_risk_level_display() if name == "risk_level" else getattr(case, name),
                )
                for name in services.ASSESSMENT_FIELDS
            ],
            **forms,
        },
        section="cases",
        status=status,
    )


@console_view
def case_detail(request, pk):
    return _case_page(request, _case(request, pk))


def _act(request, case, form, name: str, do, success, anchor: str):
    """Validate the form, call the rule; on bad input the case page again (400) with the form's messages."""
    if form.is_valid():
        try:
            result = do(form.cleaned_data)
        except ValidationError as exc:
            _apply(form, exc)
        except WorkflowError as exc:
            raise ConsoleForbidden(exc.reasons) from exc
        else:
            messages.success(request, success(result) if callable(success) else success)
            return redirect(_case_url(case, anchor))
    case.refresh_from_db()
    return _case_page(request, case, status=400, **{name: form})


@console_view
@require_POST
def case_assess(request, pk):
    case = _case(request, pk)
    return _act(
        request,
        case,
        f.AssessmentForm(request.POST, prefix="assess"),
        "assess_form",
        lambda data: services.assess(user=request.user, case=case, data=data),
        "研判已保存。",
        "assessment",
    )


@console_view
@require_POST
def case_classify(request, pk):
    case = _case(request, pk)
    return _act(
        request,
        case,
        f.ClassifyForm(request.POST, prefix="classify", organization=case.organization),
        "classify_form",
        lambda data: services.classify(
            user=request.user,
            case=case,
            severity=data["severity"],
            department=data["department"],
            reason=data["reason"],
        ),
        lambda c: (
            f"已定为“{c.get_severity_display()}”,责任科室:{c.department.name if c.department else '未指定'}。"
        ),
        "classify",
    )


@console_view
@require_POST
def case_move(request, pk):
    case = _case(request, pk)
    return _act(
        request,
        case,
        f.MoveForm(request.POST, prefix="move"),
        "move_form",
        lambda data: services.move(user=request.user, case=case, to=data["to"], note=data["note"]),
        lambda c: f"事件已转为“{c.get_status_display()}”。",
        "status",
    )


@console_view
@require_POST
def case_close(request, pk):
    case = _case(request, pk)
    return _act(
        request,
        case,
        f.CloseForm(request.POST, prefix="close"),
        "close_form",
        lambda data: services.close(user=request.user, case=case, note=data["note"]),
        lambda c: f"事件已办结,持续监测至 {timezone.localtime(c.watch_until):%Y-%m-%d %H:%M}。",
        "status",
    )


@console_view
@require_POST
def case_report(request, pk):
    case = _case(request, pk)
    return _act(
        request,
        case,
        f.ReportForm(request.POST, prefix="report"),
        "report_form",
        lambda data: services.record_report(
            user=request.user,
            case=case,
            kind=data["kind"],
            sent_at=data["sent_at"],
            recipients=data["recipients"],
            content=data["content"],
        ),
        lambda r: f"已记录{r.get_kind_display()}(报送 {r.recipients})。",
        "reports",
    )


@console_view
@require_POST
def case_response(request, pk):
    case = _case(request, pk)
    return _act(
        request,
        case,
        f.ResponseForm(request.POST, prefix="response", organization=case.organization, user=request.user),
        "response_form",
        lambda data: services.record_response(
            user=request.user,
            case=case,
            channel=data["channel"],
            summary=data["summary"],
            url=data["url"],
            responded_at=data["responded_at"],
            item=data["item"],
        ),
        lambda r: (
            f"已记录回应({r.get_channel_display()})。"
            + ("" if r.responded_at else "信息发布后按发布时间计入时限。")
        ),
        "responses",
    )


@console_view
@require_POST
def case_referral(request, pk):
    case = _case(request, pk)
    return _act(
        request,
        case,
        f.ReferralForm(request.POST, prefix="referral"),
        "referral_form",
        lambda data: services.record_referral(
            user=request.user,
            case=case,
            authority=data["authority"],
            content=data["content"],
            referred_at=data["referred_at"],
            reference=data["reference"],
        ),
        lambda r: f"已记录移交{r.get_authority_display()}。",
        "referrals",
    )


@console_view
@require_POST
def case_draft_website(request, pk):
    """起草网站回应: a draft in the 回应关切 column, linked to the case; on to its editor."""
    case = _case(request, pk)
    try:
        item = services.draft_website_response(user=request.user, case=case)
    except WorkflowError as exc:
        error_messages(request, exc.reasons)
    except ValidationError as exc:
        error_messages(request, exc.messages)
    else:
        messages.success(request, "已起草网站回应,请完善内容后提交审核;发布后自动计入回应时限。")
        return redirect("console:item_edit", pk=item.pk)
    return redirect(_case_url(case, "responses"))


def _docx(content: bytes, filename: str, fallback: str) -> HttpResponse:
    response = HttpResponse(content, content_type=documents.DOCX_TYPE)
    response["Content-Disposition"] = attachment_disposition(filename, fallback)
    response["Cache-Control"] = "private, no-store"
    return response


@console_view
def case_reports_docx(request, pk):
    case = _case(request, pk)
    return _docx(documents.case_reports_docx(case), documents.docx_filename(case), f"concern-{case.pk}.docx")


@console_view
def report_docx(request, pk, report_pk):
    case = _case(request, pk)
    report = (
        Report.objects.select_related("case", "case__organization", "case__department")
        .filter(case=case, pk=report_pk)
        .first()
    )
    if report is None:
        raise Http404("没有找到该报告。")
    return _docx(
        documents.report_docx(report),
        documents.docx_filename(case, report),
        f"concern-{case.pk}-report-{report.pk}.docx",
    )


# --- mentions --------------------------------------------------------------------------------------------


@console_view
def mention_list(request):
    _require_all(request)
    org = request.organization
    channel = request.GET.get("channel", "")
    if channel not in Channel.values:
        channel = ""
    category = request.GET.get("category", "")
    if category not in Category.values:
        category = ""
    has_case = request.GET.get("has_case", "")
    if has_case not in ("yes", "no"):
        has_case = ""
    sources = list(Source.objects.filter(organization=org).order_by("name"))
    source_id = _int(request.GET.get("source"))
    source = next((s for s in sources if s.pk == source_id), None)
    q = request.GET.get("q", "").strip()[:100]
    mentions = selectors.mention_list(
        org,
        channel=channel,
        source_id=source.pk if source else None,
        category=category,
        has_case=has_case,
        q=q,
    )
    page = Paginator(mentions, 50).get_page(request.GET.get("page"))
    for mention in page.object_list:
        mention.link = selectors.safe_link(mention.url)
    return _render(
        request,
        "concerns/mention_list.html",
        {
            "page": page,
            "channels": Channel.choices,
            "channel": channel,
            "categories": Category.choices,
            "category": category,
            "category_labels": dict(Category.choices),
            "has_case": has_case,
            "sources": sources,
            "source": source,
            "q": q,
            "filtered": bool(channel or category or has_case or source or q),
        },
        section="mentions",
    )


def _may_see_mention(user, mention) -> list[str]:
    if permissions.view_all_failures(user, mention.organization_id) == []:
        return []
    if mention.case_id is not None:
        return permissions.view_case_failures(user, mention.case)
    return permissions.view_all_failures(user, mention.organization_id)


def _mention(request, pk) -> Mention:
    mention = (
        Mention.objects.select_related("source", "case", "case__department", "duplicate_of", "created_by")
        .filter(organization=request.organization, pk=pk)
        .first()
    )
    if mention is None:
        raise Http404("没有找到该舆情信息。")
    _refuse(_may_see_mention(request.user, mention))
    return mention


@console_view
def mention_create(request):
    org = request.organization
    _refuse(permissions.enter_mention_failures(request.user, org.pk))
    status = 200
    if request.method == "POST":
        form = f.ManualMentionForm(request.POST, request.FILES)
        if form.is_valid():
            from . import pipeline

            data = form.cleaned_data
            try:
                mention = pipeline.enter_manual(
                    user=request.user,
                    organization=org,
                    url=data["url"],
                    title=data["title"],
                    text=data["text"],
                    screenshot=data["screenshot"],
                    published_at=data["published_at"],
                )
            except ValidationError as exc:
                _apply(form, exc)
            except WorkflowError as exc:
                raise ConsoleForbidden(exc.reasons) from exc
            else:
                return _after_entry(request, mention)
        status = 400
    else:
        form = f.ManualMentionForm()
    return _render(
        request, "concerns/mention_form.html", {"form": form}, section="mention_create", status=status
    )


def _after_entry(request, mention):
    mention = Mention.objects.select_related("case").get(pk=mention.pk)
    if mention.case_id is not None:
        messages.success(request, f"已录入,归入事件“{mention.case.title}”。")
        if permissions.view_case_failures(request.user, mention.case) == []:
            return redirect(_case_url(mention.case, "mentions"))
    else:
        messages.success(request, "已录入。")
    if _may_see_mention(request.user, mention) == []:
        return redirect("concerns:mention", pk=mention.pk)
    return redirect("concerns:mention_create")


@console_view
def mention_detail(request, pk):
    return _mention_page(request, _mention(request, pk))


def _mention_page(request, mention, move_form=None, status=200):
    mention.link = selectors.safe_link(mention.url)
    can_move = permissions.view_all_failures(request.user, mention.organization_id) == []
    if can_move and move_form is None:
        move_form = f.MoveMentionForm(
            cases=services.grouping_candidates(request.organization), exclude=mention.case_id
        )
    duplicates = list(mention.duplicates.select_related("source").order_by("-detected_at")[:50])
    for d in duplicates:
        d.link = selectors.safe_link(d.url)
    return _render(
        request,
        "concerns/mention_detail.html",
        {
            "mention": mention,
            "categories": [Category(c).label for c in mention.categories if c in Category.values],
            "duplicates": duplicates,
            "can_move": can_move,
            "move_form": move_form,
        },
        section="mentions",
        status=status,
    )


@console_view
@require_POST
def mention_move(request, pk):
    mention = _mention(request, pk)
    form = f.MoveMentionForm(
        request.POST, cases=services.grouping_candidates(request.organization), exclude=mention.case_id
    )
    if form.is_valid():
        target = form.target_case()
        try:
            services.move_mention(user=request.user, mention=mention, case=target)
        except ValidationError as exc:
            _apply(form, exc)
            mention = _mention(request, pk)  # the failed move may have touched the object in memory
        except WorkflowError as exc:
            raise ConsoleForbidden(exc.reasons) from exc
        else:
            mention.refresh_from_db()
            messages.success(request, f"已移至事件“{mention.case.title}”。" if mention.case else "已移动。")
            if mention.case is not None:
                return redirect(_case_url(mention.case, "mentions"))
            return redirect("concerns:mention", pk=mention.pk)
    return _mention_page(request, mention, move_form=form, status=400)


@console_view
def mention_screenshot(request, pk):
    """The screenshot of a manual entry, to those who may see the mention (never a public media URL)."""
    mention = _mention(request, pk)
    if not mention.screenshot:
        raise Http404("该信息没有截图。")
    try:
        handle = mention.screenshot.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404("截图文件不存在。") from exc
    content_type = mimetypes.guess_type(mention.screenshot.name)[0] or "application/octet-stream"
    inline = content_type in SCREENSHOT_TYPES
    response = FileResponse(
        handle,
        as_attachment=not inline,
        filename=mention.screenshot.name.rsplit("/", 1)[-1],
        content_type=content_type if inline else "application/octet-stream",
    )
    response["Cache-Control"] = "private, no-store"
    return response


# --- sources ---------------------------------------------------------------------------------------------


@console_view
def source_list(request):
    _require_keeper(request)
    sources = list(
        Source.objects.filter(organization=request.organization)
        .annotate(mention_total=Count("mentions"))
        .order_by("name", "pk")
    )
    return _render(request, "concerns/source_list.html", {"sources": sources}, section="sources")


def _settings_form(request, instance, *, form_class, save, noun: str, template: str, section: str):
    """Create or edit one of the keepers' settings (a source, a rule, a robot): the form, the service
    that saves and audits it, and the form again with the reasons when either refuses."""
    _require_keeper(request)
    status = 200
    if request.method == "POST":
        form = form_class(request.POST, instance=instance)
        if form.is_valid():
            obj = form.save(commit=False)
            obj.organization = request.organization
            try:
                save(request.user, request.organization, obj, form.changed_data)
            except ValidationError as exc:
                _apply(form, exc)
            else:
                messages.success(request, f"已保存{noun}“{obj.name}”。")
                return redirect(f"concerns:{section}")
        status = 400
    else:
        form = form_class(instance=instance)
    return _render(request, template, {"form": form, section[:-1]: instance}, section=section, status=status)


def _source_form(request, source):
    return _settings_form(
        request,
        source,
        form_class=f.SourceForm,
        save=lambda user, org, obj, changed: settings_services.save_source(
            user=user, organization=org, source=obj, changed=changed
        ),
        noun="来源",
        template="concerns/source_form.html",
        section="sources",
    )


@console_view
def source_create(request):
    return _source_form(request, None)


@console_view
def source_edit(request, pk):
    return _source_form(request, _own(request, Source, pk, "没有找到该来源。"))


@console_view
@require_POST
def source_poll(request, pk):
    """立即巡查: poll the source now, whatever its schedule, and say what came of it."""
    _require_keeper(request)
    source = _own(request, Source, pk, "没有找到该来源。")
    from . import polling

    outcome = polling.poll_source(source, actor=request.user)
    if outcome.error:
        messages.error(request, f"巡查“{source.name}”失败:{outcome.error}")
        if outcome.disabled:
            messages.warning(request, f"“{source.name}”连续失败,已自动停用;排除问题后可重新启用。")
    elif outcome.not_modified:
        messages.success(request, f"已巡查“{source.name}”:自上次巡查以来没有更新。")
    else:
        messages.success(
            request,
            f"已巡查“{source.name}”:获取 {outcome.fetched} 条,其中新内容 {outcome.new} 条,"
            f"收录相关信息 {outcome.created} 条。",
        )
    for warning in outcome.warnings[:5]:
        messages.warning(request, warning)
    return redirect(back(request, reverse("concerns:sources")))


@console_view
@require_POST
def source_enable(request, pk):
    _require_keeper(request)
    source = _own(request, Source, pk, "没有找到该来源。")
    settings_services.reenable_source(user=request.user, source=source)
    messages.success(request, f"已重新启用“{source.name}”,连续失败次数已清零。")
    return redirect(back(request, reverse("concerns:sources")))


# --- rules and category keywords ----------------------------------------------------------------------


@console_view
def rule_list(request):
    _require_keeper(request)
    rules = list(
        MonitoringRule.objects.filter(organization=request.organization).order_by("kind", "name", "pk")
    )
    for rule in rules:
        rule.term_list = f.split_lines(rule.terms)
        rule.excluded_list = f.split_lines(rule.excluded_terms)
    return _render(request, "concerns/rule_list.html", {"rules": rules}, section="rules")


def _rule_form(request, rule):
    return _settings_form(
        request,
        rule,
        form_class=f.RuleForm,
        save=lambda user, org, obj, changed: settings_services.save_rule(
            user=user, organization=org, rule=obj, changed=changed
        ),
        noun="监测规则",
        template="concerns/rule_form.html",
        section="rules",
    )


@console_view
def rule_create(request):
    return _rule_form(request, None)


@console_view
def rule_edit(request, pk):
    return _rule_form(request, _own(request, MonitoringRule, pk, "没有找到该监测规则。"))


@console_view
def category_terms(request):
    """The organisation's own keywords for each of the six key categories (added to the defaults)."""
    _require_keeper(request)
    org = request.organization
    status, bound = 200, None
    if request.method == "POST":
        category = request.POST.get("category", "")
        status = 400
        if category not in Category.values:
            messages.error(request, "重点类别无效,请在下列类别中选择后保存。")
        else:
            bound = f.CategoryTermsForm(request.POST, prefix=category)
            if bound.is_valid():
                try:
                    settings_services.save_category_terms(
                        user=request.user,
                        organization=org,
                        category=category,
                        terms=bound.cleaned_data["terms"],
                    )
                except ValidationError as exc:
                    _apply(bound, exc)
                else:
                    messages.success(request, f"已保存“{Category(category).label}”的关键词。")
                    return redirect(reverse("concerns:categories") + f"#category-{category}")
    own = {r.category: r.terms for r in CategoryRule.objects.filter(organization=org)}
    rows = []
    for value, label in Category.choices:
        if bound is not None and bound.prefix == value:
            form = bound
        else:
            form = f.CategoryTermsForm(prefix=value, initial={"terms": own.get(value, "")})
        rows.append(
            {"value": value, "label": label, "form": form, "count": len(f.split_lines(own.get(value, "")))}
        )
    return _render(request, "concerns/categories.html", {"rows": rows}, section="categories", status=status)


# --- settings and robots ------------------------------------------------------------------------------


@console_view
def policy_edit(request):
    _require_keeper(request)
    policy = services.policy_for(request.organization)
    status = 200
    if request.method == "POST":
        form = f.PolicyForm(request.POST, instance=policy)
        if form.is_valid():
            try:
                settings_services.save_policy(
                    user=request.user,
                    organization=request.organization,
                    policy=form.save(commit=False),
                    changed=form.changed_data,
                )
            except ValidationError as exc:
                _apply(form, exc)
            else:
                messages.success(request, "舆情处置设置已保存。")
                return redirect("concerns:settings")
        status = 400
    else:
        form = f.PolicyForm(instance=policy)
    return _render(request, "concerns/policy_form.html", {"form": form}, section="settings", status=status)


@console_view
def webhook_list(request):
    _require_keeper(request)
    webhooks = list(Webhook.objects.filter(organization=request.organization).order_by("name", "pk"))
    return _render(request, "concerns/webhook_list.html", {"webhooks": webhooks}, section="webhooks")


def _webhook_form(request, webhook):
    return _settings_form(
        request,
        webhook,
        form_class=f.WebhookForm,
        save=lambda user, org, obj, changed: settings_services.save_webhook(
            user=user, organization=org, webhook=obj, changed=changed
        ),
        noun="群机器人",
        template="concerns/webhook_form.html",
        section="webhooks",
    )


@console_view
def webhook_create(request):
    return _webhook_form(request, None)


@console_view
def webhook_edit(request, pk):
    return _webhook_form(request, _own(request, Webhook, pk, "没有找到该群机器人。"))


@console_view
@require_POST
def webhook_test(request, pk):
    """发送测试消息: post one message to the robot now and say whether it was accepted."""
    _require_keeper(request)
    webhook = _own(request, Webhook, pk, "没有找到该群机器人。")
    from . import notify

    ok = notify.send_webhook(
        webhook,
        title="政务舆情测试消息",
        text=f"这是来自“{request.organization.name}”政府信息公开工作台的测试消息,收到即表示群机器人配置正确。",
        url=reverse("concerns:cases"),
    )
    if ok:
        messages.success(request, f"测试消息已发送到“{webhook.name}”。")
    else:
        webhook.refresh_from_db(fields=["last_error"])
        messages.error(request, f"测试消息未能发送到“{webhook.name}”:{webhook.last_error or '原因不明'}")
    return redirect(back(request, reverse("concerns:webhooks")))


# --- alerts ----------------------------------------------------------------------------------------------


@console_view
def alert_list(request):
    _require_all(request)
    pending = request.GET.get("all") != "1"
    alerts = Alert.objects.filter(organization=request.organization).select_related("case")
    if pending:
        alerts = alerts.filter(acknowledged_at__isnull=True)
    page = Paginator(alerts.order_by("-raised_at", "-pk"), 50).get_page(request.GET.get("page"))
    return _render(request, "concerns/alert_list.html", {"page": page, "pending": pending}, section="alerts")


@console_view
@require_POST
def alert_acknowledge(request, pk):
    _require_all(request)
    alert = _own(request, Alert, pk, "没有找到该预警。")
    if alert.acknowledged_at is None:
        try:
            services.acknowledge_alert(user=request.user, alert=alert)
        except WorkflowError as exc:
            raise ConsoleForbidden(exc.reasons) from exc
        messages.success(request, "预警已确认。")
    else:
        messages.info(request, "该预警已确认过。")
    return redirect(back(request, reverse("concerns:alerts")))


# --- the dashboard ---------------------------------------------------------------------------------------


@console_view
def dashboard(request):
    _require_all(request)
    org = request.organization
    default = selectors.default_period()
    form = f.PeriodForm(request.GET or None, initial={"start": default[0], "end": default[1]})
    start, end = form.period(default) if form.is_bound else default
    volume = selectors.mention_volume(org, start, end)
    channels = selectors.channels_in(volume)
    severity = selectors.open_cases_by_severity(org)
    compliance = selectors.clock_compliance(org, start, end)
    data = {
        "volume": {
            "dates": [row["date"].isoformat() for row in volume],
            "total": [row["total"] for row in volume],
            "channels": [
                {"name": str(label), "counts": [row["by_channel"].get(value, 0) for row in volume]}
                for value, label in channels
            ],
        },
        "severity": [
            {"name": row["label"], "value": row["count"], "key": row["severity"]} for row in severity
        ],
        "compliance": {
            "kinds": [row["label"] for row in compliance],
            "buckets": [
                {"key": key, "name": label, "counts": [row[key] for row in compliance]}
                for key, label in selectors.COMPLIANCE_BUCKETS
            ],
        },
    }
    for row in volume:
        row["cells"] = [row["by_channel"].get(value, 0) for value, _label in channels]
    return _render(
        request,
        "concerns/dashboard.html",
        {
            "form": form,
            "start": start,
            "end": end,
            "volume": volume,
            "volume_total": sum(row["total"] for row in volume),
            "channels": channels,
            "severity": severity,
            "open_total": sum(row["count"] for row in severity),
            "compliance": compliance,
            "buckets": selectors.COMPLIANCE_BUCKETS,
            "chart_data": data,
            "open_statuses": OPEN_STATUSES,
        },
        section="dashboard",
        status=200 if not form.is_bound or form.is_valid() else 400,
    )
