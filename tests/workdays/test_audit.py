"""Every change to the working-day calendar is one audit event; a call that changes nothing, none."""

from datetime import date

import pytest
from django.core.management import call_command
from django.test import RequestFactory

from gongkai.audit.models import AuditEvent
from gongkai.workdays import services
from gongkai.workdays.models import CalendarOverride, PublishedYear
from tests.orgs.factories import UserFactory

pytestmark = pytest.mark.django_db


def events():
    return list(AuditEvent.objects.order_by("seq"))


def test_set_override_records_one_event_with_the_actor():
    actor = UserFactory()
    override = services.set_override(date(2027, 1, 4), is_workday=False, note="元旦调休", actor=actor)
    [event] = events()
    assert event.action == "workdays.override.set"
    assert event.actor == actor
    assert event.object_type == "workdays.calendaroverride"
    assert event.object_id == str(override.pk)
    assert event.organization_id is None
    assert event.data == {
        "date": "2027-01-04",
        "is_workday": False,
        "note": "元旦调休",
        "created": True,
        "previous": None,
    }


def test_replacing_an_override_records_what_it_was():
    services.set_override(date(2027, 1, 4), is_workday=False, note="first")
    services.set_override(date(2027, 1, 4), is_workday=True, note="corrected")
    first, second = events()
    assert second.action == "workdays.override.set"
    assert second.data["created"] is False
    assert second.data["previous"] == {"date": "2027-01-04", "is_workday": False, "note": "first"}


def test_setting_the_same_override_again_records_nothing():
    services.set_override(date(2027, 1, 4), is_workday=False, note="same")
    services.set_override(date(2027, 1, 4), is_workday=False, note="same")
    assert len(events()) == 1


def test_delete_override_records_one_event_and_nothing_when_there_was_none():
    actor = UserFactory()
    override = services.set_override(date(2027, 1, 4), is_workday=False, note="x")
    assert services.delete_override(date(2027, 1, 4), actor=actor)
    assert not CalendarOverride.objects.exists()
    assert not services.delete_override(date(2027, 1, 4), actor=actor)
    set_event, deleted = events()
    assert deleted.action == "workdays.override.deleted"
    assert deleted.actor == actor
    assert deleted.object_id == str(override.pk)
    assert deleted.data == {"date": "2027-01-04", "is_workday": False, "note": "x"}


def test_mark_year_published_records_one_event():
    actor = UserFactory()
    published = services.mark_year_published(2027, note="国办发明电〔2026〕1号", actor=actor)
    [event] = events()
    assert event.action == "workdays.year.published"
    assert event.actor == actor
    assert event.object_id == str(published.pk)
    assert event.data == {"year": 2027, "note": "国办发明电〔2026〕1号", "previous_note": None}

    services.mark_year_published(2027, actor=actor)  # already marked, no new note: nothing changes
    assert len(events()) == 1
    services.mark_year_published(2027, note="更正", actor=actor)
    assert PublishedYear.objects.get().note == "更正"
    assert events()[-1].data["previous_note"] == "国办发明电〔2026〕1号"


def test_unmark_year_published_records_one_event():
    actor = UserFactory()
    services.mark_year_published(2027, note="n")
    assert services.unmark_year_published(2027, actor=actor)
    assert not services.unmark_year_published(2027, actor=actor)
    marked, unmarked = events()
    assert unmarked.action == "workdays.year.unpublished"
    assert unmarked.actor == actor
    assert unmarked.data == {"year": 2027, "note": "n"}


def test_a_request_gives_the_event_its_address():
    request = RequestFactory().post("/admin/", REMOTE_ADDR="203.0.113.5")
    services.set_override(date(2027, 1, 9), is_workday=True, actor=UserFactory(), request=request)
    assert events()[0].ip_address == "203.0.113.5"


def test_the_chain_verifies_after_calendar_changes(capsys):
    services.set_override(date(2027, 1, 4), is_workday=False)
    services.mark_year_published(2027)
    services.delete_override(date(2027, 1, 4))
    services.unmark_year_published(2027)
    call_command("verify_audit")
    assert "共 4 条事件" in capsys.readouterr().out
