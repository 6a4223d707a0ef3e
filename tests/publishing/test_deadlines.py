"""条例第26条: 主动公开 information is published within 20 working days of being formed or changed,
counted on the Chinese working-day calendar, and the office is warned before and after the deadline."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
import time_machine

from gongkai.console.models import Notification
from gongkai.publishing import scheduled, services
from gongkai.publishing.constants import DisclosureAttribute
from gongkai.workdays.calendar import add_workdays
from tests.factories import make_draft, make_published, make_staff

from .helpers import d, fresh

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
KIND = "publishing.deadline"


def at(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def deadline_recipients() -> list[int]:
    return sorted(Notification.objects.filter(kind=KIND).values_list("recipient", flat=True))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("formed", "due", "provisional"),
    [
        pytest.param("2026-09-28", "2026-10-30", False, id="across-国庆-with-调休-10-10"),
        pytest.param("2026-02-10", "2026-03-16", False, id="across-春节-with-调休-2-14-and-2-28"),
        pytest.param("2026-12-15", "2027-01-13", True, id="into-2027-not-yet-published-provisional"),
        pytest.param("2026-11-20", "2026-12-18", False, id="ordinary-weeks"),
    ],
)
def test_the_publication_deadline_is_20_working_days_from_the_formed_date(formed, due, provisional):
    staff = make_staff()
    item = make_draft(staff, formed_on=d(formed))
    assert item.publication_due_on == d(due)
    assert item.publication_due_provisional is provisional
    assert fresh(item).publication_due_on == d(due)


@pytest.mark.django_db
def test_changing_the_formed_date_of_a_draft_moves_its_deadline():
    staff = make_staff()
    item = make_draft(staff, formed_on=d("2026-11-20"))
    services.update_draft(user=staff.drafter, item=item, data={"formed_on": d("2026-09-28")})
    assert fresh(item).publication_due_on == d("2026-10-30")


@pytest.mark.django_db
def test_a_new_revision_of_a_published_item_gets_a_new_deadline_from_its_change_date():
    staff = make_staff()
    with time_machine.travel(at("2026-09-10 09:00"), tick=False):
        item = make_published(staff, formed_on=d("2026-09-01"))
    assert item.publication_due_on == add_workdays(d("2026-09-01"), 20).due

    with time_machine.travel(at("2026-09-28 15:00"), tick=False):
        revision = services.start_revision(user=staff.drafter, item=item)

    assert revision.changed_on == d("2026-09-28")
    item = fresh(item)
    assert item.publication_due_on == d("2026-10-30")
    assert item.publication_due_provisional is False
    assert item.latest_revision.formed_on == d("2026-09-01")  # the document's own date is unchanged


@pytest.mark.django_db
def test_a_revision_started_in_december_has_a_provisional_deadline():
    staff = make_staff()
    with time_machine.travel(at("2026-12-01 09:00"), tick=False):
        item = make_published(staff)
    with time_machine.travel(at("2026-12-15 09:00"), tick=False):
        services.start_revision(user=staff.drafter, item=item)
    item = fresh(item)
    assert item.publication_due_on == d("2027-01-13")
    assert item.publication_due_provisional is True


# --- escalation -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_escalation_warns_the_lead_heads_and_the_office_once_per_level():
    staff = make_staff()
    item = make_draft(staff, formed_on=d("2026-09-28"))  # due 2026-10-30
    assert item.publication_due_on == d("2026-10-30")

    assert scheduled.escalate_publication_deadlines(d("2026-10-16")) == 0  # 10 working days left
    assert deadline_recipients() == []

    # near: within 5 working days (10-23 + 5 working days = 10-30)
    assert scheduled.escalate_publication_deadlines(d("2026-10-23")) == 1
    expected = sorted([staff.head.pk, staff.editor.pk, staff.editor2.pk])
    assert deadline_recipients() == expected
    assert all("即将到达" in n.message for n in Notification.objects.filter(kind=KIND))
    assert staff.other_head.pk not in deadline_recipients()

    # not again on a second run, nor on later days at the same level
    assert scheduled.escalate_publication_deadlines(d("2026-10-23")) == 0
    assert scheduled.escalate_publication_deadlines(d("2026-10-30")) == 0  # the due day itself is not overdue
    assert deadline_recipients() == expected

    # overdue: once more, then never again
    assert scheduled.escalate_publication_deadlines(d("2026-11-02")) == 1
    overdue = Notification.objects.filter(kind=KIND, message__contains="已超过")
    assert sorted(overdue.values_list("recipient", flat=True)) == expected
    assert scheduled.escalate_publication_deadlines(d("2026-11-02")) == 0
    assert scheduled.escalate_publication_deadlines(d("2026-12-01")) == 0
    assert len(deadline_recipients()) == 2 * len(expected)
    assert fresh(item).escalation_level == 2


@pytest.mark.django_db
def test_escalation_of_an_overdue_item_sends_the_overdue_level_directly():
    staff = make_staff()
    make_draft(staff, formed_on=d("2026-09-28"))
    assert scheduled.escalate_publication_deadlines(d("2026-11-05")) == 1
    assert Notification.objects.filter(kind=KIND, message__contains="已超过").count() == 3
    assert scheduled.escalate_publication_deadlines(d("2026-11-05")) == 0


@pytest.mark.django_db
def test_escalation_ignores_published_and_withdrawn_items():
    staff = make_staff()
    published = make_published(staff, formed_on=d("2026-09-28"))
    withdrawn = make_published(staff, formed_on=d("2026-09-28"))
    services.withdraw(user=staff.editor, item=withdrawn, reason="活动取消")
    assert published.publication_due_on == d("2026-10-30")

    assert scheduled.escalate_publication_deadlines(d("2026-10-23")) == 0
    assert scheduled.escalate_publication_deadlines(d("2026-11-20")) == 0
    assert deadline_recipients() == []


@pytest.mark.django_db
def test_escalation_covers_a_pending_revision_of_a_published_item():
    staff = make_staff()
    with time_machine.travel(at("2026-09-10 09:00"), tick=False):
        item = make_published(staff, formed_on=d("2026-09-01"))
    with time_machine.travel(at("2026-09-28 15:00"), tick=False):
        services.start_revision(user=staff.drafter, item=item)
    assert scheduled.escalate_publication_deadlines(d("2026-11-02")) == 1
    assert deadline_recipients() == sorted([staff.head.pk, staff.editor.pk, staff.editor2.pk])


@pytest.mark.django_db
def test_escalation_notifies_the_head_of_the_lead_department_of_each_item():
    staff = make_staff()
    other_item = make_draft(
        staff, by=staff.other_drafter, formed_on=d("2026-09-28"), lead_department=staff.other_dept
    )
    assert scheduled.escalate_publication_deadlines(d("2026-10-23")) == 1
    assert deadline_recipients() == sorted([staff.other_head.pk, staff.editor.pk, staff.editor2.pk])
    assert other_item.publication_due_on == d("2026-10-30")


@pytest.mark.django_db
@pytest.mark.parametrize("attribute", [DisclosureAttribute.ON_REQUEST, DisclosureAttribute.NOT_DISCLOSED])
def test_items_that_are_not_proactively_disclosed_have_no_publication_deadline(attribute):
    """条例第26条 covers 主动公开 information only: a 依申请公开 / 不予公开 item can never be published,
    so it must not be nagged about a publication deadline."""
    staff = make_staff()
    item = make_draft(
        staff, formed_on=d("2026-09-28"), disclosure_attribute=attribute, non_disclosure_reason="涉及商业秘密"
    )
    assert scheduled.escalate_publication_deadlines(d("2026-11-02")) == 0
    assert deadline_recipients() == []
    assert fresh(item).publication_due_on is None


@pytest.mark.django_db
def test_an_overdue_post_review_is_announced_once_to_those_who_may_do_it():
    staff = make_staff()
    item = make_draft(staff)
    with time_machine.travel(datetime.datetime(2026, 11, 20, 9, tzinfo=datetime.UTC), tick=False):
        services.fast_track_publish(user=staff.editor, item=item, reason="暴雨预警,须立即发布")
    assert (
        scheduled.escalate_overdue_post_reviews(datetime.datetime(2026, 11, 21, 8, tzinfo=datetime.UTC)) == 0
    )
    later = datetime.datetime(2026, 11, 21, 10, tzinfo=datetime.UTC)  # 25 hours later: past the 24 h
    assert scheduled.escalate_overdue_post_reviews(later) == 1
    told = set(
        Notification.objects.filter(kind="post_review.overdue").values_list("recipient__username", flat=True)
    )
    assert staff.leader.username in told and staff.editor2.username in told
    assert staff.editor.username not in told  # the fast-tracker cannot review their own publication
    assert scheduled.escalate_overdue_post_reviews(later) == 0


@pytest.mark.django_db
def test_open_deadlines_follow_the_calendar_when_next_years_holidays_are_entered():
    from gongkai.workdays import services as calendar_services

    staff = make_staff()
    item = make_draft(staff, formed_on=d("2026-12-15"))
    assert (item.publication_due_on, item.publication_due_provisional) == (d("2027-01-13"), True)
    calendar_services.set_override(d("2027-01-12"), is_workday=False, note="假设的地方假日")
    calendar_services.mark_year_published(2027, note="国务院办公厅通知")
    assert scheduled.recompute_publication_deadlines() == 1
    item.refresh_from_db()
    assert (item.publication_due_on, item.publication_due_provisional) == (d("2027-01-14"), False)
    assert scheduled.recompute_publication_deadlines() == 0
