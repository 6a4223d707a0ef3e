"""Case handling (R3–R7): states, the legal clocks, escalation, reports, responses, referrals, rebound."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from gongkai.audit.models import AuditEvent
from gongkai.concerns import clocks, services
from gongkai.concerns.constants import CaseStatus, ClockKind, ReportKind, ResponseChannel, Severity
from gongkai.concerns.models import Clock, Policy
from gongkai.console.models import Notification
from gongkai.publishing.exceptions import WorkflowError
from tests.concerns.factories import hours_ago, make_case, make_mention
from tests.factories import item_data, make_draft, make_staff, review_through

pytestmark = pytest.mark.django_db

ASSESSMENT = {
    "background": "国庆假期游客集中",
    "situation": "本地论坛与短视频平台传播",
    "viewpoints": "游客抱怨排队时间长",
    "trend": "可能扩散至全国媒体",
    "risk_level": "medium",
    "emergency_plan": "增开入口,发布分流公告",
}


def kinds(case):
    return {c.kind: c for c in case.clocks.all()}


# --- the clocks (R5) --------------------------------------------------------------------------


def test_a_general_concern_must_be_answered_within_48_hours_of_detection():
    staff = make_staff()
    detected = hours_ago(3)
    case = make_case(staff, detected_at=detected)
    clock = kinds(case)[ClockKind.RESPONSE]
    assert set(kinds(case)) == {ClockKind.RESPONSE}
    assert clock.started_at == detected
    assert clock.due_at == detected + datetime.timedelta(hours=48)


@pytest.mark.parametrize("severity", [Severity.MAJOR, Severity.ESPECIALLY_MAJOR])
def test_major_events_need_authoritative_information_in_5_hours_and_a_press_conference_in_24(severity):
    staff = make_staff()
    detected = hours_ago(1)
    case = make_case(staff, detected_at=detected, severity=severity)
    got = kinds(case)
    assert set(got) == {ClockKind.AUTHORITATIVE, ClockKind.PRESS_CONFERENCE}
    assert got[ClockKind.AUTHORITATIVE].due_at == detected + datetime.timedelta(hours=5)
    assert got[ClockKind.PRESS_CONFERENCE].due_at == detected + datetime.timedelta(hours=24)


def test_raising_the_severity_later_keeps_the_clock_from_detection():
    staff = make_staff()
    detected = hours_ago(6)
    case = make_case(staff, detected_at=detected)
    services.classify(user=staff.editor, case=case, severity=Severity.MAJOR, department=staff.dept)
    got = kinds(case)
    assert set(got) == {ClockKind.AUTHORITATIVE, ClockKind.PRESS_CONFERENCE}
    assert got[ClockKind.AUTHORITATIVE].due_at == detected + datetime.timedelta(hours=5)
    assert clocks.state(got[ClockKind.AUTHORITATIVE])["level"] == "overdue"


def test_escalation_at_50_80_and_100_percent_once_each_to_department_head_and_office():
    staff = make_staff()
    detected = timezone.now()
    case = make_case(staff, detected_at=detected)  # 48 h
    Notification.objects.all().delete()

    def run(hours):
        return services.escalate(detected + datetime.timedelta(hours=hours))

    assert run(20) == 0  # 41.7 %
    assert run(25) == 1  # 52 %
    assert run(26) == 0  # once per point
    heads = set(Notification.objects.filter(kind="concerns.clock").values_list("recipient_id", flat=True))
    assert staff.head.pk in heads and staff.editor.pk in heads and staff.monitor.pk in heads
    assert staff.other_head.pk not in heads and staff.drafter.pk not in heads
    assert staff.leader.pk not in heads
    assert run(40) == 1  # 83 %
    clock = kinds(case)[ClockKind.RESPONSE]
    assert clock.escalated_percent == 80 and clock.breached_at is None
    assert run(49) == 1
    clock.refresh_from_db()
    assert clock.escalated_percent == 100
    assert clock.breached_at == clock.due_at
    assert case.events.filter(kind="clock.breached").count() == 1
    assert AuditEvent.objects.filter(action="concerns.clock_breached").count() == 1
    leaders = Notification.objects.filter(kind="concerns.clock", recipient=staff.leader)
    assert leaders.count() == 1  # leaders hear of the breach only
    assert run(60) == 0


def test_a_jump_past_several_points_announces_the_highest_only():
    staff = make_staff()
    detected = timezone.now()
    case = make_case(staff, detected_at=detected)
    assert services.escalate(detected + datetime.timedelta(hours=45)) == 1
    assert kinds(case)[ClockKind.RESPONSE].escalated_percent == 80
    assert case.events.filter(kind="clock.escalated").count() == 1


def test_the_escalation_points_are_configurable():
    staff = make_staff()
    Policy.objects.create(organization=staff.org, escalation_points="25, 100")
    detected = timezone.now()
    case = make_case(staff, detected_at=detected)
    assert services.escalate(detected + datetime.timedelta(hours=13)) == 1
    assert kinds(case)[ClockKind.RESPONSE].escalated_percent == 25
    assert services.escalate(detected + datetime.timedelta(hours=40)) == 0


def test_a_met_clock_is_not_escalated():
    staff = make_staff()
    detected = hours_ago(2)
    case = make_case(staff, detected_at=detected)
    services.record_response(
        user=staff.head,
        case=case,
        channel=ResponseChannel.NEW_MEDIA,
        summary="官方微博说明情况",
        url="https://weibo.example/post/1",
    )
    assert services.escalate(detected + datetime.timedelta(hours=47)) == 0
    assert clocks.state(kinds(case)[ClockKind.RESPONSE])["label"] == "按时完成"


# --- responses (R6) ---------------------------------------------------------------------------


def test_a_press_conference_meets_both_major_clocks_and_a_new_media_post_only_the_first():
    staff = make_staff()
    case = make_case(staff, detected_at=hours_ago(2), severity=Severity.MAJOR)
    services.record_response(
        user=staff.editor,
        case=case,
        channel=ResponseChannel.NEW_MEDIA,
        summary="发布通报",
        url="https://x.example/1",
    )
    got = kinds(case)
    assert got[ClockKind.AUTHORITATIVE].met_at is not None
    assert got[ClockKind.PRESS_CONFERENCE].met_at is None
    services.record_response(
        user=staff.editor,
        case=case,
        channel=ResponseChannel.PRESS_CONFERENCE,
        summary="召开新闻发布会",
        responded_at=timezone.now(),
    )
    assert kinds(case)[ClockKind.PRESS_CONFERENCE].met_at is not None


def test_a_late_response_is_recorded_as_met_late_and_breached():
    staff = make_staff()
    case = make_case(staff, detected_at=hours_ago(50))
    services.record_response(
        user=staff.editor,
        case=case,
        channel=ResponseChannel.INTERVIEW,
        summary="接受采访",
        url="https://tv.example/1",
    )
    clock = kinds(case)[ClockKind.RESPONSE]
    assert clock.met_at > clock.due_at
    assert clock.breached_at == clock.due_at
    assert clocks.state(clock)["level"] == "late"


def test_a_website_response_stops_the_clock_only_when_it_is_published(django_capture_on_commit_callbacks):
    staff = make_staff()
    case = make_case(staff, detected_at=hours_ago(1))
    item = services.draft_website_response(user=staff.drafter, case=case)
    response = case.responses.get()
    assert response.item == item and response.responded_at is None
    assert item.latest_revision.title.startswith("关于")
    assert kinds(case)[ClockKind.RESPONSE].met_at is None
    from gongkai.publishing import services as publishing

    data = item_data(staff)
    del data["title"]
    publishing.update_draft(user=staff.drafter, item=item, data=data)
    publishing.submit_for_review(user=staff.drafter, item=item)
    review_through(staff, item)

    with django_capture_on_commit_callbacks(execute=True):
        publishing.publish(user=staff.editor, item=item)
    item.refresh_from_db()
    response.refresh_from_db()
    assert response.responded_at == item.published_at
    assert kinds(case)[ClockKind.RESPONSE].met_at == item.published_at
    assert case.events.filter(kind="response.published").exists()


def test_a_publication_whose_signal_was_lost_still_stops_the_clock_at_the_next_escalation_run():
    """A crash between the publication's commit and its after-commit signal: the escalation job catches
    the response up before it escalates anything."""
    from gongkai.concerns.tasks import concerns_escalation
    from gongkai.publishing import services as publishing

    staff = make_staff()
    case = make_case(staff, detected_at=hours_ago(47))
    item = services.draft_website_response(user=staff.drafter, case=case)
    data = item_data(staff)
    del data["title"]
    publishing.update_draft(user=staff.drafter, item=item, data=data)
    publishing.submit_for_review(user=staff.drafter, item=item)
    review_through(staff, item)
    publishing.publish(user=staff.editor, item=item)  # no on-commit callbacks: the signal is lost
    response = case.responses.get()
    assert response.responded_at is None
    concerns_escalation.call_local()
    item.refresh_from_db()
    response.refresh_from_db()
    assert response.responded_at == item.published_at
    assert kinds(case)[ClockKind.RESPONSE].met_at == item.published_at
    assert not AuditEvent.objects.filter(action="concerns.clock_escalated").exists()
    assert services.catch_up_published_responses() == 0  # once


def test_response_input_is_checked_with_chinese_messages():
    staff = make_staff()
    case = make_case(staff)
    with pytest.raises(ValidationError) as err:
        services.record_response(user=staff.editor, case=case, channel=ResponseChannel.NEW_MEDIA, summary="")
    text = str(err.value)
    assert "请填写回应内容摘要" in text and "请填写新媒体发布或访谈的链接" in text
    with pytest.raises(ValidationError, match="时间不能晚于现在"):
        services.record_response(
            user=staff.editor,
            case=case,
            channel=ResponseChannel.PRESS_CONFERENCE,
            summary="发布会",
            responded_at=timezone.now() + datetime.timedelta(days=1),
        )
    other = make_staff()
    foreign = make_draft(other)
    with pytest.raises(ValidationError, match="不属于本机构"):
        services.record_response(
            user=staff.editor, case=case, channel=ResponseChannel.WEBSITE, summary="回应", item=foreign
        )


# --- states, assessment and who may act (R3, R5) ---------------------------------------------


def test_the_case_goes_through_the_states_with_every_change_on_the_timeline():
    staff = make_staff()
    case = make_case(staff)
    services.move(user=staff.editor, case=case, to=CaseStatus.CONSULTING, note="与宣传、网信会商")
    with pytest.raises(ValidationError, match="研判未完成"):
        services.move(user=staff.editor, case=case, to=CaseStatus.ASSESSING)
        services.move(user=staff.editor, case=case, to=CaseStatus.RESPONDING)
    services.assess(user=staff.head, case=case, data=ASSESSMENT)
    case.refresh_from_db()
    assert case.status == CaseStatus.ASSESSING
    with pytest.raises(ValidationError, match="尚未记录任何回应"):
        services.move(user=staff.head, case=case, to=CaseStatus.RESPONDING)
        services.move(user=staff.head, case=case, to=CaseStatus.MONITORING)
    case.refresh_from_db()
    assert case.status == CaseStatus.RESPONDING
    services.record_response(
        user=staff.head,
        case=case,
        channel=ResponseChannel.NEW_MEDIA,
        summary="说明",
        url="https://x.example/2",
    )
    services.move(user=staff.head, case=case, to=CaseStatus.MONITORING)
    with pytest.raises(ValidationError, match="办结说明"):
        services.close(user=staff.editor, case=case, note=" ")
    services.close(user=staff.editor, case=case, note="已回应,舆情平息")
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert case.watch_until == case.closed_at + datetime.timedelta(days=7)
    kinds_on_timeline = list(case.events.values_list("kind", flat=True))
    assert kinds_on_timeline[0] == "opened"
    assert kinds_on_timeline.count("status") == 4
    assert {"assessed", "response", "closed"} <= set(kinds_on_timeline)
    actions = set(AuditEvent.objects.filter(object_id=str(case.pk)).values_list("action", flat=True))
    assert {"concerns.case_opened", "concerns.case_changed", "concerns.case_assessed"} <= actions


def test_a_state_cannot_be_skipped():
    staff = make_staff()
    case = make_case(staff)
    with pytest.raises(ValidationError, match="不能转为"):
        services.move(user=staff.editor, case=case, to=CaseStatus.MONITORING)
    with pytest.raises(ValidationError, match="不能转为"):
        services.move(user=staff.editor, case=case, to="nonsense")


def test_who_may_handle_a_case():
    staff = make_staff()
    case = make_case(staff, department=staff.dept)
    for user in (staff.editor, staff.monitor, staff.leader, staff.head):
        assert services.permissions.handle_case_failures(user, case) == []
    for user in (staff.drafter, staff.other_head, staff.other_drafter, staff.secrecy, staff.system_admin):
        with pytest.raises(WorkflowError):
            services.assess(user=user, case=case, data=ASSESSMENT)
    # the responsible department's head handles but does not classify or close
    with pytest.raises(WorkflowError):
        services.classify(user=staff.head, case=case, severity=Severity.MAJOR)
    # its drafter may record what was done
    services.record_report(
        user=staff.drafter, case=case, kind=ReportKind.INITIAL, recipients="市委宣传部", content="基本事实"
    )
    outsider = make_staff()
    with pytest.raises(WorkflowError):
        services.record_report(
            user=outsider.editor, case=case, kind=ReportKind.INITIAL, recipients="x", content="y"
        )


def test_an_unfinished_assessment_is_refused_without_losing_anything_and_lists_what_is_missing():
    staff = make_staff()
    case = make_case(staff)
    services.assess(user=staff.editor, case=case, data={"background": "背景", "risk_level": "high"})
    case.refresh_from_db()
    assert case.background == "背景" and case.risk_level == "high"
    with pytest.raises(ValidationError) as err:
        services.move(user=staff.editor, case=case, to=CaseStatus.RESPONDING)
    assert "境内外舆情态势" in str(err.value) and "应急处置方案" in str(err.value)
    with pytest.raises(ValidationError, match="风险等级无效"):
        services.assess(user=staff.editor, case=case, data={**ASSESSMENT, "risk_level": "extreme"})


def test_classifying_a_case_as_major_tells_the_leaders_at_once():
    staff = make_staff()
    case = make_case(staff)
    Notification.objects.all().delete()
    services.classify(
        user=staff.monitor,
        case=case,
        severity=Severity.MAJOR,
        department=staff.other_dept,
        reason="涉及游客安全",
    )
    recipients = set(Notification.objects.values_list("recipient_id", flat=True))
    assert {staff.leader.pk, staff.other_head.pk, staff.editor.pk} <= recipients
    assert staff.head.pk not in recipients
    with pytest.raises(ValidationError, match="须属于本机构"):
        services.classify(user=staff.editor, case=case, severity=Severity.MAJOR, department=make_staff().dept)


# --- reports (R4) and referrals (R6) ----------------------------------------------------------


def test_the_initial_report_comes_first_and_once():
    staff = make_staff()
    case = make_case(staff)
    with pytest.raises(ValidationError, match="请先报送首报"):
        services.record_report(
            user=staff.editor, case=case, kind=ReportKind.FOLLOW_UP, recipients="市政府办", content="进展"
        )
    first = services.record_report(
        user=staff.editor,
        case=case,
        kind=ReportKind.INITIAL,
        recipients="市政府办、市委网信办",
        content="基本事实",
    )
    with pytest.raises(ValidationError, match="首报已报送"):
        services.record_report(
            user=staff.editor, case=case, kind=ReportKind.INITIAL, recipients="市政府办", content="再报"
        )
    second = services.record_report(
        user=staff.editor, case=case, kind=ReportKind.FOLLOW_UP, recipients="市政府办", content="调查结论"
    )
    assert [r.pk for r in case.reports.all()] == [first.pk, second.pk]
    assert first.recipients == "市政府办、市委网信办" and first.sent_at is not None
    with pytest.raises(ValidationError) as err:
        services.record_report(
            user=staff.editor, case=case, kind=ReportKind.FOLLOW_UP, recipients="", content=""
        )
    assert "请填写报送对象" in str(err.value) and "请填写报告内容" in str(err.value)


def test_a_referral_to_the_police_is_recorded_on_the_timeline():
    staff = make_staff()
    case = make_case(staff)
    services.record_referral(
        user=staff.editor,
        case=case,
        authority="police",
        content="谣言帖子链接及截图",
        reference="晋公网安〔2026〕1号",
    )
    assert case.referrals.get().get_authority_display() == "公安机关"
    assert case.events.filter(kind="referral").exists()
    with pytest.raises(ValidationError, match="移交部门无效"):
        services.record_referral(user=staff.editor, case=case, authority="army", content="x")


# --- rebound (R7) -----------------------------------------------------------------------------


def _closed_case(staff):
    case = make_case(staff, detected_at=hours_ago(30))
    services.assess(user=staff.editor, case=case, data=ASSESSMENT)
    services.move(user=staff.editor, case=case, to=CaseStatus.RESPONDING)
    services.record_response(
        user=staff.editor,
        case=case,
        channel=ResponseChannel.NEW_MEDIA,
        summary="说明",
        url="https://x.example/3",
    )
    services.move(user=staff.editor, case=case, to=CaseStatus.MONITORING)
    services.close(user=staff.editor, case=case, note="平息")
    case.refresh_from_db()
    return case


def test_new_mentions_within_the_watch_window_reopen_the_case():
    staff = make_staff()
    case = _closed_case(staff)
    assert case in services.grouping_candidates(staff.org)
    Notification.objects.all().delete()
    services.add_mentions(case, [make_mention(staff.org)], now=timezone.now() + datetime.timedelta(days=3))
    case.refresh_from_db()
    assert case.status == CaseStatus.MONITORING and case.reopened_count == 1 and case.closed_at is None
    assert case.mention_count == 2
    assert case.events.filter(kind="reopened").exists()
    assert Notification.objects.filter(kind="concerns.case_reopened", recipient=staff.leader).exists()


def test_after_the_watch_window_a_closed_case_takes_no_new_mentions():
    staff = make_staff()
    case = _closed_case(staff)
    later = timezone.now() + datetime.timedelta(days=8)
    assert case not in services.grouping_candidates(staff.org, later)
    with pytest.raises(ValidationError, match="已过持续监测期"):
        services.add_mentions(case, [make_mention(staff.org)], now=later)


def test_many_cases_join_at_once_in_a_fixed_number_of_statements(django_assert_max_num_queries):
    """The pipeline joins a batch's mentions to all its cases in one call: each case gets its mentions,
    count, latest time, categories and timeline line, whatever the number of cases."""
    staff = make_staff()
    cases = [make_case(staff, detected_at=hours_ago(3)) for _ in range(6)]
    later = timezone.now()
    joins = {
        case.pk: [make_mention(staff.org, detected_at=later, categories=["emergency"]) for _ in range(n + 1)]
        for n, case in enumerate(cases)
    }
    with django_assert_max_num_queries(6):  # lock, read, move, counters, timeline (+ a savepoint-free atomic)
        joined = services.join_cases(joins, now=later)
    assert [c.pk for c in joined] == [c.pk for c in cases]
    for n, case in enumerate(cases):
        case.refresh_from_db()
        assert case.mention_count == 1 + n + 1
        assert case.last_mention_at == later
        assert "emergency" in case.categories
        assert set(case.mentions.values_list("pk", flat=True)) >= {m.pk for m in joins[case.pk]}
        event = case.events.get(kind="mentions")
        assert event.text == f"新增相关信息 {n + 1} 条" and event.data == {"count": n + 1}


def test_joining_mentions_already_in_the_case_does_not_count_them_twice():
    staff = make_staff()
    case = make_case(staff, mentions=2)
    services.join_cases({case.pk: list(case.mentions.all())})
    case.refresh_from_db()
    assert case.mention_count == 2


def test_a_batch_reopens_a_closed_case_and_joins_an_open_one_together():
    staff = make_staff()
    closed = _closed_case(staff)
    open_ = make_case(staff)
    Notification.objects.all().delete()
    later = timezone.now() + datetime.timedelta(days=3)
    services.join_cases(
        {closed.pk: [make_mention(staff.org)], open_.pk: [make_mention(staff.org)]}, now=later
    )
    closed.refresh_from_db()
    open_.refresh_from_db()
    assert closed.status == CaseStatus.MONITORING and closed.reopened_count == 1
    assert open_.status == CaseStatus.NEW and open_.mention_count == 2
    assert AuditEvent.objects.filter(action="concerns.case_reopened", object_id=str(closed.pk)).count() == 1
    assert Notification.objects.filter(kind="concerns.case_reopened").exists()


def test_a_case_past_its_watch_window_refuses_the_whole_batch():
    staff = make_staff()
    closed = _closed_case(staff)
    open_ = make_case(staff)
    mention = make_mention(staff.org)
    later = timezone.now() + datetime.timedelta(days=8)
    with pytest.raises(ValidationError, match="已过持续监测期"), transaction.atomic():
        services.join_cases({open_.pk: [mention], closed.pk: [make_mention(staff.org)]}, now=later)
    open_.refresh_from_db()
    mention.refresh_from_db()
    assert open_.mention_count == 1 and mention.case_id is None
    assert not open_.events.filter(kind="mentions").exists()


def test_moving_a_mention_to_a_new_case():
    staff = make_staff()
    case = make_case(staff, mentions=2)
    mention = case.mentions.first()
    services.move_mention(user=staff.monitor, mention=mention, case=None)
    mention.refresh_from_db()
    case.refresh_from_db()
    assert mention.case_id != case.pk and case.mention_count == 1
    assert Clock.objects.filter(case=mention.case).count() == 1
