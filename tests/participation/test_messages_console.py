"""公众留言 in the console: the list with its tabs and deadline states, the detail page with the route,
answer, return and refuse forms, who sees personal data, the answer period setting, and the inbox."""

from __future__ import annotations

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from gongkai.participation import messages as rules
from gongkai.participation.constants import ConsultationKind, ConsultationStatus, MessageKind, MessageStatus
from gongkai.participation.models import Consultation, Message
from tests.factories import make_staff
from tests.review.factories import make_dictionary

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
LIST = "/console/participation/messages/"
INBOX = "/console/"


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, 0), tzinfo=TZ)


def login(client, user):
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def staff():
    return make_staff()


def submit(staff, day: datetime.date | None = None, **fields) -> Message:
    values = {
        "organization": staff.org,
        "kind": MessageKind.SUGGEST,
        "subject": "建议延长图书馆开放时间",
        "text": "希望市图书馆周末开放到晚上九点。我的电话13812345678。",
        "name": "李小龙",
        "phone": "13812345678",
        "email": "li@example.com",
        "publish_ok": True,
        "consented": True,
        **fields,
    }
    if day is None:
        return rules.submit_message(**values)
    with time_machine.travel(at(day), tick=False):
        return rules.submit_message(**values)


def detail_url(message) -> str:
    return reverse("participation_console:message_detail", args=[message.pk])


def action_url(message, action) -> str:
    return reverse("participation_console:message_action", args=[message.pk, action])


def page(response) -> str:
    return response.content.decode()


def section(html: str, section_id: str) -> str:
    match = re.search(rf'<section id="{section_id}".*?</section>', html, re.S)
    return match.group(0) if match else ""


def row_of(html: str, text: str) -> str:
    match = re.search(rf"<tr[^>]*>(?:(?!</tr>).)*{re.escape(text)}.*?</tr>", html, re.S)
    assert match, text
    return match.group(0)


# --- the list ------------------------------------------------------------------------------------------


def test_tabs_and_deadline_states(client, staff):
    # Tuesday 1 September 2026 is "today"; each message is received on a day that puts it in a state.
    overdue = submit(staff, datetime.date(2026, 8, 17), subject="已超期的留言")  # due 24 August
    near = submit(staff, datetime.date(2026, 8, 25), subject="明日到期的留言")  # due 1 September: today
    normal = submit(staff, datetime.date(2026, 9, 1), subject="刚收到的留言")  # due 8 September
    ancient = submit(staff, datetime.date(2026, 5, 29), subject="超过三个月的留言")  # limit 29 August
    routed = rules.route_message(submit(staff, subject="办理中的留言"), staff.editor, staff.dept)
    answered = rules.route_message(submit(staff, subject="已答复的留言"), staff.editor, staff.dept)
    rules.answer_message(answered, staff.drafter, "已采纳。")
    with time_machine.travel(at(datetime.date(2026, 9, 1)), tick=False):
        login(client, staff.editor)
        html = page(client.get(LIST))
        assert "deadline--overdue" in row_of(html, overdue.subject) and "已超期" in row_of(
            html, overdue.subject
        )
        assert "deadline--near" in row_of(html, near.subject) and "今日到期" in row_of(html, near.subject)
        assert "deadline--normal" in row_of(html, normal.subject)
        assert "剩余 5 个工作日" in row_of(html, normal.subject)
        assert "已超过3个月最长答复期限(2026-08-29)" in row_of(html, ancient.subject)
        assert routed.subject not in html and answered.subject not in html  # the 待分办 tab
        assert html.index(ancient.subject) < html.index(overdue.subject) < html.index(normal.subject)
        routed_tab = page(client.get(LIST, {"tab": "routed"}))
        assert routed.subject in routed_tab and overdue.subject not in routed_tab
        answered_tab = page(client.get(LIST, {"tab": "answered"}))
        assert answered.subject in answered_tab and "办结于" in answered_tab
        everything = page(client.get(LIST, {"tab": "all"}))
        assert all(m.subject in everything for m in (overdue, near, normal, ancient, routed, answered))
        assert client.get(LIST, {"tab": "nonsense", "page": "x"}).status_code == 200


def test_a_department_sees_only_what_is_routed_to_it_and_leaders_see_all_without_contacts(client, staff):
    mine = rules.route_message(submit(staff, subject="给艺术科的留言"), staff.editor, staff.dept)
    theirs = rules.route_message(submit(staff, subject="给产业科的留言"), staff.editor, staff.other_dept)
    unrouted = submit(staff, subject="未分办的留言")
    login(client, staff.drafter)
    html = page(client.get(LIST))  # a department's default tab is 办理中
    assert mine.subject in html and 'href="?tab=routed" aria-current="page"' in html
    html = page(client.get(LIST, {"tab": "all"}))
    assert mine.subject in html and theirs.subject not in html and unrouted.subject not in html
    assert "李小龙" in html
    login(client, staff.leader)
    html = page(client.get(LIST, {"tab": "all"}))
    assert all(m.subject in html for m in (mine, theirs, unrouted))
    assert "李**" in html and "李小龙" not in html
    login(client, staff.secrecy)  # neither office editor, leader nor an answering role
    response = client.get(LIST)
    assert response.status_code == 403 and "公众留言" in page(response)


# --- the detail page and its actions -------------------------------------------------------------------


def test_the_office_routes_and_the_department_answers_through_the_console(client, staff):
    message = submit(staff)
    login(client, staff.editor)
    html = page(client.get(detail_url(message)))
    assert "13812345678" in html and "li@example.com" in html and "李小龙" in html
    assert rules.format_code(message.tracking_code) in html
    assert 'id="route"' in html and 'id="answer"' not in html
    response = client.post(
        action_url(message, "route"), {"route-department": staff.dept.pk, "route-note": "请答复"}
    )
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.status == MessageStatus.ROUTED and message.department == staff.dept

    login(client, staff.drafter)
    html = page(client.get(detail_url(message)))
    assert 'id="answer"' in html and 'id="route"' not in html and 'id="return"' not in html
    assert "13812345678" in html
    response = client.post(
        action_url(message, "answer"),
        {"answer-text": "我们将研究延长开放时间。", "answer-show_publicly": "on"},
    )
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.status == MessageStatus.ANSWERED and message.shown_publicly is True
    again = client.post(action_url(message, "answer"), {"answer-text": "再次答复"})
    assert again.status_code == 403 and "不能重复答复" in page(again)


def test_a_blocked_answer_is_shown_again_with_the_reason(client, staff):
    make_dictionary(staff.org, terms=[("内部绝密", "forbidden", "blocking")])
    message = rules.route_message(submit(staff), staff.editor, staff.dept)
    login(client, staff.head)
    response = client.post(action_url(message, "answer"), {"answer-text": "此事内部绝密。"})
    html = page(response)
    assert response.status_code == 400 and "未通过内容检查" in html and "内部绝密" in html
    assert "此事内部绝密。" in html  # what was typed is kept
    assert Message.objects.get(pk=message.pk).status == MessageStatus.ROUTED


def test_bad_input_is_answered_in_chinese(client, staff):
    message = submit(staff)
    login(client, staff.editor)
    response = client.post(action_url(message, "route"), {"route-department": "999999"})
    assert response.status_code == 400 and "请选择本机构的科室" in page(response)
    response = client.post(action_url(message, "reject"), {"reject-reason": "  "})
    assert response.status_code == 400 and "请填写理由" in page(response)
    assert client.post(action_url(message, "delete")).status_code == 404
    other = make_staff()
    response = client.post(action_url(message, "route"), {"route-department": other.dept.pk})
    assert response.status_code == 400
    assert Message.objects.get(pk=message.pk).status == MessageStatus.NEW


def test_the_head_returns_and_the_office_sees_the_reason(client, staff):
    message = rules.route_message(submit(staff), staff.editor, staff.dept)
    login(client, staff.head)
    assert 'id="return"' in page(client.get(detail_url(message)))
    response = client.post(action_url(message, "return"), {"return-reason": "图书馆归公共服务科"})
    assert response.status_code == 302 and response["Location"] == LIST
    assert client.get(detail_url(message)).status_code == 403  # no longer the department's
    login(client, staff.editor)
    html = page(client.get(LIST))
    assert "科室退回" in row_of(html, message.subject)
    assert "图书馆归公共服务科" in page(client.get(detail_url(message)))


def test_refusing_shows_the_reason_to_the_writer(client, staff):
    message = submit(staff)
    login(client, staff.editor)
    response = client.post(action_url(message, "reject"), {"reject-reason": "留言内容不属于本机构职责。"})
    assert response.status_code == 302
    lookup = client.post("/hudong/liuyan/chaxun/", {"code": message.tracking_code})
    assert "留言内容不属于本机构职责。" in page(lookup) and "不予受理" in page(lookup)


def test_personal_data_only_for_the_office_and_the_routed_department(client, staff):
    message = rules.route_message(submit(staff), staff.editor, staff.dept)
    for person in (staff.editor, staff.drafter, staff.head):
        login(client, person)
        assert "13812345678" in page(client.get(detail_url(message)))
    login(client, staff.leader)
    html = page(client.get(detail_url(message)))
    assert "13812345678" not in html and "li@example.com" not in html and "李小龙" not in html
    assert message.tracking_code not in html and "仅办公室编辑和承办科室可见" in html
    for person in (staff.other_drafter, staff.other_head):
        login(client, person)
        response = client.get(detail_url(message))
        assert response.status_code == 403 and "13812345678" not in page(response)


def test_another_organisation_s_message_is_a_404(client, staff):
    message = submit(make_staff())
    login(client, staff.editor)
    assert client.get(detail_url(message)).status_code == 404
    assert client.post(action_url(message, "reject"), {"reject-reason": "x"}).status_code == 404


def test_the_answer_period_is_set_by_office_editors(client, staff):
    login(client, staff.editor)
    response = client.post(reverse("participation_console:message_policy"), {"answer_workdays": "0"})
    assert response.status_code == 400 and "至少 1 个工作日" in page(response)
    response = client.post(reverse("participation_console:message_policy"), {"answer_workdays": "10"})
    assert response.status_code == 302 and rules.answer_workdays(staff.org) == 10
    assert "10 个工作日内答复" in page(client.get(LIST))
    login(client, staff.drafter)
    assert "答复期限设置" not in page(client.get(LIST))
    response = client.post(reverse("participation_console:message_policy"), {"answer_workdays": "3"})
    assert response.status_code == 403 and rules.answer_workdays(staff.org) == 10


# --- the inbox -----------------------------------------------------------------------------------------


def make_consultation(staff, **fields) -> Consultation:
    values = {
        "organization": staff.org,
        "department": staff.dept,
        "kind": ConsultationKind.NORMATIVE,
        "title": "关于文化旅游消费券发放办法的征求意见",
        "explanation": "起草说明",
        "opens_on": datetime.date(2026, 8, 3),
        "closes_on": datetime.date(2026, 8, 14),
        "status": ConsultationStatus.CLOSED,
        "feedback_due_on": datetime.date(2026, 9, 4),
        "created_by": staff.drafter,
        **fields,
    }
    return Consultation.objects.create(**values)


def test_the_inbox_lists_messages_to_route_and_to_answer(client, staff):
    new = submit(staff, datetime.date(2026, 8, 25), subject="待分办的建议")  # due 1 September
    routed = rules.route_message(
        submit(staff, datetime.date(2026, 8, 17), subject="待答复的咨询"), staff.editor, staff.dept
    )
    rules.route_message(submit(staff, subject="产业科的留言"), staff.editor, staff.other_dept)
    with time_machine.travel(at(datetime.date(2026, 9, 1)), tick=False):
        login(client, staff.editor)
        html = section(page(client.get(INBOX)), "participation")
        assert new.subject in html and ">分办<" in html and "今日到期" in html
        assert routed.subject not in html  # the office routes; the department answers
        login(client, staff.drafter)
        html = section(page(client.get(INBOX)), "participation")
        assert routed.subject in html and ">答复<" in html and "deadline--overdue" in html
        assert new.subject not in html and "产业科的留言" not in html
        assert detail_url(routed) in html
        login(client, staff.leader)
        assert section(page(client.get(INBOX)), "participation") == ""


def test_the_inbox_lists_consultation_feedback_due(client, staff):
    from gongkai.participation import consultations

    if not hasattr(consultations, "feedback_due_for"):
        pytest.skip("consultations.feedback_due_for is not written yet")
    consultation = make_consultation(staff)
    with time_machine.travel(at(datetime.date(2026, 9, 1)), tick=False):
        login(client, staff.head)
        html = section(page(client.get(INBOX)), "participation")
    assert consultation.title in html and "待公布的征求意见采纳情况" in html and "艺术科" in html


def test_the_inbox_works_without_the_consultations_function(client, staff, monkeypatch):
    from gongkai.participation import consultations

    monkeypatch.delattr(consultations, "feedback_due_for", raising=False)
    message = submit(staff)
    login(client, staff.editor)
    response = client.get(INBOX)
    assert response.status_code == 200 and message.subject in section(page(response), "participation")


def test_the_inbox_section_costs_a_fixed_number_of_queries(client, staff, django_assert_max_num_queries):
    for n in range(3):
        rules.route_message(submit(staff, subject=f"留言{n}"), staff.editor, staff.dept)
        make_consultation(staff, title=f"征求意见{n}")
    login(client, staff.head)
    client.get(INBOX)  # warm up the session and the calendar
    with django_assert_max_num_queries(40) as captured:
        client.get(INBOX)
    few = len(captured)
    for n in range(3, 15):
        rules.route_message(submit(staff, subject=f"留言{n}"), staff.editor, staff.dept)
        make_consultation(staff, title=f"征求意见{n}")
    with django_assert_max_num_queries(few):
        html = section(page(client.get(INBOX)), "participation")
    assert html.count(">答复<span") == 15
