"""Issue 9, item 3: a corpus of XSS, SQL and template-injection payloads (tests/security/payloads.py) goes
through every form of the public site and the console and every field of the JSON API; nothing answers
with a 5xx, no page shows a payload as live markup, template syntax is shown as typed (never evaluated),
the secret key never appears, and no redirect leaves the site.

How: the forms are read from the pages (tests/security/hostile.py), so every field of a form is filled,
including fields added later. FORMS says where each form lives (a page builder, which may make a fresh
object for forms that take a value once), the values that make a post succeed, and the pages that show
what was posted. A form found on any page that FORMS does not know fails
`test_every_form_with_input_is_in_the_table` with its name, as does a URL the tables do not classify.
"""

from __future__ import annotations

import datetime
import inspect
import itertools
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from gongkai.api import tokens
from gongkai.feedback import services as feedback_services
from gongkai.feedback.models import ErrorReport
from gongkai.participation import consultations, interviews
from gongkai.participation import messages as message_rules
from gongkai.participation.models import Comment, Consultation, Interview, Message
from gongkai.publishing import services as publishing
from gongkai.publishing.models import InformationItem
from tests.concerns.factories import make_case
from tests.factories import make_draft, make_published, review_through
from tests.security import payloads as P
from tests.security import test_access_walk as walk
from tests.security.hostile import MACHINERY, FoundForm, Visitor, read_forms, solve_captcha

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _quiet_request_log():
    """Thousands of refused posts would each log a warning."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


PDF = walk.PDF
TODAY = lambda: timezone.localdate()  # noqa: E731


# --- the world: the access walk's, with the states that show the remaining forms ------------------------


def build_world():
    w = walk.build_world()
    a = w.a
    Interview.objects.filter(pk=w.interview.pk).update(published=True)  # open for questions
    from gongkai.catalogue.constants import InterpretationScope
    from gongkai.catalogue.models import CatalogueEntry

    w.normative = CatalogueEntry.objects.create(
        organization=a.org,
        code="hostile-gfxwj",
        name="行政规范性文件",
        interpretation=InterpretationScope.NORMATIVE,
    )
    w.users["editor2"] = a.editor2
    w.future = consultations.create_consultation(  # not open yet: its draft can be edited
        user=a.drafter,
        organization=a.org,
        data={
            "department": a.dept,
            "kind": "policy",
            "title": "景区服务规范",
            "explanation": "起草说明。",
            "opens_on": TODAY() + datetime.timedelta(days=10),
            "closes_on": TODAY() + datetime.timedelta(days=40),
            "ask_name": True,
            "ask_phone": False,
            "ask_email": False,
            "ask_address": False,
            "show_comments": False,
            "feedback_workdays": 15,
        },
        draft_text="第一条 为了规范服务,制定本规范。",
        catalogue_entry=a.entry,
        topic=a.topic,
    )
    w.fresh = None  # the object a page builder made last
    return w


def remember(w, obj):
    w.fresh = obj
    return obj


# --- page builders -------------------------------------------------------------------------------------


def item_page(role, item):
    return role, reverse("console:item", args=[item.pk])


def new_in_review(w):
    item = make_draft(w.a, title="送审的文件")
    publishing.submit_for_review(user=w.a.drafter, item=item)
    return remember(w, item)


def new_published(w):
    return remember(w, make_published(w.a))


def new_report(w):
    report = feedback_services.submit_report(
        organization=w.a.org,
        page=feedback_services.Page(url="/xxgk/", item=None),
        category="typo",
        description="有错别字。",
        contact_name="王五",
        contact="wang@example.com",
    )
    return "editor", reverse("feedback_console:detail", args=[remember(w, report).pk])


def new_message(w, routed=False):
    message = message_rules.submit_message(
        organization=w.a.org,
        kind="consult",
        subject="图书馆开放时间",
        text="周末几点开门?",
        name="赵六",
        phone="13912345678",
        consented=True,
    )
    if routed:
        message = message_rules.route_message(message, w.a.editor, w.a.dept, note="请答复。")
    return reverse("participation_console:message_detail", args=[remember(w, message).pk])


def new_question(w):
    question = interviews.submit_question(interview=w.interview, text="门票多少钱?", name="小李")
    remember(w, question)
    return "editor", reverse("participation_console:interview_console_detail", args=[w.interview.pk])


def new_comment(w):
    comment = consultations.submit_comment(
        consultation=w.consultation,
        text="建议延长开放时间。",
        name="孙八",
        phone="13600002222",
        consented=True,
        client_key=f"k{Comment.objects.count()}",
    )
    remember(w, comment)
    return "drafter", reverse("participation_console:consultation_detail", args=[w.consultation.pk])


def new_case(w):
    case = make_case(w.a, title="景区排队时间过长")
    return "editor", reverse("concerns:case", args=[remember(w, case).pk])


def closed_consultation(w):
    """A consultation of its own, published, commented on and closed (classification, the summary)."""
    if getattr(w, "closed", None) is None:
        a = w.a
        consultation = consultations.create_consultation(
            user=a.drafter,
            organization=a.org,
            data={
                "department": a.dept,
                "kind": "policy",
                "title": "景区门票管理办法",
                "explanation": "起草说明。",
                "opens_on": TODAY(),
                "closes_on": TODAY() + datetime.timedelta(days=29),
                "ask_name": True,
                "ask_phone": False,
                "ask_email": False,
                "ask_address": False,
                "show_comments": False,
                "feedback_workdays": 15,
            },
            draft_text="第一条 为了规范门票管理,制定本办法。",
            catalogue_entry=a.entry,
            topic=a.topic,
        )
        item = InformationItem.objects.get(pk=consultation.item_id)
        publishing.submit_for_review(user=a.drafter, item=item)
        review_through(a, item)
        publishing.publish(user=a.editor, item=InformationItem.objects.get(pk=item.pk))
        consultations.advance_states()
        for n in range(3):
            consultations.submit_comment(
                consultation=Consultation.objects.get(pk=consultation.pk),
                text=f"建议增加停车位{n}。",
                name="钱七",
                consented=True,
                client_key=f"c{n}",
            )
        Consultation.objects.filter(pk=consultation.pk).update(
            opens_on=TODAY() - datetime.timedelta(days=30), closes_on=TODAY() - datetime.timedelta(days=1)
        )
        consultations.advance_states()
        w.closed = Consultation.objects.get(pk=consultation.pk)
    return w.closed


ASSESSMENT = {
    "background": "国庆假期游客集中",
    "situation": "本地论坛传播",
    "viewpoints": "排队时间长",
    "trend": "可能扩散",
    "risk_level": "medium",
    "emergency_plan": "增开入口",
}
PLAN = {
    "organizer": "艺术科牵头",
    "outline": "一、背景;二、主要内容",
    "forms": ["text"],
    "planned_on": "2026-11-30",
    "channels": "门户网站",
}


def monitored_case(w):
    """A case in 持续监测, the one state it can be closed from."""
    from gongkai.concerns import services as concern_services

    case = make_case(w.a, title="景区门票涨价")
    concern_services.assess(user=w.a.editor, case=case, data=ASSESSMENT)
    concern_services.move(user=w.a.editor, case=case, to="responding")
    concern_services.record_response(
        user=w.a.editor, case=case, channel="new_media", summary="已回应。", url="https://x.example.cn/2"
    )
    concern_services.move(user=w.a.editor, case=case, to="monitoring")
    return "editor", reverse("concerns:case", args=[remember(w, case).pk])


def fast_tracked(w):
    item = make_draft(w.a, title="紧急发布的通知")
    item = publishing.fast_track_publish(user=w.a.editor, item=item, reason="汛期预警,须立即发布。")
    return remember(w, item)


def normative_draft(w, *, submitted=False):
    """A document of a 行政规范性文件 column: it needs an interpretation plan (and, in review, the policy
    department's opinion)."""
    from gongkai.interpretation import services as interpretation

    item = make_draft(w.a, catalogue_entry=w.normative, title="景区管理办法")
    if submitted:
        interpretation.save_plan(user=w.a.drafter, item=item, data=PLAN)
        publishing.submit_for_review(user=w.a.drafter, item=item)
    return remember(w, item)


def flagged_draft(w):
    """A draft whose title holds a term of the organisation's dictionary (a warning to acknowledge)."""
    item = make_draft(w.a, title="关于内部敏感词的说明")
    publishing.submit_for_review(user=w.a.drafter, item=item)
    return "head", reverse("console:review", args=[remember(w, item).pk])


def classified_consultation(w):
    """The closed consultation with its comments classified: the feedback summary and report."""
    consultation = closed_consultation(w)
    for comment in Comment.objects.filter(consultation=consultation, disposition=""):
        if comment.status == "pending":
            consultations.moderate_comment(user=w.a.drafter, comment=comment, approve=True)
        consultations.classify_comment(
            user=w.a.drafter, comment=Comment.objects.get(pk=comment.pk), disposition="adopted", reason=""
        )
    return consultation


def live_interview(w):
    """An interview of its own, published and live."""
    if getattr(w, "live", None) is None:
        now = timezone.now()
        live = interviews.create_interview(
            user=w.a.editor,
            organization=w.a.org,
            data={
                "title": "消费券政策解读",
                "description": "介绍发放办法。",
                "guests": "张明 市文化和旅游局副局长",
                "department": w.a.dept,
                "starts_at": now + datetime.timedelta(hours=1),
                "ends_at": now + datetime.timedelta(hours=2),
                "interprets": None,
            },
        )
        Interview.objects.filter(pk=live.pk).update(
            published=True, status="live", starts_at=now - datetime.timedelta(minutes=5)
        )
        w.live = Interview.objects.get(pk=live.pk)
    return w.live


def live_interview_with_question(w):
    """A live interview with an approved question (the guests' answer form)."""
    interview = live_interview(w)
    question = interviews.submit_question(interview=interview, text="几点开始?", name="小周")
    question = interviews.approve_question(user=w.a.editor, question=question)
    remember(w, question)
    return "editor", reverse("participation_console:interview_console_detail", args=[interview.pk])


# --- the table ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Form:
    page: Callable  # World -> (role, URL of a page holding the form); may make a fresh object
    valid: Callable = lambda w: {}  # values over the form's own that make a post succeed  # noqa: E731
    shows: Callable = lambda w: []  # World -> [(role, url)] pages that show what was posted  # noqa: E731
    ok: tuple = (302,)  # the status of a successful post
    baseline: bool = True  # a post with the valid values must succeed (False: accounts, logins)
    only: tuple = ()  # inject only these fields (a form with a hundred number boxes)
    files: Callable | None = None  # payload -> {field: upload}: the payload travels as a file name
    fresh: bool = False  # the page builder makes a fresh object per post
    fuzz: bool = True  # False: the form's formatted fields are fuzzed through another entry (create/edit)
    # The whole corpus (P.ALL) for the public forms and the forms whose text reaches the public site and
    # the search index; SYNTAX for text read by parsers of its own; CORE (the default) for the others.
    corpus: tuple = ()


ANON = "anonymous"
SERIAL = itertools.count(1)
SEVERITIES = itertools.cycle(["larger", "general"])
# The corpus of most console forms (the others' fields take the whole corpus), and of each field alone.
CORE = (
    P.COMBINED,  # several XSS payloads, SQL and template syntax in one value
    *(P.XSS[i] for i in (1, 8, 19, 27, 29)),
    *(P.TEMPLATE[i] for i in (0, 2, 11, 13)),
    P.SQL[4],
    P.OTHER[0],
    P.OTHER[3],
    "²",
    P.LONG[0],
)


# For text that reaches parsers of its own (matching terms, link patterns, de-duplication), not a page.
SYNTAX = (*CORE, *P.SQL, *P.OTHER)


FORMS: dict[str, Form] = {
    # --- public ---
    "feedback:report": Form(
        corpus=P.ALL,
        page=lambda w: (ANON, f"/xxgk/jiucuo/?page=/xxgk/items/{w.published.index_number}/"),
        valid=lambda w: {"category": "wrong_content", "description": "日期写错了。"},
        shows=lambda w: [
            ("editor", reverse("feedback_console:list") + "?status=all"),
            ("editor", reverse("feedback_console:detail", args=[ErrorReport.objects.latest("pk").pk])),
        ],
    ),
    "participation:consultation_detail": Form(
        corpus=P.ALL,
        page=lambda w: (ANON, reverse("participation:consultation_detail", args=[w.consultation.pk])),
        valid=lambda w: {
            "text": "建议增加老年人优惠。",
            "name": "张三",
            "phone": "13812340000",
            "consent": "on",
        },
        shows=lambda w: [
            ("drafter", reverse("participation_console:consultation_detail", args=[w.consultation.pk]))
        ],
    ),
    "participation:message_form": Form(
        corpus=P.ALL,
        page=lambda w: (ANON, reverse("participation:message_form") + f"?org={w.a.org.code}"),
        valid=lambda w: {
            "kind": "consult",
            "subject": "开放时间",
            "text": "请问周末开放吗?",
            "name": "李四",
            "phone": "13812340001",
            "consent": "on",
        },
        shows=lambda w: [
            ("editor", reverse("participation_console:message_list")),
            (
                "editor",
                reverse("participation_console:message_detail", args=[Message.objects.latest("pk").pk]),
            ),
        ],
    ),
    "participation:message_lookup": Form(
        corpus=P.ALL,
        page=lambda w: (ANON, reverse("participation:message_lookup") + f"?org={w.a.org.code}"),
        valid=lambda w: {"code": w.message.tracking_code},
        ok=(200,),
    ),
    "participation:interview_detail": Form(
        corpus=P.ALL,
        page=lambda w: (ANON, reverse("participation:interview_detail", args=[w.interview.pk])),
        valid=lambda w: {"text": "消费券怎么领?", "name": "小张"},
        shows=lambda w: [
            ("editor", reverse("participation_console:interview_console_detail", args=[w.interview.pk]))
        ],
    ),
    "console:login": Form(
        corpus=P.ALL, page=lambda w: (ANON, reverse("console:login")), baseline=False, ok=(200,)
    ),
    # --- console: publishing ---
    "console:item_create": Form(
        corpus=P.ALL,
        page=lambda w: ("drafter", reverse("console:item_create")),
        valid=lambda w: {
            "title": "关于开放时间的通知",
            "catalogue_entry": str(w.a.entry.pk),
            "topic": str(w.a.topic.pk),
            "summary": "通知开放时间。",
        },
        shows=lambda w: [
            ("drafter", reverse("console:items")),
            item_page("drafter", InformationItem.objects.latest("pk")),
        ],
    ),
    "console:item_edit": Form(
        fuzz=False,
        page=lambda w: ("drafter", reverse("console:item_edit", args=[w.draft.pk])),
        shows=lambda w: [item_page("drafter", w.draft), ("drafter", reverse("console:items"))],
    ),
    "console:item_action[reject]": Form(
        page=lambda w: ("head", reverse("console:review", args=[new_in_review(w).pk])),
        valid=lambda w: {"opinion": "请补充附件。"},
        shows=lambda w: [item_page("drafter", w.fresh)],
        fresh=True,
    ),
    "console:item_action[approve]": Form(
        page=lambda w: ("head", reverse("console:review", args=[new_in_review(w).pk])),
        shows=lambda w: [item_page("drafter", w.fresh)],
        fresh=True,
    ),
    "console:item_action[withdraw]": Form(
        page=lambda w: item_page("editor", new_published(w)),
        valid=lambda w: {"reason": "内容有误。"},
        shows=lambda w: [item_page("editor", w.fresh)],
        fresh=True,
    ),
    "console:item_action[abolish]": Form(
        page=lambda w: item_page("editor", new_published(w)),
        valid=lambda w: {"abolished_on": TODAY().isoformat(), "note": "已被新文件替代。"},
        shows=lambda w: [item_page("editor", w.fresh)],
        fresh=True,
    ),
    "console:item_action[fast_track]": Form(
        page=lambda w: item_page("editor", remember(w, make_draft(w.a, title="急需发布的通知"))),
        valid=lambda w: {"reason": "汛期预警,须立即发布。"},
        shows=lambda w: [item_page("editor", w.fresh)],
        fresh=True,
    ),
    "console:item_action[post_review]": Form(
        page=lambda w: item_page("leader", fast_tracked(w)),
        valid=lambda w: {"opinion": "同意。"},
        shows=lambda w: [item_page("editor", w.fresh)],
        fresh=True,
    ),
    "console:interpretation_plan": Form(
        page=lambda w: item_page("drafter", normative_draft(w)),
        valid=lambda w: PLAN,
        shows=lambda w: [item_page("drafter", w.fresh)],
        fresh=True,
    ),
    "console:policy_opinion": Form(
        page=lambda w: item_page("policy_reviewer", normative_draft(w, submitted=True)),
        valid=lambda w: {"opinion": "同意。"},
        shows=lambda w: [item_page("drafter", w.fresh)],
        fresh=True,
    ),
    "console:finding_acknowledge": Form(
        page=flagged_draft,
        valid=lambda w: {"reason": "专有名词,无需修改。"},
        shows=lambda w: [("head", reverse("console:review", args=[w.fresh.pk]))],
        fresh=True,
    ),
    "console:attachment_upload": Form(
        page=lambda w: item_page("drafter", w.draft),
        files=lambda payload: {"file": SimpleUploadedFile(payload[:150] + ".pdf", PDF, "application/pdf")},
        shows=lambda w: [item_page("drafter", w.draft)],
    ),
    "console:dictionaries": Form(
        page=lambda w: ("editor", reverse("console:dictionaries")),
        valid=lambda w: {"name": "补充词库"},
        shows=lambda w: [("editor", reverse("console:dictionaries"))],
    ),
    "console:term_save": Form(
        page=lambda w: ("editor", reverse("console:dictionary", args=[w.dictionary.pk])),
        valid=lambda w: {"text": "不规范词", "suggestion": "规范词"},
        shows=lambda w: [("editor", reverse("console:dictionary", args=[w.dictionary.pk]))],
    ),
    "console:review_check": Form(
        corpus=P.ALL,
        page=lambda w: ("drafter", reverse("console:review_check")),
        valid=lambda w: {"text": "检查这段文字。"},
        ok=(200,),
    ),
    "console:password_change": Form(
        page=lambda w: ("drafter", reverse("console:password_change")), baseline=False, ok=(200,)
    ),
    "console:two_factor": Form(
        page=lambda w: ("drafter", reverse("console:two_factor")), baseline=False, ok=(200,)
    ),
    # --- console: 网民纠错 ---
    "feedback_console:action[answer]": Form(
        page=new_report,
        valid=lambda w: {"answer-text": "已更正。"},
        shows=lambda w: [("editor", reverse("feedback_console:detail", args=[w.fresh.pk]))],
        fresh=True,
    ),
    "feedback_console:action[reject]": Form(
        page=new_report,
        valid=lambda w: {"reject-text": "内容无误。"},
        shows=lambda w: [("editor", reverse("feedback_console:detail", args=[w.fresh.pk]))],
        fresh=True,
    ),
    # --- console: 舆情 ---
    "concerns:case_assess": Form(
        page=lambda w: ("editor", reverse("concerns:case", args=[w.case.pk])),
        valid=lambda w: {"assess-background": "景区客流大。"},
        shows=lambda w: [("editor", reverse("concerns:case", args=[w.case.pk]))],
    ),
    "concerns:case_classify": Form(
        page=lambda w: ("editor", reverse("concerns:case", args=[w.case.pk])),
        # The reason is recorded with a change of severity: each post changes it.
        valid=lambda w: {"classify-severity": next(SEVERITIES), "classify-reason": "影响有限。"},
        shows=lambda w: [("editor", reverse("concerns:case", args=[w.case.pk]))],
    ),
    "concerns:case_move": Form(
        page=new_case,
        valid=lambda w: {"move-to": "consulting", "move-note": "进入会商。"},
        shows=lambda w: [("editor", reverse("concerns:case", args=[w.fresh.pk]))],
        fresh=True,
    ),
    "concerns:case_report": Form(
        page=lambda w: ("editor", reverse("concerns:case", args=[w.case.pk])),
        valid=lambda w: {
            "report-kind": "follow_up",
            "report-recipients": "市委网信办",
            "report-content": "续报。",
        },
        shows=lambda w: [("editor", reverse("concerns:case", args=[w.case.pk]))],
    ),
    "concerns:case_response": Form(
        page=lambda w: ("editor", reverse("concerns:case", args=[w.case.pk])),
        valid=lambda w: {
            "response-channel": "new_media",
            "response-summary": "已在公众号回应。",
            "response-url": "https://weixin.example.cn/a",
        },
        shows=lambda w: [("editor", reverse("concerns:case", args=[w.case.pk]))],
    ),
    "concerns:case_referral": Form(
        page=lambda w: ("editor", reverse("concerns:case", args=[w.case.pk])),
        valid=lambda w: {"referral-authority": "police", "referral-content": "谣言线索。"},
        shows=lambda w: [("editor", reverse("concerns:case", args=[w.case.pk]))],
    ),
    "concerns:case_close": Form(
        page=monitored_case,
        valid=lambda w: {"close-note": "已回应,舆情平息。"},
        shows=lambda w: [("editor", reverse("concerns:case", args=[w.fresh.pk]))],
        fresh=True,
    ),
    "concerns:mention_move": Form(
        page=lambda w: ("editor", reverse("concerns:mention", args=[w.mention.pk])),
        baseline=False,
    ),
    "concerns:mention_create": Form(
        corpus=SYNTAX,
        page=lambda w: ("editor", reverse("concerns:mention_create")),
        valid=lambda w: {
            "url": f"https://bbs.example.cn/t/{next(SERIAL)}",
            "title": "景区排队",
            "text": "排队两小时。",
        },
        shows=lambda w: [("editor", reverse("concerns:mentions")), ("editor", reverse("concerns:cases"))],
    ),
    "concerns:source_create": Form(
        corpus=SYNTAX,
        page=lambda w: ("editor", reverse("concerns:source_create")),
        valid=lambda w: {"name": "论坛", "kind": "feed", "url": "https://bbs.example.cn/rss"},
        shows=lambda w: [("editor", reverse("concerns:sources"))],
    ),
    "concerns:source_edit": Form(
        fuzz=False,
        page=lambda w: ("editor", reverse("concerns:source_edit", args=[w.source.pk])),
        shows=lambda w: [("editor", reverse("concerns:sources"))],
    ),
    "concerns:rule_create": Form(
        corpus=SYNTAX,
        page=lambda w: ("editor", reverse("concerns:rule_create")),
        valid=lambda w: {"name": "门票", "terms": "门票\n票价"},
        shows=lambda w: [("editor", reverse("concerns:rules"))],
    ),
    "concerns:rule_edit": Form(
        fuzz=False,
        page=lambda w: ("editor", reverse("concerns:rule_edit", args=[w.rule.pk])),
        shows=lambda w: [("editor", reverse("concerns:rules"))],
    ),
    "concerns:categories": Form(
        page=lambda w: ("editor", reverse("concerns:categories")),
        shows=lambda w: [("editor", reverse("concerns:categories"))],
    ),
    "concerns:settings": Form(
        page=lambda w: ("editor", reverse("concerns:settings")),
        shows=lambda w: [("editor", reverse("concerns:settings"))],
    ),
    "concerns:webhook_create": Form(
        page=lambda w: ("editor", reverse("concerns:webhook_create")),
        valid=lambda w: {"name": "值班群", "kind": "wecom", "url": "https://qyapi.example.cn/hook"},
        shows=lambda w: [("editor", reverse("concerns:webhooks"))],
    ),
    "concerns:webhook_edit": Form(
        fuzz=False,
        page=lambda w: ("editor", reverse("concerns:webhook_edit", args=[w.webhook.pk])),
        shows=lambda w: [("editor", reverse("concerns:webhooks"))],
    ),
    # --- console: 公众参与 ---
    "participation_console:consultation_create": Form(
        page=lambda w: ("drafter", reverse("participation_console:consultation_create")),
        valid=lambda w: {
            "department": str(w.a.dept.pk),
            "kind": "policy",
            "title": "景区管理办法",
            "explanation": "起草说明。",
            "draft_text": "第一条 为了规范管理,制定本办法。",
            "opens_on": (TODAY() + datetime.timedelta(days=10)).isoformat(),
            "closes_on": (TODAY() + datetime.timedelta(days=40)).isoformat(),
            "catalogue_entry": str(w.a.entry.pk),
            "topic": str(w.a.topic.pk),
        },
        shows=lambda w: [("drafter", reverse("participation_console:consultation_list"))],
    ),
    "participation_console:consultation_edit": Form(
        fuzz=False,
        page=lambda w: ("drafter", reverse("participation_console:consultation_edit", args=[w.future.pk])),
        shows=lambda w: [
            ("drafter", reverse("participation_console:consultation_detail", args=[w.future.pk])),
            ("drafter", reverse("participation_console:consultation_list")),
        ],
    ),
    "participation_console:consultation_extend": Form(
        page=lambda w: (
            "drafter",
            reverse("participation_console:consultation_detail", args=[w.consultation.pk]),
        ),
        valid=lambda w: {
            "closes_on": (
                Consultation.objects.get(pk=w.consultation.pk).closes_on + datetime.timedelta(days=1)
            ).isoformat()
        },
    ),
    "participation_console:consultation_comment_moderate": Form(
        page=new_comment,
        valid=lambda w: {f"m{w.fresh.pk}-decision": "reject", f"m{w.fresh.pk}-note": "与本办法无关。"},
        shows=lambda w: [
            ("drafter", reverse("participation_console:consultation_detail", args=[w.consultation.pk]))
        ],
        fresh=True,
    ),
    "participation_console:message_policy": Form(
        page=lambda w: ("editor", reverse("participation_console:message_list")),
    ),
    "participation_console:message_action[route]": Form(
        page=lambda w: ("editor", new_message(w)),
        valid=lambda w: {"route-department": str(w.a.dept.pk), "route-note": "请答复。"},
        shows=lambda w: [("editor", reverse("participation_console:message_detail", args=[w.fresh.pk]))],
        fresh=True,
    ),
    "participation_console:message_action[reject]": Form(
        page=lambda w: ("editor", new_message(w)),
        valid=lambda w: {"reject-reason": "不属于本机关职责。"},
        shows=lambda w: [("editor", reverse("participation_console:message_detail", args=[w.fresh.pk]))],
        fresh=True,
    ),
    "participation_console:message_action[answer]": Form(
        page=lambda w: ("head", new_message(w, routed=True)),
        valid=lambda w: {"answer-text": "周末九点开门。"},
        shows=lambda w: [("editor", reverse("participation_console:message_detail", args=[w.fresh.pk]))],
        fresh=True,
    ),
    "participation_console:message_action[return]": Form(
        page=lambda w: ("head", new_message(w, routed=True)),
        valid=lambda w: {"return-reason": "不属于本科室职责。"},
        shows=lambda w: [("editor", reverse("participation_console:message_detail", args=[w.fresh.pk]))],
        fresh=True,
    ),
    "participation_console:consultation_comment_classify": Form(
        page=lambda w: (
            "drafter",
            reverse("participation_console:consultation_detail", args=[closed_consultation(w).pk]),
        ),
        valid=lambda w: {"c#-disposition": "not_adopted", "c#-reason": "与上位法不符。"},
        shows=lambda w: [
            ("drafter", reverse("participation_console:consultation_detail", args=[w.closed.pk]))
        ],
    ),
    "participation_console:consultation_summary": Form(
        page=lambda w: (
            "drafter",
            reverse("participation_console:consultation_detail", args=[classified_consultation(w).pk]),
        ),
        valid=lambda w: {"feedback_summary": "共收到意见若干条。"},
        shows=lambda w: [
            ("drafter", reverse("participation_console:consultation_detail", args=[w.closed.pk]))
        ],
    ),
    "participation_console:interview_question_action[answer]": Form(
        page=live_interview_with_question,
        valid=lambda w: {"answer-#-guest": "张明 市文化和旅游局副局长", "answer-#-answer": "九点开始。"},
        shows=lambda w: [(ANON, reverse("participation:interview_detail", args=[w.live.pk]))],
        fresh=True,
    ),
    "participation_console:interview_create": Form(
        page=lambda w: ("editor", reverse("participation_console:interview_create")),
        valid=lambda w: {
            "title": "惠民政策解读",
            "guests": "张明 市文化和旅游局副局长",
            "department": str(w.a.dept.pk),
            "starts_at": (timezone.localtime() + datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (timezone.localtime() + datetime.timedelta(days=2, hours=1)).strftime(
                "%Y-%m-%dT%H:%M"
            ),
        },
        shows=lambda w: [("editor", reverse("participation_console:interview_console_list"))],
    ),
    "participation_console:interview_edit": Form(
        fuzz=False,
        page=lambda w: ("editor", reverse("participation_console:interview_edit", args=[w.interview.pk])),
        shows=lambda w: [
            ("editor", reverse("participation_console:interview_console_detail", args=[w.interview.pk])),
            (ANON, reverse("participation:interview_detail", args=[w.interview.pk])),
        ],
    ),
    "participation_console:interview_action[summary]": Form(
        page=lambda w: (
            "editor",
            reverse("participation_console:interview_console_detail", args=[w.interview.pk]),
        ),
        shows=lambda w: [
            ("editor", reverse("participation_console:interview_console_detail", args=[w.interview.pk]))
        ],
    ),
    "participation_console:interview_question_action[approve]": Form(
        page=new_question,
        shows=lambda w: [(ANON, reverse("participation:interview_detail", args=[w.interview.pk]))],
        fresh=True,
    ),
    "participation_console:interview_question_action[reject]": Form(
        page=new_question,
        shows=lambda w: [
            ("editor", reverse("participation_console:interview_console_detail", args=[w.interview.pk]))
        ],
        fresh=True,
    ),
    # --- console: reports ---
    "reports:annual_year": Form(
        page=lambda w: ("editor", reverse("reports:annual_year", args=[str(TODAY().year)])),
        only=("overview", "problems", "other_matters", "app-new-natural", "fees", "decision-penalty"),
        shows=lambda w: [("editor", reverse("reports:annual_year", args=[str(TODAY().year)]))],
    ),
}

# Console and public URLs that take no typed input (a button, a download, a page to read), or whose input
# is covered elsewhere; every URL of the site must be here or in FORMS (the name before any "[action]").
PAGE = "a page to read: a POST is answered as a GET"
BUTTON = "a button: nothing typed, the object is in the URL"
NO_TEXT_INPUT = {
    "concerns:alerts": PAGE,
    "concerns:case": PAGE,
    "concerns:cases": PAGE,
    "concerns:dashboard": PAGE,
    "concerns:mention": PAGE,
    "concerns:mentions": PAGE,
    "concerns:rules": PAGE,
    "concerns:sources": PAGE,
    "concerns:webhooks": PAGE,
    "concerns:case_reports_docx": "a .docx download",
    "concerns:report_docx": "a .docx download",
    "concerns:mention_screenshot": "an image download",
    "concerns:alert_acknowledge": BUTTON,
    "concerns:case_draft_website": BUTTON,
    "concerns:source_enable": BUTTON,
    "concerns:source_poll": BUTTON + " (it polls the source over the network: not posted here)",
    "concerns:webhook_test": BUTTON + " (it calls the robot over the network: not posted here)",
    "console:account": PAGE,
    "console:catalogue_health": PAGE,
    "console:dictionary": PAGE,
    "console:inbox": PAGE,
    "console:interpretation_report": PAGE + " (its period filter is a GET form: test_hostile_queries)",
    "console:item": PAGE,
    "console:items": PAGE,
    "console:review": PAGE,
    "console:attachment": "a file download",
    "console:dictionary_export": "an Excel download",
    "console:attachment_remove": BUTTON,
    "console:term_delete": BUTTON,
    "console:finding_mask": BUTTON,
    "console:media_confirm": BUTTON + " (one checkbox)",
    "console:logout": BUTTON,
    "console:dictionary_import": "an Excel workbook of terms: its rows go through the service of term_save, "
    "which takes the corpus here (workbook checks: tests/review)",
    "console:login_code": "DIRECT",
    "console:two_factor_disable": "DIRECT",
    "console:switch_organization": "DIRECT",
    "console:notifications": "DIRECT",
    "reports:annual_publish": "DIRECT",
    "feedback_console:detail": PAGE,
    "feedback_console:list": PAGE,
    "participation_console:consultation_detail": PAGE,
    "participation_console:consultation_list": PAGE,
    "participation_console:interview_console_detail": PAGE,
    "participation_console:interview_console_list": PAGE,
    "participation_console:consultation_report": BUTTON,
    "portal:feed_atom": PAGE,
    "portal:feed_rss": PAGE,
    "portal:sitemap": PAGE,
}

# Endpoints whose form shows only in states that are costly to reach (or that hold no form at all):
# their fields are posted directly with CORE and FUZZ. name -> (role, World -> url, fields).
DIRECT: dict[str, tuple[str, Callable, tuple[str, ...]]] = {
    "console:login_code": (ANON, lambda w: reverse("console:login_code"), ("code", "next")),
    "console:two_factor_disable": ("drafter", lambda w: reverse("console:two_factor_disable"), ("code",)),
    "console:switch_organization": (
        "editor",
        lambda w: reverse("console:switch_organization"),
        ("organization",),
    ),
    "console:notifications": ("editor", lambda w: reverse("console:notifications"), ("notification", "next")),
    "reports:annual_publish": (
        "editor",
        lambda w: reverse("reports:annual_publish", args=[str(TODAY().year)]),
        ("topic",),
    ),
}


# --- running a form ------------------------------------------------------------------------------------


def find_form(visitor: Visitor, key: str, role: str, url: str, fresh=None) -> FoundForm:
    response = visitor.get(role, url)
    assert response.status_code == 200, f"{key}: {role} GET {url} answered {response.status_code}"
    found = [f for f in read_forms(response.content.decode(), url) if f.key == key]
    assert found, f"{key}: no such form on {url} for {role}"
    if fresh is not None and len(found) > 1:  # several (one per question, comment...): the fresh one's
        found.sort(key=lambda f: f"/{fresh.pk}/" not in f.url)
    return found[0]


def refusal(response) -> str:
    """The error messages of a refused post, for the assertion message."""
    import lxml.html

    body = response.content.decode()
    doc = lxml.html.document_fromstring(body) if body.strip() else None
    if doc is None:
        return f"{response.status_code} (empty)"
    found = doc.xpath("//*[contains(@class, 'error') or contains(@class, 'problem')]")
    return f"{response.status_code} " + " | ".join(" ".join(e.text_content().split()) for e in found)[:500]


def exercise(visitor: Visitor, w, key: str, spec: Form) -> dict:
    """Post the corpus into the form; return the payloads that posts stored (for the pages showing them).

    Every payload goes into all typed fields at once; where that post is refused (a field with a
    format), the payloads of CORE go into each typed field alone, the others valid. Fields with a format
    (numbers, dates, choices, hidden values) get FUZZ one at a time. The page is read again before a post
    when the form makes a fresh object or the last post changed something (lock versions move)."""
    stats = {"posts": 0, "sent": [], "checked": False}
    current: list = [None]

    def attempt(values: dict, what: str, files=None) -> tuple[FoundForm, bool]:
        if current[0] is None or spec.fresh:
            role, url = spec.page(w)
            current[0] = (role, find_form(visitor, key, role, url, w.fresh))
        role, form = current[0]
        data = form.data()
        # Field names carry the object's id on pages with one form per object ("approve-7-text"): valid
        # values and payloads are matched by the names' shape.
        by_shape = {re.sub(r"\d+", "#", n): n for n in form.kinds}
        for name, value in [*spec.valid(w).items(), *values.items()]:
            data[by_shape.get(re.sub(r"\d+", "#", name), name)] = (
                value if isinstance(value, list) else [value]
            )
        solve_captcha(data)
        flat = {k: v if len(v) != 1 else v[0] for k, v in data.items()}
        flat.update(files or {})
        response, landing = visitor.post(role, form.url, flat, what)
        stats["posts"] += 1
        stats["last"] = landing or response
        stored = response.status_code in spec.ok and (
            landing is None or b"message--error" not in landing.content  # the console's refusals
        )
        if stored:
            current[0] = None
        return form, stored

    form, stored = attempt({}, "(valid values)", files=spec.files("附件.pdf") if spec.files else None)
    if spec.baseline:
        assert stored, f"{key}: a post with valid values did not succeed: {refusal(stats['last'])}"
    free = [f for f in form.free if not spec.only or f in spec.only]
    formatted = [f for f in form.formatted if not spec.only or f in spec.only]
    # Typed fields that take markup (most) get the corpus together; those with a format (a phone, a
    # code) get CORE alone.
    lenient = [n for n in free if len(free) == 1 or attempt({n: P.XSS[0]}, f"{n} = probe")[1]]
    strict = [n for n in free if n not in lenient]
    for name in formatted if spec.fuzz else ():
        values = P.FUZZ_BY_KIND.get(form.kinds[name], P.FUZZ_CHOICE)
        for value in values[: 3 if spec.fresh else None]:
            attempt({name: value}, f"{name} = {value[:40]!r}")
    corpus = spec.corpus or CORE
    for payload in corpus:
        label = repr(payload[:40])
        if spec.files:
            if attempt({}, f"file name {label}", files=spec.files(payload))[1]:
                stats["sent"].append(payload)
            continue
        alone = strict if payload in CORE else []
        if lenient and attempt(dict.fromkeys(lenient, payload), f"{lenient} = {label}")[1]:
            stats["sent"].append(payload)
        elif len(lenient) > 1 and payload in CORE:
            alone = free
        for name in alone:
            attempt({name: payload}, f"{name} = {label}")
        if stats["sent"] and not stats["checked"]:
            check_shown(visitor, w, key, spec, stats)  # what was stored last holds this payload
            stats["checked"] = True
    check_shown(visitor, w, key, spec, stats, literal=not stats["checked"])
    return stats


def _norm(text: str) -> str:
    return " ".join(text.split())


def check_shown(visitor: Visitor, w, key: str, spec: Form, stats: dict, *, literal: bool = True) -> None:
    """The pages that show the form's values are checked like every answer; with `literal`, at least one
    of them shows a stored payload as text (so the checks looked at hostile values, not empty pages)."""
    sent = [  # the start of each (lists cut long values)
        _norm(p)[:40]
        for p in stats["sent"]
        if len(p.strip()) > 1 and all(c.isprintable() or c in "\n\r\t" for c in p)
    ]
    shown = False
    pages = spec.shows(w)
    for role, url in pages:
        response = visitor.get(role, url, f"(showing {key})")
        assert response.status_code == 200, (key, role, url, response.status_code)
        text = _norm(P.visible(re.sub(r"<br\s*/?>", " ", response.content.decode())))  # linebreaksbr
        shown = shown or any(p in text for p in sent)
    if literal and pages and sent and not shown:
        visitor.problems.append(f"{key}: no stored payload shows as text on {[u for _, u in pages]}")


# The forms by area, one test each (a failure names its area; the runs share the time under xdist).
AREAS = {
    "public": ("feedback:", "participation:", "console:login"),
    "items": (
        "console:item",
        "console:attachment",
        "console:interpretation",
        "console:policy",
        "console:finding",
    ),
    "console": ("console:", "reports:"),
    "concerns": ("concerns:", "feedback_console:"),
    "participation": ("participation_console:",),
}


def _in_area(area, names):
    """The names whose longest matching prefix belongs to `area`."""
    prefixes = AREAS[area]
    others = [p for a, ps in AREAS.items() if a != area for p in ps]
    keys = []
    for key in names:
        mine = max((len(p) for p in prefixes if key.startswith(p)), default=0)
        theirs = max((len(p) for p in others if key.startswith(p)), default=0)
        if mine and mine > theirs:
            keys.append(key)
    return keys


@pytest.mark.parametrize("area", sorted(AREAS))
def test_hostile_input_through_every_form(area):
    w = build_world()
    visitor = Visitor(w.users)
    for key in _in_area(area, FORMS):
        spec = FORMS[key]
        exercise(visitor, w, key, spec)
    for name, (role, url, fields) in DIRECT.items():
        if name in _in_area(area, DIRECT):
            for field_name in fields:
                for value in (*CORE[:6], *P.FUZZ_CHOICE, "²", P.LONG[0]):
                    visitor.post(role, url(w), {field_name: value}, f"{field_name} = {value[:40]!r}")
    assert not visitor.problems, "\n".join(visitor.problems[:60])


# --- every form is in the table ----------------------------------------------------------------------


def accepted_methods(callback) -> set[str] | None:
    """The methods a view takes, read from Django's require_http_methods decorators (None: any)."""
    view_class = getattr(callback, "view_class", None)
    if view_class is not None:
        names = {m.upper() for m in view_class.http_method_names if hasattr(view_class, m)}
        return names
    function = callback
    while function is not None:
        try:
            cells = inspect.getclosurevars(function).nonlocals
        except TypeError:
            break
        if "request_method_list" in cells:
            return set(cells["request_method_list"])
        function = getattr(function, "__wrapped__", None)
    return None


def site_urls():
    """(name, pattern) of every console and public URL (the admin and the API are walked elsewhere)."""
    for route, name, pattern in walk.all_patterns():
        clean = route.replace("^", "")
        if clean.startswith(("admin/", "api/")):
            continue
        yield name, pattern


def test_every_url_that_takes_a_post_is_in_the_table():
    assert sorted(k for area in AREAS for k in _in_area(area, FORMS)) == sorted(FORMS)  # each run somewhere
    assert sorted(k for area in AREAS for k in _in_area(area, DIRECT)) == sorted(DIRECT)
    assert {name for name, reason in NO_TEXT_INPUT.items() if reason == "DIRECT"} == set(DIRECT)
    known = {key.split("[")[0] for key in FORMS} | set(NO_TEXT_INPUT)
    unknown = []
    for name, pattern in site_urls():
        methods = accepted_methods(pattern.callback)
        if (methods is None or "POST" in methods) and name not in known:
            unknown.append(f"{name} ({'any method' if methods is None else ','.join(sorted(methods))})")
    assert not unknown, "这些地址接受 POST,请在 FORMS 或 NO_TEXT_INPUT 中说明: " + "; ".join(sorted(unknown))


def public_pages(w) -> list[str]:
    item = w.published.index_number
    return [
        "/",
        "/xxgk/",
        "/xxgk/list/",
        "/xxgk/search/?q=文件",
        "/xxgk/guide/",
        "/xxgk/rules/",
        f"/xxgk/items/{item}/",
        f"/xxgk/items/{item}/print/",
        f"/xxgk/jiucuo/?page=/xxgk/items/{item}/",
        "/hudong/",
        "/hudong/zhengqiu/",
        reverse("participation:consultation_detail", args=[w.consultation.pk]),
        f"/hudong/liuyan/?org={w.a.org.code}",
        f"/hudong/liuyan/new/?org={w.a.org.code}",
        f"/hudong/liuyan/chaxun/?org={w.a.org.code}",
        "/hudong/fangtan/",
        reverse("participation:interview_detail", args=[w.interview.pk]),
        "/sitemap.xml",
    ]


# Pages that show forms only in a state the world does not start in.
STATE_PAGES: list[Callable] = []


def crawl(w) -> list[tuple[str, str]]:
    """(role, url): every console page for every role that reads it, the public pages, the pages of the
    forms in FORMS and STATE_PAGES."""
    pages = []
    console, _, _ = walk.staff_patterns()
    for name in console:
        url = reverse(name, kwargs=walk.ARGS[name](w))
        pages += [(role, url) for role in sorted(walk.OK.get(name, ())) if role in w.users or role == ANON]
    pages += [(ANON, url) for url in public_pages(w)]
    pages += [spec.page(w) for spec in FORMS.values()]
    pages += [builder(w) for builder in STATE_PAGES]
    return list(dict.fromkeys(pages))


def has_input(form: FoundForm) -> bool:
    return bool(form.free or form.files or [n for n in form.formatted if form.kinds[n] != "hidden"])


def test_every_form_with_input_is_in_the_table():
    w = build_world()
    visitor = Visitor(w.users)
    unknown, known = {}, set()
    for role, url in crawl(w):
        response = visitor.get(role, url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        for form in read_forms(response.content.decode(), url):
            if form.method != "post" or not has_input(form):
                continue  # GET forms: test_hostile_queries; buttons: nothing typed
            if form.key in FORMS or form.key.split("[")[0] in NO_TEXT_INPUT or form.key in NO_TEXT_INPUT:
                known.add(form.key)
            else:
                unknown.setdefault(form.key, f"{form.key} on {url} ({role}): {sorted(form.kinds)}")
    assert not unknown, "这些表单有输入项但不在 FORMS 中:\n" + "\n".join(sorted(unknown.values()))
    missing = {k for k in FORMS if k not in known and k.split("[")[0] not in NO_TEXT_INPUT}
    assert not missing, f"FORMS 中的表单在页面上找不到: {sorted(missing)}"
    assert not visitor.problems, "\n".join(visitor.problems)


# --- hostile queries: every GET form, every query parameter a view reads ---------------------------------

SRC = Path(__file__).resolve().parents[2] / "src" / "gongkai"


def query_parameters() -> list[str]:
    """The names views read from request.GET (read from the source, so a new filter is fuzzed too), and
    the forms' names the list filters take through parse_list_filters and the form classes."""
    names = set()
    for path in SRC.rglob("*.py"):
        names.update(re.findall(r"""GET\.get(?:list)?\(\s*["']([a-z_]+)["']""", path.read_text()))
    names.update({"catalogue", "topic", "year", "validity", "start", "end", "document", "page"})
    return sorted(names)


def test_hostile_queries_through_every_get_form_and_query_parameter():
    w = build_world()
    visitor = Visitor(w.users)
    seen, queried = set(), set()
    parameters = query_parameters()
    for role, url in crawl(w):
        response = visitor.get(role, url)
        path = url.split("?")[0]
        if path not in queried:  # the page's own parameters, each hostile (for one of its readers)
            queried.add(path)
            for value in ("²", P.XSS[1], P.SQL[0]):
                visitor.get(role, path, f"(parameters = {value!r})", data=dict.fromkeys(parameters, value))
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        for form in read_forms(response.content.decode(), url):
            if form.method != "get" or (form.key, tuple(form.kinds)) in seen:
                continue
            seen.add((form.key, tuple(form.kinds)))
            fields = [n for n in form.kinds if n not in MACHINERY]
            base = {k: v if len(v) != 1 else v[0] for k, v in form.data().items()}
            corpus = P.ALL if form.key in ("portal:search", "portal:list") else CORE
            for value in corpus:
                visitor.get(
                    role,
                    form.url,
                    f"{fields} = {value[:40]!r}",
                    data={**base, **dict.fromkeys(fields, value)},
                )
            for name in fields:
                for value in P.FUZZ:
                    visitor.get(role, form.url, f"{name} = {value[:40]!r}", data={**base, name: value})
    assert {"portal:search", "portal:list"} <= {key for key, _ in seen}
    assert not visitor.problems, "\n".join(visitor.problems[:60])


# --- hostile items through the staff API and the workflow, then on every page that shows them --------------

ITEMS = 20


def _spread(payloads, i: int, offset: int) -> str:
    """The payloads that fall to item i in a field (every payload lands in every field across the items)."""
    return " ".join(p for k, p in enumerate(payloads) if (k + offset) % ITEMS == i)


def _json(visitor: Visitor, response, label: str):
    assert response.status_code < 500, f"{label}: {response.status_code}"
    assert response["Content-Type"].startswith("application/json"), label
    assert response["X-Content-Type-Options"] == "nosniff", label
    return response.json()


def test_hostile_items_pushed_through_the_api_and_published_show_as_text(django_capture_on_commit_callbacks):
    import io

    from pypdf import PdfWriter

    w = build_world()
    a = w.a
    visitor = Visitor(w.users)
    api = {}
    for role in ("drafter", "head", "secrecy", "editor2", "leader", "editor"):
        _, raw = tokens.issue(user=getattr(a, role), name="hostile")
        api[role] = {"Authorization": f"Bearer {raw}"}
    client = visitor.clients["anonymous"]
    writer = PdfWriter()
    writer.add_blank_page(width=72, height=72)
    pdf = io.BytesIO()
    writer.write(pdf)

    def call(method, url, role, body=None, **extra):
        kwargs = {"headers": api[role], **extra}
        if body is not None:
            kwargs.update(data=json.dumps(body, ensure_ascii=False), content_type="application/json")
        response = getattr(client, method)(url, **kwargs)
        return _json(visitor, response, f"{role} {method.upper()} {url}")

    texts = [p for p in (*P.XSS, *P.TEMPLATE) if "\x00" not in p]
    items, expected, uploaded = [], {}, 0
    for i in range(ITEMS):
        fields = {
            "title": _spread(texts, i, 0)[:300] or P.XSS[0],
            "summary": _spread(texts, i, 1) or P.XSS[1],
            "body": _spread(texts, i, 2) or P.XSS[2],
            "document_number": _spread(P.SQL, i, 0)[:100],
            "source": _spread(P.TEMPLATE, i, 3)[:120],
        }
        created = call("post", "/api/v1/staff/items", "drafter", {**_base_item(a), **fields})
        assert created.get("id"), created
        item_id = created["id"]
        detail = call("get", f"/api/v1/staff/items/{item_id}", "drafter")
        stored = detail["revisions"][-1]
        assert stored["title"] == fields["title"].strip() and stored["summary"] == fields["summary"].strip()
        name = _spread(texts, i, 3)[:150] or P.XSS[3]
        upload = SimpleUploadedFile(name + ".pdf", pdf.getvalue(), content_type="application/pdf")
        response = client.post(
            f"/api/v1/staff/items/{item_id}/attachments", {"file": upload}, headers=api["drafter"]
        )
        _json(visitor, response, f"attachment {name[:40]!r}")
        # A quote in a multipart file name cuts it (the extension goes): a 400 in Chinese, as it should.
        uploaded += response.status_code == 201
        call("post", f"/api/v1/staff/items/{item_id}/submit", "drafter", {})
        for role in ("head", "secrecy", "editor2", "leader"):
            decided = call(
                "post",
                f"/api/v1/staff/items/{item_id}/approve",
                role,
                {"opinion": _spread(texts, i, 4)[:2000], "bottom_lines": walk_bottom_lines()},
            )
            assert "detail" not in decided or decided.get("id"), decided
        with django_capture_on_commit_callbacks(execute=True):
            published = call("post", f"/api/v1/staff/items/{item_id}/publish", "editor", {})
        assert published["status"]["code"] == "published", published
        items.append(InformationItem.objects.get(pk=item_id))
        expected[item_id] = fields

    assert uploaded >= ITEMS // 2, uploaded
    pages = [(ANON, "/xxgk/list/"), (ANON, "/xxgk/search/?q=pwned"), (ANON, "/sitemap.xml")]
    pages += [(ANON, f"/xxgk/feed/{a.entry.code}.rss"), (ANON, f"/xxgk/feed/{a.entry.code}.atom")]
    pages += [("drafter", reverse("console:items")), ("editor", reverse("console:inbox"))]
    pages += [("drafter", reverse("console:notifications")), ("editor", reverse("reports:ledger"))]
    for item in items:
        title = _norm(expected[item.pk]["title"])
        for role, url in (
            (ANON, f"/xxgk/items/{item.index_number}/"),
            (ANON, f"/xxgk/items/{item.index_number}/print/"),
            ("drafter", reverse("console:item", args=[item.pk])),
            ("drafter", reverse("reports:form", args=[item.live_revision_id])),
        ):
            response = visitor.get(role, url)
            assert response.status_code == 200, url
            assert title in _norm(P.visible(response.content.decode())), (url, title)
        body = call("get", f"/api/v1/items/{item.index_number}", "drafter")
        assert body["title"] == expected[item.pk]["title"].strip(), body["title"]
    for role, url in pages:
        assert visitor.get(role, url).status_code == 200, url
    # The feeds are well-formed XML whatever the titles hold, and carry them as text.
    from lxml import etree

    for kind in ("rss", "atom"):
        feed = etree.fromstring(client.get(f"/xxgk/feed/{a.entry.code}.{kind}").content)
        titles = {" ".join((t.text or "").split()) for t in feed.iter("{*}title", "title")}
        assert {_norm(expected[i.pk]["title"]) for i in items} <= titles
    # A revision of a published item with hostile changes: the review page shows the diff, escaped.
    revised = items[0]
    publishing.start_revision(user=a.drafter, item=revised)
    lock = call("get", f"/api/v1/staff/items/{revised.pk}", "drafter")["lock_version"]
    changes = {"title": P.COMBINED[:300], "body": P.COMBINED, "change_note": P.COMBINED, "lock_version": lock}
    call("patch", f"/api/v1/staff/items/{revised.pk}", "drafter", changes)
    call("post", f"/api/v1/staff/items/{revised.pk}/submit", "drafter", {})
    for role, url in (
        ("head", reverse("console:review", args=[revised.pk])),
        ("drafter", reverse("console:item", args=[revised.pk])),
    ):
        response = visitor.get(role, url, "(a revision's diff)")
        assert _norm(P.COMBINED.splitlines()[0]) in _norm(P.visible(response.content.decode())), url
    # The corpus in the API's other fields: the review check's text, the filters and the search.
    for payload in P.ALL:
        checked = call("post", "/api/v1/review/check", "drafter", {"text": payload})
        assert "findings" in checked or "errors" in checked, checked
        for url, params in (
            ("/api/v1/search", {"q": payload}),
            ("/api/v1/items", {"organization": payload, "catalogue_entry": payload, "topic": payload}),
            ("/api/v1/search", {"q": "pwned", "organization": payload, "year": payload, "order": payload}),
        ):
            _json(visitor, client.get(url, params), f"GET {url} {payload[:40]!r}")
        # (A line break does not match the URL pattern: the site's 404 page answers, not the API.)
        response = visitor.get(ANON, f"/api/v1/items/{quote(payload[:500], safe='')}")
        assert response.status_code == 404, (payload, response.status_code)
    found = call("get", "/api/v1/search?q=pwned&limit=50", "drafter")
    assert found["count"] >= ITEMS - 1, found["count"]
    listed = call("get", "/api/v1/items?limit=50", "drafter")
    assert {i.index_number for i in items} <= {row["index_number"] for row in listed["items"]}
    assert not visitor.problems, "\n".join(visitor.problems[:60])


def _base_item(a) -> dict:
    return {
        "organization": a.org.code,
        "lead_department": a.dept.code,
        "formed_on": TODAY().isoformat(),
        "topic": a.topic.code,
        "catalogue_entry": a.entry.code,
    }


def walk_bottom_lines():
    from tests.factories import ALL_BOTTOM_LINES

    return ALL_BOTTOM_LINES
