"""The reminder before 31 January: on 10, 20, 25 and 30 January (a missed date caught up once), office
editors and leaders of organisations whose previous year's report is not published are told, once per
reminder date."""

import datetime

import pytest
import time_machine

from gongkai.catalogue.models import DocumentKind
from gongkai.console.models import Notification
from gongkai.orgs.constants import Role
from gongkai.publishing import services
from gongkai.publishing.models import InformationItem
from gongkai.reports import annual
from gongkai.reports.models import AnnualReminder
from gongkai.reports.tasks import annual_report_reminder
from tests.factories import ALL_BOTTOM_LINES, CatalogueEntryFactory, _person, make_staff
from tests.reports.test_annual_figures import balanced

pytestmark = pytest.mark.django_db

D = datetime.date


def at(day: datetime.date, hour: int = 9):
    """09:00 in Shanghai on that day."""
    return time_machine.travel(datetime.datetime(day.year, day.month, day.day, hour - 8, tzinfo=datetime.UTC))


@pytest.fixture
def staff(db):
    return make_staff()


def reminders(staff):
    return Notification.objects.filter(organization=staff.org, kind=annual.REMINDER_KIND)


def test_reminder_dates():
    assert [annual.reminder_date(D(2026, 1, d)) for d in (1, 9)] == [None, None]
    assert annual.reminder_date(D(2026, 1, 10)) == D(2026, 1, 10)
    assert annual.reminder_date(D(2026, 1, 19)) == D(2026, 1, 10)
    assert annual.reminder_date(D(2026, 1, 24)) == D(2026, 1, 20)
    assert annual.reminder_date(D(2026, 1, 31)) == D(2026, 1, 30)
    assert annual.reminder_date(D(2026, 2, 10)) is None
    assert annual.reminder_date(D(2025, 12, 30)) is None


def test_editors_and_leaders_are_told_once_per_reminder_date(staff):
    with at(D(2026, 1, 9)):
        assert annual.remind() == 0
    assert not reminders(staff).exists()

    with at(D(2026, 1, 10)):
        assert annual.remind() == 1
        assert annual.remind() == 0  # the same date again: nothing more
    first = list(reminders(staff))
    assert {n.recipient_id for n in first} == {staff.editor.pk, staff.editor2.pk, staff.leader.pk}
    message = first[0].message
    assert message == (
        "2025年政府信息公开工作年度报告尚未发布(当前:尚未填报),须于2026年1月31日前在“政府信息公开年报”栏目公布"
        "(条例第五十条),还有21天。"
    )
    assert first[0].url == "/console/reports/annual/2025/"

    with at(D(2026, 1, 11)):
        assert annual.remind() == 0
    with at(D(2026, 1, 20)):
        annual.save_report(user=staff.editor, organization=staff.org, year=2025, values=balanced())
        assert annual.remind() == 1
    assert reminders(staff).count() == 6
    assert "(当前:草稿)" in reminders(staff).order_by("-pk").first().message
    # The worker was down on the 25th and the 30th: one catch-up on the 31st, not two.
    with at(D(2026, 1, 31)):
        assert annual.remind() == 1
        assert annual.remind() == 0
    assert reminders(staff).count() == 9
    assert list(
        AnnualReminder.objects.filter(organization=staff.org).values_list("reminder_on", "recipients")
    ) == [
        (D(2026, 1, 10), 3),
        (D(2026, 1, 20), 3),
        (D(2026, 1, 30), 3),
    ]
    with at(D(2026, 2, 1)):
        assert annual.remind() == 0


def test_a_published_report_stops_the_reminders(staff):
    office_head = _person(staff.org, staff.office, [Role.DEPARTMENT_HEAD])
    CatalogueEntryFactory(
        organization=staff.org, code="nb", name="年报", document_kind=DocumentKind.ANNUAL_REPORT
    )
    other = make_staff()
    other.org.is_active = False
    other.org.save()
    late = make_staff()
    texts = {"overview": "总体情况。", "problems": "问题。", "other_matters": "其他。"}
    with at(D(2026, 1, 8)):
        report = annual.save_report(
            user=staff.editor, organization=staff.org, year=2025, values={**balanced(), **texts}
        )
        item = annual.generate_publication(user=staff.editor, report=report, topic=staff.topic)
        services.submit_for_review(user=staff.editor, item=item)
        for person in (office_head, staff.secrecy, staff.editor2, staff.leader):
            services.approve_step(user=person, item=item, opinion="同意", bottom_lines=ALL_BOTTOM_LINES)
    with at(D(2026, 1, 10)):
        assert annual.remind() == 2  # not yet published: this one and `late`
    assert "(当前:已生成发布稿(待审核发布))" in reminders(staff).first().message
    with at(D(2026, 1, 15)):
        services.publish(user=staff.editor2, item=InformationItem.objects.get(pk=item.pk))
    with at(D(2026, 1, 20)):
        assert annual.remind() == 1  # only `late`
    assert reminders(staff).count() == 3
    assert not Notification.objects.filter(organization=other.org).exists()  # inactive organisation
    assert Notification.objects.filter(organization=late.org, kind=annual.REMINDER_KIND).count() == 6


def test_the_periodic_task_runs_daily_in_january_and_applies_the_rule(staff):
    runs = annual_report_reminder.task_class().validate_datetime
    moment = datetime.datetime
    assert runs(moment(2026, 1, 10, 9, 0)) and runs(moment(2026, 1, 11, 9, 0))
    assert not runs(moment(2026, 1, 10, 10, 0))
    assert not runs(moment(2026, 2, 10, 9, 0))
    with at(D(2026, 1, 25)):
        annual_report_reminder.call_local()
    assert reminders(staff).count() == 3
