"""在线访谈 (issue 7, item 5): scheduling, states by time and by hand, questions (screened, moderated,
refused after the end), answers with their `seq`, the live JSON endpoint, the public and console pages."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from gongkai.audit.models import AuditEvent
from gongkai.core import captcha
from gongkai.participation import interviews
from gongkai.participation.constants import InterviewStatus, QuestionStatus
from gongkai.participation.models import Interview, Question
from gongkai.publishing.exceptions import WorkflowError
from tests.factories import make_draft, make_published, make_staff
from tests.review.factories import make_dictionary

pytestmark = pytest.mark.django_db

GUESTS = "张明 市文化和旅游局副局长\n李华 艺术科科长"
ID_NUMBER = "11010519491231002X"  # a valid 身份证号 (blocking personal data)
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
MINUTE = datetime.timedelta(minutes=1)
HOUR = datetime.timedelta(hours=1)


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def staff():
    return make_staff()


def login(client, user):
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def data(staff, **overrides) -> dict:
    now = timezone.now()
    values = {
        "title": "文旅惠民政策解读",
        "description": "介绍2026年文旅惠民消费券的发放办法。",
        "guests": GUESTS,
        "department": staff.dept,
        "starts_at": now + HOUR,
        "ends_at": now + 2 * HOUR,
        "interprets": None,
    }
    values.update(overrides)
    return values


def make_interview(staff, *, status=InterviewStatus.SCHEDULED, published=True, **overrides) -> Interview:
    """An interview scheduled through the service, then moved to the wanted state and time."""
    interview = interviews.create_interview(user=staff.editor, organization=staff.org, data=data(staff))
    now = timezone.now()
    fields = {"published": published, "status": status}
    if status == InterviewStatus.LIVE:
        fields.update(starts_at=now - 10 * MINUTE, ends_at=now + HOUR)
    elif status == InterviewStatus.ENDED:
        fields.update(starts_at=now - 3 * HOUR, ends_at=now - HOUR)
    fields.update(overrides)
    Interview.objects.filter(pk=interview.pk).update(**fields)
    interview.refresh_from_db()
    return interview


def ask(interview, text="消费券什么时候发放?", name="小王", **kwargs) -> Question:
    return interviews.submit_question(interview=interview, text=text, name=name, **kwargs)


def approved(staff, interview, text="消费券什么时候发放?") -> Question:
    return interviews.approve_question(user=staff.editor, question=ask(interview, text))


def answer(staff, question, text="12月起每周五上午10点发放。", guest="张明 市文化和旅游局副局长", user=None):
    return interviews.answer_question(user=user or staff.editor, question=question, guest=guest, answer=text)


def events(action, interview=None):
    found = AuditEvent.objects.filter(action=action)
    if interview is not None:
        found = found.filter(object_type="participation.interview", object_id=str(interview.pk))
    return list(found.order_by("seq"))


def json_of(client, interview, after=0):
    return client.get(f"/hudong/fangtan/{interview.pk}/live.json?after={after}")


# --- scheduling --------------------------------------------------------------------------------------------------


def test_an_office_editor_schedules_an_interview_not_yet_public(staff):
    interview = interviews.create_interview(user=staff.editor, organization=staff.org, data=data(staff))
    assert interview.status == InterviewStatus.SCHEDULED and not interview.published
    assert interviews.guest_lines(interview.guests) == ["张明 市文化和旅游局副局长", "李华 艺术科科长"]
    [event] = events("participation.interview_saved", interview)
    assert event.actor == staff.editor and event.data["change"] == "created"


def test_the_hosting_departments_head_schedules_only_for_their_department(staff):
    interviews.create_interview(user=staff.head, organization=staff.org, data=data(staff))
    with pytest.raises(WorkflowError, match="只能安排本科室"):
        interviews.create_interview(
            user=staff.head, organization=staff.org, data=data(staff, department=staff.other_dept)
        )
    for person in (staff.drafter, staff.leader, staff.secrecy, staff.monitor):
        with pytest.raises(WorkflowError, match="只有办公室编辑和科室负责人"):
            interviews.create_interview(user=person, organization=staff.org, data=data(staff))
    outsider = make_staff()
    with pytest.raises(WorkflowError, match="不是本机构"):
        interviews.create_interview(user=outsider.editor, organization=staff.org, data=data(staff))
    assert Interview.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": "  "}, "title", "请填写访谈主题"),
        ({"guests": "\n \n"}, "guests", "请至少填写一位嘉宾"),
        ({"guests": "张明 副局长\n张明  副局长"}, "guests", "重复"),
        ({"guests": "张" * 101}, "guests", "不能超过 100 字"),
        ({"ends_at": "later"}, "ends_at", "请填写结束时间"),
        ({"starts_at": None}, "starts_at", "请填写开始时间"),
    ],
)
def test_bad_schedules_are_refused_field_by_field(staff, overrides, field, message):
    with pytest.raises(ValidationError) as caught:
        interviews.create_interview(user=staff.editor, organization=staff.org, data=data(staff, **overrides))
    assert message in caught.value.message_dict[field][0]


def test_times_must_be_ordered_in_the_future_and_at_most_a_day(staff):
    now = timezone.now()
    cases = [
        ({"starts_at": now + 2 * HOUR, "ends_at": now + HOUR}, "结束时间必须晚于开始时间"),
        ({"starts_at": now + HOUR, "ends_at": now + 26 * HOUR}, "不能超过 24 小时"),
        ({"starts_at": now - 3 * HOUR, "ends_at": now - HOUR}, "结束时间已过"),
    ]
    for overrides, message in cases:
        with pytest.raises(ValidationError) as caught:
            interviews.create_interview(
                user=staff.editor, organization=staff.org, data=data(staff, **overrides)
            )
        assert message in caught.value.message_dict["ends_at"][0]


def test_the_interpreted_document_must_be_a_published_item_of_the_organisation(staff):
    draft = make_draft(staff)
    with pytest.raises(ValidationError) as caught:
        interviews.create_interview(
            user=staff.editor, organization=staff.org, data=data(staff, interprets=draft)
        )
    assert "须已公开发布" in caught.value.message_dict["interprets"][0]
    other = make_staff()
    foreign = make_published(other, document_number="外发〔2026〕1号")
    with pytest.raises(ValidationError) as caught:
        interviews.create_interview(
            user=staff.editor, organization=staff.org, data=data(staff, interprets=foreign)
        )
    assert "本机构" in caught.value.message_dict["interprets"][0]
    item = make_published(staff)
    interview = interviews.create_interview(
        user=staff.editor, organization=staff.org, data=data(staff, interprets=item)
    )
    assert interview.interprets == item


def test_editing_while_live_keeps_the_start_and_an_ended_interview_only_takes_a_summary(staff):
    interview = make_interview(staff, status=InterviewStatus.LIVE)
    values = data(
        staff,
        starts_at=interview.starts_at,
        ends_at=interview.ends_at + HOUR,
        guests=GUESTS + "\n王芳 产业发展科科长",
    )
    edited = interviews.update_interview(user=staff.head, interview=interview, data=values)
    assert edited.ends_at == interview.ends_at + HOUR and "王芳 产业发展科科长" in edited.guests
    event = events("participation.interview_saved", interview)[-1]
    assert event.data["change"] == "edited" and set(event.data["fields"]) >= {"ends_at", "guests"}
    with pytest.raises(ValidationError) as caught:
        interviews.update_interview(
            user=staff.editor, interview=edited, data={**values, "starts_at": interview.starts_at - HOUR}
        )
    assert "不能修改开始时间" in caught.value.message_dict["starts_at"][0]
    with pytest.raises(WorkflowError):
        interviews.update_interview(user=staff.other_head, interview=edited, data=values)

    ended = make_interview(staff, status=InterviewStatus.ENDED)
    with pytest.raises(ValidationError, match="只能填写访谈摘要"):
        interviews.update_interview(user=staff.editor, interview=ended, data=data(staff))
    interviews.save_summary(user=staff.head, interview=ended, summary="嘉宾介绍了消费券的发放安排。")
    assert Interview.objects.get(pk=ended.pk).summary == "嘉宾介绍了消费券的发放安排。"
    with pytest.raises(WorkflowError):
        interviews.save_summary(user=staff.drafter, interview=ended, summary="x")


# --- states ------------------------------------------------------------------------------------------------------


def test_states_follow_the_clock_scheduled_live_ended(staff):
    interview = make_interview(staff)
    unpublished = make_interview(staff, published=False)
    starts, ends = interview.starts_at, interview.ends_at

    assert interviews.advance_states(now=starts - MINUTE) == 0
    assert interviews.advance_states(now=starts) == 1
    assert Interview.objects.get(pk=interview.pk).status == InterviewStatus.LIVE
    assert interviews.advance_states(now=starts + MINUTE) == 0  # nothing more to do
    assert interviews.advance_states(now=ends - MINUTE) == 0
    assert interviews.advance_states(now=ends) == 1
    assert Interview.objects.get(pk=interview.pk).status == InterviewStatus.ENDED
    # An unpublished interview is never started: the public could not follow it.
    assert Interview.objects.get(pk=unpublished.pk).status == InterviewStatus.SCHEDULED

    started, finished = events("participation.interview_state", interview)
    assert started.actor is None and started.data == {"from": "scheduled", "to": "live", "by": "schedule"}
    assert finished.data == {"from": "live", "to": "ended", "by": "schedule"}


def test_an_interview_nobody_started_in_its_slot_goes_straight_to_ended(staff):
    interview = make_interview(staff)
    assert interviews.advance_states(now=interview.ends_at + HOUR) == 1
    assert Interview.objects.get(pk=interview.pk).status == InterviewStatus.ENDED
    [event] = events("participation.interview_state", interview)
    assert event.data == {"from": "scheduled", "to": "ended", "by": "schedule"}


def test_the_periodic_task_runs_the_same_rule(staff):
    from gongkai.participation.tasks import participation_interviews

    interview = make_interview(staff, status=InterviewStatus.SCHEDULED, starts_at=timezone.now() - MINUTE)
    participation_interviews.call_local()
    assert Interview.objects.get(pk=interview.pk).status == InterviewStatus.LIVE


def test_starting_and_ending_by_hand_is_for_managers_and_audited(staff):
    interview = make_interview(staff, published=False)
    with pytest.raises(ValidationError, match="请先发布访谈预告"):
        interviews.start_interview(user=staff.editor, interview=interview)
    for person in (staff.drafter, staff.other_head, staff.leader):
        with pytest.raises(WorkflowError):
            interviews.set_published(user=person, interview=interview, published=True)
    interviews.set_published(user=staff.head, interview=interview, published=True)
    for person in (staff.drafter, staff.other_head, staff.leader, staff.other_drafter):
        with pytest.raises(WorkflowError, match="只有办公室编辑和承办科室负责人"):
            interviews.start_interview(user=person, interview=interview)
    interviews.start_interview(user=staff.head, interview=interview)
    with pytest.raises(ValidationError, match="不能再开始"):
        interviews.start_interview(user=staff.editor, interview=interview)
    with pytest.raises(ValidationError, match="不能撤回"):
        interviews.set_published(user=staff.editor, interview=interview, published=False)
    with pytest.raises(WorkflowError):
        interviews.end_interview(user=staff.drafter, interview=interview)
    interviews.end_interview(user=staff.editor, interview=interview)
    with pytest.raises(ValidationError, match="只有正在进行的访谈可以结束"):
        interviews.end_interview(user=staff.editor, interview=interview)
    # Ended by hand before its time: the clock does not restart it.
    assert interviews.advance_states(now=interview.starts_at + MINUTE) == 0

    started, ended = events("participation.interview_state", interview)
    assert started.actor == staff.head and started.data == {"from": "scheduled", "to": "live", "by": "hand"}
    assert ended.actor == staff.editor and ended.data == {"from": "live", "to": "ended", "by": "hand"}


# --- questions ----------------------------------------------------------------------------------------------------


def test_questions_are_collected_beforehand_and_during_the_session_and_start_pending(staff):
    interview = make_interview(staff)
    early = ask(interview, client_key="k1")
    assert early.beforehand and early.status == QuestionStatus.PENDING and early.seq == 0
    Interview.objects.filter(pk=interview.pk).update(status=InterviewStatus.LIVE)
    interview.refresh_from_db()
    late = ask(interview, "门票能退吗?")
    assert not late.beforehand and late.status == QuestionStatus.PENDING
    [event, _] = events("participation.question_received")
    # No question text or nickname in the audit log.
    assert event.data == {"interview": interview.pk, "beforehand": True, "blocking": 0, "findings": 0}


def test_questions_are_refused_after_the_end(staff):
    ended = make_interview(staff, status=InterviewStatus.ENDED)
    with pytest.raises(ValidationError, match="本期访谈已结束,不再接受提问"):
        ask(ended)
    live = make_interview(staff, status=InterviewStatus.LIVE)
    # Past its end time, even before the minute job has ended it.
    with pytest.raises(ValidationError, match="不再接受提问"):
        ask(live, now=live.ends_at)
    ask(live, now=live.ends_at - MINUTE)
    unpublished = make_interview(staff, published=False)
    with pytest.raises(ValidationError, match="尚未发布"):
        ask(unpublished)
    assert Question.objects.count() == 1


def test_bad_questions_are_refused_with_chinese_messages(staff):
    interview = make_interview(staff)
    with pytest.raises(ValidationError) as caught:
        ask(interview, text="   ", name="长" * 51)
    assert caught.value.message_dict == {"text": ["请填写您的问题。"], "name": ["昵称不能超过 50 字。"]}
    with pytest.raises(ValidationError) as caught:
        ask(interview, text="问" * 501)
    assert "不能超过 500 字" in caught.value.message_dict["text"][0]


def test_a_blocking_finding_keeps_the_question_pending_with_a_note(staff):
    interview = make_interview(staff, status=InterviewStatus.LIVE)
    question = ask(interview, f"我的身份证号{ID_NUMBER}能领消费券吗?")
    assert interviews.blocking_findings(question.screening)
    assert "含有必须修改的内容" in interviews.screening_note(question.screening)
    with pytest.raises(ValidationError) as caught:
        interviews.approve_question(user=staff.editor, question=question)
    assert f"含有必须修改的内容:个人信息“{ID_NUMBER}”" in caught.value.message_dict["text"][0]
    question.refresh_from_db()
    assert question.status == QuestionStatus.PENDING and question.seq == 0
    # The moderator takes the number out: approved, shown.
    done = interviews.approve_question(user=staff.editor, question=question, text="我能领消费券吗?")
    assert done.status == QuestionStatus.APPROVED and done.text == "我能领消费券吗?" and done.seq == 1
    assert not interviews.blocking_findings(done.screening)
    event = events("participation.question_moderated")[-1]
    assert event.data["decision"] == "approved" and event.data["edited"] is True


def test_personal_data_is_masked_when_a_question_is_approved(client, staff):
    interview = make_interview(staff, status=InterviewStatus.LIVE)
    question = ask(interview, "请回电13812345678,谢谢。", name="13900001111")
    assert "请注意" in interviews.screening_note(question.screening)
    done = interviews.approve_question(user=staff.head, question=question)
    assert done.text == "请回电138****5678,谢谢。" and done.name == "139****1111"
    shown = json_of(client, interview).content.decode()
    assert "13812345678" not in shown and "138****5678" in shown


def test_the_organisations_dictionary_screens_questions_and_nicknames(staff):
    make_dictionary(staff.org, terms=[("某禁用词", "forbidden", "blocking")])
    interview = make_interview(staff, status=InterviewStatus.LIVE)
    question = ask(interview, "这里有某禁用词吗?", name="某禁用词")
    assert [(f["field"], f["category"]) for f in question.screening] == [
        ("text", "forbidden"),
        ("name", "forbidden"),
    ]
    note = interviews.screening_note(question.screening)
    assert note.startswith("含有必须修改的内容:禁用词“某禁用词”") and note.endswith("修改后才能采用。")
    with pytest.raises(ValidationError, match="禁用词“某禁用词”"):
        interviews.approve_question(user=staff.editor, question=question)
    # Edited text: approved; the nickname with a blocking term is dropped (shown as 网友).
    done = interviews.approve_question(user=staff.editor, question=question, text="这里有问题吗?")
    assert done.name == "" and events("participation.question_moderated")[-1].data["nickname_removed"] is True
    assert interviews.entry(done)["name"] == "网友"
    # Another organisation's dictionary does not apply.
    other = make_staff()
    elsewhere = make_interview(other, status=InterviewStatus.LIVE)
    assert ask(elsewhere, "这里有某禁用词吗?").screening == []


def test_moderating_and_answering_belong_to_the_office_and_the_hosting_department(staff):
    interview = make_interview(staff, status=InterviewStatus.LIVE)
    for person in (staff.other_drafter, staff.other_head, staff.leader, staff.secrecy, staff.policy_reviewer):
        question = ask(interview)
        with pytest.raises(WorkflowError, match="只有办公室编辑和承办科室的负责人、起草人"):
            interviews.approve_question(user=person, question=question)
        with pytest.raises(WorkflowError):
            interviews.reject_question(user=person, question=question)
    allowed = (staff.editor, staff.editor2, staff.head, staff.drafter)
    for person in allowed:
        question = interviews.approve_question(user=person, question=ask(interview))
        answered = answer(staff, question, user=person)
        assert answered.status == QuestionStatus.ANSWERED
    approved_one = approved(staff, interview)
    for person in (staff.other_drafter, staff.other_head, staff.leader):
        with pytest.raises(WorkflowError):
            answer(staff, approved_one, user=person)
    assert Question.objects.filter(status=QuestionStatus.ANSWERED).count() == len(allowed)


def test_rejection_only_for_pending_questions_and_a_rejected_one_may_be_reconsidered(staff):
    interview = make_interview(staff)
    question = ask(interview)
    rejected = interviews.reject_question(user=staff.drafter, question=question, note="与主题无关")
    assert rejected.status == QuestionStatus.REJECTED and rejected.seq == 0
    assert events("participation.question_moderated")[-1].data["note"] == "与主题无关"
    with pytest.raises(ValidationError, match="只有待审核的提问"):
        interviews.reject_question(user=staff.editor, question=rejected)
    again = interviews.approve_question(user=staff.editor, question=rejected)
    assert again.status == QuestionStatus.APPROVED
    with pytest.raises(ValidationError, match="不能重复审核"):
        interviews.approve_question(user=staff.editor, question=again)
    with pytest.raises(ValidationError, match="只有待审核的提问"):
        interviews.reject_question(user=staff.editor, question=again)


def test_answers_need_an_approved_question_a_listed_guest_and_a_started_session(staff):
    interview = make_interview(staff)
    early = approved(staff, interview)
    with pytest.raises(ValidationError, match="访谈尚未开始"):
        answer(staff, early)
    Interview.objects.filter(pk=interview.pk).update(status=InterviewStatus.LIVE)
    pending = ask(interview)
    with pytest.raises(ValidationError, match="只能回答已采用的提问"):
        answer(staff, pending)
    with pytest.raises(ValidationError) as caught:
        answer(staff, early, guest="王五 局长")
    assert caught.value.message_dict["guest"] == ["请从嘉宾名单中选择回答的嘉宾。"]
    with pytest.raises(ValidationError) as caught:
        answer(staff, early, text="  ")
    assert caught.value.message_dict["answer"] == ["请填写嘉宾的回答。"]
    with pytest.raises(ValidationError) as caught:
        answer(staff, early, text=f"请联系{ID_NUMBER}")
    assert "必须修改" in caught.value.message_dict["answer"][0]

    done = answer(staff, early, guest="李华 艺术科科长")
    assert done.status == QuestionStatus.ANSWERED and done.answered_by_guest == "李华 艺术科科长"
    assert done.answered_at is not None and done.seq == 2  # approval took 1
    [event] = events("participation.question_answered")
    assert (
        event.data["guest"] == "李华 艺术科科长" and event.data["seq"] == 2 and not event.data["correction"]
    )


def test_each_approval_and_answer_takes_the_next_seq_and_a_correction_keeps_the_time(staff):
    interview = make_interview(staff, status=InterviewStatus.LIVE)
    first, second = approved(staff, interview, "一问"), approved(staff, interview, "二问")
    assert (first.seq, second.seq) == (1, 2)
    first = answer(staff, first)
    second = answer(staff, second)
    assert (first.seq, second.seq) == (3, 4)
    at = first.answered_at
    corrected = answer(staff, first, text="更正:每周五上午9点发放。")
    assert corrected.seq == 5 and corrected.answered_at == at and corrected.answer.startswith("更正")
    assert events("participation.question_answered")[-1].data["correction"] is True
    # Another interview counts on its own.
    other = make_interview(staff, status=InterviewStatus.LIVE)
    assert approved(staff, other).seq == 1
    # Answers may still be typed after the end (the archive is completed), never before the start.
    Interview.objects.filter(pk=interview.pk).update(status=InterviewStatus.ENDED)
    late = Question.objects.create(interview=interview, text="三问", status=QuestionStatus.APPROVED, seq=6)
    assert answer(staff, late).seq == 7


# --- the live endpoint ---------------------------------------------------------------------------------------------


def test_the_live_endpoint_returns_only_shown_entries_in_seq_order_after_after(client, staff):
    interview = make_interview(staff, status=InterviewStatus.LIVE)
    ask(interview, "还在审核的问题")
    rejected = interviews.reject_question(user=staff.editor, question=ask(interview, "未采用的问题"))
    one = approved(staff, interview, "第一问")  # seq 1
    two = approved(staff, interview, "第二问")  # seq 2
    answer(staff, one, "第一答")  # seq 3
    assert rejected.seq == 0

    response = json_of(client, interview)
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    assert "max-age=2" in response["Cache-Control"] and "public" in response["Cache-Control"]
    assert "Cookie" not in response.get("Vary", "")  # one cached copy serves every poller
    payload = response.json()
    assert payload["status"] == "live" and payload["accepting"] is True and payload["more"] is False
    assert [(e["id"], e["seq"], e["status"]) for e in payload["entries"]] == [
        (two.pk, 2, "approved"),
        (one.pk, 3, "answered"),
    ]
    assert payload["last"] == 3
    first = payload["entries"][1]
    assert first["question"] == "第一问" and first["answer"] == "第一答" and first["name"] == "小王"
    assert first["guest"] == "张明 市文化和旅游局副局长" and first["answered_label"]
    waiting = payload["entries"][0]
    assert waiting["answer"] == "" and waiting["guest"] == ""

    assert [e["seq"] for e in json_of(client, interview, after=2).json()["entries"]] == [3]
    later = json_of(client, interview, after=3).json()
    assert later["entries"] == [] and later["last"] == 3
    answer(staff, two, "第二答")
    [new] = json_of(client, interview, after=3).json()["entries"]
    assert (new["id"], new["seq"], new["answer"]) == (two.pk, 4, "第二答")
    texts = json_of(client, interview).content.decode()
    assert "还在审核的问题" not in texts and "未采用的问题" not in texts


def test_the_live_endpoint_pages_long_transcripts(client, staff, monkeypatch):
    monkeypatch.setattr(interviews, "LIVE_BATCH", 2)
    interview = make_interview(staff, status=InterviewStatus.LIVE)
    for n in range(3):
        approved(staff, interview, f"问题{n}")
    payload = json_of(client, interview).json()
    assert [e["seq"] for e in payload["entries"]] == [1, 2] and payload["more"] is True
    rest = json_of(client, interview, after=payload["last"]).json()
    assert [e["seq"] for e in rest["entries"]] == [3] and rest["more"] is False


@pytest.mark.parametrize("after", ["-1", "abc", "1" * 11, "1.5", "²", "１"])
def test_a_bad_after_is_a_400_in_chinese(client, staff, after):
    interview = make_interview(staff, status=InterviewStatus.LIVE)
    response = json_of(client, interview, after=after)
    assert response.status_code == 400 and "after 无效" in response.json()["error"]


def test_unpublished_interviews_are_404_publicly(client, staff):
    hidden = make_interview(staff, status=InterviewStatus.LIVE, published=False)
    Question.objects.create(interview=hidden, text="已采用", status=QuestionStatus.APPROVED, seq=1)
    assert client.get(f"/hudong/fangtan/{hidden.pk}/").status_code == 404
    assert json_of(client, hidden).status_code == 404
    assert client.post(f"/hudong/fangtan/{hidden.pk}/", {"text": "问"}).status_code == 404
    assert client.get("/hudong/fangtan/999999999999999999/").status_code == 404
    assert client.get("/hudong/fangtan/9999999999999999999999/live.json").status_code == 404
    assert hidden.title not in client.get("/hudong/fangtan/").content.decode()


# --- public pages ---------------------------------------------------------------------------------------------------


def test_the_list_shows_live_upcoming_and_past_interviews(client, staff):
    make_interview(staff, status=InterviewStatus.LIVE, title="正在直播的访谈")
    make_interview(staff, title="即将开始的访谈")
    make_interview(staff, status=InterviewStatus.ENDED, title="已经结束的访谈")
    make_interview(staff, published=False, title="还没发布的访谈")
    body = client.get("/hudong/fangtan/").content.decode()
    now, coming, past = body.index("正在直播</h2>"), body.index("访谈预告</h2>"), body.index("往期回顾</h2>")
    assert now < body.index("正在直播的访谈") < coming < body.index("即将开始的访谈") < past
    assert past < body.index("已经结束的访谈")
    assert "还没发布的访谈" not in body


def test_the_preview_page_shows_guests_and_the_question_form_but_no_unapproved_question(client, staff):
    item = make_published(staff)
    interview = make_interview(staff, interprets=item)
    ask(interview, "没审核的问题")
    body = client.get(f"/hudong/fangtan/{interview.pk}/").content.decode()
    assert "张明 市文化和旅游局副局长" in body and "提前提问" in body and 'name="captcha"' in body
    assert 'name="website"' in body and "没审核的问题" not in body
    assert item.live_revision.title in body and f"/xxgk/items/{item.index_number}/" in body
    assert 'data-status="scheduled"' in body and "participation/live.js" in body


def test_the_live_page_shows_approved_questions_and_answers_with_guest_and_time(client, staff):
    interview = make_interview(staff, status=InterviewStatus.LIVE)
    one = approved(staff, interview, HOSTILE)
    answer(staff, one, "已答复。\n第二行")
    approved(staff, interview, "等待回答的问题")
    body = client.get(f"/hudong/fangtan/{interview.pk}/").content.decode()
    assert HOSTILE not in body and "&lt;script&gt;" in body
    assert (
        "张明 市文化和旅游局副局长" in body
        and timezone.localtime(Question.objects.get(pk=one.pk).answered_at).strftime("%m-%d %H:%M") in body
    )
    assert "等待回答的问题" in body and 'data-after="3"' in body and 'aria-live="polite"' in body


def test_the_archive_shows_the_transcript_and_summary_and_takes_no_more_questions(client, staff):
    interview = make_interview(staff, status=InterviewStatus.LIVE)
    for n in range(2):
        answer(staff, approved(staff, interview, f"问题{n}"), f"回答{n}")
    Interview.objects.filter(pk=interview.pk).update(
        status=InterviewStatus.ENDED, summary="访谈介绍了惠民措施。", ends_at=timezone.now() - MINUTE
    )
    body = client.get(f"/hudong/fangtan/{interview.pk}/").content.decode()
    assert "访谈实录" in body and "访谈介绍了惠民措施。" in body
    assert body.index("回答0") < body.index("回答1")
    assert "本期访谈已结束,不再接受提问" in body and 'name="captcha"' not in body
    response = client.post(f"/hudong/fangtan/{interview.pk}/", {"text": "还能问吗?"})
    assert response.status_code == 400 and "不再接受提问" in response.content.decode()
    assert not Question.objects.filter(text="还能问吗?").exists()


def post_question(client, interview, **overrides):
    token = captcha.new_token()
    values = {
        "name": "市民小李",
        "text": "老年人优惠怎么办理?",
        "captcha_token": token,
        "captcha": captcha.code_for(captcha._nonce(token)),
        "website": "",
        **overrides,
    }
    return client.post(f"/hudong/fangtan/{interview.pk}/", values)


def test_a_citizen_asks_with_the_captcha_and_is_told_it_awaits_review(client, staff):
    interview = make_interview(staff)
    response = post_question(client, interview)
    assert response.status_code == 302 and response["Location"].endswith("?tiwen=ok#ask")
    question = Question.objects.get()
    assert question.status == QuestionStatus.PENDING and question.beforehand and question.name == "市民小李"
    assert len(question.client_key) == 32
    assert "经审核后显示" in client.get(response["Location"]).content.decode()


def test_a_wrong_captcha_keeps_what_was_typed(client, staff):
    interview = make_interview(staff)
    response = post_question(client, interview, captcha="0000")
    body = response.content.decode()
    assert response.status_code == 400 and "验证码不正确" in body and "老年人优惠怎么办理?" in body
    assert not Question.objects.exists()


def test_the_honeypot_and_the_rate_limit(client, staff):
    interview = make_interview(staff)
    response = post_question(client, interview, website="http://spam.example/")
    assert response.status_code == 400 and not Question.objects.exists()
    for _n in range(2):
        assert post_question(client, interview).status_code == 302
    response = post_question(client, interview, text="第四个问题")
    assert response.status_code == 429 and "每 10 分钟最多提交 3 条提问" in response.content.decode()
    assert Question.objects.count() == 2
    # The limit is per interview.
    other = make_interview(staff)
    assert post_question(client, other).status_code == 302


# --- console ---------------------------------------------------------------------------------------------------------


def test_the_console_schedules_publishes_and_starts_an_interview(client, staff):
    login(client, staff.editor)
    assert client.get("/console/participation/interviews/").status_code == 200
    assert client.get("/console/participation/interviews/new/").status_code == 200
    start = timezone.localtime(timezone.now() + HOUR)
    form = {
        "title": "文旅消费券答疑",
        "description": "",
        "guests": GUESTS,
        "department": staff.dept.pk,
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + HOUR).strftime("%Y-%m-%dT%H:%M"),
        "interprets": "",
    }
    bad = client.post("/console/participation/interviews/new/", {**form, "ends_at": form["starts_at"]})
    assert bad.status_code == 400 and "结束时间必须晚于开始时间" in bad.content.decode()
    bad = client.post("/console/participation/interviews/new/", {**form, "interprets": "NO/SUCH"})
    assert bad.status_code == 400 and "没有索引号为“NO/SUCH”的信息" in bad.content.decode()
    response = client.post("/console/participation/interviews/new/", form)
    interview = Interview.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/interviews/{interview.pk}/")
    page = client.get(response["Location"])
    assert page.status_code == 200 and "发布预告" in page.content.decode()
    base = f"/console/participation/interviews/{interview.pk}"
    assert client.post(f"{base}/start/").status_code == 400  # not published yet
    assert client.post(f"{base}/publish/").status_code == 302
    assert client.post(f"{base}/start/").status_code == 302
    assert Interview.objects.get().status == InterviewStatus.LIVE
    assert client.post(f"{base}/explode/").status_code == 404
    edit = client.get(f"{base}/edit/")
    assert edit.status_code == 200 and "开始时间不能修改" in edit.content.decode()


def test_the_console_moderates_and_answers(client, staff):
    interview = make_interview(staff, status=InterviewStatus.LIVE)
    question = ask(interview, f"身份证{ID_NUMBER}可以吗?")
    login(client, staff.drafter)
    base = f"/console/participation/interviews/{interview.pk}"
    page = client.get(f"{base}/").content.decode()
    assert "含有必须修改的内容" in page
    refused = client.post(
        f"{base}/questions/{question.pk}/approve/", {f"approve-{question.pk}-text": question.text}
    )
    assert refused.status_code == 400 and "必须修改" in refused.content.decode()
    ok = client.post(f"{base}/questions/{question.pk}/approve/", {f"approve-{question.pk}-text": "可以吗?"})
    assert ok.status_code == 302
    missing = client.post(
        f"{base}/questions/{question.pk}/answer/", {f"answer-{question.pk}-answer": "可以。"}
    )
    assert missing.status_code == 400 and "请选择回答的嘉宾" in missing.content.decode()
    done = client.post(
        f"{base}/questions/{question.pk}/answer/",
        {
            f"answer-{question.pk}-guest": "张明 市文化和旅游局副局长",
            f"answer-{question.pk}-answer": "可以。",
        },
    )
    assert done.status_code == 302
    question.refresh_from_db()
    assert question.status == QuestionStatus.ANSWERED and question.answer == "可以。"
    assert client.post(f"{base}/questions/{question.pk}/explode/").status_code == 404
    assert client.post(f"{base}/questions/999999/approve/").status_code == 404
    # Drafters moderate but do not run the session.
    assert client.post(f"{base}/end/").status_code == 403


def test_the_console_is_closed_to_others_and_to_other_departments(client, staff):
    interview = make_interview(staff)
    login(client, staff.leader)
    assert client.get("/console/participation/interviews/").status_code == 403
    login(client, staff.other_drafter)
    assert client.get("/console/participation/interviews/").status_code == 200
    assert interview.title not in client.get("/console/participation/interviews/").content.decode()
    assert client.get(f"/console/participation/interviews/{interview.pk}/").status_code == 403
    assert client.get("/console/participation/interviews/new/").status_code == 403
    outsider = make_staff()
    login(client, outsider.editor)
    assert client.get(f"/console/participation/interviews/{interview.pk}/").status_code == 404


# --- concurrency -------------------------------------------------------------------------------------------------------


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_answers_get_distinct_consecutive_seqs():
    staff = make_staff()
    interview = make_interview(staff, status=InterviewStatus.LIVE)
    questions = [approved(staff, interview, f"问题{n}") for n in range(6)]
    barrier = threading.Barrier(len(questions))
    errors = []

    def work(question):
        try:
            barrier.wait()
            answer(staff, question, f"回答{question.pk}")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(q,)) for q in questions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    seqs = sorted(Question.objects.filter(interview=interview).values_list("seq", flat=True))
    assert seqs == list(range(7, 13))
