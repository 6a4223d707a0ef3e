"""我的待办: computed sections, deadlines coloured by urgency, notifications."""

import datetime
import re
import zoneinfo

import pytest
import time_machine
from django.urls import reverse

from gongkai.console.deadlines import NEAR, NORMAL, OVERDUE, deadline_info
from gongkai.console.models import Notification
from gongkai.console.selectors import notification_item_id
from gongkai.publishing import scheduled, services
from gongkai.publishing.constants import PUBLICATION_WARNING_WORKDAYS
from gongkai.publishing.models import InformationItem
from gongkai.workdays.calendar import add_workdays
from tests.factories import ALL_BOTTOM_LINES, make_approved, make_draft, make_staff

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
    services.approve_step(user=staff.head, item=item, bottom_lines=ALL_BOTTOM_LINES)
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


def test_the_near_boundary_is_the_escalation_warning_of_five_working_days():
    assert PUBLICATION_WARNING_WORKDAYS == 5
    staff = make_staff()
    five = _with_due(staff, "五个工作日", add_workdays(TODAY, 5).due)
    six = _with_due(staff, "六个工作日", add_workdays(TODAY, 6).due)
    assert deadline_info(five, today=TODAY).level == NEAR
    assert deadline_info(six, today=TODAY).level == NORMAL
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


def test_the_inbox_turns_orange_exactly_when_the_escalation_job_warns():
    staff = make_staff()
    warned = _with_due(staff, "将被提醒的信息", add_workdays(TODAY, PUBLICATION_WARNING_WORKDAYS).due)
    later = _with_due(staff, "尚不提醒的信息", add_workdays(TODAY, PUBLICATION_WARNING_WORKDAYS + 1).due)
    scheduled.escalate_publication_deadlines(today=TODAY)
    escalated = set(InformationItem.objects.filter(escalation_level__gt=0).values_list("pk", flat=True))
    assert escalated == {warned.pk}
    assert deadline_info(warned, today=TODAY).level == NEAR
    assert deadline_info(later, today=TODAY).level == NORMAL


# --- notifications whose work is done ---------------------------------------------------------------


def unread_section(client) -> str:
    return section(inbox(client), "notifications")


def test_notification_item_ids_are_read_with_the_url_resolver():
    assert notification_item_id("/console/items/42/review/") == 42
    assert notification_item_id("/console/items/42/") == 42
    assert notification_item_id("/console/items/42/?from=mail#actions") == 42
    assert notification_item_id("/console/items/" + "9" * 25 + "/") is None
    assert notification_item_id("/console/items/new/") is None
    assert notification_item_id("/console/") is None
    assert notification_item_id("/xxgk/items/42/") is None
    assert notification_item_id("javascript:alert(1)") is None
    assert notification_item_id("") is None


def test_a_review_notification_stops_looking_pending_when_no_step_is_pending(client, login):
    staff = make_staff()
    item = make_draft(staff, title="待审核的活动通知")
    services.submit_for_review(user=staff.drafter, item=item)
    login(staff.head)
    assert "待审核:“待审核的活动通知”" in unread_section(client)
    services.reject_step(user=staff.head, item=item, opinion="请补充报名方式")
    assert "待审核的活动通知" not in unread_section(client)


def test_a_review_notification_stays_while_the_item_is_still_in_review(client, login):
    staff = make_staff()
    item = make_draft(staff, title="逐级审核的通知")
    services.submit_for_review(user=staff.drafter, item=item)
    services.approve_step(user=staff.head, item=item, bottom_lines=ALL_BOTTOM_LINES)
    login(staff.secrecy)
    assert "逐级审核的通知" in unread_section(client)
    services.approve_step(user=staff.secrecy, item=item, bottom_lines=ALL_BOTTOM_LINES)
    services.approve_step(user=staff.editor2, item=item, bottom_lines=ALL_BOTTOM_LINES)
    services.approve_step(user=staff.leader, item=item, bottom_lines=ALL_BOTTOM_LINES)
    assert "逐级审核的通知" not in unread_section(client)  # the chain is through: nothing to review


def test_a_publish_notification_is_done_once_published(client, login):
    staff = make_staff()
    item = make_approved(staff, title="审核通过的通知")
    login(staff.editor)
    assert "待发布:“审核通过的通知”" in unread_section(client)
    services.publish(user=staff.editor2, item=InformationItem.objects.get(pk=item.pk))
    assert "审核通过的通知" not in unread_section(client)


def test_a_post_review_notification_is_done_once_reviewed_or_withdrawn(client, login):
    staff = make_staff()
    reviewed = make_draft(staff, title="已事后审核的紧急通知")
    withdrawn = make_draft(staff, title="被撤回的紧急通知")
    for item in (reviewed, withdrawn):
        services.fast_track_publish(user=staff.editor, item=item, reason="暴雨预警")
    Notification.objects.create(  # as the overdue job sends it
        recipient=staff.editor2,
        organization=staff.org,
        kind="post_review.overdue",
        message="紧急发布的“已事后审核的紧急通知”已超过事后审核期限",
        url=reverse("console:item", args=[reviewed.pk]),
    )
    login(staff.editor2)
    html = unread_section(client)
    assert "已事后审核的紧急通知" in html and "被撤回的紧急通知" in html
    assert "已超过事后审核期限" in html
    services.confirm_post_review(user=staff.leader, item=reviewed, opinion="同意")
    services.confirm_post_review(
        user=staff.leader, item=withdrawn, opinion="不同意", approve=False, public_explanation="内容有误"
    )
    html = unread_section(client)
    assert "已事后审核的紧急通知" not in html and "被撤回的紧急通知" not in html


def test_other_notifications_are_kept_and_the_header_counts_only_live_ones(client, login):
    staff = make_staff()
    item = make_draft(staff, title="很快被退回的通知")
    services.submit_for_review(user=staff.drafter, item=item)
    Notification.objects.create(
        recipient=staff.head, organization=staff.org, kind="publishing.deadline", message="期限提醒"
    )
    services.reject_step(user=staff.head, item=item, opinion="退回")
    login(staff.head)
    html = inbox(client)
    assert "期限提醒" in section(html, "notifications")
    assert "1 条未读" in html


def test_the_notifications_page_marks_done_ones_read_and_shows_them_as_done(client, login):
    staff = make_staff()
    done = make_approved(staff, title="已经发布的通知")
    waiting = make_approved(staff, title="仍待发布的通知")
    services.publish(user=staff.editor2, item=InformationItem.objects.get(pk=done.pk))
    login(staff.editor)
    page = client.get(reverse("console:notifications")).content.decode()
    done_row = re.search(r"<tr[^>]*>(?:(?!</tr>).)*已经发布的通知.*?</tr>", page, re.S).group(0)
    waiting_row = re.search(r"<tr[^>]*>(?:(?!</tr>).)*仍待发布的通知.*?</tr>", page, re.S).group(0)
    assert "已办结" in done_row and "标为已读" not in done_row
    assert "未读" in waiting_row
    assert Notification.objects.get(
        recipient=staff.editor, kind="publish.ready", url__contains=f"/{done.pk}/"
    ).read_at
    assert (
        Notification.objects.get(
            recipient=staff.editor, kind="publish.ready", url__contains=f"/{waiting.pk}/"
        ).read_at
        is None
    )


def _done_notifications(staff, n):
    for i in range(n):
        item = make_draft(staff, title=f"已退回{i}")
        services.submit_for_review(user=staff.drafter, item=item)
        services.reject_step(user=staff.head, item=item, opinion="退回")
        Notification.objects.create(
            recipient=staff.head,
            organization=staff.org,
            kind="publish.ready",
            message=f"待发布{i}",
            url=reverse("console:item", args=[item.pk]),
        )


def test_done_notifications_cost_a_fixed_number_of_queries(client, login, django_assert_max_num_queries):
    staff = make_staff()
    _done_notifications(staff, 2)
    login(staff.head)
    client.get(reverse("console:inbox"))
    with django_assert_max_num_queries(25) as captured:
        html = inbox(client)
    few = len(captured)
    assert "已退回0" not in section(html, "notifications")
    _done_notifications(staff, 10)
    with django_assert_max_num_queries(few) as captured:
        html = inbox(client)
    assert "待发布" not in section(html, "notifications")

    client.get(reverse("console:notifications"))  # marks the done ones read
    _done_notifications(staff, 2)
    with django_assert_max_num_queries(30) as captured:
        client.get(reverse("console:notifications"))
    few = len(captured)
    _done_notifications(staff, 10)
    with django_assert_max_num_queries(few):
        page = client.get(reverse("console:notifications")).content.decode()
    assert page.count("已办结") == 30  # a full page, every one done
    assert not Notification.objects.filter(recipient=staff.head, read_at__isnull=True).exists()


def test_the_inbox_still_lists_twenty_live_notifications_behind_many_done_ones(client, login):
    staff = make_staff()
    for i in range(21):
        Notification.objects.create(
            recipient=staff.head, organization=staff.org, kind="t", message=f"普通消息{i:02d}"
        )
    _done_notifications(staff, 5)  # newer than the ordinary ones
    login(staff.head)
    html = unread_section(client)
    assert html.count("普通消息") == 20


def test_a_review_notification_is_done_once_its_own_step_is_decided(login):
    from gongkai.console.selectors import unread_notifications
    from gongkai.publishing import services
    from tests.factories import make_draft, make_staff

    staff = make_staff()
    item = make_draft(staff)
    services.submit_for_review(user=staff.drafter, item=item)
    assert [n.kind for n in unread_notifications(staff.head, staff.org)] == ["review.pending"]
    services.approve_step(
        user=staff.head, item=item, bottom_lines=ALL_BOTTOM_LINES
    )  # step 2 is now pending, the head's part is done
    head = type(staff.head).objects.get(pk=staff.head.pk)  # a new request: nothing remembered
    assert unread_notifications(head, staff.org) == []
    assert [n.kind for n in unread_notifications(staff.secrecy, staff.org)] == ["review.pending"]


def test_the_public_participation_section_keeps_the_query_count_fixed(
    client, login, django_assert_max_num_queries
):
    """公众参与: new messages to route (office editors) cost the same queries however many there are."""
    from gongkai.participation import messages

    staff = make_staff()

    def new_message(n):
        return messages.submit_message(
            organization=staff.org,
            kind="consult",
            subject=f"公众咨询{n}",
            text="请问开放时间。",
            name="王五",
            phone="13812345678",
            consented=True,
        )

    for n in range(3):
        new_message(n)
    login(staff.editor)
    client.get(reverse("console:inbox"))  # warm up sessions etc.
    with django_assert_max_num_queries(40) as captured:
        client.get(reverse("console:inbox"))
    few = len(captured)
    for n in range(3, 12):
        new_message(n)
    with django_assert_max_num_queries(few):
        html = section(inbox(client), "participation")
    assert html.count(">分办<span") == 12
