"""Catalogue consistency (P9, 国办秘函〔2019〕19号): empty and overdue columns, the risk flag, the page
and the daily warnings."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from gongkai.catalogue import health
from gongkai.catalogue.constants import ColumnKind, UpdateFrequency
from gongkai.console.models import Notification
from gongkai.publishing.constants import ItemStatus, RevisionStatus
from gongkai.publishing.models import InformationItem, Revision
from tests.factories import PASSWORD, CatalogueEntryFactory, make_staff  # noqa: F401

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
TODAY = datetime.date(2026, 11, 25)


def at_day(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(10, 0), tzinfo=TZ)


def publish_in(staff, entry, *, days_ago=0, effective_on=None, **item_fields) -> InformationItem:
    """A published item in `entry` whose live revision went out `days_ago` days before TODAY."""
    when = at_day(TODAY - datetime.timedelta(days=days_ago))
    item = InformationItem.objects.create(
        organization=staff.org,
        status=ItemStatus.PUBLISHED,
        created_by=staff.drafter,
        published_at=when,
        first_published_at=when,
        **item_fields,
    )
    revision = Revision.objects.create(
        item=item,
        number=1,
        status=RevisionStatus.PUBLISHED,
        title=f"信息{item.pk}",
        publisher="市文旅局",
        lead_department=staff.dept,
        formed_on=when.date(),
        effective_on=effective_on,
        catalogue_entry=entry,
        created_by=staff.drafter,
        published_at=when,
    )
    InformationItem.objects.filter(pk=item.pk).update(live_revision=revision, latest_revision=revision)
    return item


def column(staff, **fields):
    fields.setdefault("responsible_department", staff.dept)
    return CatalogueEntryFactory(organization=staff.org, **fields)


def state_of(staff, entry):
    report = health.check(staff.org, TODAY)
    return next(c for c in report.columns if c.entry.pk == entry.pk).state


@pytest.fixture
def staff():
    return make_staff()


# --- classification --------------------------------------------------------------------------------


def test_a_column_without_published_items_is_empty(staff):
    entry = column(staff, column_kind=ColumnKind.NEWS)
    assert state_of(staff, entry) == health.EMPTY


@pytest.mark.parametrize(
    ("kind", "days_ago", "state"),
    [
        (ColumnKind.NEWS, 14, health.OK),
        (ColumnKind.NEWS, 15, health.OVERDUE),
        (ColumnKind.POLICY, 183, health.OK),
        (ColumnKind.POLICY, 184, health.OVERDUE),
        (ColumnKind.OTHER, 2000, health.OK),
    ],
)
def test_news_columns_are_overdue_after_two_weeks_and_policy_columns_after_six_months(
    staff, kind, days_ago, state
):
    entry = column(staff, column_kind=kind)
    publish_in(staff, entry, days_ago=days_ago)
    with time_machine.travel(at_day(TODAY), tick=False):
        report = health.check(staff.org)
    assert report.today == TODAY
    assert next(c for c in report.columns if c.entry.pk == entry.pk).state == state


@pytest.mark.parametrize(
    ("frequency", "kind", "limit"),
    [
        (UpdateFrequency.MONTHLY, ColumnKind.OTHER, 31),
        (UpdateFrequency.QUARTERLY, ColumnKind.OTHER, 92),
        (UpdateFrequency.YEARLY, ColumnKind.OTHER, 366),
        (UpdateFrequency.MONTHLY, ColumnKind.NEWS, 14),  # the stricter rule wins
        (UpdateFrequency.YEARLY, ColumnKind.POLICY, 183),
        (UpdateFrequency.REAL_TIME, ColumnKind.NEWS, 14),  # real time: only the kind rule
        (UpdateFrequency.AS_NEEDED, ColumnKind.POLICY, 183),
    ],
)
def test_the_update_frequency_sets_a_limit_too(staff, frequency, kind, limit):
    on_time = column(staff, update_frequency=frequency, column_kind=kind)
    late = column(staff, update_frequency=frequency, column_kind=kind)
    publish_in(staff, on_time, days_ago=limit)
    publish_in(staff, late, days_ago=limit + 1)
    assert state_of(staff, on_time) == health.OK
    assert state_of(staff, late) == health.OVERDUE


def test_only_the_latest_publication_of_a_column_counts(staff):
    entry = column(staff, column_kind=ColumnKind.NEWS)
    publish_in(staff, entry, days_ago=100)
    publish_in(staff, entry, days_ago=3)
    row = next(c for c in health.check(staff.org, TODAY).columns if c.entry.pk == entry.pk)
    assert (row.state, row.item_count, row.last_published_on) == (
        health.OK,
        2,
        TODAY - datetime.timedelta(days=3),
    )


def test_headings_are_not_columns_and_items_in_them_are_listed(staff):
    heading = column(staff, name="法定主动公开内容")
    leaf = column(staff, parent=heading, name="机构职能")
    in_heading = publish_in(staff, heading)
    nowhere = publish_in(staff, None)
    publish_in(staff, leaf)
    report = health.check(staff.org, TODAY)
    assert heading.pk not in {c.entry.pk for c in report.columns}
    assert next(c for c in report.columns if c.entry.pk == leaf.pk).path == ["法定主动公开内容", "机构职能"]
    assert {i.pk for i in report.misplaced} == {in_heading.pk, nowhere.pk}


def test_withdrawn_items_do_not_count(staff):
    entry = column(staff)
    item = publish_in(staff, entry)
    InformationItem.objects.filter(pk=item.pk).update(status=ItemStatus.WITHDRAWN)
    assert state_of(staff, entry) == health.EMPTY


def test_normative_documents_in_force_five_years_without_dates_need_confirming(staff):
    heading = column(staff, name="行政规范性文件")
    leaf = column(staff, parent=heading, name="本部门文件")
    old = publish_in(staff, leaf, effective_on=datetime.date(2021, 11, 25))
    publish_in(staff, leaf, effective_on=datetime.date(2021, 11, 26))  # not yet five years
    publish_in(staff, leaf, effective_on=datetime.date(2019, 1, 1), expires_on=datetime.date(2030, 1, 1))
    publish_in(staff, leaf, effective_on=datetime.date(2019, 1, 1), abolished_on=datetime.date(2024, 1, 1))
    publish_in(staff, column(staff, name="工作动态"), effective_on=datetime.date(2019, 1, 1))
    report = health.check(staff.org, TODAY)
    assert [i.pk for i in report.validity_unconfirmed] == [old.pk]


# --- risk ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("problems", "risk"), [(4, False), (5, True)])
def test_five_empty_or_overdue_columns_put_the_inspection_at_risk(staff, problems, risk):
    staff.entry.delete()
    for n in range(problems):
        entry = column(staff, column_kind=ColumnKind.NEWS)
        if n % 2:
            publish_in(staff, entry, days_ago=30)
    publish_in(staff, column(staff, column_kind=ColumnKind.NEWS), days_ago=1)
    report = health.check(staff.org, TODAY)
    assert len(report.empty) + len(report.overdue) == problems
    assert report.risk is risk


@pytest.mark.parametrize("leaves", [10, 30])
def test_the_check_takes_a_constant_number_of_queries(staff, django_assert_max_num_queries, leaves):
    heading = column(staff, name="行政规范性文件")
    parent = column(staff, parent=heading, name="分类")
    for n in range(leaves):
        entry = column(staff, parent=parent, column_kind=ColumnKind.NEWS)
        if n % 3 == 0:
            publish_in(staff, entry, days_ago=n, effective_on=datetime.date(2018, 1, 1))
    publish_in(staff, heading)
    with django_assert_max_num_queries(4):
        report = health.check(staff.org, TODAY)
        assert len(report.columns) == leaves + 1  # and the factory's own entry
        assert [c.path_label for c in report.columns][:1]
        assert all(i.live_revision.lead_department.name for i in report.validity_unconfirmed)
        assert report.misplaced[0].live_revision.catalogue_entry.name == "行政规范性文件"


# --- the page --------------------------------------------------------------------------------------


def login(client, user):
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_office_editors_see_every_column_and_the_risk_warning(client, staff):
    mine = column(staff, name="艺术科栏目")
    theirs = column(staff, name="产业科栏目", responsible_department=staff.other_dept)
    for _ in range(3):
        column(staff)
    body = login(client, staff.editor).get("/console/catalogue/health/").content.decode()
    assert mine.name in body and theirs.name in body
    assert "达到或超过 5 个,政府网站检查将被判定为单项否决" in body
    assert "目录健康" in body


def test_a_department_head_sees_the_columns_of_their_department(client, staff):
    mine = column(staff, name="艺术科栏目")
    theirs = column(staff, name="产业科栏目", responsible_department=staff.other_dept)
    response = login(client, staff.head).get("/console/catalogue/health/")
    body = response.content.decode()
    assert response.status_code == 200
    assert mine.name in body and theirs.name not in body


def test_drafters_are_refused_in_chinese(client, staff):
    response = login(client, staff.drafter).get("/console/catalogue/health/")
    assert response.status_code == 403
    assert "只有办公室编辑和科室负责人可以查看目录健康情况" in response.content.decode()
    assert "/console/catalogue/health/" not in login(client, staff.drafter).get("/console/").content.decode()


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get("/console/catalogue/health/")
    assert response.status_code == 302 and "/login/" in response["Location"]


# --- the daily job ---------------------------------------------------------------------------------


def inbox(user):
    return list(Notification.objects.filter(recipient=user, kind=health.NOTIFICATION_KIND))


def test_the_daily_job_warns_the_responsible_heads_and_the_office_once_a_day(staff):
    empty = column(staff, name="空白栏目甲")
    late = column(staff, name="过期栏目乙", column_kind=ColumnKind.NEWS)
    publish_in(staff, late, days_ago=20)
    other = column(staff, name="产业栏目丙", responsible_department=staff.other_dept)
    with time_machine.travel(at_day(TODAY), tick=False):
        from gongkai.catalogue.tasks import catalogue_health

        catalogue_health.call_local()
        catalogue_health.call_local()  # the same day again: nothing new
    (head_note,) = inbox(staff.head)
    assert empty.name in head_note.message and late.name in head_note.message
    assert other.name not in head_note.message
    assert head_note.url == "/console/catalogue/health/"
    (other_note,) = inbox(staff.other_head)
    assert other.name in other_note.message and empty.name not in other_note.message
    for editor in (staff.editor, staff.editor2):
        (note,) = inbox(editor)
        assert "合计 4 个" in note.message  # the factory's own entry has no department: empty too
    assert inbox(staff.drafter) == [] and inbox(staff.leader) == []

    # The next day the warnings come again.
    with time_machine.travel(at_day(TODAY + datetime.timedelta(days=1)), tick=False):
        health.notify_all()
    assert len(inbox(staff.head)) == 2 and len(inbox(staff.editor)) == 2


def test_a_changed_set_of_columns_is_announced_the_same_day(staff):
    column(staff, name="空白栏目甲")
    with time_machine.travel(at_day(TODAY), tick=False):
        health.notify_all()
        column(staff, name="新增栏目丁")
        health.notify_all()
    assert len(inbox(staff.head)) == 2
    assert len(inbox(staff.editor)) == 1  # the office hears the totals once a day


def test_inactive_organisations_are_not_checked(staff):
    column(staff)
    staff.org.is_active = False
    staff.org.save()
    assert health.notify_all(TODAY) == 0
