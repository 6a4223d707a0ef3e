"""The whole publishing workflow through the console, by the people of an organisation."""

import re

import pytest
from django.urls import reverse

from gongkai.publishing import services
from gongkai.publishing.constants import ItemStatus, RevisionStatus, TaskStatus
from gongkai.publishing.models import ApprovalForm, InformationItem, ReviewTask
from tests.factories import ALL_BOTTOM_LINES, make_approved, make_draft, make_published, make_staff

from .helpers import action_url, fresh, item_post, texts

pytestmark = pytest.mark.django_db


def lock(item) -> int:
    return fresh(item).lock_version


def act(client, item, action, **data):
    return client.post(action_url(item, action), {"lock_version": lock(item), **data})


def buttons(client, item) -> set[str]:
    """The actions whose forms the item page shows to whoever is logged in."""
    html = client.get(reverse("console:item", args=[item.pk])).content.decode()
    return set(re.findall(rf"/console/items/{item.pk}/action/(\w+)/", html))


def test_draft_submit_four_approvals_publish_by_different_people(client, login):
    staff = make_staff()
    login(staff.drafter)
    response = client.post(reverse("console:item_create"), item_post(staff, title="全流程测试通知"))
    item = InformationItem.objects.get()
    assert response["Location"] == reverse("console:item", args=[item.pk])

    response = act(client, item, "submit")
    assert "已提交审核。" in texts(response)
    assert fresh(item).status == ItemStatus.IN_REVIEW

    for person, step in (
        (staff.head, "科室审核"),
        (staff.secrecy, "保密审查"),
        (staff.editor2, "办公室审核"),
        (staff.leader, "分管领导签发"),
    ):
        login(person)
        review = client.get(reverse("console:review", args=[item.pk])).content.decode()
        assert f"审核结论({step})" in review
        # the office step asks for the seven bottom lines, one checkbox each
        assert review.count('name="bottom_lines"') == (7 if step == "办公室审核" else 0)
        response = act(client, item, "approve", opinion=f"{step}同意", bottom_lines=ALL_BOTTOM_LINES)
        assert response.status_code == 302
        assert "已审核同意。" in texts(response)

    item = fresh(item)
    assert item.status == ItemStatus.APPROVED
    assert item.latest_revision.status == RevisionStatus.APPROVED

    login(staff.editor)
    assert "publish" in buttons(client, item)
    response = act(client, item, "publish")
    assert "已发布。" in texts(response)
    item = fresh(item)
    assert item.status == ItemStatus.PUBLISHED
    assert item.index_number
    opinions = list(
        ReviewTask.objects.filter(revision__item=item)
        .order_by("position")
        .values_list("decided_by", "opinion")
    )
    assert opinions == [
        (staff.head.pk, "科室审核同意"),
        (staff.secrecy.pk, "保密审查同意"),
        (staff.editor2.pk, "办公室审核同意"),
        (staff.leader.pk, "分管领导签发同意"),
    ]

    page = client.get(reverse("console:item", args=[item.pk])).content.decode()
    form = ApprovalForm.objects.get(revision=item.latest_revision)
    assert f"/console/reports/forms/{item.latest_revision.pk}/" in page
    assert form.archive_number in page
    for label in ("新建信息", "提交审核", "审核同意", "发布"):
        assert f"<td>{label}</td>" in page
    assert "环节:保密审查;意见:保密审查同意" in page


def test_rejection_reaches_the_drafter_and_resubmission_restarts_the_chain(client, login):
    staff = make_staff()
    item = make_draft(staff, title="会被退回的通知")
    services.submit_for_review(user=staff.drafter, item=item)
    services.approve_step(user=staff.head, item=item, bottom_lines=ALL_BOTTOM_LINES)

    login(staff.secrecy)
    response = act(client, item, "reject", opinion="附件含未脱敏的身份证号")
    assert "已退回,退回理由已通知起草人。" in texts(response)
    assert fresh(item).latest_revision.status == RevisionStatus.REJECTED

    login(staff.drafter)
    inbox = client.get(reverse("console:inbox")).content.decode()
    assert "保密审查:附件含未脱敏的身份证号" in inbox
    page = client.get(reverse("console:item", args=[item.pk])).content.decode()
    assert "退回理由:" in page and "附件含未脱敏的身份证号" in page
    edit = client.get(reverse("console:item_edit", args=[item.pk])).content.decode()
    assert "附件含未脱敏的身份证号" in edit

    response = client.post(
        reverse("console:item_edit", args=[item.pk]),
        {**item_post(staff, title="会被退回的通知(已修改)"), "lock_version": lock(item)},
    )
    assert response.status_code == 302
    act(client, item, "submit")
    revision = fresh(item).latest_revision
    assert revision.review_round == 2
    round_two = ReviewTask.objects.filter(revision=revision, round=2).order_by("position")
    assert [t.status for t in round_two] == [TaskStatus.PENDING] + [TaskStatus.WAITING] * 3

    login(staff.head)
    inbox = client.get(reverse("console:inbox")).content.decode()
    assert "会被退回的通知(已修改)" in inbox
    review = client.get(reverse("console:review", args=[item.pk])).content.decode()
    # The findings of the earlier round are on the review screen.
    assert "附件含未脱敏的身份证号" in review
    assert "第 1 轮" in review and "第 2 轮" in review


def test_reject_without_a_reason_changes_nothing_and_says_why(client, login):
    staff = make_staff()
    item = make_draft(staff)
    services.submit_for_review(user=staff.drafter, item=item)
    login(staff.head)
    before = lock(item)
    response = act(client, item, "reject", opinion="   ")
    assert response.status_code == 302
    assert response["Location"] == reverse("console:item", args=[item.pk])
    assert "退回时必须填写退回理由。" in texts(response)
    assert lock(item) == before
    assert fresh(item).latest_revision.status == RevisionStatus.IN_REVIEW


def test_an_action_by_someone_not_allowed_changes_nothing(client, login):
    staff = make_staff()
    item = make_approved(staff)
    login(staff.drafter)
    before = lock(item)
    response = act(client, item, "publish")
    assert response.status_code == 302
    assert any("只有办公室编辑可以发布信息" in m for m in texts(response))
    assert lock(item) == before and fresh(item).status == ItemStatus.APPROVED


def test_a_stale_page_cannot_approve_a_changed_item(client, login):
    staff = make_staff()
    item = make_draft(staff)
    services.submit_for_review(user=staff.drafter, item=item)
    stale = lock(item)
    services.approve_step(user=staff.head, item=item, bottom_lines=ALL_BOTTOM_LINES)
    login(staff.secrecy)
    response = client.post(action_url(item, "approve"), {"lock_version": stale})
    assert any("已被他人修改" in m for m in texts(response))
    assert ReviewTask.objects.get(position=2).status == TaskStatus.PENDING


def test_unknown_actions_are_404_and_get_is_not_allowed(client, login):
    staff = make_staff()
    item = make_draft(staff)
    login(staff.drafter)
    assert client.post(action_url(item, "delete")).status_code == 404
    assert client.get(action_url(item, "submit")).status_code == 405


def test_submit_with_missing_fields_lists_what_is_missing(client, login):
    staff = make_staff()
    item = make_draft(staff, summary="", catalogue_entry=None)
    login(staff.drafter)
    page = client.get(reverse("console:item", args=[item.pk])).content.decode()
    assert "请选择目录分类(按基本目录发布)。" in page
    response = act(client, item, "submit")
    assert "请填写内容概述。" in texts(response)
    assert fresh(item).status == ItemStatus.DRAFT


# --- which buttons appear for whom ----------------------------------------------------------------------


def test_buttons_on_a_draft(client, login):
    staff = make_staff()
    item = make_draft(staff)
    expected = {"drafter": {"submit"}, "editor": {"submit", "fast_track"}, "editor2": {"submit"}}
    for name, person in staff.people().items():
        login(person)
        assert buttons(client, item) == expected.get(name, set()), name


def test_approve_and_reject_appear_only_for_the_current_steps_reviewer(client, login):
    staff = make_staff()
    item = make_draft(staff)
    services.submit_for_review(user=staff.drafter, item=item)
    for name, person in staff.people().items():
        login(person)
        shown = buttons(client, item) & {"approve", "reject"}
        assert shown == ({"approve", "reject"} if name == "head" else set()), name
        review = client.get(reverse("console:review", args=[item.pk])).content.decode()
        assert (action_url(item, "approve") in review) == (name == "head"), name


def test_publish_appears_only_for_office_editors_who_did_not_submit(client, login):
    staff = make_staff()
    item = make_approved(staff)
    for name, person in staff.people().items():
        login(person)
        assert ("publish" in buttons(client, item)) == (name in {"editor", "editor2"}), name


def test_buttons_on_a_published_item(client, login):
    staff = make_staff()
    item = make_published(staff)
    expected = {
        "drafter": {"revise"},
        "head": {"abolish"},
        "editor": {"revise", "withdraw", "abolish"},
        "editor2": {"revise", "withdraw", "abolish"},
    }
    for name, person in staff.people().items():
        login(person)
        assert buttons(client, item) == expected.get(name, set()), name


def test_post_review_appears_for_someone_other_than_the_fast_tracker(client, login):
    staff = make_staff()
    item = make_draft(staff)
    services.fast_track_publish(user=staff.editor, item=item, reason="突发事件")
    for name, person in staff.people().items():
        login(person)
        assert ("post_review" in buttons(client, item)) == (name in {"editor2", "leader"}), name


# --- the other actions through the console -------------------------------------------------------------


def test_fast_track_needs_a_reason_then_post_review(client, login):
    staff = make_staff()
    item = make_draft(staff)
    login(staff.editor)
    response = act(client, item, "fast_track", reason="")
    assert "紧急发布必须填写理由。" in texts(response)
    assert fresh(item).status == ItemStatus.DRAFT
    response = act(client, item, "fast_track", reason="寒潮预警须立即发布")
    assert fresh(item).status == ItemStatus.PUBLISHED and fresh(item).fast_tracked
    login(staff.leader)
    response = act(client, item, "post_review", opinion="内容无误")
    assert "已完成事后审核。" in texts(response)
    assert fresh(item).post_review_opinion == "内容无误"


def _fast_tracked(staff, title="寒潮预警通知"):
    item = make_draft(staff, title=title)
    services.fast_track_publish(user=staff.editor, item=item, reason="寒潮预警须立即发布")
    return fresh(item)


def test_the_post_review_form_offers_agree_and_disagree_with_a_public_explanation(client, login):
    staff = make_staff()
    item = _fast_tracked(staff)
    login(staff.leader)
    html = client.get(reverse("console:item", args=[item.pk])).content.decode()
    assert 'name="decision" value="approve" checked' in html
    assert 'name="decision" value="withdraw"' in html and "不同意(撤回)" in html
    assert 'name="public_explanation"' in html


def test_post_review_agreeing_through_the_item_page(client, login):
    staff = make_staff()
    item = _fast_tracked(staff)
    login(staff.leader)
    response = act(client, item, "post_review", decision="approve", opinion="", public_explanation="")
    assert "已完成事后审核。" in texts(response)
    item = fresh(item)
    assert item.status == ItemStatus.PUBLISHED
    assert item.post_reviewed_by == staff.leader and item.post_review_opinion == "同意"
    form = ApprovalForm.objects.get(revision=item.live_revision)
    assert form.data["post_review"]["approved"] is True


def test_post_review_disagreeing_withdraws_the_item_with_the_public_explanation(client, login):
    staff = make_staff()
    item = _fast_tracked(staff)
    login(staff.leader)
    response = act(
        client,
        item,
        "post_review",
        decision="withdraw",
        opinion="预警级别写错,不同意发布。",
        public_explanation="该信息内容有误,已撤回,更正后将重新发布。",
    )
    assert response.status_code == 302
    assert "事后审核不同意:信息已撤回,公众将看到您填写的撤回说明。" in texts(response)
    item = fresh(item)
    assert item.status == ItemStatus.WITHDRAWN
    assert item.withdrawal_reason == "该信息内容有误,已撤回,更正后将重新发布。"
    assert item.post_review_opinion == "预警级别写错,不同意发布。"
    assert ApprovalForm.objects.get(revision=item.live_revision).data["post_review"]["approved"] is False
    public = client.get(f"/xxgk/items/{item.index_number}/")
    assert public.status_code == 410
    assert "该信息内容有误,已撤回,更正后将重新发布。" in public.content.decode()


@pytest.mark.parametrize(
    ("opinion", "explanation", "message"),
    [
        ("", "内容有误,已撤回。", "事后审核不同意时,必须填写审核意见。"),
        ("预警级别写错。", "", "事后审核不同意将撤回该信息,必须填写向公众说明的撤回理由。"),
    ],
)
def test_disagreeing_needs_an_opinion_and_an_explanation_and_changes_nothing_without(
    client, login, opinion, explanation, message
):
    staff = make_staff()
    item = _fast_tracked(staff)
    login(staff.leader)
    response = act(
        client, item, "post_review", decision="withdraw", opinion=opinion, public_explanation=explanation
    )
    assert message in texts(response)
    item = fresh(item)
    assert item.status == ItemStatus.PUBLISHED and item.post_reviewed_at is None
    page = client.get(response["Location"]).content.decode()
    assert message in page


def test_an_unknown_post_review_decision_is_refused_in_chinese(client, login):
    staff = make_staff()
    item = _fast_tracked(staff)
    login(staff.leader)
    response = act(client, item, "post_review", decision="maybe", opinion="?")
    assert "请选择事后审核结论:同意,或不同意(撤回)。" in texts(response)
    assert fresh(item).post_reviewed_at is None


def test_withdraw_needs_a_reason(client, login):
    staff = make_staff()
    item = make_published(staff)
    login(staff.editor)
    response = act(client, item, "withdraw", reason="")
    assert "撤回信息必须填写向公众说明的撤回理由。" in texts(response)
    assert fresh(item).status == ItemStatus.PUBLISHED
    act(client, item, "withdraw", reason="内容已过时")
    assert fresh(item).status == ItemStatus.WITHDRAWN


def test_abolish_with_a_date_a_replacement_and_a_note(client, login):
    staff = make_staff()
    old = make_published(staff, title="旧办法")
    new = make_published(staff, title="新办法")
    login(staff.editor)
    page = client.get(reverse("console:item", args=[old.pk])).content.decode()
    assert f"{fresh(new).index_number} 新办法" in page
    response = act(client, old, "abolish", abolished_on="bad", replaced_by="", note="")
    assert any("废止日期格式不正确" in m for m in texts(response))
    response = act(client, old, "abolish", abolished_on="2026-12-31", replaced_by=new.pk, note="由新办法替代")
    assert "已标注废止。" in texts(response)
    old = fresh(old)
    assert old.abolished_on.isoformat() == "2026-12-31" and old.replaced_by_id == new.pk


def test_abolish_cannot_name_another_organisations_item(client, login):
    staff, other = make_staff(), make_staff()
    item = make_published(staff)
    foreign = make_published(other)
    login(staff.editor)
    response = act(client, item, "abolish", abolished_on="2026-12-31", replaced_by=foreign.pk)
    assert any("替代文件须为本机构已发布的信息" in m for m in texts(response))
    assert fresh(item).abolished_on is None


def test_revise_opens_the_editor_of_a_new_revision_and_the_review_shows_the_diff(client, login):
    staff = make_staff()
    item = make_published(staff, body="<p>报名时间为12月1日至12月10日。</p>")
    login(staff.drafter)
    response = act(client, item, "revise")
    assert response["Location"] == reverse("console:item_edit", args=[item.pk])
    assert fresh(item).latest_revision.number == 2
    new_body = "<p>报名时间为12月1日至12月20日。</p><p>&lt;img src=x onerror=alert(1)&gt;</p>"
    response = client.post(
        reverse("console:item_edit", args=[item.pk]),
        {
            **item_post(
                staff, title="关于举办非遗展演活动的通知(更正)", body=new_body, change_note="延长报名时间"
            ),
            "lock_version": lock(item),
        },
    )
    assert response.status_code == 302
    act(client, item, "submit")
    login(staff.head)
    review = client.get(reverse("console:review", args=[item.pk])).content.decode()
    assert "与公开版本 v1 的差异" in review
    assert '<del><span class="visually-hidden">[删除:</span>10<span' in review
    assert '<ins><span class="visually-hidden">[新增:</span>20<span' in review
    assert "(更正)" in review
    # Text from the body reaches the diff escaped, never as markup.
    assert "&lt;img src=x onerror=alert(1)&gt;" in review
    assert "<img src=x" not in review


def test_an_unreadable_lock_version_counts_as_stale(client, login):
    staff = make_staff()
    item = make_draft(staff)
    login(staff.drafter)
    response = client.post(action_url(item, "submit"), {"lock_version": "abc"})
    assert response.status_code == 302
    assert any("已被他人修改" in m for m in texts(response))
    assert fresh(item).status == ItemStatus.DRAFT


def test_null_characters_in_an_opinion_and_the_search_are_replaced_not_a_500(client, login):
    """PostgreSQL refuses NUL in text (found by tests/security): the character becomes U+FFFD
    (gongkai.core.middleware.NullCharacterMiddleware)."""
    staff = make_staff()
    item = make_draft(staff)
    services.submit_for_review(user=staff.drafter, item=item)
    login(staff.head)
    response = act(client, item, "reject", opinion="附件\x00不全")
    assert response.status_code == 302 and "已退回,退回理由已通知起草人。" in texts(response)
    assert fresh(item).latest_revision.rejection_reason.endswith("附件\ufffd不全")
    assert client.get(reverse("console:items"), {"q": "通知\x00"}).status_code == 200
