"""The staff console (/console/): inbox, item list, editor, item page, review screen, notifications.

Views shape requests and responses only: every change goes through gongkai.publishing.services,
every "may this person ..." through gongkai.publishing.permissions.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from gongkai.audit.registry import registry
from gongkai.orgs.models import Department
from gongkai.portal.links import item_url
from gongkai.publishing import permissions, services
from gongkai.publishing.constants import DisclosureAttribute, ItemStatus
from gongkai.publishing.content import submission_failures
from gongkai.publishing.exceptions import StaleEdit, WorkflowError, require
from gongkai.publishing.files import AttachmentRejected
from gongkai.publishing.html import DocxImportError
from gongkai.publishing.models import ApprovalForm, Attachment, InformationItem, Revision
from gongkai.publishing.selectors import seen_by_id, visible_attachments, visible_history, visible_revisions

from . import selectors, views_account, views_review
from .access import ConsoleForbidden, console_view, get_item, memberships_of, switch_to
from .deadlines import deadline_info
from .diffing import body_diff, comparison_base, revision_changes
from .forms import ITEM_FIELDS, AbolishForm, AttachmentForm, ItemForm
from .models import Notification
from .replies import back, error_messages
from .sanitising import UNSAFE_CONTENT_REMOVED, removed_unsafe_content
from .views_interpretation import interpretation_context, interpretation_initial

LEDGER_PATH = "/console/reports/ledger/"
APPROVAL_FORM_PATH = "/console/reports/forms/{pk}/"

ACTIONS = (
    "submit",
    "approve",
    "reject",
    "publish",
    "fast_track",
    "post_review",
    "revise",
    "withdraw",
    "abolish",
)

# The two conclusions of a post-review (事后审核) on the item page.
POST_REVIEW_APPROVE, POST_REVIEW_WITHDRAW = "approve", "withdraw"

ACTION_DONE = {
    "submit": "已提交审核。",
    "approve": "已审核同意。",
    "reject": "已退回,退回理由已通知起草人。",
    "publish": "已发布。",
    "fast_track": "已紧急发布,须在时限内完成事后审核。",
    "post_review": "已完成事后审核。",
    "revise": "已创建修订版本,请编辑后提交审核。修订期间公众仍看到当前发布的版本。",
    "withdraw": "已撤回。",
    "abolish": "已标注废止。",
}


# --- helpers ---------------------------------------------------------------------------------------


def render_console(request, template: str, context: dict | None = None, *, status: int = 200):
    return render(request, template, context or {}, status=status)


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _validation_messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [m for errors in exc.message_dict.values() for m in errors]
    return list(exc.messages)


def available_actions(user, item: InformationItem, task=None) -> dict[str, bool]:
    """The actions this person may take now: exactly those whose FAILURES list is empty."""
    allowed = {
        name: permissions.FAILURES[name](user, item) == []
        for name in ("submit", "publish", "fast_track", "post_review", "revise", "withdraw", "abolish")
    }
    can_decide = task is not None and permissions.decide_failures(user, task) == []
    allowed["approve"] = allowed["reject"] = can_decide
    allowed["edit"] = permissions.edit_failures(user, item) == []
    allowed["any"] = any(v for k, v in allowed.items() if k != "edit")
    return allowed


_DATA_LABELS = {
    "step": "环节",
    "opinion": "意见",
    "reason": "理由",
    "round": "轮次",
    "revision": "版本",
    "title": "标题",
    "fields": "修改字段",
    "name": "文件名",
    "index_number": "索引号",
    "approval_form": "审批表编号",
    "abolished_on": "废止日期",
    "replaced_by": "替代文件",
    "note": "说明",
    "due_on": "期限",
    "post_review_due_at": "事后审核期限",
    "from_revision": "基于版本",
}


def _field_label(name: str) -> str:
    if name == "co_departments":
        return "联合制作科室"
    try:
        return str(Revision._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:  # an old event may name a field that no longer exists
        return name


def _event_details(data: dict) -> str:
    parts = []
    for key, label in _DATA_LABELS.items():
        value = data.get(key)
        if value in (None, "", []):
            continue
        if key == "fields":
            value = "、".join(_field_label(f) for f in value)
        parts.append(f"{label}:{value}")
    return ";".join(parts)


def item_history(item) -> list[dict]:
    """The item's audit events as the person may see them (an item from `visible_items`)."""
    return [
        {
            "at": event.created_at,
            "label": registry.label(event.action),
            "actor": event.actor.display_name if event.actor else (event.actor_repr or "系统"),
            "details": _event_details(event.data or {}),
        }
        for event in visible_history(item)
    ]


# --- login ----------------------------------------------------------------------------------------


# Password, then the second factor: see views_account (and gongkai.orgs.accounts for the flow).
LoginView, login_view, logout_view = (
    views_account.LoginView,
    views_account.login_view,
    views_account.logout_view,
)


def lockout(request, original_response=None, credentials=None):
    """django-axes lockout page (settings.AXES_LOCKOUT_CALLABLE = "gongkai.console.views.lockout")."""
    from axes.helpers import get_cool_off

    cool_off = get_cool_off(request)
    minutes = int(cool_off.total_seconds() // 60) if cool_off else None
    return render(
        request,
        "console/lockout.html",
        {"failure_limit": settings.AXES_FAILURE_LIMIT, "cooloff_minutes": minutes},
        status=getattr(settings, "AXES_HTTP_RESPONSE_CODE", 429),
    )


@console_view
@require_POST
def switch_organization(request):
    wanted = _int_or_none(request.POST.get("organization"))
    for membership in memberships_of(request.user):
        if membership.organization_id == wanted:
            switch_to(request, membership)
            messages.success(request, f"已切换到机构“{membership.organization.name}”。")
            break
    else:
        messages.error(request, "您不是所选机构的工作人员。")
    return redirect("console:inbox")


# --- inbox and notifications -------------------------------------------------------------------------


@console_view
def inbox(request):
    box = selectors.inbox_for(request.user, request.membership)
    return render_console(request, "console/inbox.html", {"inbox": box, "today": timezone.localdate()})


@console_view
def notifications(request):
    mine = Notification.objects.filter(recipient=request.user, organization=request.organization)
    if request.method == "POST":
        one = _int_or_none(request.POST.get("notification"))
        unread = mine.filter(read_at__isnull=True)
        if one is not None:
            unread = unread.filter(pk=one)
        count = unread.update(read_at=timezone.now())
        messages.success(request, f"已将 {count} 条消息标为已读。" if count else "没有未读消息。")
        return redirect(back(request, reverse("console:notifications")))
    # Work that is done elsewhere (reviewed, published, post-reviewed) no longer waits for anyone.
    done = selectors.unread_done_ids(request.user, request.organization, cache=False)
    if done:
        mine.filter(pk__in=done).update(read_at=timezone.now())
    page = Paginator(mine.order_by("-created_at", "-pk"), 30).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    page_done = selectors.done_notification_ids(page.object_list)
    for notification in page.object_list:
        notification.is_done = notification.pk in page_done
    return render_console(request, "console/notifications.html", {"page": page})


# --- item list ------------------------------------------------------------------------------------


@console_view
def item_list(request):
    org = request.organization
    departments = list(Department.objects.filter(organization=org).order_by("ordering", "code"))
    status = request.GET.get("status", "")
    if status not in ItemStatus.values:
        status = ""
    dept_id = _int_or_none(request.GET.get("department"))
    department = next((d for d in departments if d.pk == dept_id), None)
    q = request.GET.get("q", "").strip()[:100]
    items = selectors.search_items(request.user, org, status=status, department=department, q=q)
    page = Paginator(items, 20).get_page(request.GET.get("page"))
    return render_console(
        request,
        "console/items.html",
        {
            "page": page,
            "departments": departments,
            "statuses": ItemStatus.choices,
            "status": status,
            "department": department,
            "q": q,
            "can_create": permissions.create_failures(request.user, org) == [],
        },
    )


# --- editor ---------------------------------------------------------------------------------------


def _initial_from(revision: Revision, item: InformationItem) -> dict:
    initial = {name: getattr(revision, name) for name in ITEM_FIELDS if name != "co_departments"}
    initial["lead_department"] = revision.lead_department_id
    initial["topic"] = revision.topic_id
    initial["catalogue_entry"] = revision.catalogue_entry_id
    initial["co_departments"] = [d.pk for d in revision.co_departments.all()]
    initial["lock_version"] = item.lock_version
    return initial


def _display(value) -> str:
    if value is None or value == "":
        return "(空)"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list | tuple | set) or hasattr(value, "all"):
        items = value.all() if hasattr(value, "all") else value
        return "、".join(str(v) for v in items) or "(空)"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "label"):
        return str(value.label)
    return str(value)


def _conflicts(form: ItemForm, revision: Revision, user) -> list[dict]:
    """Fields where what is saved now differs from what this person typed (after a stale edit). An item
    named there (the document interpreted) is shown as this person may see it: never a draft's title."""
    rows = []
    for name in ITEM_FIELDS:
        if name not in form.fields or name not in form.cleaned_data:
            continue
        mine = form.cleaned_data[name]
        saved = getattr(revision, name)
        if name == "co_departments":
            if {d.pk for d in mine} == {d.pk for d in saved.all()}:
                continue
        elif (mine or None) == (saved or None):
            continue
        if name == "disclosure_attribute":
            saved = revision.get_disclosure_attribute_display()
        elif isinstance(saved, InformationItem):
            saved = seen_by_id(user, [saved.pk]).get(saved.pk) or "(无权查看的信息)"
        rows.append({"label": form.fields[name].label, "saved": _display(saved)})
    return rows


def _import_notes(request, form: ItemForm) -> None:
    if form.cleaned_data.get("docx_file") is not None:
        messages.info(request, "已从 Word 文档导入正文。")
        for note in form.import_messages:
            messages.warning(request, f"Word 导入提示:{note}")


def _save_item_form(request, form: ItemForm, save, *, done: str):
    """The editor's save, for both create and edit: validate the form, call `save()` (a publishing
    service) and put a refusal on the form, so the person keeps everything they typed.

    Returns (item, stale): the saved item (None when the form is to be shown again with its errors), and
    the StaleEdit when someone else saved in between (the edit view then shows what they changed)."""
    if not form.is_valid():
        return None, None
    try:
        item = save()
    except StaleEdit as exc:
        form.add_error(None, exc.reasons)
        return None, exc
    except ValidationError as exc:
        form.add_service_errors(exc)
    except DocxImportError as exc:
        form.add_error("docx_file", str(exc))
    except WorkflowError as exc:
        form.add_error(None, exc.reasons)
    else:
        _import_notes(request, form)
        if removed_unsafe_content(form.data.get(form.add_prefix("body")) or ""):
            messages.warning(request, UNSAFE_CONTENT_REMOVED)
        messages.success(request, done)
        return item, None
    return None, None


@console_view
def item_create(request):
    org = request.organization
    failures = permissions.create_failures(request.user, org)
    if failures:
        raise ConsoleForbidden(failures)
    if request.method == "POST":
        form = ItemForm(request.POST, request.FILES, organization=org, user=request.user)
        item, _stale = _save_item_form(
            request,
            form,
            lambda: services.create_draft(user=request.user, organization=org, data=form.content()),
            done="草稿已保存。完善后可提交审核。",
        )
        if item is not None:
            return redirect("console:item", pk=item.pk)
    else:
        dept = request.membership.department
        initial = {
            "publisher": org.name,
            "lead_department": dept.pk if dept and dept.organization_id == org.pk else None,
            "formed_on": timezone.localdate(),
            "disclosure_attribute": DisclosureAttribute.PROACTIVE,
        }
        initial.update(
            interpretation_initial(
                request.user, org, request.GET.get("interprets"), request.GET.get("meeting")
            )
        )
        form = ItemForm(organization=org, user=request.user, initial=initial)
    return render_console(request, "console/item_form.html", {"form": form, "item": None})


@console_view
def item_edit(request, pk):
    item = get_item(request, pk)
    failures = permissions.edit_failures(request.user, item)
    if failures:
        raise ConsoleForbidden(failures)
    org = item.organization
    revising = item.live_revision_id is not None
    revision = item.latest_revision
    conflicts = []
    status = 200
    if request.method == "POST":
        form = ItemForm(request.POST, request.FILES, organization=org, user=request.user, revising=revising)
        form.fields["lock_version"].required = True
        saved, stale = _save_item_form(
            request,
            form,
            lambda: services.update_draft(
                user=request.user,
                item=item,
                data=form.content(),
                lock_version=form.cleaned_data["lock_version"],
            ),
            done="修改已保存。",
        )
        if saved is not None:
            return redirect("console:item", pk=item.pk)
        if stale is not None:
            form, conflicts = _keep_input_after_stale_edit(request.user, form, item, revising, stale)
            status = 409
    else:
        form = ItemForm(
            initial=_initial_from(revision, item), organization=org, user=request.user, revising=revising
        )
    return render_console(
        request,
        "console/item_form.html",
        {"form": form, "item": item, "revision": revision, "conflicts": conflicts},
        status=status,
    )


def _keep_input_after_stale_edit(user, form: ItemForm, item, revising: bool, exc: StaleEdit):
    """Someone saved in between: keep everything this person typed, show what the other one saved,
    and carry the new lock version so a deliberate second save goes through."""
    current = InformationItem.objects.select_related("latest_revision").get(pk=item.pk)
    data = form.data.copy()  # what was posted, with an imported Word body already in place
    data["lock_version"] = str(current.lock_version)
    conflicts = _conflicts(form, current.latest_revision, user)
    kept = ItemForm(data, organization=item.organization, user=user, revising=revising)
    kept.is_valid()
    kept.add_error(
        None, exc.reasons + ["您填写的内容已保留在下方。请核对他人保存的内容后再次保存(将以您的内容为准)。"]
    )
    return kept, conflicts


# --- item page and review screen ---------------------------------------------------------------------


def _revision_queryset():
    return Revision.objects.select_related(
        "lead_department", "topic", "catalogue_entry", "created_by"
    ).prefetch_related("co_departments", Prefetch("attachments", queryset=Attachment.objects.order_by("pk")))


def _load_revision(pk):
    return _revision_queryset().get(pk=pk) if pk else None


@console_view
def item_detail(request, pk):
    item = get_item(request, pk)
    revision = _load_revision(item.latest_revision_id)
    live = revision if item.live_revision_id == revision.pk else _load_revision(item.live_revision_id)
    task = services.current_task(item)
    actions = available_actions(request.user, item, task)
    context = {
        "item": item,
        "revision": revision,
        "live": live,
        "task": task,
        "actions": actions,
        "rounds": selectors.tasks_by_revision(item),
        "deadline": deadline_info(item),
        "approval_forms": [
            {"form": f, "url": APPROVAL_FORM_PATH.format(pk=f.revision_id)}
            for f in ApprovalForm.objects.filter(revision__in=visible_revisions(item))
            .select_related("revision")
            .order_by("-pk")
        ],
        "history": item_history(item),
        "submission_missing": submission_failures(revision) if actions["submit"] else [],
        "abolish_form": AbolishForm(item=item) if actions["abolish"] else None,
        "attachment_form": AttachmentForm() if actions["edit"] else None,
        "ledger_path": LEDGER_PATH,
        "public_url": item_url(item) if item.is_public else "",
        **views_review.review_context(request.user, item, revision, task),
        **interpretation_context(request.user, item, revision, actions),
    }
    return render_console(request, "console/item_detail.html", context)


@console_view
def review(request, pk):
    item = get_item(request, pk)
    revision = _load_revision(item.latest_revision_id)
    task = services.current_task(item)
    base = comparison_base(item, revision)
    if base is not None:
        base = _load_revision(base.pk)
    context = {
        "item": item,
        "revision": revision,
        "task": task,
        "can_decide": task is not None and permissions.decide_failures(request.user, task) == [],
        "decide_reasons": permissions.decide_failures(request.user, task) if task is not None else [],
        "base": base,
        "changes": revision_changes(base, revision) if base else [],
        "body_diff": body_diff(base, revision) if base else None,
        "findings": selectors.findings_for(revision),
        "earlier_findings": [
            (r, selectors.findings_for(r))
            for r in visible_revisions(item).exclude(pk=revision.pk).order_by("-number")
        ],
        "deadline": deadline_info(item),
        **views_review.review_context(request.user, item, revision, task),
    }
    return render_console(request, "console/review.html", context)


# --- actions --------------------------------------------------------------------------------------


def _posted_lock(request) -> int | None:
    """The lock version the page was built with; unreadable counts as stale (never as "no check")."""
    raw = request.POST.get("lock_version")
    if raw in (None, ""):
        return None
    value = _int_or_none(raw)
    return value if value is not None and value >= 0 else -1


def _text(request) -> str:
    text = request.POST.get("reason") or request.POST.get("opinion") or ""
    return text.strip()[:2000]


# Actions on the live item, not on its working revision.
LIVE_ITEM_ACTIONS = ("post_review", "withdraw", "abolish")


def _refusal_as_seen(user, item, action: str) -> list[str]:
    """Why `action` is refused on the item as this person sees it (without a revision hidden from them)."""
    if action in ("approve", "reject"):
        return [permissions.NO_PENDING_STEP]
    return permissions.FAILURES[action](user, item)


def _run_action(request, item, action: str, lock) -> tuple[str | None, str | None]:
    """Call the service for `action`; returns where to go next and the message to show (None: defaults)."""
    user = request.user
    if action not in LIVE_ITEM_ACTIONS:
        require(permissions.hidden_revision_failures(item, lambda seen: _refusal_as_seen(user, seen, action)))
    if action == "submit":
        services.submit_for_review(user=user, item=item, lock_version=lock)
    elif action == "approve":
        services.approve_step(
            user=user,
            item=item,
            opinion=_text(request),
            lock_version=lock,
            bottom_lines=request.POST.getlist("bottom_lines"),
        )
    elif action == "reject":
        services.reject_step(user=user, item=item, opinion=_text(request), lock_version=lock)
    elif action == "publish":
        services.publish(user=user, item=item, lock_version=lock)
    elif action == "fast_track":
        services.fast_track_publish(user=user, item=item, reason=_text(request), lock_version=lock)
    elif action == "post_review":
        decision = request.POST.get("decision") or POST_REVIEW_APPROVE
        if decision not in (POST_REVIEW_APPROVE, POST_REVIEW_WITHDRAW):
            raise WorkflowError("请选择事后审核结论:同意,或不同意(撤回)。")
        services.confirm_post_review(
            user=user,
            item=item,
            opinion=_text(request),
            approve=decision == POST_REVIEW_APPROVE,
            public_explanation=(request.POST.get("public_explanation") or "").strip()[:2000],
        )
        if decision == POST_REVIEW_WITHDRAW:
            return None, "事后审核不同意:信息已撤回,公众将看到您填写的撤回说明。"
    elif action == "revise":
        services.start_revision(user=user, item=item)
        return reverse("console:item_edit", args=[item.pk]), None
    elif action == "withdraw":
        services.withdraw(user=user, item=item, reason=_text(request))
    elif action == "abolish":
        form = AbolishForm(request.POST, item=item)
        if not form.is_valid():
            raise WorkflowError([m for errors in form.errors.values() for m in errors])
        services.abolish(
            user=user,
            item=item,
            abolished_on=form.cleaned_data["abolished_on"],
            replaced_by=form.cleaned_data["replaced_by"],
            note=form.cleaned_data["note"],
        )
    return None, None


@console_view
@require_POST
def item_action(request, pk, action):
    if action not in ACTIONS:
        raise Http404("没有这个操作。")
    item = get_item(request, pk)
    item_url = reverse("console:item", args=[item.pk])
    try:
        target, done = _run_action(request, item, action, _posted_lock(request))
    except WorkflowError as exc:  # a StaleEdit too
        error_messages(request, exc.reasons)
    except ValidationError as exc:
        error_messages(request, _validation_messages(exc))
    else:
        messages.success(request, done or ACTION_DONE[action])
        return redirect(target or item_url)
    return redirect(back(request, item_url))


# --- attachments ----------------------------------------------------------------------------------


@console_view
@require_POST
def attachment_upload(request, pk):
    item = get_item(request, pk)
    back = reverse("console:item", args=[item.pk]) + "#attachments"
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        error_messages(request, [m for errors in form.errors.values() for m in errors])
        return redirect(back)
    try:
        attachment = services.attach_file(user=request.user, item=item, upload=form.cleaned_data["file"])
    except AttachmentRejected as exc:
        messages.error(request, str(exc))
    except WorkflowError as exc:
        error_messages(request, exc.reasons)
    else:
        messages.success(request, f"附件“{attachment.original_name}”已上传。")
        for note in getattr(attachment, "scrub_notes", []):
            messages.info(
                request, f"为保护隐私,{note}。" if not note.endswith("。") else f"为保护隐私,{note}"
            )
    return redirect(back)


def _item_attachment(item, attachment_pk) -> Attachment:
    """An attachment of a revision of the item the person may see, else 404."""
    attachment = visible_attachments(item).filter(pk=attachment_pk).first()
    if attachment is None:
        raise Http404("没有找到该附件。")
    return attachment


@console_view
def attachment_download(request, pk, attachment_pk):
    item = get_item(request, pk)  # a draft the person may not see is a 404 (publishing.permissions)
    attachment = _item_attachment(item, attachment_pk)
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404("附件文件不存在。") from exc
    response = FileResponse(
        handle, as_attachment=True, filename=attachment.original_name, content_type=attachment.content_type
    )
    response["Cache-Control"] = "private, no-store"
    return response


@console_view
@require_POST
def attachment_remove(request, pk, attachment_pk):
    item = get_item(request, pk)
    back = reverse("console:item", args=[item.pk]) + "#attachments"
    attachment = _item_attachment(item, attachment_pk)
    try:
        require(
            permissions.hidden_revision_failures(
                item, lambda seen: permissions.edit_failures(request.user, seen)
            )
        )
        services.remove_attachment(user=request.user, item=item, attachment=attachment)
    except WorkflowError as exc:
        error_messages(request, exc.reasons)
    else:
        messages.success(request, f"附件“{attachment.original_name}”已从当前版本移除。")
    return redirect(back)
