"""征求意见 (issue 7 items 1–3): the legal periods, the states, comments and their screening and moderation,
the classification and the feedback report, the feedback deadline and its reminders, the Excel export."""

from __future__ import annotations

import datetime
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone
from openpyxl import load_workbook

from gongkai.audit.models import AuditEvent
from gongkai.console.deadlines import NEAR, OVERDUE
from gongkai.console.models import Notification
from gongkai.orgs.constants import Role
from gongkai.participation import consultations
from gongkai.participation.constants import (
    CommentStatus,
    ConsultationKind,
    ConsultationStatus,
    Disposition,
)
from gongkai.participation.models import Comment, Consultation
from gongkai.publishing import services as publishing
from gongkai.publishing.exceptions import WorkflowError
from gongkai.publishing.models import InformationItem
from tests.factories import ALL_BOTTOM_LINES, _person, make_staff, review_through

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
ONE_DAY = datetime.timedelta(days=1)
DRAFT_TEXT = """第一章 总则
第一条 为了规范A级旅游景区管理,提升服务质量,制定本办法。
本办法适用于本市行政区域内A级旅游景区的管理。
第二条 市文化和旅游局负责全市A级旅游景区的监督管理。
第二章 服务规范
第三条 景区应当在入口处公开门票价格和优惠政策。"""
VALID_ID = "110105198001011238"  # passes the GB 11643 check: a blocking personal-data finding


# --- builders ----------------------------------------------------------------------------------------


@pytest.fixture
def staff():
    return make_staff()


def today() -> datetime.date:
    return timezone.localdate()


def consultation_data(staff, **overrides) -> dict:
    data = {
        "department": staff.dept,
        "kind": ConsultationKind.POLICY,
        "title": "晋中市A级旅游景区管理办法",
        "explanation": "为落实《旅游法》,规范A级旅游景区管理,起草了本办法。",
        "opens_on": today(),
        "closes_on": today() + datetime.timedelta(days=29),
        "ask_name": True,
        "ask_phone": True,
        "ask_email": False,
        "ask_address": False,
        "show_comments": False,
        "feedback_workdays": 15,
    }
    data.update(overrides)
    return data


def make_consultation(staff, by=None, draft_text=DRAFT_TEXT, **overrides) -> Consultation:
    return consultations.create_consultation(
        user=by or staff.drafter,
        organization=staff.org,
        data=consultation_data(staff, **overrides),
        draft_text=draft_text,
        catalogue_entry=staff.entry,
        topic=staff.topic,
    )


def publish_item(staff, item) -> InformationItem:
    item = InformationItem.objects.select_related("latest_revision").get(pk=item.pk)
    publishing.submit_for_review(user=item.created_by, item=item)
    if item.latest_revision.lead_department_id == staff.dept.pk:
        review_through(staff, item)
    else:
        for person in (staff.other_head, staff.secrecy, staff.editor2, staff.leader):
            publishing.approve_step(user=person, item=item, opinion="同意", bottom_lines=ALL_BOTTOM_LINES)
    publisher = staff.editor2 if item.created_by == staff.editor else staff.editor
    return publishing.publish(user=publisher, item=InformationItem.objects.get(pk=item.pk))


def fresh(consultation) -> Consultation:
    return Consultation.objects.select_related("item", "feedback_item", "organization").get(
        pk=consultation.pk
    )


def make_open(staff, **overrides) -> Consultation:
    consultation = make_consultation(staff, **overrides)
    publish_item(staff, consultation.item)
    consultations.advance_states()
    consultation = fresh(consultation)
    assert consultation.status == ConsultationStatus.OPEN
    return consultation


def comment(consultation, text="建议第三条增加老年人优惠的内容。", **kwargs) -> Comment:
    values = {"name": "张三丰", "phone": "13812341234", "consented": True, "client_key": "k", **kwargs}
    return consultations.submit_comment(consultation=fresh(consultation), text=text, **values)


def close(consultation) -> Consultation:
    """Move the period into the past (the test's way of letting time pass) and run the job."""
    Consultation.objects.filter(pk=consultation.pk).update(
        opens_on=today() - datetime.timedelta(days=30), closes_on=today() - ONE_DAY
    )
    consultations.advance_states()
    consultation = fresh(consultation)
    assert consultation.status == ConsultationStatus.CLOSED
    return consultation


def events(action, target=None):
    rows = AuditEvent.objects.filter(action=action)
    if target is not None:
        rows = rows.filter(object_id=str(target.pk))
    return list(rows.order_by("seq"))


# --- the legal periods (rules first) -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("opens", "closes", "ok"),
    [
        (datetime.date(2025, 3, 1), datetime.date(2025, 3, 30), True),  # 30 days, both ends counted
        (datetime.date(2025, 3, 1), datetime.date(2025, 3, 29), False),  # 29 days
        (datetime.date(2025, 2, 1), datetime.date(2025, 3, 2), True),  # across a short month: 30 days
        (datetime.date(2025, 2, 1), datetime.date(2025, 3, 1), False),  # 29 days
    ],
)
@pytest.mark.parametrize("kind", consultations.MAJOR_DECISION_KINDS)
def test_major_decisions_need_thirty_calendar_days(kind, opens, closes, ok):
    assert consultations.meets_minimum(kind, opens, closes) is ok
    errors = consultations.period_errors(kind, opens, closes, "")
    assert (errors == {}) is ok
    if not ok:
        assert "不少于30日" in errors["short_period_reason"][0]
        assert "本次为29日" in errors["short_period_reason"][0]
        # A shorter period is allowed with a reason.
        assert consultations.period_errors(kind, opens, closes, "应急管理需要,时间紧迫。") == {}


@pytest.mark.parametrize(
    ("opens", "closes", "workdays", "ok"),
    [
        # Monday to the next Tuesday: the first day counts, 7 working days.
        (datetime.date(2025, 3, 3), datetime.date(2025, 3, 11), 7, True),
        (datetime.date(2025, 3, 3), datetime.date(2025, 3, 10), 6, False),
        # Opening on a Saturday: the weekend does not count.
        (datetime.date(2025, 3, 8), datetime.date(2025, 3, 17), 6, False),
        (datetime.date(2025, 3, 8), datetime.date(2025, 3, 18), 7, True),
        # National Day 2025: 1–8 October off, Saturday 11 October a working day. 15 calendar days are
        # only 6 working days.
        (datetime.date(2025, 9, 29), datetime.date(2025, 10, 13), 6, False),
        (datetime.date(2025, 9, 29), datetime.date(2025, 10, 14), 7, True),
    ],
)
def test_normative_documents_need_seven_working_days_counting_the_first(opens, closes, workdays, ok):
    assert consultations.period_workdays(opens, closes) == workdays
    kind = ConsultationKind.NORMATIVE
    assert consultations.meets_minimum(kind, opens, closes) is ok
    errors = consultations.period_errors(kind, opens, closes, "")
    assert (errors == {}) is ok
    if not ok:
        assert "不少于7个工作日" in errors["short_period_reason"][0]
        assert f"本次为{workdays}个工作日" in errors["short_period_reason"][0]
        assert consultations.period_errors(kind, opens, closes, "上级要求限期出台。") == {}


def test_a_period_must_end_after_it_begins():
    errors = consultations.period_errors(
        ConsultationKind.POLICY, datetime.date(2025, 3, 10), datetime.date(2025, 3, 9), "理由"
    )
    assert errors == {"closes_on": ["截止日期不能早于开始日期。"]}
    assert consultations.period_errors("", None, None) == {
        "kind": ["请选择征求意见的类别。"],
        "opens_on": ["请填写开始日期。"],
        "closes_on": ["请填写截止日期。"],
    }


def test_the_feedback_deadline_counts_working_days_after_the_last_day():
    # Closing on Friday 26 September 2025: 15 working days later, with the National Day week off and
    # Sunday 28 September and Saturday 11 October worked.
    deadline = consultations.feedback_due(datetime.date(2025, 9, 26), 15)
    assert deadline.due == datetime.date(2025, 10, 23)
    assert consultations.feedback_due(datetime.date(2025, 3, 7), 1).due == datetime.date(2025, 3, 10)


# --- drafting -----------------------------------------------------------------------------------------


def test_a_drafter_drafts_a_consultation_and_its_notice_item(staff):
    consultation = make_consultation(staff)
    assert consultation.status == ConsultationStatus.DRAFT
    item = consultation.item
    revision = item.latest_revision
    assert revision.title == "关于公开征求《晋中市A级旅游景区管理办法(征求意见稿)》意见的公告"
    assert revision.lead_department == staff.dept
    assert "<p>第一条 为了规范A级旅游景区管理,提升服务质量,制定本办法。</p>" in revision.body
    assert revision.catalogue_entry == staff.entry and revision.topic == staff.topic
    assert "征求意见时间为" in revision.summary
    assert item.status == "draft"
    [event] = events("participation.consultation_saved", consultation)
    assert event.actor == staff.drafter and event.data["created"] is True and event.data["item"] == item.pk


def test_who_may_draft(staff):
    with pytest.raises(WorkflowError, match="起草人只能为本科室起草"):
        make_consultation(staff, by=staff.other_drafter)
    with pytest.raises(WorkflowError, match="只有起草科室的起草人或办公室编辑"):
        make_consultation(staff, by=staff.leader)
    outsider = make_staff()
    with pytest.raises(WorkflowError, match="不是该机构的工作人员"):
        make_consultation(staff, by=outsider.drafter)
    # An office editor drafts for any department.
    assert (
        make_consultation(staff, by=staff.editor, department=staff.other_dept).department == staff.other_dept
    )
    assert not Consultation.objects.filter(created_by=staff.other_drafter).exists()


def test_a_short_period_needs_a_reason_which_is_kept(staff):
    with pytest.raises(ValidationError) as caught:
        make_consultation(staff, closes_on=today() + datetime.timedelta(days=9))
    assert "请填写缩短理由" in caught.value.message_dict["short_period_reason"][0]
    assert not InformationItem.objects.exists()  # nothing half-done
    consultation = make_consultation(
        staff, closes_on=today() + datetime.timedelta(days=9), short_period_reason="防汛工作急需出台。"
    )
    assert consultation.short_period_reason == "防汛工作急需出台。"
    assert consultations.is_shortened(consultation)


def test_bad_drafts_are_refused_field_by_field(staff):
    with pytest.raises(ValidationError) as caught:
        make_consultation(staff, title="  ", explanation="", opens_on=today() - ONE_DAY, feedback_workdays=0)
    errors = caught.value.message_dict
    assert errors["title"] == ["请填写征求意见稿名称。"]
    assert errors["explanation"] == ["请填写起草说明(起草的必要性、依据、主要内容等)。"]
    assert errors["opens_on"] == ["开始日期不能早于今天。"]
    assert errors["feedback_workdays"] == ["反馈期限应为1至60个工作日。"]
    other = make_staff()
    with pytest.raises(ValidationError) as caught:
        make_consultation(staff, by=staff.editor, department=other.dept)
    assert "起草科室不属于本机构。" in str(caught.value)


# --- states ------------------------------------------------------------------------------------------


def test_it_opens_only_once_its_notice_is_published_and_its_day_has_come(staff):
    consultation = make_consultation(
        staff, opens_on=today() + ONE_DAY, closes_on=today() + datetime.timedelta(30)
    )
    assert consultations.advance_states() == 0
    assert consultations.phase(fresh(consultation)) == consultations.Phase.DRAFT
    publish_item(staff, consultation.item)
    assert consultations.advance_states() == 0  # published, but tomorrow
    assert consultations.phase(fresh(consultation)) == consultations.Phase.UPCOMING
    assert consultations.refusal(fresh(consultation)).startswith("本次征求意见将于")
    assert consultations.advance_states(today() + ONE_DAY) == 1
    consultation = fresh(consultation)
    assert consultation.status == ConsultationStatus.OPEN
    [event] = events("participation.consultation_opened", consultation)
    assert event.data["opens_on"] == consultation.opens_on.isoformat()
    assert consultations.advance_states(today() + ONE_DAY) == 0  # once


def test_an_unpublished_notice_keeps_it_closed_to_comments_past_its_day(staff):
    consultation = make_consultation(staff)
    assert consultations.advance_states(today() + datetime.timedelta(days=3)) == 0
    assert consultations.refusal(fresh(consultation)) == "本次征求意见尚未开始,暂不接收意见。"
    with pytest.raises(ValidationError, match="尚未开始"):
        comment(consultation)


def test_publishing_the_notice_opens_it_at_once(staff, django_capture_on_commit_callbacks):
    consultation = make_consultation(staff)
    item = consultation.item
    publishing.submit_for_review(user=staff.drafter, item=item)
    review_through(staff, item)
    with django_capture_on_commit_callbacks(execute=True):
        publishing.publish(user=staff.editor, item=InformationItem.objects.get(pk=item.pk))
    assert fresh(consultation).status == ConsultationStatus.OPEN


def test_it_closes_after_its_last_day_with_the_feedback_deadline(staff):
    consultation = make_open(staff)
    last = consultation.closes_on
    assert consultations.advance_states(last) == 0  # the last day is still open
    assert consultations.phase(fresh(consultation), last) == consultations.Phase.OPEN
    assert consultations.advance_states(last + ONE_DAY) == 1
    consultation = fresh(consultation)
    assert consultation.status == ConsultationStatus.CLOSED
    expected = consultations.feedback_due(last, 15)
    assert consultation.feedback_due_on == expected.due
    assert consultation.feedback_due_provisional == expected.provisional
    [event] = events("participation.consultation_closed", consultation)
    assert event.data["feedback_due_on"] == expected.due.isoformat()
    told = set(
        Notification.objects.filter(kind=consultations.CLOSED_KIND).values_list("recipient", flat=True)
    )
    assert {staff.drafter.pk, staff.head.pk, staff.editor.pk, staff.editor2.pk} <= told
    assert staff.other_head.pk not in told and staff.other_drafter.pk not in told


def test_comments_are_accepted_until_the_end_of_the_last_day_in_shanghai(staff):
    consultation = make_open(staff)
    last = consultation.closes_on
    late_evening = datetime.datetime.combine(last, datetime.time(23, 59, 30), tzinfo=TZ)
    with time_machine.travel(late_evening, tick=False):
        assert comment(consultation).pk
    with (
        time_machine.travel(late_evening + datetime.timedelta(minutes=1), tick=False),
        pytest.raises(ValidationError) as caught,
    ):
        comment(consultation)
    expected = f"本次征求意见已于{last.year}年{last.month}月{last.day}日截止,不再接收意见。"
    assert caught.value.messages == [expected]
    assert Comment.objects.count() == 1


def test_dates_are_fixed_once_open_except_an_extension(staff):
    consultation = make_open(staff)
    with pytest.raises(WorkflowError, match="已经开始"):
        consultations.update_consultation(
            user=staff.drafter, consultation=consultation, data={"opens_on": today() + ONE_DAY}
        )
    with pytest.raises(ValidationError, match="应晚于原截止日期"):
        consultations.extend_period(
            user=staff.drafter, consultation=consultation, closes_on=consultation.closes_on
        )
    with pytest.raises(WorkflowError):
        consultations.extend_period(
            user=staff.other_drafter, consultation=consultation, closes_on=consultation.closes_on + ONE_DAY
        )
    later = consultation.closes_on + datetime.timedelta(days=10)
    consultations.extend_period(
        user=staff.head, consultation=consultation, closes_on=later, note="应群众要求延长。"
    )
    consultation = fresh(consultation)
    assert consultation.closes_on == later
    event = events("participation.consultation_saved", consultation)[-1]
    assert event.actor == staff.head
    assert event.data["extended"] == {
        "from": (later - datetime.timedelta(days=10)).isoformat(),
        "to": later.isoformat(),
    }
    assert event.data["note"] == "应群众要求延长。"


def test_a_draft_can_be_changed_and_its_notice_title_follows(staff):
    consultation = make_consultation(staff)
    # The head may change the dates, but not the title the notice carries (only its editors may).
    with pytest.raises(WorkflowError, match="随公告一起修改"):
        consultations.update_consultation(
            user=staff.head, consultation=consultation, data={"title": "晋中市旅游景区管理办法"}
        )
    consultations.update_consultation(
        user=staff.drafter,
        consultation=consultation,
        data={"title": "晋中市旅游景区管理办法", "closes_on": today() + datetime.timedelta(days=40)},
    )
    consultation = fresh(consultation)
    assert consultation.title == "晋中市旅游景区管理办法"
    revision = consultation.item.latest_revision
    assert revision.title == "关于公开征求《晋中市旅游景区管理办法(征求意见稿)》意见的公告"
    assert consultations.chinese_date(today() + datetime.timedelta(days=40)) in revision.summary
    event = events("participation.consultation_saved", consultation)[-1]
    assert event.data["fields"] == ["closes_on", "title"]
    with pytest.raises(ValidationError) as caught:
        consultations.update_consultation(
            user=staff.head,
            consultation=consultation,
            data={"closes_on": today() + datetime.timedelta(days=5)},
        )
    assert "short_period_reason" in caught.value.message_dict


# --- the draft text, split for comments --------------------------------------------------------------


def test_articles_and_chapters_get_stable_anchors():
    body = (
        "<p>第一章 总则</p><p>第一条 为了规范管理,制定本办法。</p><p>本办法适用于全市。</p>"
        "<p>第十二条 <strong>职责</strong>分工。</p><ul><li>甲</li><li>乙</li></ul>文字<b>加粗</b>结尾"
        "<div><p>第二十一条 内嵌在 div 中。</p></div><p>第一条 重复的编号</p><p>第一百零五条 末条。</p>"
    )
    sections = consultations.split_body(body)
    assert [(s.anchor, s.label, s.kind) for s in sections] == [
        ("c1", "第一章 总则", "chapter"),
        ("a1", "第一条", "article"),
        ("p3", "第3段", "paragraph"),
        ("a12", "第十二条", "article"),
        ("p5", "第5段", "paragraph"),
        ("p6", "第6段", "paragraph"),
        ("a21", "第二十一条", "article"),
        ("p8", "第8段", "paragraph"),  # a repeated number keeps its position key
        ("a105", "第一百零五条", "article"),
    ]
    assert sections[3].html == "<p>第十二条 <strong>职责</strong>分工。</p>"
    assert sections[5].html == "<p>文字<b>加粗</b>结尾</p>"
    assert sections[1].choice_label == "第一条:为了规范管理,制定本办法。"
    assert sections[2].choice_label == "第3段:本办法适用于全市。"
    assert consultations.split_body("") == []
    # What the sanitiser would drop never comes back through a section.
    [section] = consultations.split_body('<p onclick="x()">第一条 文字</p>')
    assert "onclick" not in section.html


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("一", 1),
        ("十", 10),
        ("十二", 12),
        ("二十", 20),
        ("二十一", 21),
        ("一百", 100),
        ("一百零五", 105),
        ("37", 37),
        ("甲", None),
    ],
)
def test_chinese_numbers(text, number):
    assert consultations.chinese_number(text) == number


# --- comments ----------------------------------------------------------------------------------------


def test_a_comment_on_an_article(staff, monkeypatch):
    consultation = make_open(staff)
    sections = consultations.sections_of(consultation)
    assert [s.anchor for s in sections] == ["c1", "a1", "p3", "a2", "c2", "a3"]
    saved = comment(consultation, anchor="a3", text="建议增加老年人门票优惠。")
    assert saved.anchor == "a3" and saved.anchor_label == "第三条:景区应当在入口处公开门票价格和优惠政策。"
    assert saved.status == CommentStatus.APPROVED  # nothing found: approved at once
    assert saved.consented_at is not None and saved.client_key == "k"
    [event] = events("participation.comment_received", saved)
    assert event.data == {
        "consultation": consultation.pk,
        "anchor": "a3",
        "status": "approved",
        "blocking": 0,
        "findings": 0,
    }
    assert "张三丰" not in str(event.data) and "13812341234" not in str(event.data)


def test_required_details_consent_and_the_anchor_are_checked(staff):
    consultation = make_open(staff, ask_email=True, ask_address=False)
    with pytest.raises(ValidationError) as caught:
        comment(consultation, text=" ", name="", phone="12ab", email="", consented=False, anchor="a99")
    errors = caught.value.message_dict
    assert errors["text"] == ["请填写意见内容。"]
    assert errors["name"] == ["请填写姓名。"]
    assert errors["phone"] == ["联系电话格式不正确,请填写手机号或带区号的固定电话。"]
    assert errors["email"] == ["请填写电子邮箱。"]
    assert errors["anchor"] == ["所选条款不存在,请重新选择(或选择“对全文提意见”)。"]
    assert errors["consent"] == ["请阅读并同意个人信息告知后再提交。"]
    assert not Comment.objects.exists()
    # What is not asked for is not kept.
    saved = comment(consultation, email="a@example.com", address="晋中市榆次区")
    assert saved.address == "" and saved.email == "a@example.com"


def test_a_blocking_finding_holds_the_comment_for_the_moderators(staff):
    consultation = make_open(staff)
    held = comment(consultation, text=f"我的身份证号是{VALID_ID},请联系我。")
    assert held.status == CommentStatus.PENDING
    assert "内容检查发现1处须人工审核的内容(个人信息)" in held.moderation_note
    assert held.screening[0]["detector"] == "id_card" and held.screening[0]["severity"] == "blocking"
    # A phone number in the text is only a warning: approved, but shown masked.
    warned = comment(consultation, text="请致电13912345678与我联系。")
    assert warned.status == CommentStatus.APPROVED and warned.screening[0]["detector"] == "mobile"
    assert consultations.masked_text(warned.text) == "请致电139****5678与我联系。"


def test_each_comment_goes_to_the_concerns_platform_after_commit(
    staff, monkeypatch, django_capture_on_commit_callbacks
):
    from gongkai.concerns import channels

    calls = []
    monkeypatch.setattr(channels, "platform_entry", lambda org, **kw: calls.append((org, kw)))
    consultation = make_open(staff)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        saved = comment(consultation)
    assert calls == []  # not before the commit
    for callback in callbacks:
        callback()
    [(org, kw)] = calls
    assert org == staff.org
    assert kw["channel"] == "comment" and kw["origin_key"] == f"participation.comment:{saved.pk}"
    assert kw["text"] == saved.text and kw["title_is_label"] is True
    assert kw["url"] == f"/hudong/zhengqiu/{consultation.pk}/"


def test_a_failure_of_the_concerns_platform_never_loses_the_comment(
    staff, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    from gongkai.concerns import channels

    def broken(*args, **kwargs):
        raise RuntimeError("pipeline down")

    monkeypatch.setattr(channels, "platform_entry", broken)
    consultation = make_open(staff)
    with django_capture_on_commit_callbacks(execute=True):
        saved = comment(consultation)
    assert Comment.objects.filter(pk=saved.pk).exists()
    assert "could not be handed to 政务舆情" in caplog.text


# --- moderation --------------------------------------------------------------------------------------


def test_moderation(staff):
    consultation = make_open(staff)
    held = comment(consultation, text=f"身份证{VALID_ID}")
    with pytest.raises(ValidationError, match="不予通过时请填写理由"):
        consultations.moderate_comment(user=staff.head, comment=held, approve=False)
    with pytest.raises(WorkflowError, match="只有起草科室的起草人、科室负责人或办公室编辑"):
        consultations.moderate_comment(user=staff.other_head, comment=held, approve=True)
    consultations.moderate_comment(
        user=staff.head, comment=held, approve=False, note="含他人身份证号,不予公开。"
    )
    held.refresh_from_db()
    assert held.status == CommentStatus.REJECTED and held.moderated_by == staff.head
    assert held.moderation_note == "含他人身份证号,不予公开。"
    [event] = events("participation.comment_moderated", held)
    assert event.data["from"] == "pending" and event.data["to"] == "rejected"
    consultations.moderate_comment(user=staff.editor, comment=held, approve=True)
    held.refresh_from_db()
    assert held.status == CommentStatus.APPROVED


def test_public_comments_only_when_the_consultation_shows_them(staff):
    hidden = make_open(staff)
    comment(hidden)
    assert list(consultations.public_comments(hidden)) == []
    shown = make_open(staff, show_comments=True, title="另一个办法")
    approved = comment(shown)
    comment(shown, text=f"身份证{VALID_ID}")  # pending: not shown
    assert list(consultations.public_comments(shown)) == [approved]
    assert consultations.public_name(approved) == "张**"
    anonymous = make_open(staff, show_comments=True, ask_name=False, title="第三个办法")
    assert consultations.public_name(comment(anonymous, name="张三丰")) == "网友"  # not asked: not kept


# --- classification and the feedback report ----------------------------------------------------------


def test_classification_waits_for_the_close_and_follows_its_rules(staff):
    consultation = make_open(staff)
    first = comment(consultation, text="建议延长开放时间。")
    second = comment(consultation, text="建议延长景区开放时间。")
    third = comment(consultation, text="票价太贵。")
    held = comment(consultation, text=f"身份证{VALID_ID}")
    with pytest.raises(WorkflowError, match="截止后才能认定"):
        consultations.classify_comment(user=staff.drafter, comment=first, disposition=Disposition.ADOPTED)
    close(consultation)
    with pytest.raises(ValidationError, match="未采纳的意见须说明理由"):
        consultations.classify_comment(user=staff.drafter, comment=third, disposition=Disposition.NOT_ADOPTED)
    with pytest.raises(ValidationError, match="请选择与之重复的意见"):
        consultations.classify_comment(user=staff.drafter, comment=second, disposition=Disposition.DUPLICATE)
    with pytest.raises(ValidationError, match="另一条意见"):
        consultations.classify_comment(
            user=staff.drafter, comment=second, disposition=Disposition.DUPLICATE, duplicate_of=second
        )
    with pytest.raises(WorkflowError, match="请先审核该意见"):
        consultations.classify_comment(user=staff.drafter, comment=held, disposition=Disposition.ADOPTED)
    with pytest.raises(ValidationError, match="请选择采纳情况"):
        consultations.classify_comment(user=staff.drafter, comment=first, disposition="maybe")
    consultations.classify_comment(user=staff.drafter, comment=first, disposition=Disposition.ADOPTED)
    consultations.classify_comment(
        user=staff.drafter, comment=second, disposition=Disposition.DUPLICATE, duplicate_of=first
    )
    # No chains: the original cannot become a duplicate, nor can a duplicate be an original.
    with pytest.raises(ValidationError, match="本条不能再认定为重复意见"):
        consultations.classify_comment(
            user=staff.drafter, comment=first, disposition=Disposition.DUPLICATE, duplicate_of=third
        )
    with pytest.raises(ValidationError, match="不能选择另一条重复意见"):
        consultations.classify_comment(
            user=staff.drafter, comment=third, disposition=Disposition.DUPLICATE, duplicate_of=second
        )
    consultations.classify_comment(
        user=staff.head, comment=third, disposition=Disposition.NOT_ADOPTED, reason="票价由物价部门核定。"
    )
    third.refresh_from_db()
    assert third.classified_by == staff.head and third.reason == "票价由物价部门核定。"
    assert events("participation.comment_classified", third)[0].data["disposition"] == "not_adopted"


def _classified(staff, consultation):
    a = comment(consultation, text="建议增加老年人优惠。", anchor="a3")
    b = comment(consultation, text="同意增加老年人优惠。", name="李四")
    c = comment(consultation, text="建议取消门票,电话13912345678。")
    d = comment(consultation, text="建议第一条写明依据。", anchor="a1")
    spam = comment(consultation, text="广告内容")
    close(consultation)
    consultations.moderate_comment(user=staff.head, comment=spam, approve=False, note="与征求意见无关。")
    consultations.classify_comment(user=staff.drafter, comment=a, disposition=Disposition.ADOPTED)
    consultations.classify_comment(
        user=staff.drafter, comment=b, disposition=Disposition.DUPLICATE, duplicate_of=a
    )
    consultations.classify_comment(
        user=staff.drafter, comment=c, disposition=Disposition.NOT_ADOPTED, reason="门票收入用于景区保护。"
    )
    consultations.classify_comment(
        user=staff.drafter, comment=d, disposition=Disposition.PARTLY, reason="在起草说明中写明依据。"
    )
    return a, b, c, d


def test_the_feedback_report_is_generated_reviewed_and_published(staff, django_capture_on_commit_callbacks):
    consultation = make_open(staff)
    _classified(staff, consultation)
    consultation = fresh(consultation)
    assert consultations.report_failures(consultation) == ["请先填写采纳情况说明。"]
    with pytest.raises(WorkflowError, match="请先填写采纳情况说明"):
        consultations.generate_feedback_report(user=staff.drafter, consultation=consultation)
    consultations.save_feedback_summary(
        user=staff.drafter,
        consultation=consultation,
        summary="共采纳意见1条,部分采纳1条。\n其余意见已认真研究。",
    )
    counts = consultations.feedback_counts(fresh(consultation))
    assert (counts.received, counts.approved, counts.rejected, counts.pending, counts.unclassified) == (
        5,
        4,
        1,
        0,
        0,
    )
    assert counts.rows() == [("采纳", 1), ("部分采纳", 1), ("未采纳", 1), ("重复意见", 1)]

    item = consultations.generate_feedback_report(user=staff.drafter, consultation=fresh(consultation))
    revision = item.latest_revision
    assert revision.title == "关于《晋中市A级旅游景区管理办法(征求意见稿)》公开征求意见采纳情况的反馈"
    body = revision.body
    assert "共收到意见5条,其中有效意见4条" in body
    assert "<tr><td>采纳</td><td>1</td></tr>" in body and "<tr><td>未采纳</td><td>1</td></tr>" in body
    assert "未采纳理由:门票收入用于景区保护。" in body
    assert "139****5678" in body and "13912345678" not in body  # personal data masked
    assert "张三丰" not in body and "李四" not in body  # never by name
    assert "关于第三条(意见1)" in body and "意见2同意见1" in body
    assert "<p>共采纳意见1条,部分采纳1条。</p><p>其余意见已认真研究。</p>" in body
    assert "另有1条与征求意见内容无关" in body
    assert revision.catalogue_entry == staff.entry and revision.topic == staff.topic
    assert fresh(consultation).feedback_item == item

    # Regenerated while still a draft: the same item.
    assert consultations.generate_feedback_report(user=staff.editor, consultation=fresh(consultation)) == item
    publishing.submit_for_review(user=staff.drafter, item=item)
    with pytest.raises(WorkflowError, match="已提交审核"):
        consultations.generate_feedback_report(user=staff.drafter, consultation=fresh(consultation))
    with pytest.raises(WorkflowError, match="已提交审核"):
        consultations.classify_comment(
            user=staff.drafter,
            comment=Comment.objects.first(),
            disposition=Disposition.NOT_ADOPTED,
            reason="x",
        )
    review_through(staff, item)
    with django_capture_on_commit_callbacks(execute=True):
        publishing.publish(user=staff.editor, item=InformationItem.objects.get(pk=item.pk))
    consultation = fresh(consultation)
    assert consultation.status == ConsultationStatus.FEEDBACK_PUBLISHED
    assert consultations.feedback_report_public(consultation) == item
    [event] = events("participation.feedback_published", consultation)
    assert event.data["feedback_item"] == item.pk


def test_the_periodic_job_catches_a_missed_publication(staff):
    consultation = make_open(staff)
    _classified(staff, consultation)
    consultations.save_feedback_summary(user=staff.drafter, consultation=fresh(consultation), summary="说明")
    item = consultations.generate_feedback_report(user=staff.drafter, consultation=fresh(consultation))
    publish_item(staff, item)  # no on_commit here: the receiver did not run
    assert fresh(consultation).status == ConsultationStatus.CLOSED
    assert consultations.advance_states() == 1
    assert fresh(consultation).status == ConsultationStatus.FEEDBACK_PUBLISHED


def test_pending_and_unclassified_comments_stop_the_report(staff):
    consultation = make_open(staff)
    comment(consultation)
    comment(consultation, text=f"身份证{VALID_ID}")
    close(consultation)
    assert consultations.report_failures(fresh(consultation)) == [
        "还有1条意见待审核,请先审核。",
        "还有1条审核通过的意见未认定采纳情况。",
        "请先填写采纳情况说明。",
    ]


# --- the feedback deadline -----------------------------------------------------------------------------


def test_feedback_due_rows_for_the_inbox(staff):
    mine = close_with_comment(staff)
    other = close_with_comment(staff, by=staff.editor, department=staff.other_dept, title="产业办法")
    editor_rows = consultations.feedback_due_for(_membership(staff.editor, staff))
    assert mine.feedback_due_on == other.feedback_due_on  # both closed yesterday: then by id
    assert [r.consultation.pk for r in editor_rows] == [mine.pk, other.pk]
    [row] = consultations.feedback_due_for(_membership(staff.drafter, staff))
    assert row.consultation.pk == mine.pk and row.title == mine.title
    assert row.url == f"/console/participation/consultations/{mine.pk}/"
    assert row.deadline.due == mine.feedback_due_on and row.level == "normal"
    assert consultations.feedback_due_for(_membership(staff.leader, staff)) == []
    late = consultations.feedback_due_for(_membership(staff.head, staff), mine.feedback_due_on + ONE_DAY)
    assert late[0].level == "overdue"


def _membership(user, staff):
    from gongkai.orgs.selectors import membership_for

    return membership_for(user, staff.org.pk)


def close_with_comment(staff, **overrides):
    consultation = make_open(staff, **overrides)
    comment(consultation)
    return close(consultation)


def test_escalation_once_per_level_to_the_head_and_the_office(staff):
    consultation = close_with_comment(staff)
    due = consultation.feedback_due_on
    calendar = consultations.WorkdayCalendar()
    assert consultations.escalate_feedback(due - datetime.timedelta(days=40)) == 0
    # Within 3 working days of the due date: near, once.
    near_day = due
    while calendar.workdays_between(near_day, due) < 3:
        near_day -= ONE_DAY
    assert consultations.escalate_feedback(near_day) == 1
    assert consultations.escalate_feedback(near_day) == 0
    assert fresh(consultation).feedback_escalation_level == consultations.NEAR
    told = list(
        Notification.objects.filter(kind=consultations.NOTIFICATION_KIND).values_list("recipient", "message")
    )
    assert {r for r, _m in told} == {staff.head.pk, staff.editor.pk, staff.editor2.pk}
    assert "即将到达反馈期限" in told[0][1]
    assert consultations.escalate_feedback(due) == 0  # due today: still near
    assert consultations.escalate_feedback(due + ONE_DAY) == 1
    assert consultations.escalate_feedback(due + datetime.timedelta(days=5)) == 0
    messages = list(
        Notification.objects.filter(kind=consultations.NOTIFICATION_KIND).values_list("message", flat=True)
    )
    assert sum("已超过反馈期限" in m for m in messages) == 3
    assert [e.data["level"] for e in events("participation.feedback_escalated", consultation)] == [1, 2]


def test_a_published_feedback_is_not_escalated(staff):
    consultation = close_with_comment(staff)
    Consultation.objects.filter(pk=consultation.pk).update(status=ConsultationStatus.FEEDBACK_PUBLISHED)
    assert consultations.escalate_feedback(consultation.feedback_due_on + ONE_DAY) == 0
    assert consultations.feedback_deadline(fresh(consultation)) is None


def test_deadline_levels_match_the_console_colours(staff):
    consultation = close_with_comment(staff)
    due = consultation.feedback_due_on
    assert consultations.feedback_deadline(consultation, today=due).level == NEAR
    assert consultations.feedback_deadline(consultation, today=due).due_today
    assert consultations.feedback_deadline(consultation, today=due + ONE_DAY).level == OVERDUE


# --- masking and the Excel export --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mask", "value", "masked"),
    [
        (consultations.mask_name, "张三丰", "张**"),
        (consultations.mask_name, "张三", "张**"),
        (consultations.mask_name, "王", "*"),
        (consultations.mask_name, "", ""),
        (consultations.mask_phone, "13812341234", "138****1234"),
        (consultations.mask_phone, "0354-1234567", "035*-***4567"),
        (consultations.mask_email, "alice@example.com", "a***@example.com"),
        (consultations.mask_address, "山西省晋中市榆次区迎宾街1号", "山西省晋****"),
    ],
)
def test_masks(mask, value, masked):
    assert mask(value) == masked


def _sheet(content: bytes) -> list[tuple]:
    return list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))


def test_the_export_masks_personal_data_unless_the_exporter_holds_the_right(staff):
    consultation = make_open(staff, ask_address=True)
    comment(consultation, text="请致电13912345678。", address="山西省晋中市榆次区迎宾街1号", anchor="a2")
    content, masked = consultations.export_comments(user=staff.drafter, consultation=consultation)
    assert masked is True
    header, row = _sheet(content)
    assert header[:8] == (
        "序号",
        "提交时间",
        "针对条款",
        "意见内容",
        "姓名",
        "联系电话",
        "电子邮箱",
        "通讯地址",
    )
    assert row[2].startswith("第二条") and row[3] == "请致电139****5678。"
    assert row[4:8] == ("张**", "138****1234", None, "山西省晋****")
    for person in (staff.head, staff.editor):
        content, masked = consultations.export_comments(user=person, consultation=consultation)
        assert masked is False
        row = _sheet(content)[1]
        assert row[3] == "请致电13912345678。" and row[4:6] == ("张三丰", "13812341234")
    with pytest.raises(WorkflowError):
        consultations.export_comments(user=staff.other_head, consultation=consultation)
    exported = events("participation.comments_exported", consultation)
    assert [(e.actor, e.data["masked"], e.data["count"]) for e in exported] == [
        (staff.drafter, True, 1),
        (staff.head, False, 1),
        (staff.editor, False, 1),
    ]


def test_the_head_of_another_department_holds_no_right(staff):
    consultation = make_open(staff)
    assert consultations.sees_personal_data(staff.head, consultation)
    assert consultations.sees_personal_data(staff.editor, consultation)
    assert not consultations.sees_personal_data(staff.drafter, consultation)
    assert not consultations.sees_personal_data(staff.other_head, consultation)
    multi = _person(staff.org, staff.other_dept, [Role.DEPARTMENT_HEAD, Role.DRAFTER])
    assert not consultations.sees_personal_data(multi, consultation)


def test_the_feedback_report_goes_to_the_feedback_column_when_the_catalogue_has_one():
    from gongkai.catalogue.models import CatalogueEntry
    from gongkai.participation.consultations import FEEDBACK_COLUMN, feedback_column

    staff = make_staff()
    consultation = Consultation(organization=staff.org)
    assert feedback_column(consultation) is None
    entry = CatalogueEntry.objects.create(organization=staff.org, code="2202", name=FEEDBACK_COLUMN)
    assert feedback_column(consultation) == entry
