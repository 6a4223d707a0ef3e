"""Every state change is audited with the person who caused it, and changes made by jobs leave a record
too (a review of 2026-12-02 found a poll asked for by a person and a reopening caused by one recorded as
the system's, and legal deadlines moved by the hourly and daily jobs with no record of the old one)."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from gongkai.audit.models import AuditEvent
from gongkai.concerns import services as concern_services
from gongkai.concerns.constants import CaseStatus, SourceKind
from gongkai.concerns.models import Case, Mention, MonitoringRule, Source
from gongkai.participation import consultations
from gongkai.participation.models import Consultation
from gongkai.publishing import scheduled
from gongkai.workdays import services as workdays
from tests.concerns.factories import make_case
from tests.factories import make_draft, make_staff

pytestmark = pytest.mark.django_db

FEED = """<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>
<item><title>景区排队两小时</title><link>https://example.cn/a/1</link>
<description>景区排队两小时无人管</description></item></channel></rss>"""


def test_a_poll_asked_for_by_a_person_names_them_and_its_mentions_stay_machine_collected(
    client, settings, tmp_path
):
    settings.GONGKAI_CONCERN_LOCAL_ROOT = str(tmp_path)
    cache.clear()
    staff = make_staff()
    MonitoringRule.objects.create(organization=staff.org, name="景区", terms="景区")
    (tmp_path / "feed.xml").write_text(FEED, encoding="utf-8")
    source = Source.objects.create(
        organization=staff.org, name="本地订阅", kind=SourceKind.LOCAL, url="feed.xml"
    )
    client.force_login(staff.monitor, backend="django.contrib.auth.backends.ModelBackend")
    assert client.post(reverse("concerns:source_poll", args=[source.pk])).status_code == 302
    events = AuditEvent.objects.filter(
        action__in=["concerns.source_polled", "concerns.mentions_ingested", "concerns.case_opened"]
    )
    assert {e.action for e in events} == {
        "concerns.source_polled",
        "concerns.mentions_ingested",
        "concerns.case_opened",
    }
    assert all(e.actor_id == staff.monitor.pk for e in events)
    assert Mention.objects.get().created_by is None  # not entered by hand: no 录入人


def test_moving_a_mention_into_a_closed_case_reopens_it_in_the_movers_name():
    staff = make_staff()
    closed = make_case(staff)
    now = timezone.now()
    Case.objects.filter(pk=closed.pk).update(
        status=CaseStatus.CLOSED, closed_at=now, watch_until=now + datetime.timedelta(days=7)
    )
    mention = make_case(staff).mentions.first()
    concern_services.move_mention(user=staff.editor, mention=mention, case=Case.objects.get(pk=closed.pk))
    reopened = AuditEvent.objects.get(action="concerns.case_reopened", object_id=str(closed.pk))
    assert reopened.actor_id == staff.editor.pk
    assert closed.events.get(kind="reopened").actor_id == staff.editor.pk  # the case's own timeline too


def _day_off_before(due: datetime.date) -> datetime.date:
    day = due - datetime.timedelta(days=1)
    while day.weekday() >= 5:
        day -= datetime.timedelta(days=1)
    return day


def test_a_publication_deadline_moved_by_the_calendar_keeps_the_old_one_on_record():
    staff = make_staff()
    item = make_draft(staff)
    item.refresh_from_db()
    due = item.publication_due_on
    workdays.set_override(_day_off_before(due), False, "调休", actor=staff.system_admin)
    assert scheduled.recompute_publication_deadlines() == 1
    item.refresh_from_db()
    event = AuditEvent.objects.get(action="publishing.deadline.recomputed", object_id=str(item.pk))
    assert event.data["from"] == due.isoformat() and event.data["to"] == item.publication_due_on.isoformat()
    assert item.publication_due_on > due
    assert scheduled.recompute_publication_deadlines() == 0  # nothing moved: nothing recorded
    assert AuditEvent.objects.filter(action="publishing.deadline.recomputed").count() == 1


def test_a_provisional_feedback_deadline_recomputed_keeps_the_old_one_on_record():
    from tests.participation.test_consultations import close_with_comment

    staff = make_staff()
    consultation = close_with_comment(staff)
    Consultation.objects.filter(pk=consultation.pk).update(
        feedback_due_provisional=True,
        feedback_due_on=consultation.feedback_due_on - datetime.timedelta(days=3),
    )
    consultations.escalate_feedback()
    event = AuditEvent.objects.get(action="participation.feedback_due_recomputed")
    assert event.object_id == str(consultation.pk) and event.data["to"]
    consultations.escalate_feedback()  # now settled: nothing to recompute, nothing recorded
    assert AuditEvent.objects.filter(action="participation.feedback_due_recomputed").count() == 1


def test_every_audit_action_written_in_the_code_is_registered():
    """registry.check() refuses an unknown action at run time; this finds a misspelt one on a path no
    other test takes. It reads every literal given as ``action=`` or as the first argument of the apps'
    ``_audit(...)`` helpers, and constants named ``*ACTION``."""
    import ast
    import pathlib

    import gongkai
    from gongkai.audit.registry import registry

    used: dict[str, str] = {}
    for path in pathlib.Path(gongkai.__file__).parent.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            found = []
            if isinstance(node, ast.Call):
                found += [k.value for k in node.keywords if k.arg == "action"]
                name = getattr(node.func, "attr", getattr(node.func, "id", ""))
                if name == "_audit" and node.args:
                    found.append(node.args[0])
            elif isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id.endswith("ACTION") for t in node.targets
            ):
                found.append(node.value)
            for value in found:
                if isinstance(value, ast.Constant) and isinstance(value.value, str) and "." in value.value:
                    used.setdefault(value.value, f"{path.name}:{node.lineno}")
    assert len(used) > 80  # the scan sees the code's actions (so it can fail)
    unknown = {action: where for action, where in used.items() if not registry.is_registered(action)}
    assert not unknown, unknown


def test_the_january_reminder_of_the_annual_report_is_on_record_once_per_date():
    import time_machine

    from gongkai.reports import annual

    staff = make_staff()
    with time_machine.travel(datetime.datetime(2026, 1, 10, 1, tzinfo=datetime.UTC)):
        told = annual.remind()
        assert told >= 1 and annual.remind() == 0  # every active organisation once; then none
    assert AuditEvent.objects.filter(action="reports.annual.reminded").count() == told
    event = AuditEvent.objects.get(action="reports.annual.reminded", organization=staff.org)
    assert event.data["reminder_on"] == "2026-01-10"
    assert event.data["recipients"] == 3  # two office editors and the leader


def test_the_default_review_chain_made_at_the_first_submission_is_on_record():
    from gongkai.publishing import services as publishing
    from gongkai.publishing.models import ReviewStep

    staff = make_staff()
    ReviewStep.objects.filter(organization=staff.org).delete()
    made = AuditEvent.objects.filter(action="publishing.chain.created", organization=staff.org)
    before = made.count()  # the factory's own chain
    publishing.submit_for_review(user=staff.drafter, item=make_draft(staff))
    assert made.count() == before + 1
    event = made.order_by("-pk").first()
    assert [step[1] for step in event.data["steps"]] == list(
        ReviewStep.objects.filter(organization=staff.org).order_by("position").values_list("name", flat=True)
    )
    publishing.submit_for_review(user=staff.drafter, item=make_draft(staff))
    assert made.count() == before + 1  # the chain exists now: nothing more
