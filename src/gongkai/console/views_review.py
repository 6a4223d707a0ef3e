"""内容审核 in the console: expression dictionaries (list, terms, versions, Excel), checking text or a
file on demand, and the actions on a revision's findings (acknowledge a warning, mask personal data,
confirm an audio/video attachment was heard or watched)."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from gongkai.publishing import permissions
from gongkai.publishing.exceptions import WorkflowError, require
from gongkai.publishing.extract import EXTRACTABLE, extract_text
from gongkai.publishing.files import AttachmentRejected, check_upload
from gongkai.publishing.selectors import visible_revisions
from gongkai.review import engine, excel
from gongkai.review import services as review
from gongkai.review.constants import BOTTOM_LINES, TERM_CATEGORIES, Category, Severity
from gongkai.review.models import Dictionary, Finding, Term

from .access import console_view, get_item
from .replies import back, error_messages

MAX_CHECK_TEXT = 1_000_000


def _dictionaries(request):
    return Dictionary.objects.filter(
        Q(organization__isnull=True) | Q(organization_id=request.membership.organization_id)
    ).annotate(term_count=Count("terms"))


def _dictionary(request, pk) -> Dictionary:
    dictionary = _dictionaries(request).filter(pk=pk).first()
    if dictionary is None:
        raise Http404("没有这个词库。")
    return dictionary


@console_view
def dictionaries(request):
    if request.method == "POST":
        try:
            dictionary = review.create_dictionary(
                user=request.user,
                organization=request.membership.organization_id,
                name=request.POST.get("name", "")[:80],
            )
        except WorkflowError as exc:
            error_messages(request, exc.reasons)
        else:
            messages.success(request, f"已新建词库“{dictionary.name}”。")
            return redirect("console:dictionary", dictionary.pk)
    return render(
        request,
        "console/review_dictionaries.html",
        {
            "dictionaries": _dictionaries(request).order_by("organization_id", "name"),
            "can_create": review.dictionary_failures(request.user, None, request.membership.organization_id)
            == [],
        },
    )


@console_view
def dictionary(request, pk):
    dictionary = _dictionary(request, pk)
    query = (request.GET.get("q") or "").strip()[:100]
    category = request.GET.get("category") or ""
    terms = dictionary.terms.all()
    if query:
        terms = terms.filter(Q(text__contains=query) | Q(suggestion__contains=query))
    if category in Category.values:
        terms = terms.filter(category=category)
    return render(
        request,
        "console/review_dictionary.html",
        {
            "dictionary": dictionary,
            "terms": terms[:500],
            "term_total": terms.count(),
            "query": query,
            "category": category,
            "categories": [(c.value, c.label) for c in TERM_CATEGORIES],
            "severities": Severity.choices,
            "versions": dictionary.versions.select_related("changed_by")[:20],
            "can_edit": review.dictionary_failures(request.user, dictionary) == [],
            "edit_term": dictionary.terms.filter(pk=_int(request.GET.get("edit"))).first(),
        },
    )


def _int(value) -> int | None:
    return (
        int(value)
        if value and str(value).isascii() and str(value).isdigit() and len(str(value)) < 18
        else None
    )


@console_view
@require_POST
def term_save(request, pk):
    dictionary = _dictionary(request, pk)
    term = (
        dictionary.terms.filter(pk=_int(request.POST.get("term"))).first()
        if request.POST.get("term")
        else None
    )
    data = {
        key: request.POST.get(key, "")[:300] for key in ("text", "category", "severity", "suggestion", "note")
    }
    try:
        saved = review.save_term(user=request.user, dictionary=dictionary, data=data, term=term)
    except WorkflowError as exc:
        error_messages(request, exc.reasons)
    else:
        messages.success(
            request,
            f"已保存“{saved.text}”,词库升为第 {dictionary.version + 1} 版;已安排对已发布信息重新巡查。",
        )
    return redirect("console:dictionary", dictionary.pk)


@console_view
@require_POST
def term_delete(request, pk, term_pk):
    dictionary = _dictionary(request, pk)
    term = Term.objects.filter(dictionary=dictionary, pk=term_pk).first()
    if term is None:
        raise Http404("没有这个词条。")
    try:
        review.delete_term(user=request.user, term=term)
    except WorkflowError as exc:
        error_messages(request, exc.reasons)
    else:
        messages.success(request, f"已删除“{term.text}”。")
    return redirect("console:dictionary", dictionary.pk)


@console_view
def dictionary_export(request, pk):
    dictionary = _dictionary(request, pk)
    response = HttpResponse(
        excel.export_terms(dictionary),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = excel.content_disposition(dictionary)
    return response


@console_view
@require_POST
def dictionary_import(request, pk):
    dictionary = _dictionary(request, pk)
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise WorkflowError("请选择要导入的 Excel 文件(.xlsx)。")
        rows = excel.read_terms(upload)
        counts = review.replace_terms(
            user=request.user, dictionary=dictionary, rows=rows, source=upload.name[:100]
        )
    except WorkflowError as exc:
        error_messages(request, exc.reasons)
    else:
        messages.success(
            request,
            f"已导入:新增 {counts['added']} 条,修改 {counts['changed']} 条,删除 {counts['removed']} 条。",
        )
    return redirect("console:dictionary", dictionary.pk)


@console_view
def check(request):
    """Paste text or upload a file and see the findings, without creating an item."""
    results = None
    text = ""
    notes: list[str] = []
    if request.method == "POST":
        text = (request.POST.get("text") or "")[:MAX_CHECK_TEXT]
        upload = request.FILES.get("file")
        try:
            if upload is not None:
                checked = check_upload(upload)
                if checked.extension not in EXTRACTABLE:
                    raise WorkflowError("只能检查 PDF、Word(.docx)和文本(.txt)文件中的文字。")
                upload.seek(0)
                text = extract_text(upload.read(), checked.extension)
                if not text.strip():
                    notes.append("未能从文件中读出文字(可能是扫描件或图片),请人工审看。")
            if not text.strip() and not notes:
                raise WorkflowError("请粘贴要检查的文字,或选择文件。")
        except AttachmentRejected as exc:
            messages.error(request, str(exc))
        except WorkflowError as exc:
            error_messages(request, exc.reasons)
        else:
            found = engine.scan_texts(request.membership.organization_id, [engine.Text("text", "文字", text)])
            results = [f for _text, f in found]
    return render(
        request,
        "console/review_check.html",
        {
            "text": text if request.FILES.get("file") is None else "",
            "results": results,
            "marked": engine.marked_text(text, results or []) if results is not None else None,
            "notes": notes,
            "category_labels": dict(Category.choices),
            "severity_labels": dict(Severity.choices),
        },
    )


# --- actions on a revision's findings ------------------------------------------------------------------


def _finding(request, pk, finding_pk) -> Finding:
    """A finding on a revision of the item the person may see, else 404."""
    item = get_item(request, pk)
    finding = (
        Finding.objects.select_related("revision__item")
        .filter(pk=finding_pk, revision__in=visible_revisions(item))
        .first()
    )
    if finding is None:
        raise Http404("没有这条审核发现。")
    finding.seen_item = item
    return finding


def _refuse_hidden(request, item) -> None:
    """Acting on the working revision when it is hidden from the person: refused as if it did not exist."""
    require(
        permissions.hidden_revision_failures(item, lambda seen: review.acting_failures(request.user, seen))
    )


@console_view
@require_POST
def finding_acknowledge(request, pk, finding_pk):
    finding = _finding(request, pk, finding_pk)
    try:
        _refuse_hidden(request, finding.seen_item)
        review.acknowledge(
            user=request.user,
            finding=finding,
            reason=(request.POST.get("reason") or "")[:1000],
        )
    except WorkflowError as exc:
        error_messages(request, exc.reasons)
    else:
        messages.success(request, f"已确认提示“{finding.matched}”。")
    return redirect(back(request, reverse("console:item", args=[pk])) + "#review-findings")


@console_view
@require_POST
def finding_mask(request, pk, finding_pk):
    finding = _finding(request, pk, finding_pk)
    try:
        _refuse_hidden(request, finding.seen_item)
        count = review.mask_personal_data(user=request.user, finding=finding)
    except WorkflowError as exc:
        error_messages(request, exc.reasons)
    else:
        messages.success(request, f"已对{finding.field_label}中的 {count} 处个人信息脱敏。")
    return redirect(back(request, reverse("console:item", args=[pk])) + "#review-findings")


@console_view
@require_POST
def media_confirm(request, pk, attachment_pk):
    item = get_item(request, pk)
    revision = item.latest_revision
    attachment = revision.attachments.filter(pk=attachment_pk).first() if revision else None
    if attachment is None:
        raise Http404("没有这个附件。")
    if request.POST.get("heard") != "yes":
        messages.error(request, "请勾选“我已完整审看(听)该音视频”后再确认。")
    else:
        try:
            # As seen without a hidden revision, the item has no pending step (review.confirm_media).
            require(permissions.hidden_revision_failures(item, lambda seen: [permissions.NO_PENDING_STEP]))
            review.confirm_media(user=request.user, revision=revision, attachment=attachment)
        except WorkflowError as exc:
            error_messages(request, exc.reasons)
        else:
            messages.success(request, f"已确认审看《{attachment.original_name}》。")
    return redirect(reverse("console:review", args=[item.pk]) + "#review-findings")


def review_context(user, item, revision, task=None) -> dict:
    """What the item and review pages show of the content review."""
    findings = list(revision.findings.select_related("acknowledged_by"))
    findings.sort(key=lambda f: (f.severity != Severity.BLOCKING, f.field, f.start))  # blocking first
    body = engine.body_text(revision)
    confirmed = set(revision.media_confirmations.values_list("attachment_id", flat=True))
    acting = review.acting_failures(user, item) == []
    return {
        "review_findings": findings,
        "review_blocking": sum(1 for f in findings if f.severity == Severity.BLOCKING),
        "review_unacknowledged": sum(1 for f in findings if f.needs_acknowledgement),
        "review_body_marked": engine.marked_text(body, [f for f in findings if f.field == "body"]),
        "review_can_act": acting,
        "review_can_mask": task is None and acting,  # masking edits the draft
        "review_media": [(a, a.pk in confirmed) for a in engine.media_attachments(revision)],
        "bottom_lines": BOTTOM_LINES,
    }
