"""Writes of the publishing workflow. One function per action: permission check, one transaction,
an audit event, side effects after commit. Views, the API, commands and tasks call these only.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from gongkai.audit import services as audit
from gongkai.console.services import notify
from gongkai.interpretation import rules as interpretation_rules
from gongkai.interpretation import services as interpretation_services
from gongkai.orgs.constants import Role
from gongkai.orgs.models import Organization, User
from gongkai.review import engine as review_engine
from gongkai.review import services as review_services
from gongkai.review import tasks as review_tasks
from gongkai.workdays.calendar import Deadline, add_workdays

from . import permissions, view_counter
from .approval_forms import build_approval_form
from .constants import (
    BOTTOM_LINES_STEP,
    DEFAULT_REVIEW_CHAIN,
    PUBLICATION_DEADLINE_WORKDAYS,
    DisclosureAttribute,
    ItemStatus,
    RevisionStatus,
    TaskStatus,
)
from .content import CONTENT_FIELDS, clean_content, submission_failures
from .exceptions import StaleEdit, WorkflowError, require
from .extract import EXTRACTABLE, extract_text
from .files import check_upload
from .models import ApprovalForm, Attachment, InformationItem, ReviewStep, ReviewTask, Revision
from .numbering import allocate_index_number
from .signals import announce_public_change


def _audit(action: str, item: InformationItem, actor: User | None, data: dict[str, Any]) -> None:
    """One audit event about an item, in the caller's transaction."""
    audit.record(action=action, actor=actor, target=item, organization=item.organization_id, data=data)


def _deadline_from(day: datetime.date) -> Deadline:
    return add_workdays(day, PUBLICATION_DEADLINE_WORKDAYS)


def _set_publication_deadline(item: InformationItem, revision: Revision) -> None:
    """条例第26条 governs 主动公开 information only: others carry no publication deadline."""
    day = revision.changed_on or revision.formed_on
    if revision.disclosure_attribute != DisclosureAttribute.PROACTIVE or day is None:
        item.publication_due_on = None
        item.publication_due_provisional = False
    else:
        deadline = _deadline_from(day)
        item.publication_due_on = deadline.due
        item.publication_due_provisional = deadline.provisional
    item.escalation_level = 0


def _apply_content(revision: Revision, content: dict[str, Any]) -> None:
    for key, value in content.items():
        if key != "co_departments":
            setattr(revision, key, value)


@transaction.atomic
def create_draft(*, user: User, organization: Organization, data: dict[str, Any]) -> InformationItem:
    require(permissions.create_failures(user, organization, data.get("lead_department")))
    data = {"publisher": organization.name, **data}
    content = clean_content(organization, data)
    item = InformationItem.objects.create(organization=organization, created_by=user)
    revision = Revision(item=item, number=1, created_by=user)
    _apply_content(revision, content)
    revision.save()
    review_engine.recompute(revision)
    if content.get("co_departments"):
        revision.co_departments.set(content["co_departments"])
    item.latest_revision = revision
    _set_publication_deadline(item, revision)
    item.save()
    _audit("publishing.item.created", item, user, {"revision": revision.number, "title": revision.title})
    return item


def _check_lock(item: InformationItem, lock_version: int | str | None) -> None:
    if lock_version is None:
        return
    try:
        matches = int(lock_version) == item.lock_version
    except (TypeError, ValueError):
        matches = False
    if not matches:
        raise StaleEdit("该信息已被他人修改,请刷新页面后重新编辑(避免覆盖他人的修改)。")


def _locked(item: InformationItem) -> InformationItem:
    """Re-read the item and its working revision under row locks, so concurrent actions on the item are
    serialised and each sees the other's result.

    Both rows are locked in one query (an inner join: every item has a working revision from its
    creation); PostgreSQL then re-reads both after waiting, never a stale revision with a fresh item."""
    return (
        InformationItem.objects.select_for_update(of=("self", "latest_revision"))
        .select_related("latest_revision")
        .filter(latest_revision__isnull=False)
        .get(pk=item.pk)
    )


@transaction.atomic
def update_draft(
    *, user: User, item: InformationItem, data: dict[str, Any], lock_version: int | None = None
) -> InformationItem:
    item = _locked(item)
    _check_lock(item, lock_version)
    require(permissions.edit_failures(user, item))
    revision = item.latest_revision
    content = clean_content(item.organization, data, current=item.latest_revision)
    if "lead_department" in content and content["lead_department"].pk != revision.lead_department_id:
        require(permissions.create_failures(user, item.organization, content["lead_department"]))
    changed = sorted(k for k, v in content.items() if k != "co_departments" and getattr(revision, k) != v)
    _apply_content(revision, content)
    revision.updated_at = timezone.now()
    revision.save()
    review_engine.recompute(revision)
    if "co_departments" in content:
        revision.co_departments.set(content["co_departments"])
        changed.append("co_departments")
    if {"formed_on", "disclosure_attribute"} & set(changed):
        _set_publication_deadline(item, revision)
    item.lock_version += 1
    item.save()
    _audit(
        "publishing.item.updated",
        item,
        user,
        {"revision": revision.number, "fields": changed},
    )
    return item


def attach_file(*, user: User, item: InformationItem, upload) -> Attachment:
    """Check the upload (real type, size), store it and link it to the working revision.

    A refused file raises AttachmentRejected before anything is written; if the database part fails,
    the stored file is deleted again, so nothing is left half-done.
    """
    checked = check_upload(upload)
    require(permissions.edit_failures(user, item))
    attachment = Attachment(
        organization_id=item.organization_id,
        original_name=checked.name,
        extension=checked.extension,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=user,
    )
    # What is read and stored is the scrubbed file (checked.data); the notes say what scrubbing removed.
    attachment.text = (
        extract_text(checked.data, checked.extension) if checked.extension in EXTRACTABLE else ""
    )
    attachment.scrub_notes = checked.notes
    attachment.file.save(f"{checked.sha256[:16]}.{checked.extension}", ContentFile(checked.data), save=False)
    try:
        with transaction.atomic():
            item = _locked(item)
            require(permissions.edit_failures(user, item))
            attachment.save()
            item.latest_revision.attachments.add(attachment)
            review_engine.recompute(item.latest_revision)
            item.lock_version += 1
            item.save(update_fields=["lock_version"])
            _audit(
                "publishing.item.attachment_added",
                item,
                user,
                {
                    "attachment": attachment.pk,
                    "name": checked.name,
                    "size": checked.size,
                    "sha256": checked.sha256,
                    "removed_metadata": checked.notes,
                },
            )
    except BaseException:
        attachment.file.storage.delete(attachment.file.name)
        raise
    return attachment


@transaction.atomic
def remove_attachment(*, user: User, item: InformationItem, attachment: Attachment) -> None:
    item = _locked(item)
    require(permissions.edit_failures(user, item))
    revision = item.latest_revision
    if not revision.attachments.filter(pk=attachment.pk).exists():
        raise WorkflowError("该附件不属于此信息。")
    revision.attachments.remove(attachment)
    review_engine.recompute(revision)
    item.lock_version += 1
    item.save(update_fields=["lock_version"])
    _audit(
        "publishing.item.attachment_removed",
        item,
        user,
        {"attachment": attachment.pk, "name": attachment.original_name},
    )


# --- review chain ----------------------------------------------------------------------------------


def ensure_default_chain(organization: Organization | int) -> list[ReviewStep]:
    """Give an organisation the seed's review chain unless it configured its own."""
    organization_id = getattr(organization, "pk", organization)
    steps = list(ReviewStep.objects.filter(organization_id=organization_id).order_by("position"))
    if steps:
        return steps
    steps = [
        ReviewStep.objects.create(
            organization_id=organization_id,
            position=i,
            name=name,
            role=role,
            scope=scope,
            confirms_bottom_lines=name == BOTTOM_LINES_STEP,
        )
        for i, (name, role, scope) in enumerate(DEFAULT_REVIEW_CHAIN, start=1)
    ]
    # The chain decides who reviews (and who reads drafts): its creation is on record, in the transaction
    # of the first submission that needed it.
    audit.record(
        action="publishing.chain.created",
        target=steps[0],
        organization=organization_id,
        data={"steps": [[s.position, s.name, s.role, s.scope] for s in steps]},
    )
    return steps


@transaction.atomic
def submit_for_review(
    *, user: User, item: InformationItem, lock_version: int | None = None
) -> InformationItem:
    item = _locked(item)
    _check_lock(item, lock_version)
    require(permissions.submit_failures(user, item))
    revision = item.latest_revision
    require(submission_failures(revision))
    require(interpretation_rules.submission_failures(revision))
    require(review_engine.submission_failures(revision))
    steps = ensure_default_chain(item.organization_id)
    now = timezone.now()
    revision.review_round += 1
    revision.status = RevisionStatus.IN_REVIEW
    revision.submitted_by = user
    revision.submitted_at = now
    revision.rejection_reason = ""
    revision.save()
    tasks = ReviewTask.objects.bulk_create(
        ReviewTask(
            revision=revision,
            round=revision.review_round,
            position=step.position,
            name=step.name,
            role=step.role,
            scope=step.scope,
            department=step.department,
            confirms_bottom_lines=step.confirms_bottom_lines,
            status=TaskStatus.PENDING if i == 0 else TaskStatus.WAITING,
            started_at=now if i == 0 else None,
        )
        for i, step in enumerate(steps)
    )
    if item.live_revision_id is None:
        item.status = ItemStatus.IN_REVIEW
    item.lock_version += 1
    item.save()
    revision_id = revision.pk
    transaction.on_commit(lambda: review_tasks.check_links(revision_id))
    _audit(
        "publishing.item.submitted",
        item,
        user,
        {"revision": revision.number, "round": revision.review_round},
    )
    revision.item = item
    tasks[0].revision = revision
    _notify_task(tasks[0])
    return item


def members_of(organization_id: int) -> list:
    """Everyone active in an organisation, to find who may act (one narrow query).

    `m.user` is a stand-in carrying only the id and this membership: enough for the permission rules
    and for addressing a notification, without loading every account row."""
    from gongkai.orgs.models import Membership

    members = []
    for m in Membership.objects.filter(organization_id=organization_id, user__is_active=True).only(
        "id", "user_id", "organization_id", "department_id", "roles", "can_fast_track"
    ):
        user = User(id=m.user_id, is_active=True)
        user._membership_cache = {m.organization_id: m}
        m.user = user
        members.append(m)
    return members


def notify_members(
    item: InformationItem,
    *,
    who,
    kind: str,
    message: str,
    view: str = "console:item",
    query: str = "",
    members=None,
) -> int:
    """Notify the members of the item's organisation for whom `who(membership)` holds.

    Notifications are rows in the same database: written in the same transaction as the change."""
    members = members if members is not None else members_of(item.organization_id)
    return notify(
        [m.user for m in members if who(m)],
        organization=item.organization_id,
        kind=kind,
        message=message,
        url=reverse(view, args=[item.pk]) + query,
    )


def _notify_task(task: ReviewTask) -> None:
    revision = task.revision
    notify_members(
        revision.item,
        who=lambda m: m.has_role(task.role) and not permissions.decide_failures(m.user, task),
        kind="review.pending",
        message=f"待审核:“{revision.title}”({task.name})",
        view="console:review",
        query=f"?round={task.round}&step={task.position}",
    )


def current_task(item: InformationItem) -> ReviewTask | None:
    revision = item.latest_revision
    if revision is None or revision.status != RevisionStatus.IN_REVIEW:
        return None
    return (
        revision.tasks.filter(round=revision.review_round, status=TaskStatus.PENDING)
        .select_related("revision", "revision__item")
        .first()
    )


def _locked_task(item: InformationItem) -> tuple[InformationItem, ReviewTask]:
    """The item under lock and its pending task; `task.round_tasks` holds the round's tasks in order."""
    item = _locked(item)
    revision = item.latest_revision
    round_tasks = []
    if revision is not None and revision.status == RevisionStatus.IN_REVIEW:
        round_tasks = list(revision.tasks.filter(round=revision.review_round).order_by("position"))
    task = next((t for t in round_tasks if t.status == TaskStatus.PENDING), None)
    if task is None:
        raise WorkflowError(permissions.NO_PENDING_STEP)
    task.round_tasks = round_tasks
    revision.item = item
    for t in round_tasks:
        t.revision = revision
    return item, task


@transaction.atomic
def approve_step(
    *,
    user: User,
    item: InformationItem,
    opinion: str = "",
    lock_version: int | None = None,
    bottom_lines: Iterable[str] | None = None,
) -> ReviewTask:
    """Approve the pending step. The content review gates it (review.engine.gate_failures): no blocking
    finding, every warning acknowledged, audio/video confirmed, and — at the step that requires it — the
    seven bottom lines confirmed (``bottom_lines``: their codes)."""
    item, task = _locked_task(item)
    _check_lock(item, lock_version)
    require(permissions.decide_failures(user, task))
    revision = item.latest_revision
    require(interpretation_rules.approval_failures(revision, task))
    review_engine.recompute(revision)
    require(
        review_engine.gate_failures(
            revision, requires_bottom_lines=task.confirms_bottom_lines, bottom_lines=bottom_lines
        )
    )
    if task.confirms_bottom_lines:
        review_services.record_bottom_lines(
            revision=revision, round=task.round, user=user, lines=bottom_lines
        )
    now = timezone.now()
    task.status = TaskStatus.APPROVED
    task.decided_by = user
    task.decided_at = now
    task.opinion = (opinion or "").strip() or "同意"
    task.save(update_fields=["status", "decided_by", "decided_at", "opinion"])
    following = next((t for t in task.round_tasks if t.status == TaskStatus.WAITING), None)
    if following is not None:
        following.status = TaskStatus.PENDING
        following.started_at = now
        following.save(update_fields=["status", "started_at"])
        following.revision = revision
        _notify_task(following)
    else:
        revision.status = RevisionStatus.APPROVED
        revision.approved_at = now
        revision.save(update_fields=["status", "approved_at"])
        if item.live_revision_id is None:
            item.status = ItemStatus.APPROVED
        _notify_office_to_publish(item)
    item.lock_version += 1
    item.save(update_fields=["status", "lock_version"])
    _audit(
        "publishing.review.approved",
        item,
        user,
        {"revision": revision.number, "round": task.round, "step": task.name, "opinion": task.opinion},
    )
    return task


def _notify_office_to_publish(item: InformationItem) -> None:
    notify_members(
        item,
        who=lambda m: m.has_role(Role.OFFICE_EDITOR),
        kind="publish.ready",
        message=f"待发布:“{item.latest_revision.title}”",
    )


@transaction.atomic
def reject_step(
    *, user: User, item: InformationItem, opinion: str, lock_version: int | None = None
) -> ReviewTask:
    opinion = (opinion or "").strip()
    if not opinion:
        raise WorkflowError("退回时必须填写退回理由。")
    item, task = _locked_task(item)
    _check_lock(item, lock_version)
    require(permissions.decide_failures(user, task))
    now = timezone.now()
    task.status = TaskStatus.REJECTED
    task.decided_by = user
    task.decided_at = now
    task.opinion = opinion
    task.save()
    revision = item.latest_revision
    revision.tasks.filter(round=revision.review_round, status=TaskStatus.WAITING).update(
        status=TaskStatus.CANCELLED
    )
    revision.status = RevisionStatus.REJECTED
    revision.rejection_reason = f"{task.name}:{opinion}"
    revision.save()
    if item.live_revision_id is None:
        item.status = ItemStatus.DRAFT
    item.lock_version += 1
    item.save()
    _audit(
        "publishing.review.rejected",
        item,
        user,
        {"revision": revision.number, "round": task.round, "step": task.name, "opinion": opinion},
    )
    url = reverse("console:item", args=[item.pk])
    drafter, submitter = revision.created_by, revision.submitted_by
    message = f"已退回:“{revision.title}”({task.name}:{opinion[:100]})"
    notify(
        [drafter, submitter],
        organization=item.organization_id,
        kind="review.rejected",
        message=message,
        url=url,
    )
    return task


# --- publication -----------------------------------------------------------------------------------


def _make_live(item: InformationItem, revision: Revision, user: User, now: datetime.datetime) -> None:
    if item.live_revision_id and item.live_revision_id != revision.pk:
        Revision.objects.filter(pk=item.live_revision_id).update(status=RevisionStatus.SUPERSEDED)
    allocate_index_number(item)
    revision.status = RevisionStatus.PUBLISHED
    revision.published_at = now
    revision.published_by = user
    revision.save(update_fields=["status", "published_at", "published_by"])
    item.live_revision = revision
    item.status = ItemStatus.PUBLISHED
    interpretation_rules.set_deadline(item, revision, now)
    item.published_at = now
    item.first_published_at = item.first_published_at or now
    item.withdrawn_at = None
    item.withdrawal_reason = ""
    item.escalation_level = 0
    item.lock_version += 1
    item.save()
    announce_public_change(item.pk)


@transaction.atomic
def publish(*, user: User, item: InformationItem, lock_version: int | None = None) -> InformationItem:
    item = _locked(item)
    _check_lock(item, lock_version)
    require(permissions.publish_failures(user, item))
    revision = item.latest_revision
    require(review_engine.publication_failures(revision))
    now = timezone.now()
    was_live = item.live_revision_id
    _make_live(item, revision, user, now)
    form = build_approval_form(item, revision)
    _audit(
        "publishing.item.published",
        item,
        user,
        {
            "revision": revision.number,
            "index_number": item.index_number,
            "approval_form": form.archive_number,
            "replaces_revision": was_live,
            "due_on": item.publication_due_on.isoformat() if item.publication_due_on else None,
        },
    )
    return item


@transaction.atomic
def fast_track_publish(
    *, user: User, item: InformationItem, reason: str, lock_version: int | None = None
) -> InformationItem:
    """P6: publish at once with a mandatory reason; someone else reviews it afterwards."""
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowError("紧急发布必须填写理由。")
    item = _locked(item)
    _check_lock(item, lock_version)
    require(permissions.fast_track_failures(user, item))
    revision = item.latest_revision
    require(submission_failures(revision))
    require(review_engine.publication_failures(revision))
    now = timezone.now()
    revision.tasks.filter(status__in=[TaskStatus.PENDING, TaskStatus.WAITING]).update(
        status=TaskStatus.CANCELLED
    )
    if revision.submitted_by_id is None:
        revision.submitted_by = user
        revision.submitted_at = now
    _make_live(item, revision, user, now)
    item.fast_tracked = True
    item.fast_track_reason = reason
    item.fast_tracked_by = user
    item.post_review_due_at = now + datetime.timedelta(hours=item.organization.urgent_review_hours)
    item.post_review_overdue_notified = False
    item.post_reviewed_at = None
    item.post_reviewed_by = None
    item.save()
    form = build_approval_form(
        item, revision, fast_track={"by": user.display_name, "reason": reason, "at": now.isoformat()}
    )
    _audit(
        "publishing.item.fast_tracked",
        item,
        user,
        {
            "revision": revision.number,
            "reason": reason,
            "index_number": item.index_number,
            "approval_form": form.archive_number,
            "post_review_due_at": item.post_review_due_at.isoformat(),
        },
    )
    _notify_post_review(item)
    return item


def _notify_post_review(item: InformationItem) -> None:
    notify_members(
        item,
        who=lambda m: not permissions.post_review_failures(m.user, item),
        kind="post_review.pending",
        message=f"紧急发布待事后审核:“{item.live_revision.title}”",
    )


@transaction.atomic
def confirm_post_review(
    *,
    user: User,
    item: InformationItem,
    opinion: str,
    approve: bool = True,
    public_explanation: str = "",
) -> InformationItem:
    """The review after an urgent publication (P6), by someone other than the publisher.

    Approving records the opinion on the fast-tracked revision's approval form. Not approving withdraws
    the item at once: `public_explanation` is what the public then reads in its place (required)."""
    opinion = (opinion or "").strip()
    public_explanation = (public_explanation or "").strip()
    if not approve and not opinion:
        raise WorkflowError("事后审核不同意时,必须填写审核意见。")
    if not approve and not public_explanation:
        raise WorkflowError("事后审核不同意将撤回该信息,必须填写向公众说明的撤回理由。")
    item = _locked(item)
    require(permissions.post_review_failures(user, item))
    now = timezone.now()
    item.post_reviewed_by = user
    item.post_reviewed_at = now
    item.post_review_opinion = opinion or "同意"
    if not approve:
        item.status = ItemStatus.WITHDRAWN
        item.withdrawn_at = now
        item.withdrawal_reason = public_explanation
        announce_public_change(item.pk)
    item.lock_version += 1
    item.save()
    # The form of the fast-tracked revision (a later revision may have been published normally since).
    form = (
        ApprovalForm.objects.filter(revision__item=item, data__fast_track__reason__isnull=False)
        .order_by("-pk")
        .first()
    )
    if form is not None:
        form.data = {
            **form.data,
            "post_review": {
                "by": user.display_name,
                "at": now.isoformat(),
                "opinion": item.post_review_opinion,
                "approved": approve,
            },
        }
        form.save(update_fields=["data"])
    _audit(
        "publishing.item.post_reviewed",
        item,
        user,
        {
            "approved": approve,
            "opinion": item.post_review_opinion,
            "late": now > item.post_review_due_at,
            "withdrawn": not approve,
            "public_explanation": public_explanation,
        },
    )
    return item


# --- dynamic updates (P8) --------------------------------------------------------------------------


@transaction.atomic
def start_revision(*, user: User, item: InformationItem) -> Revision:
    """A new draft revision from the live one; the live revision stays public during review."""
    item = _locked(item)
    require(permissions.revise_failures(user, item))
    live = item.live_revision
    revision = Revision(item=item, number=live.number + 1, created_by=user)
    for field in CONTENT_FIELDS:
        setattr(revision, field, getattr(live, field))
    revision.change_note = ""
    revision.is_major_change = False
    revision.changed_on = timezone.localdate()
    revision.save()
    revision.co_departments.set(live.co_departments.all())
    revision.attachments.set(live.attachments.all())
    interpretation_services.copy_plan(live, revision)
    review_engine.recompute(revision)
    item.latest_revision = revision
    _set_publication_deadline(item, revision)
    item.lock_version += 1
    item.save()
    _audit(
        "publishing.item.revision_started",
        item,
        user,
        {"revision": revision.number, "from_revision": live.number},
    )
    return revision


@transaction.atomic
def withdraw(*, user: User, item: InformationItem, reason: str) -> InformationItem:
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowError("撤回信息必须填写向公众说明的撤回理由。")
    item = _locked(item)
    require(permissions.withdraw_failures(user, item))
    item.status = ItemStatus.WITHDRAWN
    item.withdrawn_at = timezone.now()
    item.withdrawal_reason = reason
    item.lock_version += 1
    item.save()
    announce_public_change(item.pk)
    _audit(
        "publishing.item.withdrawn",
        item,
        user,
        {"reason": reason},
    )
    return item


@transaction.atomic
def abolish(
    *,
    user: User,
    item: InformationItem,
    abolished_on: datetime.date,
    replaced_by: InformationItem | None = None,
    note: str = "",
) -> InformationItem:
    """废止: from `abolished_on` (which may be in the future) the public page shows 已废止."""
    if abolished_on is None:
        raise WorkflowError("请填写废止日期。")
    item = _locked(item)
    require(permissions.abolish_failures(user, item))
    if replaced_by is not None:
        if replaced_by.pk == item.pk:
            raise WorkflowError("替代文件不能是其本身。")
        if replaced_by.organization_id != item.organization_id or not replaced_by.is_public:
            raise WorkflowError("替代文件须为本机构已发布的信息。")
    effective = item.live_revision.effective_on or item.live_revision.formed_on
    if effective and abolished_on < effective:
        raise WorkflowError("废止日期不能早于生效日期。")
    item.abolished_on = abolished_on
    item.replaced_by = replaced_by
    item.abolition_note = (note or "").strip()
    item.lock_version += 1
    item.save()
    announce_public_change(item.pk)
    _audit(
        "publishing.item.abolished",
        item,
        user,
        {
            "abolished_on": abolished_on.isoformat(),
            "replaced_by": replaced_by.index_number if replaced_by else None,
            "note": item.abolition_note,
        },
    )
    return item


def record_view(item: InformationItem) -> int:
    """Count a public view (buffered, see view_counter); returns the views not yet in ``item.view_count``."""
    return view_counter.record(item.pk)


def record_view_of(item_id: int) -> int:
    """`record_view` by the item's key (the cached item page has no item object)."""
    return view_counter.record(item_id)
