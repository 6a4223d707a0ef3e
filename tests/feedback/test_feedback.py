"""网民纠错: the public form, the console, and the daily reminders (answered within 3 working days)."""

from __future__ import annotations

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache

from gongkai.audit.models import AuditEvent
from gongkai.console.models import Notification
from gongkai.core import captcha
from gongkai.feedback import services
from gongkai.feedback.models import ErrorReport, Escalation, Status
from gongkai.portal.links import item_url
from tests.factories import make_published, make_staff

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
FORM = "/xxgk/jiucuo/"
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def at_day(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, 0), tzinfo=TZ)


@pytest.fixture(autouse=True)
def _clear_rate_limit():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def staff():
    return make_staff()


@pytest.fixture
def item(staff):
    return make_published(staff)


def login(client, user):
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def captcha_fields() -> dict:
    """A fresh challenge solved the way the tests solve it: the code derived from the token."""
    token = captcha.new_token()
    return {"captcha_token": token, "captcha": captcha.code_for(captcha._nonce(token))}


def post_report(client, page, **overrides):
    data = {
        "page": page,
        "category": "typo",
        "description": "第二段“文化”写成了“文话”。",
        "contact_name": "张三",
        "contact": "13800138000",
        "website": "",
        **captcha_fields(),
        **overrides,
    }
    return client.post(FORM, data)


def make_report(staff, item=None, **fields) -> ErrorReport:
    page = services.Page(url=item_url(item) if item else "/xxgk/", item=item)
    return services.submit_report(
        organization=staff.org,
        page=page,
        category=fields.pop("category", "wrong_content"),
        description=fields.pop("description", "日期写错了。"),
        contact_name=fields.pop("contact_name", "李四"),
        contact=fields.pop("contact", "lisi@example.com"),
    )


# --- the public form -------------------------------------------------------------------------------


def test_the_form_is_shown_in_chinese_for_an_item_page(client, item):
    response = client.get(FORM, {"page": item_url(item)})
    body = response.content.decode()
    assert response.status_code == 200
    assert "网民纠错" in body and "csrfmiddlewaretoken" in body and 'name="website"' in body


def test_the_form_shows_the_captcha_as_an_image_with_a_text_alternative_and_no_inline_code(client, item):
    body = client.get(FORM, {"page": item_url(item)}).content.decode()
    start = body.index('<form class="jiucuo-form"')
    form = body[start : body.index("</form>", start)]
    token = re.search(r'name="captcha_token" value="([^"]+)"', form).group(1)
    assert 'name="captcha"' in form and "验证码" in form and "换一张" in form
    assert f'src="/captcha.png?t={token}"' in form.replace("%3A", ":")
    assert 'alt="验证码图片' in form and "不区分大小写" in form
    assert captcha.code_for(captcha._nonce(token)) not in form  # the page never carries the answer
    assert "<style" not in body and " style=" not in body and "onclick" not in body
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body)  # scripts only from files (CSP)


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ({"captcha": ""}, "请输入验证码"),
        ({"captcha": "0000"}, "验证码不正确"),
        ({"captcha_token": "", "captcha": "ABCD"}, "验证码无效"),
        ({"captcha_token": "forged:token"}, "验证码无效"),
    ],
)
def test_a_report_without_the_right_captcha_is_refused_and_keeps_what_was_typed(
    client, item, answer, message
):
    sent = captcha_fields()
    response = post_report(
        client,
        item_url(item),
        category="broken_link",
        description="附件链接<打不开>,请修复。",
        contact_name="王五",
        contact="wangwu@example.com",
        **{**sent, **answer},
    )
    body = response.content.decode()
    assert response.status_code == 400 and message in body
    assert not ErrorReport.objects.exists()
    # Nothing typed is lost: the text (escaped), the contacts and the chosen type come back...
    assert "附件链接&lt;打不开&gt;,请修复。</textarea>" in body
    assert 'value="王五"' in body and 'value="wangwu@example.com"' in body
    assert re.search(r'<input[^>]*value="broken_link"[^>]*checked', body)
    # ...with a new challenge to answer.
    shown = re.search(r'name="captcha_token" value="([^"]+)"', body).group(1)
    assert shown != sent["captcha_token"]
    again = post_report(
        client, item_url(item), captcha_token=shown, captcha=captcha.code_for(captcha._nonce(shown))
    )
    assert again.status_code == 302 and ErrorReport.objects.count() == 1


def test_a_report_posted_without_any_captcha_fields_is_refused(client, item):
    data = {"page": item_url(item), "category": "typo", "description": "日期写错了。", "website": ""}
    response = client.post(FORM, data)
    body = response.content.decode()
    assert response.status_code == 400 and "验证码无效" in body and "日期写错了。</textarea>" in body
    assert not ErrorReport.objects.exists()


def test_a_captcha_is_accepted_once(client, item):
    solved = captcha_fields()
    assert post_report(client, item_url(item), **solved).status_code == 302
    response = post_report(client, item_url(item), description="再报一次。", **solved)
    body = response.content.decode()
    assert response.status_code == 400 and "验证码已使用过" in body and "再报一次。" in body
    assert ErrorReport.objects.count() == 1


def test_with_the_right_captcha_the_report_is_stored(client, item):
    response = post_report(client, item_url(item), **captcha_fields())
    assert response.status_code == 302
    assert ErrorReport.objects.get().description == "第二段“文化”写成了“文话”。"


def test_the_form_saves_a_report_due_three_working_days_later_across_the_national_day_holiday(
    client, staff, item
):
    # Wednesday 30 September 2026; 1–7 October are off, 8, 9 and the make-up Saturday 10 October work.
    with time_machine.travel(at_day(datetime.date(2026, 9, 30)), tick=False):
        response = post_report(client, item_url(item))
        thanks = client.get(response["Location"]).content.decode()
    assert response.status_code == 302 and response["Location"] == "/xxgk/jiucuo/thanks/"
    report = ErrorReport.objects.get()
    assert report.organization == staff.org and report.item == item
    assert report.due_on == datetime.date(2026, 10, 10) and report.due_provisional is False
    assert report.status == Status.NEW and report.contact == "13800138000"
    assert report.reference in thanks and "2026-10-10" in thanks
    event = AuditEvent.objects.get(action="feedback.received")
    assert "13800138000" not in str(event.data)


def test_a_report_filed_during_the_holiday_is_due_on_the_make_up_saturday(client, item):
    with time_machine.travel(at_day(datetime.date(2026, 10, 3)), tick=False):
        post_report(client, item_url(item))
    assert ErrorReport.objects.get().due_on == datetime.date(2026, 10, 10)


def test_a_report_on_a_list_page_belongs_to_the_only_organisation(client, staff):
    response = post_report(client, "/xxgk/")
    assert response.status_code == 302
    report = ErrorReport.objects.get()
    assert report.organization == staff.org and report.item is None and report.page_url == "/xxgk/"


def test_the_form_reached_without_a_page_says_so_under_the_sites_own_name(client, staff):
    """Typed in or followed from elsewhere: a clear message, and the header and footer still name the only
    organisation of the site (not the platform's generic name)."""
    response = client.get(FORM)
    body = response.content.decode()
    assert response.status_code == 400 and "请从需要纠错的页面进入本表单" in body
    assert f"主办单位:{staff.org.name}" in body


def test_the_honeypot_refuses_the_report(client, item):
    response = post_report(client, item_url(item), website="http://spam.example/")
    assert response.status_code == 400
    assert "提交未被接受" in response.content.decode()
    assert not ErrorReport.objects.exists()


def test_more_than_five_reports_in_ten_minutes_from_one_address_are_refused(client, item):
    start = at_day(datetime.date(2026, 11, 25))
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            assert post_report(client, item_url(item)).status_code == 302
        response = post_report(client, item_url(item))
    assert response.status_code == 429
    assert "提交得太频繁" in response.content.decode()
    assert ErrorReport.objects.count() == 5


@pytest.mark.parametrize(
    "page",
    [
        "",
        "http://evil/",
        "//evil.example/xxgk/",
        "javascript:alert(1)",
        "/console/",
        "/console/feedback/",
        "/admin/",
        "/no/such/page/",
        "/xxgk/\x00",
        "/xxgk/" + "a" * 3000,
        "\\\\evil\\",
    ],
)
def test_odd_page_values_never_fail_and_save_nothing(client, item, page):
    for response in (client.get(FORM, {"page": page}), post_report(client, page)):
        assert response.status_code in (200, 400)
        assert "页面" in response.content.decode()
    assert not ErrorReport.objects.exists()


def test_a_report_on_an_unknown_item_page_is_kept_without_an_item(client, staff):
    response = post_report(client, "/xxgk/items/NOPE/2026-99999/")
    assert response.status_code == 302
    assert ErrorReport.objects.get().item is None


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"description": ""}, "请填写问题描述"),
        ({"description": "   "}, "请填写问题描述"),
        ({"description": "错" * 2001}, "不能超过 2000 字"),
        ({"category": "nonsense"}, "有效的错误类型"),
        ({"category": ""}, "请选择错误类型"),
        ({"contact": "1" * 500}, "不能超过 100 字"),
    ],
)
def test_bad_input_gets_a_chinese_message_and_saves_nothing(client, item, overrides, message):
    response = post_report(client, item_url(item), **overrides)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ErrorReport.objects.exists()


def test_an_unknown_organisation_code_is_refused(client, staff):
    response = client.post(FORM, {"page": "/xxgk/", "org": "nope", "category": "typo", "description": "x"})
    assert response.status_code == 400 and "无法确定" in response.content.decode()


def test_every_portal_page_links_to_the_form_with_its_path(client, item):
    body = client.get(item_url(item)).content.decode()
    assert "/xxgk/jiucuo/?page=" in body and "网民纠错" in body


# --- the console -----------------------------------------------------------------------------------


def test_office_editors_see_reports_with_the_hostile_description_escaped(client, staff, item):
    report = make_report(staff, item, description=HOSTILE)
    body = login(client, staff.editor).get("/console/feedback/").content.decode()
    assert report.reference in body
    assert "<script>alert" not in body and "&lt;script&gt;" in body
    detail = client.get(f"/console/feedback/{report.pk}/").content.decode()
    assert "<script>alert" not in detail and "<img src=x" not in detail and "&lt;script&gt;" in detail
    assert "lisi@example.com" in detail


@pytest.mark.parametrize("who", ["drafter", "head", "leader", "secrecy", "system_admin"])
def test_everyone_but_office_editors_is_refused_in_chinese_and_never_sees_the_contact(
    client, staff, item, who
):
    report = make_report(staff, item)
    user = getattr(staff, who)
    login(client, user)
    for response in (
        client.get("/console/feedback/"),
        client.get(f"/console/feedback/{report.pk}/"),
        client.post(f"/console/feedback/{report.pk}/answer/", {"answer-text": "好"}),
    ):
        assert response.status_code == 403
        body = response.content.decode()
        assert "办公室编辑" in body and "lisi@example.com" not in body and "李四" not in body
    assert ErrorReport.objects.get().status == Status.NEW
    assert "/console/feedback/" not in client.get("/console/").content.decode()


def test_the_list_puts_overdue_reports_first_with_their_deadline(client, staff):
    with time_machine.travel(at_day(datetime.date(2026, 11, 2)), tick=False):
        old = make_report(staff, description="旧的")
    with time_machine.travel(at_day(datetime.date(2026, 11, 24)), tick=False):
        new = make_report(staff, description="新的")
    with time_machine.travel(at_day(datetime.date(2026, 11, 25)), tick=False):
        body = login(client, staff.editor).get("/console/feedback/").content.decode()
    assert body.index(old.reference) < body.index(new.reference)
    assert "deadline--overdue" in body and "已超期" in body


def test_a_deadline_reaching_into_an_unpublished_year_is_marked_provisional(client, staff):
    from gongkai.workdays.calendar import is_year_published

    if is_year_published(2027):
        pytest.skip("2027 holidays already known")
    with time_machine.travel(at_day(datetime.date(2026, 12, 30)), tick=False):
        report = make_report(staff)
        body = login(client, staff.editor).get("/console/feedback/").content.decode()
    assert report.due_provisional and "(暂定)" in body


def test_answering_closes_the_report_with_an_audit_event(client, staff, item):
    report = make_report(staff, item)
    response = login(client, staff.editor).post(
        f"/console/feedback/{report.pk}/answer/", {"answer-text": "已更正,感谢指正。"}
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == Status.ANSWERED and report.answer == "已更正,感谢指正。"
    assert report.answered_by == staff.editor and report.answered_at is not None
    event = AuditEvent.objects.get(action="feedback.answered")
    assert event.actor == staff.editor and event.object_id == str(report.pk)
    again = client.post(f"/console/feedback/{report.pk}/reject/", {"reject-text": "无效"})
    assert again.status_code == 302
    report.refresh_from_db()
    assert report.status == Status.ANSWERED


def test_marking_invalid_needs_a_reason_and_records_it(client, staff):
    report = make_report(staff)
    login(client, staff.editor)
    empty = client.post(f"/console/feedback/{report.pk}/reject/", {"reject-text": "  "})
    assert empty.status_code == 400 and "请填写内容" in empty.content.decode()
    assert ErrorReport.objects.get().status == Status.NEW
    client.post(f"/console/feedback/{report.pk}/reject/", {"reject-text": "内容与本站无关。"})
    report.refresh_from_db()
    assert report.status == Status.REJECTED and report.answer == "内容与本站无关。"
    assert AuditEvent.objects.filter(action="feedback.rejected", actor=staff.editor).count() == 1


def test_an_answer_is_required(client, staff):
    report = make_report(staff)
    response = login(client, staff.editor).post(f"/console/feedback/{report.pk}/answer/", {})
    assert response.status_code == 400 and "请填写内容" in response.content.decode()


def test_reports_of_another_organisation_are_not_found(client, staff):
    other = make_staff()
    report = make_report(other)
    login(client, staff.editor)
    assert client.get(f"/console/feedback/{report.pk}/").status_code == 404
    assert client.post(f"/console/feedback/{report.pk}/answer/", {"answer-text": "x"}).status_code == 404


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get("/console/feedback/")
    assert response.status_code == 302 and "/login/" in response["Location"]


# --- the daily reminders ---------------------------------------------------------------------------


def test_open_reports_are_escalated_once_per_level(staff, item):
    with time_machine.travel(at_day(datetime.date(2026, 11, 23)), tick=False):  # Monday → due Thursday
        report = make_report(staff, item)
    assert report.due_on == datetime.date(2026, 11, 26)
    editors = {staff.editor.pk, staff.editor2.pk}

    assert services.escalate(datetime.date(2026, 11, 25)) == 0

    assert services.escalate(datetime.date(2026, 11, 26)) == 1
    due_today = Notification.objects.filter(kind=services.NOTIFICATION_KIND)
    assert {n.recipient_id for n in due_today} == editors | {staff.head.pk}
    assert all("今日到期" in n.message and "lisi@example.com" not in n.message for n in due_today)
    assert services.escalate(datetime.date(2026, 11, 26)) == 0

    assert services.escalate(datetime.date(2026, 11, 27)) == 1
    assert (
        Notification.objects.filter(kind=services.NOTIFICATION_KIND, message__contains="已超期").count() == 3
    )
    assert services.escalate(datetime.date(2026, 11, 30)) == 0
    report.refresh_from_db()
    assert report.escalation_level == Escalation.OVERDUE
    events = AuditEvent.objects.filter(action="feedback.escalated")
    assert sorted(e.data["level"] for e in events) == [1, 2]


def test_reports_not_about_an_item_go_to_the_office_only(staff):
    with time_machine.travel(at_day(datetime.date(2026, 11, 23)), tick=False):
        make_report(staff)
    services.escalate(datetime.date(2026, 11, 27))
    recipients = set(Notification.objects.values_list("recipient_id", flat=True))
    assert recipients == {staff.editor.pk, staff.editor2.pk}


def test_answered_reports_are_not_escalated(staff):
    with time_machine.travel(at_day(datetime.date(2026, 11, 23)), tick=False):
        report = make_report(staff)
    services.answer_report(report, staff.editor, "已处理。")
    assert services.escalate(datetime.date(2026, 12, 1)) == 0
    assert not Notification.objects.exists()


def test_the_daily_job_runs_at_eight(staff):
    from gongkai.feedback import tasks

    assert tasks.feedback_escalation.s().validate_datetime(datetime.datetime(2026, 11, 25, 8, 0))
    assert not tasks.feedback_escalation.s().validate_datetime(datetime.datetime(2026, 11, 25, 7, 0))
