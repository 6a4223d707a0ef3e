"""Who sees which 政务舆情 pages: the office, the monitors and the leaders see everything; the responsible
department sees its cases (its head handles them); sources and settings are kept by the office and the
monitors; anyone else gets the Chinese 403 page, another organisation's records a 404."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from gongkai.concerns import services
from gongkai.concerns.constants import Channel, Severity, SourceKind
from gongkai.concerns.models import Alert, Mention, MonitoringRule, Source, Webhook
from tests.factories import make_staff

pytestmark = pytest.mark.django_db

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def login(client, user):
    client.force_login(user, backend=MODEL_BACKEND)
    return client


@pytest.fixture
def staff():
    return make_staff()


@pytest.fixture
def case(staff):
    return services.open_case(
        organization=staff.org,
        title="演出退票纠纷",
        detected_at=timezone.now() - datetime.timedelta(hours=2),
        severity=Severity.LARGER,
        department=staff.dept,
    )


def status(client, user, url, method="get", data=None):
    login(client, user)
    return getattr(client, method)(url, data or {}).status_code


def test_the_case_page_shows_to_the_right_people_and_only_their_sections(client, staff, case):
    url = reverse("concerns:case", args=[case.pk])
    assess = reverse("concerns:case_assess", args=[case.pk])
    classify = reverse("concerns:case_classify", args=[case.pk])
    report = reverse("concerns:case_report", args=[case.pk])
    for person in (staff.editor, staff.monitor, staff.leader):
        html = login(client, person).get(url).content.decode()
        assert "演出退票纠纷" in html
        assert assess in html and classify in html and report in html, person
    # The head of the responsible department handles the case, but does not set severity or close it.
    html = login(client, staff.head).get(url).content.decode()
    assert assess in html and report in html and classify not in html
    # Its other people see it and record what they did.
    html = login(client, staff.drafter).get(url).content.decode()
    assert report in html and assess not in html and classify not in html and "转为“" not in html


def test_others_get_a_chinese_403_and_another_organisation_a_404(client, staff, case):
    url = reverse("concerns:case", args=[case.pk])
    for person in (staff.other_drafter, staff.other_head, staff.secrecy, staff.policy_reviewer):
        response = login(client, person).get(url)
        assert response.status_code == 403, person
        assert "只有办公室、舆情监测员、局领导和责任科室可以查看该舆情事件" in response.content.decode()
    other = make_staff()
    for person in (other.editor, other.monitor, other.leader):
        assert login(client, person).get(url).status_code == 404
        assert (
            login(client, person).get(reverse("concerns:case_reports_docx", args=[case.pk])).status_code
            == 404
        )
    client.logout()
    response = client.get(url)
    assert response.status_code == 302 and "/login/" in response.url


def test_refused_actions_change_nothing(client, staff, case):
    cases = [
        (staff.head, "case_classify", {"classify-severity": Severity.MAJOR}),
        (staff.head, "case_close", {"close-note": "办结"}),
        (staff.drafter, "case_assess", {"assess-background": "背景"}),
        (staff.drafter, "case_move", {"move-to": "consulting"}),
        (
            staff.other_drafter,
            "case_report",
            {"report-kind": "initial", "report-recipients": "市委", "report-content": "事实"},
        ),
        (staff.other_head, "case_referral", {"referral-authority": "police", "referral-content": "线索"}),
        (staff.other_head, "case_draft_website", {}),
    ]
    events = case.events.count()
    for person, action, data in cases:
        response = login(client, person).post(reverse(f"concerns:{action}", args=[case.pk]), data)
        assert response.status_code == 403, (person, action)
        assert "只有" in response.content.decode()
    case.refresh_from_db()
    assert case.severity == Severity.LARGER and case.status == "new" and case.background == ""
    assert case.events.count() == events and not case.reports.exists() and not case.responses.exists()


def test_the_case_list_shows_each_person_what_they_may_see(client, staff, case):
    services.open_case(
        organization=staff.org, title="产业科的事件", detected_at=timezone.now(), department=staff.other_dept
    )
    services.open_case(organization=staff.org, title="未指定科室的事件", detected_at=timezone.now())
    url = reverse("concerns:cases")
    html = login(client, staff.editor).get(url).content.decode()
    assert "演出退票纠纷" in html and "产业科的事件" in html and "未指定科室的事件" in html
    html = login(client, staff.drafter).get(url).content.decode()
    assert "演出退票纠纷" in html and "产业科的事件" not in html and "未指定科室的事件" not in html
    html = login(client, staff.other_head).get(url + f"?department={staff.dept.pk}").content.decode()
    assert "产业科的事件" in html and "演出退票纠纷" not in html
    other = make_staff()
    html = login(client, other.editor).get(url).content.decode()
    assert "演出退票纠纷" not in html and "没有符合条件的舆情事件" in html


def test_the_organisation_wide_pages_are_for_the_office_the_monitors_and_the_leaders(client, staff):
    alert = Alert.objects.create(organization=staff.org, window_minutes=60, count=9, baseline=1.0)
    mention = Mention.objects.create(
        organization=staff.org, channel=Channel.MANUAL, title="未归入事件的信息", content_hash="x"
    )
    pages = [
        reverse("concerns:mentions"),
        reverse("concerns:dashboard"),
        reverse("concerns:alerts"),
        reverse("concerns:mention", args=[mention.pk]),
    ]
    for person in (staff.editor, staff.monitor, staff.leader):
        for url in pages:
            assert status(client, person, url) == 200, (person, url)
    for person in (staff.head, staff.drafter, staff.other_head, staff.system_admin):
        for url in pages:
            assert status(client, person, url) == 403, (person, url)
        assert status(client, person, reverse("concerns:alert_acknowledge", args=[alert.pk]), "post") == 403
    alert.refresh_from_db()
    assert alert.acknowledged_at is None
    other = make_staff()
    assert status(client, other.editor, reverse("concerns:mention", args=[mention.pk])) == 404
    assert status(client, other.editor, reverse("concerns:alert_acknowledge", args=[alert.pk]), "post") == 404


def test_a_mention_of_a_case_shows_to_the_responsible_department_screenshot_included(client, staff, case):
    from django.core.files.base import ContentFile

    mention = Mention.objects.create(
        organization=staff.org, channel=Channel.MANUAL, title="退票难", content_hash="y", case=case
    )
    mention.screenshot.save("shot.png", ContentFile(b"\x89PNG\r\n\x1a\nrest"), save=True)
    shot = reverse("concerns:mention_screenshot", args=[mention.pk])
    for person in (staff.editor, staff.head, staff.drafter):
        assert status(client, person, reverse("concerns:mention", args=[mention.pk])) == 200
        assert status(client, person, shot) == 200
    assert status(client, staff.other_drafter, shot) == 403
    assert status(client, make_staff().editor, shot) == 404
    # The head may see the mention but not move it (moving is the coordinators').
    html = login(client, staff.head).get(reverse("concerns:mention", args=[mention.pk])).content.decode()
    assert reverse("concerns:mention_move", args=[mention.pk]) not in html
    assert (
        status(
            client, staff.head, reverse("concerns:mention_move", args=[mention.pk]), "post", {"target": "new"}
        )
        == 403
    )


def test_manual_entry_is_for_coordinators_and_department_heads(client, staff):
    url = reverse("concerns:mention_create")
    for person in (staff.editor, staff.monitor, staff.leader, staff.head, staff.other_head):
        assert status(client, person, url) == 200
    for person in (staff.drafter, staff.secrecy, staff.system_admin):
        response = login(client, person).get(url)
        assert response.status_code == 403 and "科室负责人可以录入舆情信息" in response.content.decode()


def test_sources_rules_settings_and_robots_are_kept_by_the_office_and_the_monitors(client, staff):
    source = Source.objects.create(
        organization=staff.org, name="订阅", kind=SourceKind.FEED, url="https://e.cn/r"
    )
    rule = MonitoringRule.objects.create(organization=staff.org, name="规则", terms="文旅局")
    webhook = Webhook.objects.create(organization=staff.org, name="群", kind="wecom", url="https://e.cn/hook")
    pages = [
        reverse("concerns:sources"),
        reverse("concerns:source_create"),
        reverse("concerns:source_edit", args=[source.pk]),
        reverse("concerns:rules"),
        reverse("concerns:rule_create"),
        reverse("concerns:rule_edit", args=[rule.pk]),
        reverse("concerns:categories"),
        reverse("concerns:settings"),
        reverse("concerns:webhooks"),
        reverse("concerns:webhook_create"),
        reverse("concerns:webhook_edit", args=[webhook.pk]),
    ]
    for person in (staff.editor, staff.monitor):
        for url in pages:
            assert status(client, person, url) == 200, (person, url)
    for person in (staff.leader, staff.head, staff.drafter):
        for url in pages:
            response = login(client, person).get(url)
            assert response.status_code == 403, (person, url)
            assert "只有办公室编辑和舆情监测员可以管理舆情来源" in response.content.decode()
        for name in ("source_poll", "source_enable"):
            assert status(client, person, reverse(f"concerns:{name}", args=[source.pk]), "post") == 403
        assert status(client, person, reverse("concerns:webhook_test", args=[webhook.pk]), "post") == 403
        assert (
            status(client, person, reverse("concerns:settings"), "post", {"escalation_points": "10"}) == 403
        )
    other = make_staff()
    assert status(client, other.editor, reverse("concerns:source_edit", args=[source.pk])) == 404
    assert status(client, other.editor, reverse("concerns:rule_edit", args=[rule.pk])) == 404
    assert status(client, other.editor, reverse("concerns:webhook_edit", args=[webhook.pk])) == 404
    assert status(client, other.editor, reverse("concerns:source_poll", args=[source.pk]), "post") == 404


def test_a_get_on_an_action_is_refused_politely(client, staff, case):
    login(client, staff.editor)
    for name in ("case_assess", "case_move", "case_close", "case_report", "case_response", "case_referral"):
        assert client.get(reverse(f"concerns:{name}", args=[case.pk])).status_code == 405
