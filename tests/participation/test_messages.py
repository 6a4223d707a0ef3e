"""公众留言 (咨询 / 建言): deadlines, routing, answering, refusing, reminders, and the public pages."""

from __future__ import annotations

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from gongkai.audit.models import AuditEvent
from gongkai.concerns import channels, pipeline
from gongkai.concerns.constants import Channel, RuleKind
from gongkai.concerns.models import Mention, MonitoringRule
from gongkai.console.models import Notification
from gongkai.core import captcha
from gongkai.participation import messages as rules
from gongkai.participation.constants import MessageKind, MessageStatus
from gongkai.participation.models import Message, MessagePolicy
from tests.factories import make_staff
from tests.orgs.factories import OrganizationFactory
from tests.review.factories import make_dictionary

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
FORM = "/hudong/liuyan/new/"
LIST = "/hudong/liuyan/"
LOOKUP = "/hudong/liuyan/chaxun/"


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, 0), tzinfo=TZ)


@pytest.fixture
def staff():
    return make_staff()


def submit(staff, day: datetime.date | None = None, **fields) -> Message:
    values = {
        "organization": staff.org,
        "kind": MessageKind.CONSULT,
        "subject": "博物馆周一是否开放",
        "text": "请问市博物馆周一开放吗?节假日的开放时间是什么?",
        "name": "张三丰",
        "phone": "13812345678",
        "email": "",
        "publish_ok": True,
        "consented": True,
        **fields,
    }
    if day is None:
        return rules.submit_message(**values)
    with time_machine.travel(at(day), tick=False):
        return rules.submit_message(**values)


def recipients(kind: str) -> set[int]:
    return set(Notification.objects.filter(kind=kind).values_list("recipient_id", flat=True))


# --- deadlines -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (datetime.date(2026, 9, 30), 3, datetime.date(2026, 12, 30)),
        (datetime.date(2026, 11, 30), 3, datetime.date(2027, 2, 28)),
        (datetime.date(2027, 11, 30), 3, datetime.date(2028, 2, 29)),
        (datetime.date(2026, 12, 15), 3, datetime.date(2027, 3, 15)),
        (datetime.date(2026, 1, 31), 1, datetime.date(2026, 2, 28)),
    ],
)
def test_three_calendar_months_end_on_the_same_day_or_the_month_s_last(start, months, expected):
    assert rules.add_months(start, months) == expected


def test_a_message_is_due_five_working_days_later_across_the_national_day_holiday(staff):
    # Wednesday 30 September 2026: 1–7 October off; 8, 9, the make-up Saturday 10, 12 and 13 October work.
    message = submit(staff, datetime.date(2026, 9, 30))
    assert message.due_on == datetime.date(2026, 10, 13) and message.due_provisional is False
    assert message.final_due_on == datetime.date(2026, 12, 30)
    assert message.status == MessageStatus.NEW and message.department is None


def test_the_organisation_s_own_answer_period_applies(staff):
    MessagePolicy.objects.create(organization=staff.org, answer_workdays=10)
    message = submit(staff, datetime.date(2026, 9, 1))  # a Tuesday; no holiday before 15 September
    assert message.due_on == datetime.date(2026, 9, 15)
    other = make_staff()
    assert submit(other, datetime.date(2026, 9, 1)).due_on == datetime.date(2026, 9, 8)


def test_the_answer_deadline_never_passes_the_three_month_limit(staff):
    MessagePolicy.objects.create(organization=staff.org, answer_workdays=60)
    # 60 working days from 10 February 2026 (the Spring Festival, Qingming, 1 May) reach 14 May.
    message = submit(staff, datetime.date(2026, 2, 10))
    assert message.due_on == message.final_due_on == datetime.date(2026, 5, 10)
    assert message.due_provisional is False


def test_only_office_editors_set_the_answer_period_within_bounds(staff):
    with pytest.raises(PermissionDenied):
        rules.set_answer_workdays(user=staff.head, organization=staff.org, workdays=7)
    for bad in (0, 61, "五"):
        with pytest.raises(ValidationError):
            rules.set_answer_workdays(user=staff.editor, organization=staff.org, workdays=bad)
    rules.set_answer_workdays(user=staff.editor, organization=staff.org, workdays=7)
    assert rules.answer_workdays(staff.org) == 7
    event = AuditEvent.objects.filter(object_type__icontains="messagepolicy").get()
    assert event.data["policy"] == {"answer_workdays": 7, "before": 5}


# --- receiving ----------------------------------------------------------------------------------------


def test_a_new_message_tells_the_office_and_is_audited_without_personal_data(staff):
    message = submit(staff, email="zhang@example.com")
    assert recipients(rules.KIND_NEW) == {staff.editor.pk, staff.editor2.pk}
    event = AuditEvent.objects.get(action="participation.message_received")
    text = str(event.data)
    assert "13812345678" not in text and "张三丰" not in text and "zhang@example.com" not in text
    assert event.data["due_on"] == message.due_on.isoformat()
    assert len(message.tracking_code) == 12 and set(message.tracking_code) <= set(captcha.ALPHABET)


def test_tracking_codes_are_random_and_unique(staff):
    codes = {submit(staff).tracking_code for _ in range(5)}
    assert len(codes) == 5


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"phone": "", "email": ""}, "至少填写联系电话或电子邮箱"),
        ({"phone": "12"}, "有效的联系电话"),
        ({"phone": "", "email": "not-an-address"}, "有效的电子邮箱"),
        ({"consented": False}, "个人信息保护告知"),
        ({"subject": "   "}, "请填写标题"),
        ({"text": "字" * 3001}, "不能超过 3000 字"),
        ({"kind": "complaint"}, "留言类型"),
    ],
)
def test_bad_input_is_refused_in_chinese_and_nothing_is_saved(staff, fields, message):
    with pytest.raises(ValidationError, match=message):
        submit(staff, **fields)
    assert not Message.objects.exists()


def test_the_message_text_is_screened_and_personal_data_is_stored_masked(staff):
    make_dictionary(staff.org, terms=[("绝密文件", "forbidden", "blocking")])
    message = submit(staff, text="我的身份证号11010519491231002X,想问绝密文件的事。")
    findings = message.screening["message"]
    assert {(f["detector"], f["severity"]) for f in findings} == {
        ("id_card", "blocking"),
        ("dictionary", "blocking"),
    }
    assert "11010519491231002X" not in str(findings) and "1101**********002X" in str(findings)
    assert any(f["matched"] == "绝密文件" for f in findings)


def test_a_message_that_matches_a_rule_becomes_a_mention(staff, django_capture_on_commit_callbacks):
    MonitoringRule.objects.create(
        organization=staff.org, name="平遥古城", kind=RuleKind.VENUE, terms="平遥古城"
    )
    pipeline.clear_caches()
    with django_capture_on_commit_callbacks(execute=True):
        message = submit(staff, subject="门票问题", text="平遥古城的门票能不能给老人免费?")
    mention = Mention.objects.get(organization=staff.org)
    assert mention.channel == Channel.MESSAGE and mention.origin_key == f"participation.message:{message.pk}"
    assert mention.text == message.text and "13812345678" not in mention.text + mention.title


def test_a_failure_in_concerns_never_breaks_the_message(
    staff, django_capture_on_commit_callbacks, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(channels, "platform_entry", broken)
    with django_capture_on_commit_callbacks(execute=True):
        message = submit(staff, text="平遥古城的门票能不能给老人免费?")
    assert Message.objects.filter(pk=message.pk).exists()


# --- routing, answering, returning, refusing ----------------------------------------------------------


def test_the_office_routes_and_the_department_is_told(staff):
    message = submit(staff)
    with pytest.raises(PermissionDenied, match="办公室编辑"):
        rules.route_message(message, staff.head, staff.dept)
    routed = rules.route_message(message, staff.editor, staff.dept, "请艺术科答复开放时间")
    assert routed.status == MessageStatus.ROUTED and routed.department == staff.dept
    assert routed.routed_by == staff.editor and routed.routing_note == "请艺术科答复开放时间"
    assert recipients(rules.KIND_ROUTED) == {staff.drafter.pk, staff.head.pk}
    event = AuditEvent.objects.get(action="participation.message_routed")
    assert event.data["department"] == staff.dept.pk and event.actor_id == staff.editor.pk


def test_routing_is_to_a_department_of_the_same_organisation(staff):
    message = submit(staff)
    other = make_staff()
    with pytest.raises(ValidationError, match="本机构"):
        rules.route_message(message, staff.editor, other.dept)
    leadership = staff.leader.memberships.get().department
    with pytest.raises(ValidationError):
        rules.route_message(message, staff.editor, leadership)
    rules.route_message(message, staff.editor, staff.dept)
    with pytest.raises(ValidationError, match="已分办给艺术科"):
        rules.route_message(message, staff.editor, staff.dept)
    assert rules.route_message(message, staff.editor, staff.other_dept).department == staff.other_dept


def test_only_the_routed_department_answers(staff):
    message = submit(staff)
    with pytest.raises(PermissionDenied, match="尚未分办"):
        rules.answer_message(message, staff.drafter, "周一闭馆。")
    rules.route_message(message, staff.editor, staff.dept)
    for person in (staff.other_drafter, staff.other_head, staff.editor, staff.leader):
        with pytest.raises(PermissionDenied, match="承办科室"):
            rules.answer_message(message, person, "周一闭馆。")
    answered = rules.answer_message(message, staff.drafter, "市博物馆周一闭馆,节假日正常开放。")
    assert answered.status == MessageStatus.ANSWERED and answered.answered_by == staff.drafter
    assert answered.shown_publicly is True
    with pytest.raises(PermissionDenied, match="不能重复答复"):
        rules.answer_message(message, staff.head, "再答一次")
    event = AuditEvent.objects.get(action="participation.message_answered")
    assert event.data["answer"] == "市博物馆周一闭馆,节假日正常开放。" and event.actor_id == staff.drafter.pk


def test_a_blocking_finding_refuses_the_answer_with_the_reason(staff):
    make_dictionary(
        staff.org,
        terms=[("内部绝密", "forbidden", "blocking"), ("旅游局", "outdated", "warning", "文化和旅游局")],
    )
    message = rules.route_message(submit(staff), staff.editor, staff.dept)
    with pytest.raises(ValidationError) as refused:
        rules.answer_message(message, staff.head, "此事属于内部绝密,不便答复。")
    text = " ".join(refused.value.messages)
    assert "未通过内容检查" in text and "“内部绝密”" in text and "禁用" in text
    message.refresh_from_db()
    assert message.status == MessageStatus.ROUTED and message.answer == ""
    answered = rules.answer_message(message, staff.head, "请咨询市旅游局。")  # a warning does not stop it
    assert answered.status == MessageStatus.ANSWERED
    assert [f["matched"] for f in answered.screening["answer"]] == ["旅游局"]


def test_an_answer_with_an_id_number_is_refused(staff):
    message = rules.route_message(submit(staff), staff.editor, staff.dept)
    with pytest.raises(ValidationError, match="身份证"):
        rules.answer_message(message, staff.head, "经办人身份证号11010519491231002X。")


@pytest.mark.parametrize(
    ("publish_ok", "show", "blocked", "shown"),
    [
        (True, True, False, True),
        (False, True, False, False),
        (True, False, False, False),
        (True, True, True, False),
    ],
)
def test_an_answer_is_public_only_when_the_writer_agreed(staff, publish_ok, show, blocked, shown):
    make_dictionary(staff.org, terms=[("骂人话", "forbidden", "blocking")])
    text = "这是骂人话。" if blocked else "请问开放时间。"
    message = rules.route_message(submit(staff, publish_ok=publish_ok, text=text), staff.editor, staff.dept)
    answered = rules.answer_message(message, staff.drafter, "周二至周日开放。", show_publicly=show)
    assert answered.shown_publicly is shown
    assert (answered in rules.public_messages(staff.org)) is shown


def test_the_head_returns_a_message_to_the_office_with_a_reason(staff):
    message = rules.route_message(submit(staff), staff.editor, staff.dept)
    with pytest.raises(PermissionDenied, match="负责人"):
        rules.return_message(message, staff.drafter, "不归我们管")
    with pytest.raises(ValidationError, match="退回理由"):
        rules.return_message(message, staff.head, " ")
    returned = rules.return_message(message, staff.head, "开放时间由文物科负责")
    assert returned.status == MessageStatus.NEW and returned.department is None
    assert returned.return_reason == "开放时间由文物科负责"
    assert recipients(rules.KIND_RETURNED) == {staff.editor.pk, staff.editor2.pk}
    assert AuditEvent.objects.filter(
        action="participation.message_returned", data__reason="开放时间由文物科负责"
    ).exists()
    rerouted = rules.route_message(returned, staff.editor, staff.other_dept)
    assert rerouted.return_reason == "" and rerouted.department == staff.other_dept


def test_refusing_needs_a_reason_and_the_right_person(staff):
    message = submit(staff)
    with pytest.raises(PermissionDenied):
        rules.reject_message(message, staff.head, "重复留言")  # not routed to the head's department yet
    with pytest.raises(ValidationError, match="不予受理理由"):
        rules.reject_message(message, staff.editor, "")
    rules.route_message(message, staff.editor, staff.dept)
    with pytest.raises(PermissionDenied):
        rules.reject_message(message, staff.drafter, "重复留言")
    rejected = rules.reject_message(message, staff.head, "与第12号留言重复,已答复。")
    assert rejected.status == MessageStatus.REJECTED and rejected.answer == "与第12号留言重复,已答复。"
    assert rejected.shown_publicly is False
    assert (
        AuditEvent.objects.get(action="participation.message_rejected").data["reason"]
        == "与第12号留言重复,已答复。"
    )


def test_every_state_change_is_audited(staff):
    message = submit(staff)
    rules.route_message(message, staff.editor, staff.dept)
    rules.return_message(message, staff.head, "不属本科室")
    rules.route_message(message, staff.editor, staff.other_dept)
    rules.answer_message(message, staff.other_drafter, "已答复。")
    actions = list(
        AuditEvent.objects.filter(object_id=str(message.pk), action__startswith="participation.message")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == [
        "participation.message_received",
        "participation.message_routed",
        "participation.message_returned",
        "participation.message_routed",
        "participation.message_answered",
    ]


# --- the daily reminders -------------------------------------------------------------------------------


def _levels(message):
    message.refresh_from_db()
    return message.escalation_level


def test_reminders_once_per_level_before_due_overdue_and_at_the_three_month_limit(staff):
    # Received Monday 17 August 2026: due Monday 24 August (5 working days), 3-month limit Tuesday 17 November.
    message = submit(staff, datetime.date(2026, 8, 17))
    assert message.due_on == datetime.date(2026, 8, 24) and message.final_due_on == datetime.date(
        2026, 11, 17
    )
    rules.route_message(message, staff.editor, staff.dept)
    Notification.objects.all().delete()

    assert rules.escalate(datetime.date(2026, 8, 20)) == 0  # Thursday: two working days left
    assert rules.escalate(datetime.date(2026, 8, 21)) == 1  # Friday: one working day before the due date
    assert _levels(message) == rules.Level.NEAR
    assert recipients(rules.KIND_DUE) == {staff.drafter.pk, staff.head.pk}
    assert rules.escalate(datetime.date(2026, 8, 24)) == 0  # due today: the same level, no repeat

    Notification.objects.all().delete()
    assert rules.escalate(datetime.date(2026, 8, 25)) == 1  # overdue
    assert _levels(message) == rules.Level.OVERDUE
    assert recipients(rules.KIND_DUE) == {
        staff.drafter.pk,
        staff.head.pk,
        staff.editor.pk,
        staff.editor2.pk,
        staff.leader.pk,
    }
    assert rules.escalate(datetime.date(2026, 11, 9)) == 0  # still overdue; the limit is 6 working days away

    assert rules.escalate(datetime.date(2026, 11, 10)) == 1  # 5 working days before 17 November
    assert _levels(message) == rules.Level.FINAL_NEAR
    last = Notification.objects.filter(recipient=staff.leader).latest("pk")
    assert "3个月最长答复期限 2026-11-17" in last.message and "即将" in last.message

    assert rules.escalate(datetime.date(2026, 11, 17)) == 1
    assert _levels(message) == rules.Level.FINAL_REACHED
    assert (
        "今日为3个月最长答复期限" in Notification.objects.filter(recipient=staff.leader).latest("pk").message
    )
    assert rules.escalate(datetime.date(2026, 11, 18)) == 0
    events = AuditEvent.objects.filter(action="participation.message_escalated").order_by("seq")
    assert [e.data["level"] for e in events] == [1, 2, 3, 4]


def test_the_three_month_warning_counts_working_days_across_the_national_day_holiday(staff):
    # Received Monday 13 July 2026: the limit is Tuesday 13 October; 5 working days before it is 30
    # September (then 8, 9, the make-up Saturday 10, 12 and 13 October), not 6 October.
    message = submit(staff, datetime.date(2026, 7, 13))
    assert message.final_due_on == datetime.date(2026, 10, 13)
    rules.escalate(datetime.date(2026, 9, 1))
    assert _levels(message) == rules.Level.OVERDUE
    assert rules.escalate(datetime.date(2026, 9, 29)) == 0
    assert rules.escalate(datetime.date(2026, 9, 30)) == 1
    assert _levels(message) == rules.Level.FINAL_NEAR


def test_an_unrouted_message_near_its_due_date_warns_the_office(staff):
    message = submit(staff, datetime.date(2026, 8, 17))
    Notification.objects.all().delete()
    assert rules.escalate(datetime.date(2026, 8, 21)) == 1
    assert recipients(rules.KIND_DUE) == {staff.editor.pk, staff.editor2.pk}
    assert "尚未分办" in Notification.objects.filter(kind=rules.KIND_DUE).first().message
    assert _levels(message) == rules.Level.NEAR


def test_a_late_run_announces_only_the_highest_level_and_answered_messages_are_left_alone(staff):
    late = submit(staff, datetime.date(2026, 8, 17))
    answered = rules.route_message(submit(staff, datetime.date(2026, 8, 17)), staff.editor, staff.dept)
    rules.answer_message(answered, staff.drafter, "已答复。")
    assert rules.escalate(datetime.date(2026, 9, 1)) == 1
    assert _levels(late) == rules.Level.OVERDUE and _levels(answered) == 0
    assert AuditEvent.objects.filter(action="participation.message_escalated").count() == 1


def test_reminders_skip_inactive_organisations(staff):
    message = submit(staff, datetime.date(2026, 8, 17))
    staff.org.is_active = False
    staff.org.save()
    assert rules.escalate(datetime.date(2026, 9, 1)) == 0
    assert _levels(message) == 0


def test_the_periodic_task_runs_the_reminders(staff, monkeypatch):
    from gongkai.participation import consultations, tasks

    submit(staff, datetime.date(2026, 8, 17))
    monkeypatch.setattr(consultations, "escalate_feedback", lambda today=None: 0)
    with time_machine.travel(at(datetime.date(2026, 9, 1), 8), tick=False):
        assert tasks.participation_deadlines.call_local() == 1


# --- the public pages ----------------------------------------------------------------------------------


def captcha_fields() -> dict:
    token = captcha.new_token()
    return {"captcha_token": token, "captcha": captcha.code_for(captcha._nonce(token))}


def form_data(**overrides) -> dict:
    return {
        "kind": "consult",
        "subject": "博物馆周一是否开放",
        "text": "请问市博物馆周一开放吗?",
        "name": "张三丰",
        "phone": "13812345678",
        "email": "",
        "publish_ok": "",
        "consent": "on",
        "website": "",
        **captcha_fields(),
        **overrides,
    }


def test_the_form_is_in_chinese_with_captcha_consent_and_honeypot(client, staff):
    response = client.get(FORM)
    body = response.content.decode()
    assert response.status_code == 200
    for text in ("咨询", "建言", "个人信息保护告知", 'name="website"', 'name="captcha"', "5 个工作日内答复"):
        assert text in body
    assert 'name="publish_ok" id="id_publish_ok" checked' not in body  # agreeing to publish is off by default


def test_a_submission_gives_a_tracking_code_and_the_lookup_shows_the_answer(client, staff):
    with time_machine.travel(at(datetime.date(2026, 9, 30)), tick=False):
        response = client.post(FORM, form_data(publish_ok="on"))
        assert response.status_code == 302 and response["Location"] == reverse("participation:message_thanks")
        thanks = client.get(response["Location"]).content.decode()
    message = Message.objects.get()
    assert message.organization == staff.org and message.publish_ok is True and message.client_key
    code = rules.format_code(message.tracking_code)
    assert code in thanks and "2026-10-13" in thanks and "2026-12-30" in thanks

    page = client.post(LOOKUP, {"code": code.lower()}).content.decode()
    assert "待分办" in page and "博物馆周一是否开放" in page and "13812345678" not in page
    rules.route_message(message, staff.editor, staff.dept)
    rules.answer_message(message, staff.drafter, "市博物馆周一闭馆。")
    page = client.post(LOOKUP, {"code": message.tracking_code}).content.decode()
    assert "已答复" in page and "市博物馆周一闭馆。" in page and "艺术科" in page


def test_a_refused_message_shows_its_reason_to_the_writer(client, staff):
    message = rules.reject_message(
        submit(staff), staff.editor, "留言内容与本机构职责无关,请向市场监管部门反映。"
    )
    page = client.post(LOOKUP, {"code": message.tracking_code}).content.decode()
    assert "不予受理" in page and "请向市场监管部门反映" in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"phone": "", "email": ""}, "至少填写联系电话或电子邮箱"),
        ({"consent": ""}, "个人信息保护告知"),
        ({"captcha": "0000"}, "验证码不正确"),
        ({"kind": ""}, "请选择留言类型"),
        ({"email": "bad@", "phone": ""}, "有效的电子邮箱"),
    ],
)
def test_bad_form_input_is_answered_in_chinese_with_400(client, staff, overrides, message):
    response = client.post(FORM, form_data(**overrides))
    assert response.status_code == 400 and message in response.content.decode()
    assert not Message.objects.exists()


def test_the_honeypot_and_the_rate_limit(client, staff):
    response = client.post(FORM, form_data(website="http://spam.example/"))
    assert response.status_code == 400 and "提交未被接受" in response.content.decode()
    assert not Message.objects.exists()
    for _ in range(2):
        assert client.post(FORM, form_data()).status_code == 302
    refused = client.post(FORM, form_data())
    assert refused.status_code == 429 and "每 10 分钟最多提交 3 条留言" in refused.content.decode()
    assert Message.objects.count() == 2


def test_the_lookup_is_rate_limited_against_guessing(client, staff):
    message = submit(staff)
    for _ in range(10):
        page = client.post(LOOKUP, {"code": "ABCD-EFGH-JKMN"})
        assert page.status_code == 200 and "没有找到该查询码" in page.content.decode()
    refused = client.post(LOOKUP, {"code": message.tracking_code})
    assert refused.status_code == 429 and "查询过于频繁" in refused.content.decode()
    assert "博物馆周一是否开放" not in refused.content.decode()


def test_a_malformed_code_is_explained(client, staff):
    response = client.post(LOOKUP, {"code": "O0I1"})
    assert response.status_code == 400 and "查询码格式不正确" in response.content.decode()


def test_the_public_list_shows_agreed_answers_with_the_name_masked_and_no_contacts(client, staff):
    shown = rules.route_message(
        submit(
            staff, subject="关于门票", text="我的电话13812345678,请问门票多少钱?", email="zhang@example.com"
        ),
        staff.editor,
        staff.dept,
    )
    rules.answer_message(shown, staff.drafter, "成人票60元。")
    hidden = rules.route_message(
        submit(staff, subject="不愿公开的咨询", publish_ok=False), staff.editor, staff.dept
    )
    rules.answer_message(hidden, staff.drafter, "已答复。")
    submit(staff, subject="尚未答复的咨询")
    body = client.get(LIST).content.decode()
    assert "关于门票" in body and "成人票60元。" in body and "艺术科" in body
    assert "张**" in body and "张三丰" not in body
    assert "13812345678" not in body and "138****5678" in body and "zhang@example.com" not in body
    assert "不愿公开的咨询" not in body and "尚未答复的咨询" not in body
    assert shown.tracking_code not in body


def test_several_organisations_ask_which_one(client, staff):
    second = make_staff(OrganizationFactory(code="zz-second"))
    response = client.get(FORM)
    assert response.status_code == 200 and f"?org={second.org.code}" in response.content.decode()
    assert client.post(FORM, form_data()).status_code == 400
    response = client.post(FORM, form_data(org=second.org.code))
    assert response.status_code == 302 and Message.objects.get().organization == second.org
    listing = client.get(LIST, {"org": staff.org.code})
    assert listing.status_code == 200 and "暂无公开的留言答复" in listing.content.decode()


def test_the_thanks_page_without_a_submission_goes_to_the_form(client, staff):
    response = client.get(reverse("participation:message_thanks"))
    assert response.status_code == 302 and response["Location"] == reverse("participation:message_form")


def test_url_names(staff):
    assert reverse("participation:message_list") == LIST
    assert reverse("participation:message_form") == FORM
    assert reverse("participation:message_lookup") == LOOKUP
    assert re.fullmatch(r"/console/participation/messages/", reverse("participation_console:message_list"))
