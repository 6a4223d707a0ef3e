"""The weekly digest: each department head hears (console and e-mail) what of their department is late or
falls due within five working days — exactly that, once a week, Monday 08:00 Beijing time."""

from __future__ import annotations

import datetime
import smtplib

import pytest
import time_machine
from django.core import mail

from gongkai.catalogue.constants import ColumnKind, UpdateFrequency
from gongkai.concerns.constants import CaseStatus
from gongkai.console.models import Notification
from gongkai.orgs.constants import Role
from gongkai.participation import consultations as consultation_rules
from gongkai.reports import digest, oversight
from gongkai.review.constants import Severity as FindingSeverity
from gongkai.workdays.calendar import WorkdayCalendar
from tests.factories import CatalogueEntryFactory, make_staff
from tests.orgs.factories import MembershipFactory, UserFactory
from tests.reports.oversight_year import NOW, TODAY, Year, build, days, local

D = datetime.date
HORIZON = D(2025, 12, 29)  # five working days after Monday 22 December 2025

pytestmark = pytest.mark.django_db


def test_the_horizon_is_five_working_days():
    assert TODAY.weekday() == 0
    assert WorkdayCalendar().add_workdays(TODAY, digest.HORIZON_WORKDAYS).due == HORIZON


@pytest.fixture
def week(db):
    """A small week: for each area, records of 艺术科 that are late, due by the horizon, due after it, or
    done; a few of 产业发展科 and an unrouted message (the office's). Returns (year, titles)."""
    staff = make_staff()
    y = Year(staff)
    a, b = staff.dept, staff.other_dept
    listed, unlisted = {}, set()  # title → late? for 艺术科; titles never in 艺术科's digest

    def formed_for(due):
        return y.formed_for_due(due)

    # publications
    late = y.item(
        dept=a, formed_on=D(2025, 10, 9), published_at=None, expect="overdue", title="逾期未发布的通知"
    )
    listed[late.latest_revision.title] = True
    soon = y.item(
        dept=a,
        formed_on=formed_for(D(2025, 12, 24)),
        published_at=None,
        expect="pending",
        title="本周到期的通知",
    )
    listed[soon.latest_revision.title] = False
    y.item(
        dept=a,
        formed_on=formed_for(D(2026, 1, 20)),
        published_at=None,
        expect="pending",
        title="下月到期的通知",
    )
    unlisted.add("下月到期的通知")
    y.item(
        dept=a,
        formed_on=D(2025, 12, 1),
        published_at=local(D(2025, 12, 3)),
        expect="on_time",
        title="已发布的通知",
    )
    unlisted.add("已发布的通知")
    y.item(dept=b, formed_on=D(2025, 10, 9), published_at=None, expect="overdue", title="别的科室逾期的通知")
    unlisted.add("别的科室逾期的通知")
    # interpretations
    missing = y.document(a, local(D(2025, 11, 3)))
    listed[f"《{missing.latest_revision.title}》的政策解读"] = True
    due_soon = y.document(a, local(D(2025, 12, 15)))
    due_soon.refresh_from_db()
    assert due_soon.interpretation_due_on == HORIZON
    listed[f"《{due_soon.latest_revision.title}》的政策解读"] = False
    later = y.document(a, local(D(2025, 12, 19)))
    unlisted.add(f"《{later.latest_revision.title}》的政策解读")
    done = y.document(a, local(D(2025, 11, 4)))
    y.interpretation(done, local(D(2025, 11, 5)))
    unlisted.add(f"《{done.latest_revision.title}》的政策解读")
    # concern clocks
    case = y.case(a, local(D(2025, 12, 1)), status=CaseStatus.RESPONDING)
    y.settle(case.clocks.get(), "breached", a)
    listed[f"“{case.title}”:回应"] = True
    case = y.case(a, NOW - datetime.timedelta(hours=20), status=CaseStatus.ASSESSING)
    y.settle(case.clocks.get(), "running", a)
    listed[f"“{case.title}”:回应"] = False
    case = y.case(a, local(D(2025, 12, 2)), status=CaseStatus.CLOSED)
    y.settle(case.clocks.get(), "breached", a)
    unlisted.add(f"“{case.title}”:回应")
    case = y.case(a, local(D(2025, 12, 3)), status=CaseStatus.CLOSED)
    y.settle(case.clocks.get(), "on_time", a)
    unlisted.add(f"“{case.title}”:回应")
    # consultation feedback
    consultation = y.consultation(a, D(2025, 11, 3), None, "overdue")
    listed[f"《{consultation.title}》意见采纳情况反馈"] = True
    closes = next(
        D(2025, 12, 1) - days(n)
        for n in range(40)
        if TODAY <= consultation_rules.feedback_due(D(2025, 12, 1) - days(n), 15).due <= HORIZON
    )
    consultation = y.consultation(a, closes, None, "pending")
    listed[f"《{consultation.title}》意见采纳情况反馈"] = False
    consultation = y.consultation(a, D(2025, 12, 15), None, "pending")
    unlisted.add(f"《{consultation.title}》意见采纳情况反馈")
    # messages
    message = y.message(a, local(D(2025, 8, 4), 9), "over_limit")
    listed[f"{message.subject}(已超过3个月最长答复期限 2025-11-04)"] = True
    message = y.message(a, local(D(2025, 12, 19), 16), "pending")
    listed[message.subject] = False
    message = y.message(a, local(D(2025, 12, 1), 9), "on_time")
    unlisted.add(message.subject)
    other = y.message(b, local(D(2025, 12, 1), 9), "overdue")
    unlisted.add(other.subject)
    unrouted = y.message(None, local(D(2025, 12, 2), 9), "overdue")
    unlisted.add(unrouted.subject)
    # error reports
    target = y.published_item(a, local(D(2025, 6, 3)), title="纠错对象")
    report = y.error_report(target, local(D(2025, 12, 1), 9), "overdue")
    listed[f"{report.reference}(错别字,{report.page_url})"] = True
    report = y.error_report(target, local(D(2025, 12, 19), 17), "pending")
    listed[f"{report.reference}(错别字,{report.page_url})"] = False
    report = y.error_report(target, local(D(2025, 12, 1), 9), "on_time")
    unlisted.add(report.reference)
    # the catalogue: a news column due today, an empty one; the others' column
    heading = CatalogueEntryFactory(organization=staff.org, code="80", name="动态")
    news = CatalogueEntryFactory(
        organization=staff.org, code="8001", name="艺术要闻", parent=heading, responsible_department=a,
        column_kind=ColumnKind.NEWS, update_frequency=UpdateFrequency.AS_NEEDED,
    )  # fmt: skip
    y.published_item(a, local(TODAY - days(14)), entry=news, title="要闻")
    listed["动态 / 艺术要闻(应于 2025-12-22 前更新)"] = False
    CatalogueEntryFactory(
        organization=staff.org, code="8002", name="艺术空栏", parent=heading, responsible_department=a
    )
    listed["动态 / 艺术空栏(空白栏目)"] = True
    CatalogueEntryFactory(
        organization=staff.org, code="8003", name="产业空栏", parent=heading, responsible_department=b
    )
    unlisted.add("产业空栏")
    # findings on published content of 艺术科 (one line per item); a draft's is not listed
    public = y.published_item(a, local(D(2025, 10, 9)), title="有问题的已发布信息")
    y.finding(public.latest_revision, FindingSeverity.BLOCKING, n=1)
    y.finding(public.latest_revision, FindingSeverity.WARNING, n=2)
    listed["“有问题的已发布信息”有 2 处审核问题未处理"] = True
    draft = y.item(
        dept=a, formed_on=D(2025, 12, 18), published_at=None, expect="pending", title="有问题的草稿"
    )
    y.finding(draft.latest_revision, FindingSeverity.BLOCKING)
    unlisted.add("“有问题的草稿”有")
    # people: e-mail addresses, an office head, a drafter, a head of a department with nothing to report
    for user, address in ((staff.head, "head@example.gov.cn"), (staff.other_head, "other@example.gov.cn")):
        user.email = address
        user.save(update_fields=["email"])
    office_head = UserFactory(email="office@example.gov.cn")
    MembershipFactory(
        user=office_head, organization=staff.org, department=staff.office, roles=[Role.DEPARTMENT_HEAD]
    )
    quiet_head = UserFactory(email="policy@example.gov.cn")
    MembershipFactory(
        user=quiet_head, organization=staff.org, department=staff.policy, roles=[Role.DEPARTMENT_HEAD]
    )
    y.office_head, y.quiet_head = office_head, quiet_head
    return y, listed, unlisted


def send(at=NOW) -> int:
    """The digest as the Monday task sends it, with the clock at `at`."""
    with time_machine.travel(at, tick=False):
        return digest.send_weekly_digests()


def _mail_to(address):
    found = [m for m in mail.outbox if m.to == [address]]
    assert len(found) == 1, address
    return found[0]


def test_each_head_gets_their_department_once(week):
    y, listed, unlisted = week
    s = y.staff
    assert send(NOW) == 3
    told = sorted(Notification.objects.filter(kind=digest.DIGEST_KIND).values_list("recipient_id", flat=True))
    assert told == sorted([s.head.pk, s.other_head.pk, y.office_head.pk])
    assert len(mail.outbox) == 3

    entries = digest.collect(s.org, s.dept.pk, now=NOW)
    assert {e.title: e.late for e in entries} == listed
    body = _mail_to("head@example.gov.cn").body
    for title in listed:
        assert title in body, title
    for title in unlisted:
        assert title not in body, title
    n_late, n_soon = sum(listed.values()), sum(not v for v in listed.values())
    note = Notification.objects.get(kind=digest.DIGEST_KIND, recipient=s.head)
    assert f"已逾期 {n_late} 项" in note.message and f"到期 {n_soon} 项" in note.message
    assert note.url == f"/console/reports/oversight/?department={s.dept.pk}"
    assert f"已逾期 {n_late} 项" in _mail_to("head@example.gov.cn").subject

    other = _mail_to("other@example.gov.cn").body
    assert "别的科室逾期的通知" in other and "逾期未发布的通知" not in other
    office = _mail_to("office@example.gov.cn").body
    assert "(尚未分办)" in office and "公众留言" in office
    assert not [m for m in mail.outbox if m.to == ["policy@example.gov.cn"]]
    assert not Notification.objects.filter(recipient__in=[s.drafter, y.quiet_head, s.editor]).exists()


def test_once_a_week(week):
    y, _listed, _unlisted = week
    assert send(NOW) == 3
    # the same week again (a rerun, a restarted worker): nothing
    assert send(NOW + datetime.timedelta(days=2)) == 0
    assert send(NOW + datetime.timedelta(hours=1)) == 0
    assert send(local(D(2025, 12, 28), 23, 59)) == 0  # Sunday night, still the same week
    assert len(mail.outbox) == 3
    # next Monday: the late things are still late, so everyone hears again
    assert send(NOW + datetime.timedelta(days=7)) == 3
    assert Notification.objects.filter(kind=digest.DIGEST_KIND, recipient=y.staff.head).count() == 2


def test_inactive_people_and_organisations_hear_nothing(week):
    y, _listed, _unlisted = week
    y.staff.head.is_active = False
    y.staff.head.save(update_fields=["is_active"])
    assert send(NOW) == 2
    y.staff.org.is_active = False
    y.staff.org.save(update_fields=["is_active"])
    assert send(NOW + datetime.timedelta(days=7)) == 0


def test_a_failing_mail_server_keeps_the_console_notification(week, monkeypatch):
    def refuse(self, fail_silently=False):
        raise smtplib.SMTPException("mail server down")

    monkeypatch.setattr(digest.EmailMessage, "send", refuse)
    assert send(NOW) == 3
    assert Notification.objects.filter(kind=digest.DIGEST_KIND).count() == 3
    assert send(NOW) == 0  # told this week already


def test_nothing_to_report_sends_nothing(db):
    staff = make_staff()
    staff.head.email = "head@example.gov.cn"
    staff.head.save(update_fields=["email"])
    assert send(NOW) == 0
    assert mail.outbox == []


def test_the_task_runs_monday_eight_beijing_time(week):
    from huey.contrib.djhuey import HUEY

    # huey's clock is Beijing time (HUEY utc off): the task is due on Monday at 08:00 of that clock.
    monday_eight = datetime.datetime(2025, 12, 22, 8, 0)
    task = digest.weekly_digest.s()
    assert not HUEY.utc and task.validate_datetime(monday_eight)
    assert not task.validate_datetime(monday_eight - datetime.timedelta(hours=8))
    monday_utc = datetime.datetime(2025, 12, 22, 0, 0)
    assert digest.weekly_digest in HUEY._registry._registry.values() or any(
        "weekly_digest" in name for name in HUEY._registry._registry
    )
    assert digest.is_send_time(monday_utc, utc=True)
    assert not digest.is_send_time(datetime.datetime(2025, 12, 22, 8, 0), utc=True)  # 16:00 in Beijing
    assert not digest.is_send_time(datetime.datetime(2025, 12, 22, 0, 1), utc=True)
    assert not digest.is_send_time(datetime.datetime(2025, 12, 21, 0, 0), utc=True)  # Sunday
    assert digest.is_send_time(datetime.datetime(2025, 12, 22, 8, 0), utc=False)  # huey in local time
    assert not digest.is_send_time(datetime.datetime(2025, 12, 23, 8, 0), utc=False)
    with time_machine.travel(NOW, tick=False):
        digest.weekly_digest()
    assert Notification.objects.filter(kind=digest.DIGEST_KIND).count() == 3


def test_the_year_digest_lists_what_the_figures_call_open(db):
    """On the generated year: for every head, the dated areas list exactly the plan's open records due by
    the horizon (late ones whatever their date)."""
    y = build()
    areas = {
        "publications": ("overdue", "pending"),
        "consultation_feedback": ("overdue", "pending"),
        "messages": ("overdue", "over_limit", "pending"),
        "error_reports": ("overdue", "pending"),
    }
    for dept in (y.staff.dept, y.staff.other_dept, y.staff.office):
        entries = digest.collect(y.staff.org, dept.pk, now=NOW)
        for area, buckets in areas.items():
            wanted = {
                p.title
                for p in y.plans[area]
                if p.dept == dept.pk
                and p.bucket in buckets
                and (p.bucket != "pending" or p.anchor <= HORIZON)
            }
            got = [e for e in entries if e.area == area]
            assert len(got) == len(wanted), (dept.name, area)
            for title in wanted:
                assert any(title in e.title for e in got), (dept.name, area, title)
            assert all(e.late == (e.due < TODAY.isoformat()) for e in got if area != "messages")
        late_figures = oversight.counts("publications", y.staff.org, D(2000, 1, 1), D(2100, 1, 1), now=NOW)
        overdue = late_figures.get(dept.pk, {}).get("overdue", 0)
        assert sum(1 for e in entries if e.area == "publications" and e.late) == overdue
