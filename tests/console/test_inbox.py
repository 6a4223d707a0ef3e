"""我的待办: computed sections, deadlines coloured by urgency, notifications."""

import datetime
import re
import zoneinfo

import pytest
import time_machine
from django.urls import reverse

from gongkai.console.deadlines import NEAR, NORMAL, OVERDUE, deadline_info
from gongkai.console.models import Notification
from gongkai.publishing import services
from gongkai.publishing.models import InformationItem
from gongkai.workdays.calendar import add_workdays
from tests.factories import make_approved, make_draft, make_staff

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
TODAY = datetime.date(2026, 12, 1)  # a Tuesday


def inbox(client):
    response = client.get(reverse("console:inbox"))
    assert response.status_code == 200
    return response.content.decode()


def section(html: str, section_id: str) -> str:
    match = re.search(rf'<section id="{section_id}".*?</section>', html, re.S)
    return match.group(0) if match else ""


def test_a_pending_step_shows_to_the_right_reviewer_and_not_to_the_submitter(client, login):
    staff = make_staff()
    item = make_draft(staff, title="待科室审核的通知")
    services.submit_for_review(user=staff.drafter, item=item)
    review_url = reverse("console:review", args=[item.pk])

    login(staff.head)
    pending = section(inbox(client), "review")
    assert "待科室审核的通知" in pending and review_url in pending and "科室审核" in pending

    for person in (staff.drafter, staff.other_head, staff.secrecy, staff.leader):
        login(person)
        assert "待科室审核的通知" not in section(inbox(client), "review")


def test_the_pending_step_moves_down_the_chain(client, login):
    staff = make_staff()
    item = make_draft(staff, title="逐级审核")
    services.submit_for_review(user=staff.drafter, item=item)
    services.approve_step(user=staff.head, item=item)
    login(staff.head)
    assert "逐级审核" not in section(inbox(client), "review")
    login(staff.secrecy)
    assert "保密审查" in section(inbox(client), "review")


def test_my_drafts_and_returned_items_show_the_rejection_reason(client, login):
    staff = make_staff()
    make_draft(staff, title="一份普通草稿")
    returned = make_draft(staff, title="被退回的信息")
    services.submit_for_review(user=staff.drafter, item=returned)
    services.reject_step(user=staff.head, item=returned, opinion="文号写错了,请核对")
    login(staff.drafter)
    drafts = section(inbox(client), "drafts")
    assert "一份普通草稿" in drafts
    assert "被退回的信息" in drafts
    assert "科室审核:文号写错了,请核对" in drafts
    login(staff.other_drafter)
    assert "一份普通草稿" not in section(inbox(client), "drafts")


def test_approved_items_await_publication_for_office_editors_only(client, login):
    staff = make_staff()
    make_approved(staff, title="待发布的通知")
    login(staff.editor)
    assert "待发布的通知" in section(inbox(client), "publish")
    login(staff.head)
    assert section(inbox(client), "publish") == ""


def test_fast_tracked_items_await_post_review_by_someone_else(client, login):
    staff = make_staff()
    item = make_draft(staff, title="紧急通知")
    services.fast_track_publish(user=staff.editor, item=item, reason="暴雨预警,须立即发布")
    login(staff.editor2)
    assert "紧急通知" in section(inbox(client), "post-review")
    login(staff.leader)
    assert "紧急通知" in section(inbox(client), "post-review")
    login(staff.editor)
    assert "紧急通知" not in section(inbox(client), "post-review")


def _with_due(staff, title, due, provisional=False):
    item = make_draft(staff, title=title)
    InformationItem.objects.filter(pk=item.pk).update(
        publication_due_on=due, publication_due_provisional=provisional
    )
    return InformationItem.objects.select_related("latest_revision").get(pk=item.pk)


def _row(html: str, title: str) -> str:
    match = re.search(rf'<tr class="deadline-row[^"]*">(?:(?!</tr>).)*{title}.*?</tr>', html, re.S)
    assert match, title
    return match.group(0)


def test_deadline_colour_and_label_for_overdue_near_and_normal(client, login):
    staff = make_staff()
    near_due = add_workdays(TODAY, 2).due
    normal_due = add_workdays(TODAY, 10).due
    _with_due(staff, "已超期的信息", TODAY - datetime.timedelta(days=7))
    _with_due(staff, "即将到期的信息", near_due)
    _with_due(staff, "期限充裕的信息", normal_due)
    _with_due(staff, "今日到期的信息", TODAY)
    _with_due(staff, "跨年暂定的信息", datetime.date(2027, 1, 20), provisional=True)
    with time_machine.travel(datetime.datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI), tick=False):
        login(staff.drafter)  # inside the frozen time: sessions expire after 30 minutes
        html = section(inbox(client), "deadlines")
    overdue = _row(html, "已超期的信息")
    assert "deadline--overdue" in overdue and "已超期" in overdue
    near = _row(html, "即将到期的信息")
    assert "deadline--near" in near and "即将到期,剩余 2 个工作日" in near
    today = _row(html, "今日到期的信息")
    assert "deadline--near" in today and "今日到期" in today
    normal = _row(html, "期限充裕的信息")
    assert "deadline--normal" in normal and "剩余 10 个工作日" in normal
    provisional = _row(html, "跨年暂定的信息")
    assert "2027-01-20(暂定)" in provisional
    # Most urgent first.
    assert html.index("已超期的信息") < html.index("今日到期的信息") < html.index("即将到期的信息")


def test_the_near_boundary_is_three_working_days():
    staff = make_staff()
    three = _with_due(staff, "三个工作日", add_workdays(TODAY, 3).due)
    four = _with_due(staff, "四个工作日", add_workdays(TODAY, 4).due)
    assert deadline_info(three, today=TODAY).level == NEAR
    assert deadline_info(four, today=TODAY).level == NORMAL
    late = _with_due(staff, "晚一天", TODAY - datetime.timedelta(days=1))
    assert deadline_info(late, today=TODAY).level == OVERDUE


def test_published_items_have_no_running_deadline():
    staff = make_staff()
    from tests.factories import make_published

    item = make_published(staff)
    assert deadline_info(InformationItem.objects.get(pk=item.pk)) is None


def test_deadlines_show_my_departments_items_and_the_office_sees_all(client, login):
    staff = make_staff()
    make_draft(staff, title="艺术科的信息")
    make_draft(staff, by=staff.other_drafter, lead_department=staff.other_dept, title="产业科的信息")
    login(staff.head)
    html = section(inbox(client), "deadlines")
    assert "艺术科的信息" in html and "产业科的信息" not in html
    login(staff.editor)
    html = section(inbox(client), "deadlines")
    assert "艺术科的信息" in html and "产业科的信息" in html


def test_the_inbox_uses_a_fixed_number_of_queries(client, login, django_assert_max_num_queries):
    staff = make_staff()
    for n in range(6):
        item = make_draft(staff, title=f"信息{n}")
        services.submit_for_review(user=staff.drafter, item=item)
    login(staff.head)
    client.get(reverse("console:inbox"))  # warm up sessions etc.
    with django_assert_max_num_queries(20) as captured:
        client.get(reverse("console:inbox"))
    few = len(captured)
    for n in range(6, 14):
        item = make_draft(staff, title=f"信息{n}")
        services.submit_for_review(user=staff.drafter, item=item)
    with django_assert_max_num_queries(few) as captured:
        html = inbox(client)
    assert html.count(">审核<span") == 14


def test_unread_notifications_are_listed_and_marked_read(client, login):
    staff = make_staff()
    item = make_draft(staff, title="等待审核的通知")
    services.submit_for_review(user=staff.drafter, item=item)  # notifies the head on commit
    Notification.objects.create(
        recipient=staff.head, organization=staff.org, kind="test", message="一条测试消息", url="/console/"
    )
    login(staff.head)
    html = section(inbox(client), "notifications")
    assert "一条测试消息" in html
    page = client.get(reverse("console:notifications")).content.decode()
    assert "一条测试消息" in page and "未读" in page
    response = client.post(reverse("console:notifications"))
    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=staff.head, read_at__isnull=True).exists()
    assert "一条测试消息" not in section(inbox(client), "notifications")


def test_one_notification_can_be_marked_read(client, login):
    staff = make_staff()
    a = Notification.objects.create(recipient=staff.head, organization=staff.org, kind="t", message="甲")
    b = Notification.objects.create(recipient=staff.head, organization=staff.org, kind="t", message="乙")
    other = Notification.objects.create(
        recipient=staff.drafter, organization=staff.org, kind="t", message="丙"
    )
    login(staff.head)
    client.post(reverse("console:notifications"), {"notification": a.pk})
    client.post(reverse("console:notifications"), {"notification": other.pk})  # not mine: untouched
    a.refresh_from_db(), b.refresh_from_db(), other.refresh_from_db()
    assert a.read_at is not None and b.read_at is None and other.read_at is None


def test_a_notification_link_never_leaves_the_site(client, login):
    staff = make_staff()
    Notification.objects.create(
        recipient=staff.head, organization=staff.org, kind="t", message="外链", url="javascript:alert(1)"
    )
    login(staff.head)
    assert "javascript:alert" not in inbox(client)
