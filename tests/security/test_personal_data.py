"""Issue 9, item 2: citizens' personal data reaches only those with the right to it, on every route.

A review (2026-12-02) followed the words of 征求意见 comments, 公众留言, 在线访谈 questions and 网民纠错
reports beyond the pages that mask them, and found them in clear in: the 与之重复的意见 choices, the 政务舆情
mentions and cases made from them (and so the group robots, e-mails and case reports), the 统计监督
drill-down and its Excel file, the weekly digest e-mail and the audit log (which keeps them for good).
Each test here is one of those routes. (Staff answers are published as written: they often give the
office's own phone or e-mail on purpose; the screening warns about a mobile number or e-mail in them.)
"""

from __future__ import annotations

import datetime
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from gongkai.audit.models import AuditEvent
from gongkai.concerns import pipeline
from gongkai.concerns.models import Case, Mention, OutboundMessage, Webhook
from gongkai.orgs.constants import Role
from gongkai.participation import consultations, interviews
from gongkai.participation import messages as message_rules
from gongkai.participation.constants import MessageKind
from gongkai.participation.models import Interview, Message
from gongkai.reports import digest
from tests.factories import _person, make_staff
from tests.participation.test_consultations import close, comment, make_open

pytestmark = pytest.mark.django_db

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
PHONE = "13912345678"
MASKED = "139****5678"


@pytest.fixture
def staff():
    return make_staff()


def login(client, user):
    client.force_login(user, backend=MODEL_BACKEND)
    return client


def submit_message(staff, **fields):
    values = {
        "organization": staff.org,
        "kind": MessageKind.CONSULT,
        "subject": f"请回电{PHONE}:消费券补贴问题",  # 补贴, 政策: default 舆情 key-category words
        "text": f"我想咨询文旅消费券补贴政策,我的手机{PHONE}。",
        "name": "张三丰",
        "phone": "13800000000",
        "email": "",
        "publish_ok": False,
        "consented": True,
        **fields,
    }
    return message_rules.submit_message(**values)


def test_the_duplicate_choices_quote_other_comments_masked_for_those_without_the_right(client, staff):
    consultation = make_open(staff)
    comment(consultation, text=f"请致电{PHONE}。")
    comment(consultation, text="建议增加老年人优惠。")
    consultation = close(consultation)
    assert not consultations.sees_personal_data(staff.drafter, consultation)
    page = login(client, staff.drafter).get(f"/console/participation/consultations/{consultation.pk}/")
    html = page.content.decode()
    assert f"意见1:请致电{MASKED}" in html  # the choice is there, masked
    assert PHONE not in html


def test_a_message_handed_to_concerns_is_masked_in_its_mention_case_and_robot_message(
    client, staff, django_capture_on_commit_callbacks
):
    Webhook.objects.create(organization=staff.org, name="群", kind="wecom", url="https://e.cn/hook")
    pipeline.clear_caches()
    with django_capture_on_commit_callbacks(execute=False):
        submit_message(staff)
    message_rules._tell_concerns(Message.objects.get())  # the hand-over alone, not the outbox's sending
    mention = Mention.objects.get(origin_key=f"participation.message:{Message.objects.get().pk}")
    assert MASKED in mention.title and PHONE not in mention.title + mention.text
    case = Case.objects.get(pk=mention.case_id)
    assert PHONE not in case.title
    robot = OutboundMessage.objects.get(channel=OutboundMessage.Kind.ROBOT)
    assert PHONE not in robot.subject + robot.body
    Case.objects.filter(pk=case.pk).update(department=staff.other_dept)
    for person, url in (
        (staff.leader, f"/console/concerns/mentions/{mention.pk}/"),
        (staff.monitor, f"/console/concerns/mentions/{mention.pk}/"),
        (staff.other_drafter, f"/console/concerns/cases/{case.pk}/"),
        (staff.other_drafter, "/console/concerns/"),
    ):
        response = login(client, person).get(url)
        assert response.status_code == 200 and PHONE not in response.content.decode(), (person, url)


def test_a_comment_and_an_error_report_handed_to_concerns_are_masked(
    client, staff, django_capture_on_commit_callbacks
):
    from gongkai.feedback import services as feedback

    consultation = make_open(staff)
    pipeline.clear_caches()
    with django_capture_on_commit_callbacks(execute=True):
        made = comment(consultation, text=f"补贴政策有问题,请致电{PHONE}。")
        report = feedback.submit_report(
            organization=staff.org,
            page=feedback.Page(url="/xxgk/"),
            category="wrong_content",
            description=f"办事指南和实际不符,办事难!请联系我{PHONE}。",
            contact_name="李四",
            contact="li@example.com",
        )
    for key in (f"participation.comment:{made.pk}", f"feedback.errorreport:{report.pk}"):
        mention = Mention.objects.get(origin_key=key)
        assert MASKED in mention.text and PHONE not in mention.text, key
        html = login(client, staff.leader).get(f"/console/concerns/mentions/{mention.pk}/").content.decode()
        assert MASKED in html and PHONE not in html


def test_the_oversight_drill_down_and_its_excel_mask_message_subjects(client, staff):
    message = submit_message(staff)
    end = message.due_on + datetime.timedelta(days=1)
    query = {"start": timezone.localdate().replace(month=1, day=1).isoformat(), "end": end.isoformat()}
    login(client, staff.leader)
    html = client.get("/console/reports/oversight/messages/", query).content.decode()
    assert MASKED in html and PHONE not in html
    response = client.get("/console/reports/oversight.xlsx", {**query, "figure": "messages"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row]
    assert any(MASKED in c for c in cells) and not any(PHONE in c for c in cells)


def test_the_weekly_digest_masks_message_subjects(staff):
    office_head = _person(staff.org, staff.office, [Role.DEPARTMENT_HEAD], email="head@example.com")
    message = submit_message(staff)
    assert not message_rules.personal_data_visible(office_head, message)
    body = digest.email_body(digest.digest_for(staff.org, staff.office))
    assert MASKED in body and PHONE not in body


def test_the_audit_log_keeps_no_citizens_words(staff):
    now = timezone.now()
    interview = interviews.create_interview(
        user=staff.editor,
        organization=staff.org,
        data={
            "title": "访谈",
            "description": "",
            "guests": "张明 副局长",
            "department": staff.dept,
            "starts_at": now + datetime.timedelta(hours=1),
            "ends_at": now + datetime.timedelta(hours=2),
            "interprets": None,
        },
    )
    Interview.objects.filter(pk=interview.pk).update(published=True)
    interviews.submit_question(interview=interview, text=f"我的电话{PHONE},请回答", name="小王")
    comment(make_open(staff), text=f"请致电{PHONE}。")
    submit_message(staff)
    for action in (
        "participation.question_received",
        "participation.comment_received",
        "participation.message_received",
    ):
        event = AuditEvent.objects.get(action=action)
        assert event.object_repr and PHONE not in event.object_repr + str(event.data), action
        assert "#" in event.object_repr


@pytest.mark.parametrize("path", ["/console/", "/console/participation/messages/", "/console/login/"])
def test_console_pages_are_never_stored_by_a_browser_or_proxy(client, staff, path):
    response = login(client, staff.editor).get(path)
    assert response.status_code in (200, 302)
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_public_pages_stay_cacheable(client, staff):
    assert "no-store" not in client.get("/xxgk/").get("Cache-Control", "")
