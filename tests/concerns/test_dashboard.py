"""The dashboard's figures, each one query, checked exactly against generated data: mentions per local
day and channel, open cases per severity, and the clocks met on time / met late / past due / running."""

from __future__ import annotations

import datetime
import json
import re
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from gongkai.concerns import selectors, services
from gongkai.concerns.constants import CaseStatus, Channel, ClockKind, Severity
from gongkai.concerns.models import Case, Clock, Mention
from tests.factories import make_staff

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def at(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    """A moment of November 2026, Beijing time."""
    return datetime.datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


def mention(org, when, channel=Channel.FEED):
    return Mention.objects.create(
        organization=org,
        channel=channel,
        title="信息",
        content_hash=f"{when.isoformat()}-{channel}-{Mention.objects.count()}",
        detected_at=when,
    )


@pytest.fixture
def staff():
    return make_staff()


def test_mention_volume_counts_each_local_day_and_channel(staff, django_assert_num_queries):
    org = staff.org
    mention(org, at(10, 0, 5))  # just after local midnight: the 10th, though the 9th in UTC
    mention(org, at(10, 23, 55))  # just before local midnight: still the 10th
    mention(org, at(10, 12), Channel.MANUAL)
    mention(org, at(12, 9))
    mention(org, at(12, 9), Channel.ERROR_REPORT)
    mention(org, at(12, 10), Channel.ERROR_REPORT)
    mention(org, at(9, 23, 59))  # before the period
    mention(org, at(13, 0, 0))  # after it
    mention(make_staff().org, at(11, 8))  # another organisation
    with django_assert_num_queries(1):
        volume = selectors.mention_volume(org, datetime.date(2026, 11, 10), datetime.date(2026, 11, 12))
    assert [(row["date"].day, row["total"], row["by_channel"]) for row in volume] == [
        (10, 3, {Channel.FEED: 2, Channel.MANUAL: 1}),
        (11, 0, {}),
        (12, 3, {Channel.FEED: 1, Channel.ERROR_REPORT: 2}),
    ]
    assert selectors.channels_in(volume) == [
        (Channel.FEED, "订阅源"),
        (Channel.MANUAL, "人工录入"),
        (Channel.ERROR_REPORT, "网民纠错"),
    ]


def test_open_cases_by_severity(staff, django_assert_num_queries):
    def case(severity, status=CaseStatus.NEW):
        made = services.open_case(
            organization=staff.org, title="事件", detected_at=timezone.now(), severity=severity
        )
        Case.objects.filter(pk=made.pk).update(status=status)

    case(Severity.ESPECIALLY_MAJOR)
    case(Severity.MAJOR, CaseStatus.RESPONDING)
    case(Severity.MAJOR, CaseStatus.MONITORING)
    case(Severity.GENERAL, CaseStatus.ASSESSING)
    case(Severity.GENERAL)
    case(Severity.GENERAL)
    case(Severity.MAJOR, CaseStatus.CLOSED)  # closed: not counted
    services.open_case(organization=make_staff().org, title="他处", detected_at=timezone.now())
    with django_assert_num_queries(1):
        rows = selectors.open_cases_by_severity(staff.org)
    assert [(r["label"], r["count"]) for r in rows] == [
        ("特别重大", 1),
        ("重大", 2),
        ("较大", 0),
        ("一般", 3),
    ]


def clocks_in_every_state(staff, now):
    """Clocks of each outcome, started on 20 November 2026 (and one long before)."""

    def case(severity, detected):
        return services.open_case(
            organization=staff.org, title="事件", detected_at=detected, severity=severity
        )

    def meet(made, kind, when):
        Clock.objects.filter(case=made, kind=kind).update(met_at=when)

    start = at(20, 9)
    met_on_time = case(Severity.GENERAL, start)
    meet(met_on_time, ClockKind.RESPONSE, start + datetime.timedelta(hours=47))
    met_late = case(Severity.GENERAL, start)
    meet(met_late, ClockKind.RESPONSE, start + datetime.timedelta(hours=49))
    case(Severity.GENERAL, start)  # 48 hours passed long ago, never met: past due
    case(Severity.GENERAL, now - datetime.timedelta(hours=1))  # still running
    major = case(Severity.MAJOR, start)
    meet(major, ClockKind.AUTHORITATIVE, start + datetime.timedelta(hours=5))  # exactly at the limit: on time
    # its press conference was never held: past due
    just_due = case(Severity.ESPECIALLY_MAJOR, now - datetime.timedelta(hours=5))  # 5 h: due this instant
    meet(just_due, ClockKind.PRESS_CONFERENCE, now - datetime.timedelta(hours=1))
    case(Severity.GENERAL, at(1, 9) - datetime.timedelta(days=40))  # before the period: not counted


def test_clock_compliance_per_kind(staff, django_assert_num_queries):
    now = at(28, 12)
    clocks_in_every_state(staff, now)
    services.open_case(organization=make_staff().org, title="他处", detected_at=at(20, 9))
    with django_assert_num_queries(1):
        rows = selectors.clock_compliance(
            staff.org, datetime.date(2026, 11, 1), datetime.date(2026, 11, 30), now=now
        )
    figures = {
        r["kind"]: (r["on_time"], r["late"], r["breached"], r["running"], r["total"], r["rate"]) for r in rows
    }
    assert figures == {
        ClockKind.AUTHORITATIVE: (1, 0, 1, 0, 2, 50.0),
        ClockKind.PRESS_CONFERENCE: (1, 0, 1, 0, 2, 50.0),
        ClockKind.RESPONSE: (1, 1, 1, 1, 4, 33.3),
    }
    assert [r["label"] for r in rows] == ["发布权威信息", "举行新闻发布会", "回应"]


def test_no_clocks_gives_no_rate(staff):
    rows = selectors.clock_compliance(staff.org, datetime.date(2026, 11, 1), datetime.date(2026, 11, 30))
    assert all(r["total"] == 0 and r["rate"] is None for r in rows)


def test_the_default_period_is_the_last_30_days_including_today():
    start, end = selectors.default_period(datetime.date(2026, 12, 1))
    assert (start, end) == (datetime.date(2026, 11, 2), datetime.date(2026, 12, 1))


def chart_data(html: str) -> dict:
    match = re.search(r'<script id="dashboard-data" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(match.group(1))


def test_the_dashboard_page_shows_the_figures_in_charts_and_tables(client, staff):
    for day, hour in ((3, 10), (3, 11), (5, 9)):
        mention(staff.org, at(day, hour))
    mention(staff.org, at(5, 9), Channel.MANUAL)
    services.open_case(
        organization=staff.org, title="重大事件", detected_at=timezone.now(), severity=Severity.MAJOR
    )
    client.force_login(staff.leader, backend=MODEL_BACKEND)
    response = client.get(reverse("concerns:dashboard") + "?start=2026-11-03&end=2026-11-05")
    assert response.status_code == 200
    html = response.content.decode()
    data = chart_data(html)
    assert data["volume"]["dates"] == ["2026-11-03", "2026-11-04", "2026-11-05"]
    assert data["volume"]["total"] == [2, 0, 2]
    assert data["volume"]["channels"] == [
        {"name": "订阅源", "counts": [2, 0, 1]},
        {"name": "人工录入", "counts": [0, 0, 1]},
    ]
    assert [(s["name"], s["value"]) for s in data["severity"]] == [
        ("特别重大", 0),
        ("重大", 1),
        ("较大", 0),
        ("一般", 0),
    ]
    assert data["compliance"]["kinds"] == ["发布权威信息", "举行新闻发布会", "回应"]
    assert [b["name"] for b in data["compliance"]["buckets"]] == [
        "按时完成",
        "超时完成",
        "超时未完成",
        "计时中",
    ]
    # The same figures as tables, and the charts' containers and script (external, no inline JS).
    assert '<th scope="row">2026-11-03</th><td>2</td><td>2</td><td>0</td>' in html
    assert "区间内共发现 4 条相关信息" in html and "当前共有 1 个事件尚未办结" in html
    for chart in ("chart-volume", "chart-severity", "chart-compliance"):
        assert f'id="{chart}"' in html
    assert "concerns/vendor/echarts.min.js" in html and "concerns/dashboard.js" in html
    assert not re.search(r"<script(?![^>]*(src=|application/json))", html)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?start=2026-11-10&end=2026-11-01", "开始日期不能晚于结束日期"),
        ("?start=2024-01-01&end=2026-11-01", "统计区间不能超过 366 天"),
        ("?start=yesterday", "开始日期格式不正确"),
    ],
)
def test_a_bad_period_falls_back_to_the_last_30_days_with_a_message(client, staff, query, message):
    client.force_login(staff.editor, backend=MODEL_BACKEND)
    response = client.get(reverse("concerns:dashboard") + query)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert len(chart_data(html)["volume"]["dates"]) == 30


def test_one_date_alone_makes_a_period(client, staff):
    client.force_login(staff.editor, backend=MODEL_BACKEND)
    html = client.get(reverse("concerns:dashboard") + "?end=2026-11-30").content.decode()
    dates = chart_data(html)["volume"]["dates"]
    assert dates[0] == "2026-11-01" and dates[-1] == "2026-11-30"
    html = client.get(reverse("concerns:dashboard") + "?start=2026-01-01").content.decode()
    dates = chart_data(html)["volume"]["dates"]
    assert dates[0] == "2026-01-01" and len(dates) <= 366
