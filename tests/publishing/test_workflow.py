"""The publishing workflow end to end: rejection and resubmission, index numbers, revisions of published
items, withdrawal, abolition, the urgent fast track, and the audit trail of every transition."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
import time_machine

from gongkai.audit.selectors import events_for
from gongkai.audit.verify import verify_chain
from gongkai.console.models import Notification
from gongkai.publishing import services
from gongkai.publishing.constants import ItemStatus, RevisionStatus, TaskStatus, Validity
from gongkai.publishing.models import ApprovalForm, ReviewTask, Revision
from gongkai.publishing.services import WorkflowError
from tests.factories import (
    ALL_BOTTOM_LINES,
    make_approved,
    make_draft,
    make_published,
    make_staff,
    review_through,
)

from .helpers import advance_to_step, chinese, fresh, snapshot, submitted

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


# --- rejection and resubmission ---------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("position", "step_name"), [(1, "科室审核"), (2, "保密审查"), (3, "办公室审核"), (4, "分管领导签发")]
)
def test_rejection_returns_the_item_to_its_drafter_with_the_reason(
    position, step_name, django_capture_on_commit_callbacks
):
    staff = make_staff()
    item = advance_to_step(staff, submitted(staff), position)
    reviewer = {1: staff.head, 2: staff.secrecy, 3: staff.editor2, 4: staff.leader}[position]

    with django_capture_on_commit_callbacks(execute=True):
        services.reject_step(user=reviewer, item=item, opinion="活动经费来源未写明")

    item = fresh(item)
    revision = item.latest_revision
    assert item.status == ItemStatus.DRAFT
    assert revision.status == RevisionStatus.REJECTED
    assert step_name in revision.rejection_reason
    assert "活动经费来源未写明" in revision.rejection_reason
    notice = Notification.objects.get(recipient=staff.drafter, kind="review.rejected")
    assert "活动经费来源未写明" in notice.message and step_name in notice.message
    # the rest of the round is cancelled, nothing is left pending
    assert not revision.tasks.filter(status__in=[TaskStatus.PENDING, TaskStatus.WAITING]).exists()
    assert services.current_task(item) is None
    # the drafter may edit again
    services.update_draft(user=staff.drafter, item=item, data={"summary": "补充了经费来源。"})


@pytest.mark.django_db
def test_resubmission_restarts_the_chain_at_step_1_in_a_new_round_keeping_the_old_rounds_tasks():
    staff = make_staff()
    item = advance_to_step(staff, submitted(staff), 3)
    services.reject_step(user=staff.editor2, item=item, opinion="标题有误")
    old_round = list(
        ReviewTask.objects.filter(revision=fresh(item).latest_revision, round=1)
        .order_by("position")
        .values_list("position", "status", "decided_by", "opinion")
    )
    services.update_draft(user=staff.drafter, item=item, data={"title": "关于举办2026年晋中市非遗展演的通知"})

    services.submit_for_review(user=staff.drafter, item=item)

    item = fresh(item)
    revision = item.latest_revision
    assert revision.review_round == 2
    assert revision.status == RevisionStatus.IN_REVIEW
    assert revision.rejection_reason == ""
    assert (
        list(
            ReviewTask.objects.filter(revision=revision, round=1)
            .order_by("position")
            .values_list("position", "status", "decided_by", "opinion")
        )
        == old_round
    )
    assert old_round == [
        (1, TaskStatus.APPROVED, staff.head.pk, "同意"),
        (2, TaskStatus.APPROVED, staff.secrecy.pk, "同意"),
        (3, TaskStatus.REJECTED, staff.editor2.pk, "标题有误"),
        (4, TaskStatus.CANCELLED, None, ""),
    ]
    new_round = list(
        ReviewTask.objects.filter(revision=revision, round=2)
        .order_by("position")
        .values_list("position", "status")
    )
    assert new_round == [
        (1, TaskStatus.PENDING),
        (2, TaskStatus.WAITING),
        (3, TaskStatus.WAITING),
        (4, TaskStatus.WAITING),
    ]
    assert services.current_task(item).position == 1
    # the secrecy reviewer who approved in round 1 must wait for the department review again
    with pytest.raises(WorkflowError):
        services.approve_step(user=staff.secrecy, item=item, opinion="同意", bottom_lines=ALL_BOTTOM_LINES)
    review_through(staff, item)
    assert fresh(item).latest_revision.status == RevisionStatus.APPROVED


@pytest.mark.django_db
@pytest.mark.parametrize("opinion", ["", "   ", None])
def test_a_rejection_without_an_opinion_is_refused(opinion):
    staff = make_staff()
    item = submitted(staff)
    before = snapshot(item)
    with pytest.raises(WorkflowError) as refused:
        services.reject_step(user=staff.head, item=item, opinion=opinion)
    assert chinese(refused.value.reasons)
    assert "理由" in str(refused.value)
    assert snapshot(item) == before


# --- index numbers ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_publishing_allocates_the_index_number_org_code_year_serial():
    staff = make_staff()
    first = make_published(staff)
    second = make_published(staff, title="关于公布2026年度非遗代表性项目名录的通知")
    assert first.index_number == f"{staff.org.code}/2026-00001"
    assert second.index_number == f"{staff.org.code}/2026-00002"


@pytest.mark.django_db
def test_an_item_has_no_index_number_before_publication():
    staff = make_staff()
    item = make_approved(staff)
    assert item.index_number is None


@pytest.mark.django_db
def test_the_index_number_never_changes_when_a_later_revision_is_published():
    staff = make_staff()
    item = make_published(staff)
    original = item.index_number
    for n in range(2):
        services.start_revision(user=staff.drafter, item=item)
        services.update_draft(user=staff.drafter, item=item, data={"summary": f"第{n + 2}版概述。"})
        services.submit_for_review(user=staff.drafter, item=item)
        review_through(staff, item)
        services.publish(user=staff.editor, item=item)
        assert fresh(item).index_number == original
    published = [e.data["index_number"] for e in events_for(item) if e.action == "publishing.item.published"]
    assert published == [original] * 3


@pytest.mark.django_db
def test_the_index_number_follows_the_organisations_configured_pattern():
    staff = make_staff()
    staff.org.index_pattern = "{org_code}-{year}-{serial:04d}"
    staff.org.save()
    item = make_published(staff)
    assert item.index_number == f"{staff.org.code}-2026-0001"


@pytest.mark.django_db
def test_two_publications_never_share_an_index_number():
    staff = make_staff()
    other = make_staff()
    numbers = [make_published(staff).index_number for _ in range(3)]
    numbers += [make_published(other).index_number for _ in range(2)]
    numbers.append(
        services.fast_track_publish(user=staff.editor, item=make_draft(staff), reason="紧急").index_number
    )
    assert len(set(numbers)) == len(numbers)
    assert numbers[:3] == [f"{staff.org.code}/2026-0000{n}" for n in (1, 2, 3)]
    assert numbers[3:5] == [f"{other.org.code}/2026-0000{n}" for n in (1, 2)]
    assert numbers[5] == f"{staff.org.code}/2026-00004"


# --- revisions of published items (P8) ---------------------------------------------------------------


@pytest.mark.django_db
def test_the_live_revision_stays_public_while_a_new_revision_is_in_review():
    staff = make_staff()
    item = make_published(staff)
    first = item.live_revision

    services.start_revision(user=staff.drafter, item=item)
    services.update_draft(
        user=staff.drafter,
        item=item,
        data={"title": "关于调整2026年晋中市非遗展演活动时间的通知", "change_note": "活动时间调整"},
    )
    for check in ("draft", "submitted", "partly reviewed", "approved"):
        item = fresh(item)
        assert item.live_revision == first, check
        assert item.status == ItemStatus.PUBLISHED and item.is_public, check
        assert Revision.objects.get(pk=first.pk).status == RevisionStatus.PUBLISHED, check
        assert str(item) == first.title, check
        if check == "draft":
            services.submit_for_review(user=staff.drafter, item=item)
        elif check == "submitted":
            advance_to_step(staff, item, 3)
        elif check == "partly reviewed":
            services.approve_step(
                user=staff.editor2, item=item, opinion="同意", bottom_lines=ALL_BOTTOM_LINES
            )
            services.approve_step(user=staff.leader, item=item, opinion="同意", bottom_lines=ALL_BOTTOM_LINES)

    services.publish(user=staff.editor, item=item)

    item = fresh(item)
    assert item.live_revision.number == 2
    assert item.live_revision.title == "关于调整2026年晋中市非遗展演活动时间的通知"
    assert Revision.objects.get(pk=first.pk).status == RevisionStatus.SUPERSEDED
    assert item.live_revision.status == RevisionStatus.PUBLISHED


@pytest.mark.django_db
def test_a_rejected_new_revision_leaves_the_live_revision_public():
    staff = make_staff()
    item = make_published(staff)
    first = item.live_revision
    services.start_revision(user=staff.drafter, item=item)
    services.submit_for_review(user=staff.drafter, item=item)
    services.reject_step(user=staff.head, item=item, opinion="无实质修改")
    item = fresh(item)
    assert item.is_public and item.live_revision == first
    assert item.latest_revision.status == RevisionStatus.REJECTED


@pytest.mark.django_db
def test_a_major_change_keeps_its_change_note():
    staff = make_staff()
    item = make_published(staff)
    services.start_revision(user=staff.drafter, item=item)
    note = "活动地点由市文化中心改为晋中大剧院。"
    services.update_draft(user=staff.drafter, item=item, data={"is_major_change": True, "change_note": note})
    services.submit_for_review(user=staff.drafter, item=item)
    review_through(staff, item)
    services.publish(user=staff.editor, item=item)

    live = fresh(item).live_revision
    assert live.is_major_change is True
    assert live.change_note == note
    assert ApprovalForm.objects.get(revision=live).data["change_note"] == note


# --- withdrawal and abolition -----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("reason", ["", "   ", None])
def test_withdrawal_needs_a_reason(reason):
    staff = make_staff()
    item = make_published(staff)
    before = snapshot(item)
    with pytest.raises(WorkflowError) as refused:
        services.withdraw(user=staff.editor, item=item, reason=reason)
    assert chinese(refused.value.reasons)
    assert snapshot(item) == before


@pytest.mark.django_db
def test_a_withdrawn_item_is_no_longer_public_and_shows_its_reason():
    staff = make_staff()
    item = make_published(staff)
    services.withdraw(user=staff.editor, item=item, reason="活动取消")
    item = fresh(item)
    assert item.status == ItemStatus.WITHDRAWN
    assert not item.is_public
    assert item.withdrawal_reason == "活动取消"
    assert item.withdrawn_at is not None


@pytest.mark.django_db
def test_abolition_with_a_future_date_keeps_the_item_valid_until_that_date():
    staff = make_staff()
    with time_machine.travel(at("2026-11-25 10:00"), tick=False):
        item = make_published(staff)
        services.abolish(
            user=staff.head, item=item, abolished_on=datetime.date(2027, 1, 1), note="由新办法替代"
        )
        item = fresh(item)
        assert item.validity == Validity.VALID
        assert item.validity_label == "有效"
        assert item.is_public
    with time_machine.travel(at("2026-12-31 23:59"), tick=False):
        assert fresh(item).validity == Validity.VALID
    with time_machine.travel(at("2027-01-01 00:01"), tick=False):
        assert fresh(item).validity == Validity.ABOLISHED
        assert fresh(item).validity_label == "已废止"


@pytest.mark.django_db
def test_abolition_before_the_effective_date_is_refused():
    staff = make_staff()
    item = make_published(staff, effective_on=datetime.date(2026, 12, 1))
    before = snapshot(item)
    with pytest.raises(WorkflowError, match="生效日期"):
        services.abolish(user=staff.editor, item=item, abolished_on=datetime.date(2026, 11, 30))
    assert snapshot(item) == before


@pytest.mark.django_db
def test_replaced_by_must_be_a_published_item_of_the_same_organisation():
    staff = make_staff()
    other = make_staff()
    item = make_published(staff)
    foreign = make_published(other)
    unpublished = make_approved(staff, title="尚未发布的新办法")
    withdrawn = make_published(staff, title="已撤回的文件")
    services.withdraw(user=staff.editor, item=withdrawn, reason="错误")
    before = snapshot(item)
    for bad in (foreign, unpublished, fresh(withdrawn), item):
        with pytest.raises(WorkflowError) as refused:
            services.abolish(
                user=staff.editor, item=item, abolished_on=datetime.date(2026, 12, 31), replaced_by=bad
            )
        assert chinese(refused.value.reasons)
    assert snapshot(item) == before

    successor = make_published(staff, title="晋中市非遗展演活动管理办法(2027年修订)")
    services.abolish(
        user=staff.editor, item=item, abolished_on=datetime.date(2026, 12, 31), replaced_by=successor
    )
    assert fresh(item).replaced_by == successor


# --- urgent fast track (P6) -------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("reason", ["", "  ", None])
def test_fast_track_needs_a_reason(reason):
    staff = make_staff()
    item = make_draft(staff)
    before = snapshot(item)
    with pytest.raises(WorkflowError, match="理由"):
        services.fast_track_publish(user=staff.editor, item=item, reason=reason)
    assert snapshot(item) == before


@pytest.mark.django_db
def test_fast_track_needs_the_right_editor_has_it_editor2_does_not():
    staff = make_staff()
    item = make_draft(staff)
    before = snapshot(item)
    with pytest.raises(WorkflowError, match="紧急发布权限"):
        services.fast_track_publish(user=staff.editor2, item=item, reason="暴雨预警")
    assert snapshot(item) == before
    services.fast_track_publish(user=staff.editor, item=item, reason="暴雨预警")
    assert fresh(item).is_public


@pytest.mark.django_db
def test_fast_track_sets_the_post_review_deadline_from_the_default_24_hours():
    staff = make_staff()
    item = make_draft(staff)
    now = at("2026-11-25 16:30")
    with time_machine.travel(now, tick=False):
        services.fast_track_publish(user=staff.editor, item=item, reason="暴雨预警")
    item = fresh(item)
    assert item.fast_tracked and item.fast_tracked_by == staff.editor
    assert item.fast_track_reason == "暴雨预警"
    assert item.post_review_due_at == now + datetime.timedelta(hours=24)
    assert item.index_number == f"{staff.org.code}/2026-00001"
    assert item.published_at == now


@pytest.mark.django_db
def test_fast_track_uses_the_organisations_urgent_review_hours():
    staff = make_staff()
    staff.org.urgent_review_hours = 6
    staff.org.save()
    item = make_draft(staff)
    now = at("2026-11-25 16:30")
    with time_machine.travel(now, tick=False):
        services.fast_track_publish(user=staff.editor, item=item, reason="突发事件通报")
    assert fresh(item).post_review_due_at == now + datetime.timedelta(hours=6)


@pytest.mark.django_db
def test_fast_track_of_an_item_in_review_cancels_the_open_review_tasks():
    staff = make_staff()
    item = advance_to_step(staff, submitted(staff), 2)
    services.fast_track_publish(user=staff.editor, item=item, reason="突发事件通报")
    tasks = list(fresh(item).latest_revision.tasks.order_by("position").values_list("status", flat=True))
    assert tasks == [TaskStatus.APPROVED, TaskStatus.CANCELLED, TaskStatus.CANCELLED, TaskStatus.CANCELLED]
    assert services.current_task(fresh(item)) is None


@pytest.mark.django_db
def test_the_post_review_is_done_by_someone_other_than_the_fast_tracker(django_capture_on_commit_callbacks):
    staff = make_staff()
    item = make_draft(staff)
    with django_capture_on_commit_callbacks(execute=True):
        services.fast_track_publish(user=staff.editor, item=item, reason="暴雨预警")
    notified = set(
        Notification.objects.filter(kind="post_review.pending").values_list("recipient", flat=True)
    )
    assert notified == {staff.editor2.pk, staff.leader.pk}

    before = snapshot(item)
    for refused_person in (staff.editor, staff.drafter):
        with pytest.raises(WorkflowError):
            services.confirm_post_review(user=refused_person, item=item, opinion="同意")
    assert snapshot(item) == before

    services.confirm_post_review(user=staff.leader, item=item, opinion="内容准确")
    item = fresh(item)
    assert item.post_reviewed_by == staff.leader
    assert item.post_review_opinion == "内容准确"
    form = ApprovalForm.objects.get(revision=item.live_revision)
    assert form.data["fast_track"]["reason"] == "暴雨预警"
    assert form.data["post_review"]["opinion"] == "内容准确"
    with pytest.raises(WorkflowError):  # done once
        services.confirm_post_review(user=staff.editor2, item=item, opinion="同意")


# --- approval form and audit trail ------------------------------------------------------------------


@pytest.mark.django_db
def test_publication_registers_an_approval_form_with_every_step():
    staff = make_staff()
    item = make_published(staff)
    form = ApprovalForm.objects.get(revision=item.live_revision)
    assert form.archive_number == f"{staff.org.code}-SPB-2026-00001"
    assert form.data["index_number"] == item.index_number
    assert [(s["name"], s["decided_by"]) for s in form.data["steps"]] == [
        ("科室审核", staff.head.display_name),
        ("保密审查", staff.secrecy.display_name),
        ("办公室审核", staff.editor2.display_name),
        ("分管领导签发", staff.leader.display_name),
    ]


@pytest.mark.django_db
def test_every_transition_writes_an_audit_event_and_the_chain_verifies():
    staff = make_staff()
    item = make_draft(staff)
    services.update_draft(user=staff.drafter, item=item, data={"summary": "补充报名方式。"})
    services.submit_for_review(user=staff.drafter, item=item)
    services.reject_step(user=staff.head, item=item, opinion="缺少联系人")
    services.submit_for_review(user=staff.drafter, item=item)
    review_through(staff, item)
    services.publish(user=staff.editor, item=item)
    services.start_revision(user=staff.drafter, item=item)
    services.submit_for_review(user=staff.drafter, item=item)
    review_through(staff, item)
    services.publish(user=staff.editor2, item=item)
    services.abolish(user=staff.head, item=item, abolished_on=datetime.date(2026, 12, 31))
    services.withdraw(user=staff.editor, item=item, reason="活动取消")
    urgent = services.fast_track_publish(user=staff.editor, item=make_draft(staff), reason="暴雨预警")
    services.confirm_post_review(user=staff.leader, item=urgent, opinion="同意")

    approved4 = ["publishing.review.approved"] * 4
    assert [(e.action, e.actor_id) for e in events_for(item)] == [
        ("publishing.item.created", staff.drafter.pk),
        ("publishing.item.updated", staff.drafter.pk),
        ("publishing.item.submitted", staff.drafter.pk),
        ("publishing.review.rejected", staff.head.pk),
        ("publishing.item.submitted", staff.drafter.pk),
        *zip(approved4, [staff.head.pk, staff.secrecy.pk, staff.editor2.pk, staff.leader.pk], strict=True),
        ("publishing.item.published", staff.editor.pk),
        ("publishing.item.revision_started", staff.drafter.pk),
        ("publishing.item.submitted", staff.drafter.pk),
        *zip(approved4, [staff.head.pk, staff.secrecy.pk, staff.editor2.pk, staff.leader.pk], strict=True),
        ("publishing.item.published", staff.editor2.pk),
        ("publishing.item.abolished", staff.head.pk),
        ("publishing.item.withdrawn", staff.editor.pk),
    ]
    assert all(e.organization_id == staff.org.pk for e in events_for(item))
    assert [e.action for e in events_for(urgent)] == [
        "publishing.item.created",
        "publishing.item.fast_tracked",
        "publishing.item.post_reviewed",
    ]
    assert verify_chain() == []
