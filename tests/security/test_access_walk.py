"""Issue 9, item 2: every role walks every staff page (console, admin) and every staff API endpoint with
GET and must find nothing beyond its role, department or organisation; drafts, reviews, comments'
personal data and uploaded files are never reachable by a guessed URL on the public site or MEDIA_URL.
A draft is read only by its department, its review chain and the organisation-wide roles
(``publishing.permissions.visible_items``): the walk also takes every item page of another department's
draft, where everyone else in the organisation gets a 404 (tests/publishing/test_draft_visibility.py has
the rule in detail).

The URL list is read from the resolver, so a new console, admin or API URL that this table does not know
makes the walk fail with its name: decide who may see it and add it to ``CONSOLE`` / ``API`` below.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from gongkai.api import tokens
from gongkai.concerns import services as concern_services
from gongkai.concerns.constants import SourceKind
from gongkai.concerns.models import Alert, Mention, MonitoringRule, Source, Webhook
from gongkai.participation import consultations, interviews
from gongkai.participation import messages as message_rules
from gongkai.participation.constants import ConsultationKind
from gongkai.participation.models import Interview
from gongkai.publishing import services as publishing
from gongkai.publishing.models import InformationItem
from tests.concerns.factories import make_case
from tests.factories import ALL_BOTTOM_LINES, make_draft, make_published, make_staff, review_through
from tests.review.factories import make_dictionary

pytestmark = pytest.mark.django_db

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PERSONAL = "13812341234"  # the phone number left in a comment and a message: never on a public page
DRAFT_TITLE = "关于尚未公开的艺术科内部草稿的说明"
OTHER_DRAFT_TITLE = "产业发展科尚未公开的扶持资金草稿"
OTHER_REVISION_TITLE = "产业发展科已公开文件的修订稿(尚未发布)"

ROLES = (
    "anonymous",
    "drafter",
    "head",
    "other_drafter",
    "other_head",
    "secrecy",
    "editor",
    "leader",
    "policy_reviewer",
    "monitor",
    "system_admin",
    "security_admin",
    "audit_admin",
    "b_editor",  # organisation B's office editor: never sees A's things
)
ADMINS = frozenset({"system_admin", "security_admin", "audit_admin"})
NOBODY: frozenset[str] = frozenset()


# --- the fixture world ----------------------------------------------------------------------------------


@dataclass
class World:
    a: object
    b: object
    draft: InformationItem
    draft_attachment: object
    in_review: InformationItem
    published: InformationItem
    published_attachment: object
    case: object
    concern_report: object
    mention: Mention
    source: Source
    rule: MonitoringRule
    webhook: Webhook
    alert: Alert
    consultation: object
    comment: object
    message: object
    interview: object
    question: object
    feedback: object
    dictionary: object
    term: object
    other_draft: InformationItem  # a draft of 产业发展科 (other_dept), in review, with an attachment
    other_attachment: object
    other_revised: InformationItem  # a published item of 产业发展科 with an unpublished revision
    users: dict = field(default_factory=dict)


def build_world() -> World:
    a, b = make_staff(), make_staff()
    draft = make_draft(a, title=DRAFT_TITLE)
    draft_attachment = publishing.attach_file(
        user=a.drafter, item=draft, upload=SimpleUploadedFile("内部草稿附件.pdf", PDF)
    )
    in_review = make_draft(a, title="送审中的文件")
    publishing.submit_for_review(user=a.drafter, item=in_review)
    pub = make_draft(a, title="已公开的文件")
    published_attachment = publishing.attach_file(
        user=a.drafter, item=pub, upload=SimpleUploadedFile("公开附件.pdf", PDF)
    )
    publishing.submit_for_review(user=a.drafter, item=pub)
    review_through(a, pub)
    published = publishing.publish(user=a.editor, item=InformationItem.objects.get(pk=pub.pk))
    make_published(b)  # B has a public life of its own

    case = make_case(a, title="平遥古城游客拥堵")
    mention = Mention.objects.filter(organization=a.org).first()
    mention.screenshot.save("shot.png", ContentFile(b"\x89PNG\r\n\x1a\nscreenshot"), save=True)
    concern_report = concern_services.record_report(
        user=a.editor, case=case, kind="initial", recipients="市委网信办", content="首报内容。"
    )
    source = Source.objects.create(
        organization=a.org, name="订阅", kind=SourceKind.FEED, url="https://e.cn/r"
    )
    rule = MonitoringRule.objects.create(organization=a.org, name="规则", terms="文旅局")
    webhook = Webhook.objects.create(organization=a.org, name="群", kind="wecom", url="https://e.cn/hook")
    alert = Alert.objects.create(organization=a.org, window_minutes=60, count=9, baseline=1.0)

    today = timezone.localdate()
    consultation = consultations.create_consultation(
        user=a.drafter,
        organization=a.org,
        data={
            "department": a.dept,
            "kind": ConsultationKind.POLICY,
            "title": "晋中市A级旅游景区管理办法",
            "explanation": "为规范A级旅游景区管理,起草了本办法。",
            "opens_on": today,
            "closes_on": today + datetime.timedelta(days=29),
            "ask_name": True,
            "ask_phone": True,
            "ask_email": False,
            "ask_address": False,
            "show_comments": False,
            "feedback_workdays": 15,
        },
        draft_text="第一条 为了规范A级旅游景区管理,制定本办法。\n第二条 市文化和旅游局负责监督管理。",
        catalogue_entry=a.entry,
        topic=a.topic,
    )
    item = InformationItem.objects.get(pk=consultation.item_id)
    publishing.submit_for_review(user=a.drafter, item=item)
    review_through(a, item)
    publishing.publish(user=a.editor, item=InformationItem.objects.get(pk=item.pk))
    consultations.advance_states()
    consultation.refresh_from_db()
    comment = consultations.submit_comment(
        consultation=consultation,
        text="建议第一条增加老年人优惠的内容。",
        name="张三丰",
        phone=PERSONAL,
        consented=True,
        client_key="k",
    )
    message = message_rules.submit_message(
        organization=a.org,
        kind="suggest",
        subject="建议延长图书馆开放时间",
        text="希望市图书馆周末开放到晚上九点。",
        name="李小龙",
        phone=PERSONAL,
        email="li@example.com",
        publish_ok=False,
        consented=True,
    )
    now = timezone.now()
    interview = interviews.create_interview(
        user=a.editor,
        organization=a.org,
        data={
            "title": "文旅惠民政策解读",
            "description": "介绍消费券的发放办法。",
            "guests": "张明 市文化和旅游局副局长",
            "department": a.dept,
            "starts_at": now + datetime.timedelta(hours=1),
            "ends_at": now + datetime.timedelta(hours=2),
            "interprets": None,
        },
    )  # not published: its public page must be a 404
    Interview.objects.filter(pk=interview.pk).update(published=True)
    question = interviews.submit_question(interview=interview, text="消费券什么时候发放?", name="小王")
    Interview.objects.filter(pk=interview.pk).update(published=False)
    from gongkai.feedback import services as feedback_services

    feedback = feedback_services.submit_report(
        organization=a.org,
        page=feedback_services.Page(url="/xxgk/", item=None),
        category="wrong_content",
        description="日期写错了。",
        contact_name="李四",
        contact="lisi@example.com",
    )
    dictionary = make_dictionary(organization=a.org, terms=[("内部敏感词", "sensitive", "warning")])
    term = dictionary.terms.first()

    def other_department_draft(title):
        return make_draft(
            a, by=a.other_drafter, title=title, lead_department=a.other_dept, source="产业发展科"
        )

    other_draft = other_department_draft(OTHER_DRAFT_TITLE)
    other_attachment = publishing.attach_file(
        user=a.other_drafter, item=other_draft, upload=SimpleUploadedFile("产业发展科草稿附件.pdf", PDF)
    )
    publishing.submit_for_review(user=a.other_drafter, item=other_draft)
    other_revised = other_department_draft("产业发展科已公开的文件")
    publishing.submit_for_review(user=a.other_drafter, item=other_revised)
    for person in (a.other_head, a.secrecy, a.editor2, a.leader):
        publishing.approve_step(
            user=person, item=other_revised, opinion="同意", bottom_lines=ALL_BOTTOM_LINES
        )
    publishing.publish(user=a.editor, item=InformationItem.objects.get(pk=other_revised.pk))
    publishing.start_revision(user=a.other_drafter, item=other_revised)
    publishing.update_draft(user=a.other_drafter, item=other_revised, data={"title": OTHER_REVISION_TITLE})
    # 艺术科's case links both as website responses: its page is seen by people who may not read them.
    for linked in (other_draft, other_revised):
        concern_services.record_response(
            user=a.editor, case=case, channel="website", summary="网站回应", item=linked
        )

    world = World(
        a=a,
        b=b,
        draft=draft,
        draft_attachment=draft_attachment,
        in_review=in_review,
        published=published,
        published_attachment=published_attachment,
        case=case,
        concern_report=concern_report,
        mention=mention,
        source=source,
        rule=rule,
        webhook=webhook,
        alert=alert,
        consultation=consultation,
        comment=comment,
        message=message,
        interview=interview,
        question=question,
        feedback=feedback,
        dictionary=dictionary,
        term=term,
        other_draft=InformationItem.objects.get(pk=other_draft.pk),
        other_attachment=other_attachment,
        other_revised=InformationItem.objects.get(pk=other_revised.pk),
    )
    world.users = {name: getattr(a, name) for name in ROLES if name not in ("anonymous", "b_editor")}
    world.users["b_editor"] = b.editor
    return world


# --- the table: how to build each console URL and who may read it with GET -------------------------------

ITEM = lambda w: {"pk": w.draft.pk}  # noqa: E731
YEAR = lambda w: {"year": str(timezone.localdate().year)}  # noqa: E731
NONE = lambda w: {}  # noqa: E731


def case_(w):
    return {"pk": w.case.pk}


def consultation_(w):
    return {"pk": w.consultation.pk}


def interview_(w):
    return {"pk": w.interview.pk}


@dataclass(frozen=True)
class Page:
    args: object  # World -> kwargs for reverse()
    ok: frozenset = NOBODY  # roles that get 200


def page(args, *ok):
    return Page(args, frozenset(ok))


CONSOLE: dict[str, Page] = {}
API: dict[str, Page] = {}


# --- walking -----------------------------------------------------------------------------------------------


def all_patterns(patterns=None, prefix="", namespace=""):
    """(route, full name, pattern) for every URL of the project, following includes."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}:{p.namespace}".strip(":") if p.namespace else namespace
            yield from all_patterns(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            name = f"{namespace}:{p.name}".strip(":") if p.name else f"{namespace}:?"
            yield prefix + str(p.pattern), name, p


def staff_patterns():
    console, admin_, api = [], [], []
    for route, name, _ in all_patterns():
        clean = route.replace("^", "")
        if clean.startswith("console/"):
            console.append(name)
        elif clean.startswith("admin/"):
            admin_.append((route, name))
        elif clean.startswith("api/"):
            api.append(route)
    return console, admin_, api


def is_login_redirect(response) -> bool:
    if response.status_code != 302:
        return False
    path = urlsplit(response["Location"]).path
    return path in (reverse("console:login"), reverse("console:two_factor"), "/admin/login/")


def denied(response) -> bool:
    return response.status_code in (403, 404, 405) or is_login_redirect(response)


def clients(world) -> dict[str, Client]:
    result = {"anonymous": Client(raise_request_exception=False)}
    for name, user in world.users.items():
        client = Client(raise_request_exception=False)
        client.force_login(user, backend=MODEL_BACKEND)
        result[name] = client
    return result


def text_of(response) -> str:
    """The body as text; a JSON body decoded (the API escapes non-ASCII, so a title is not in its bytes)."""
    if response.get("Content-Type", "").startswith("application/json"):
        return json.dumps(response.json(), ensure_ascii=False)
    return response.content.decode()


def textual(response) -> bool:
    kind = response.get("Content-Type", "")
    return kind.startswith(("text/", "application/json")) and not getattr(response, "streaming", False)


def check(results, role, url, response, may):
    code = response.status_code
    if code >= 500:
        results.append(f"{role} GET {url}: {code}")
    elif may and code != 200:
        results.append(f"{role} GET {url}: {code}, expected 200")
    elif not may and not denied(response):
        results.append(f"{role} GET {url}: {code} {response.get('Location', '')}, expected no access")


def _args():
    c, p, i, msg = case_, consultation_, interview_, lambda w: {"pk": w.message.pk}
    att = lambda w: {"pk": w.draft.pk, "attachment_pk": w.draft_attachment.pk}  # noqa: E731
    return {
        "reports:form": lambda w: {"revision_pk": w.draft.latest_revision_id},
        "reports:form_docx": lambda w: {"revision_pk": w.draft.latest_revision_id},
        "reports:ledger": NONE,
        "reports:ledger_xlsx": NONE,
        "reports:annual": NONE,
        "reports:annual_year": YEAR,
        "reports:annual_docx": YEAR,
        "reports:annual_publish": YEAR,
        "reports:oversight": NONE,
        "reports:oversight_figure": lambda w: {"figure": "overdue"},
        "reports:oversight_xlsx": NONE,
        "feedback_console:list": NONE,
        "feedback_console:detail": lambda w: {"pk": w.feedback.pk},
        "feedback_console:action": lambda w: {"pk": w.feedback.pk, "action": "reply"},
        "concerns:cases": NONE,
        "concerns:case": c,
        "concerns:case_assess": c,
        "concerns:case_classify": c,
        "concerns:case_move": c,
        "concerns:case_close": c,
        "concerns:case_report": c,
        "concerns:case_reports_docx": c,
        "concerns:report_docx": lambda w: {"pk": w.case.pk, "report_pk": w.concern_report.pk},
        "concerns:case_response": c,
        "concerns:case_draft_website": c,
        "concerns:case_referral": c,
        "concerns:mentions": NONE,
        "concerns:mention_create": NONE,
        "concerns:mention": lambda w: {"pk": w.mention.pk},
        "concerns:mention_move": lambda w: {"pk": w.mention.pk},
        "concerns:mention_screenshot": lambda w: {"pk": w.mention.pk},
        "concerns:sources": NONE,
        "concerns:source_create": NONE,
        "concerns:source_edit": lambda w: {"pk": w.source.pk},
        "concerns:source_poll": lambda w: {"pk": w.source.pk},
        "concerns:source_enable": lambda w: {"pk": w.source.pk},
        "concerns:rules": NONE,
        "concerns:rule_create": NONE,
        "concerns:rule_edit": lambda w: {"pk": w.rule.pk},
        "concerns:categories": NONE,
        "concerns:settings": NONE,
        "concerns:webhooks": NONE,
        "concerns:webhook_create": NONE,
        "concerns:webhook_edit": lambda w: {"pk": w.webhook.pk},
        "concerns:webhook_test": lambda w: {"pk": w.webhook.pk},
        "concerns:alerts": NONE,
        "concerns:alert_acknowledge": lambda w: {"pk": w.alert.pk},
        "concerns:dashboard": NONE,
        "participation_console:consultation_list": NONE,
        "participation_console:consultation_create": NONE,
        "participation_console:consultation_detail": p,
        "participation_console:consultation_edit": p,
        "participation_console:consultation_extend": p,
        "participation_console:consultation_comment_moderate": lambda w: {
            "pk": w.consultation.pk,
            "comment_pk": w.comment.pk,
        },
        "participation_console:consultation_comment_classify": lambda w: {
            "pk": w.consultation.pk,
            "comment_pk": w.comment.pk,
        },
        "participation_console:consultation_summary": p,
        "participation_console:consultation_report": p,
        "participation_console:consultation_export": p,
        "participation_console:message_list": NONE,
        "participation_console:message_policy": NONE,
        "participation_console:message_detail": msg,
        "participation_console:message_action": lambda w: {"pk": w.message.pk, "action": "reply"},
        "participation_console:interview_console_list": NONE,
        "participation_console:interview_create": NONE,
        "participation_console:interview_console_detail": i,
        "participation_console:interview_edit": i,
        "participation_console:interview_question_action": lambda w: {
            "pk": w.interview.pk,
            "question_pk": w.question.pk,
            "action": "approve",
        },
        "participation_console:interview_action": lambda w: {"pk": w.interview.pk, "action": "start"},
        "console:login": NONE,
        "console:logout": NONE,
        "console:inbox": NONE,
        "console:items": NONE,
        "console:item_create": NONE,
        "console:item": ITEM,
        "console:item_edit": ITEM,
        "console:review": lambda w: {"pk": w.in_review.pk},
        "console:item_action": lambda w: {"pk": w.draft.pk, "action": "submit"},
        "console:attachment_upload": ITEM,
        "console:attachment": att,
        "console:attachment_remove": att,
        "console:notifications": NONE,
        "console:catalogue_health": NONE,
        "console:review_check": NONE,
        "console:interpretation_report": NONE,
        "console:interpretation_plan": ITEM,
        "console:policy_opinion": ITEM,
        "console:dictionaries": NONE,
        "console:dictionary": lambda w: {"pk": w.dictionary.pk},
        "console:term_save": lambda w: {"pk": w.dictionary.pk},
        "console:term_delete": lambda w: {"pk": w.dictionary.pk, "term_pk": w.term.pk},
        "console:dictionary_export": lambda w: {"pk": w.dictionary.pk},
        "console:dictionary_import": lambda w: {"pk": w.dictionary.pk},
        "console:finding_acknowledge": lambda w: {"pk": w.draft.pk, "finding_pk": 999999},
        "console:finding_mask": lambda w: {"pk": w.draft.pk, "finding_pk": 999999},
        "console:media_confirm": att,
        "console:switch_organization": NONE,
        "console:login_code": NONE,
        "console:account": NONE,
        "console:password_change": NONE,
        "console:two_factor": NONE,
        "console:two_factor_disable": NONE,
    }


ARGS = _args()


ALL_STAFF = frozenset(ROLES) - {"anonymous"}
ALL_A = ALL_STAFF - {"b_editor"}
# Who reads a draft of 艺术科 (dept): its department, the people of its review chain (保密审查, 分管领导) and
# the office editors (publishing.permissions.visible_items). Not another department, not the policy
# department (no step in the default chain), not the 舆情 monitor, not the three administrators.
DRAFT_READERS = frozenset({"drafter", "head", "secrecy", "editor", "leader"})
# The same for a draft of 产业发展科 (other_dept).
OTHER_DRAFT_READERS = frozenset({"other_drafter", "other_head", "secrecy", "editor", "leader"})
CASE_PEOPLE = frozenset({"drafter", "head", "editor", "leader", "monitor"})
KEEPERS = frozenset({"editor", "monitor"})
HEADS = frozenset({"head", "other_head"})

# Who gets 200 with GET (read from each view's permission check; every role not named must be refused).
# Pages listing "their own organisation's" records are open to B's editor too: B then sees only B's rows
# (the detail pages of A's records are 404 for B, which the walk checks).
OK: dict[str, frozenset] = {
    "reports:ledger": ALL_STAFF,
    "reports:ledger_xlsx": ALL_STAFF,
    "reports:annual": frozenset({"editor", "leader", "b_editor"}),
    "reports:annual_year": frozenset({"editor", "leader", "b_editor"}),
    "reports:annual_docx": frozenset({"editor", "leader", "b_editor"}),
    "reports:oversight": HEADS | {"editor", "leader", "b_editor"},
    "reports:oversight_xlsx": HEADS | {"editor", "leader", "b_editor"},
    "feedback_console:list": frozenset({"editor", "b_editor"}),
    "feedback_console:detail": frozenset({"editor"}),
    "concerns:cases": ALL_STAFF,
    "concerns:case": CASE_PEOPLE,
    "concerns:case_reports_docx": CASE_PEOPLE,
    "concerns:report_docx": CASE_PEOPLE,
    "concerns:mentions": frozenset({"editor", "leader", "monitor", "b_editor"}),
    "concerns:mention_create": HEADS | {"editor", "leader", "monitor", "b_editor"},
    "concerns:mention": CASE_PEOPLE,  # the mention belongs to the case of `dept`
    "concerns:mention_screenshot": CASE_PEOPLE,
    "concerns:sources": KEEPERS | {"b_editor"},
    "concerns:source_create": KEEPERS | {"b_editor"},
    "concerns:source_edit": KEEPERS,
    "concerns:rules": KEEPERS | {"b_editor"},
    "concerns:rule_create": KEEPERS | {"b_editor"},
    "concerns:rule_edit": KEEPERS,
    "concerns:categories": KEEPERS | {"b_editor"},
    "concerns:settings": KEEPERS | {"b_editor"},
    "concerns:webhooks": KEEPERS | {"b_editor"},
    "concerns:webhook_create": KEEPERS | {"b_editor"},
    "concerns:webhook_edit": KEEPERS,
    "concerns:alerts": frozenset({"editor", "leader", "monitor", "b_editor"}),
    "concerns:dashboard": frozenset({"editor", "leader", "monitor", "b_editor"}),
    "participation_console:consultation_list": ALL_STAFF,
    "participation_console:consultation_create": frozenset(
        {"drafter", "other_drafter", "editor", "b_editor"}
    ),
    "participation_console:consultation_detail": frozenset({"drafter", "head", "editor", "leader"}),
    # The comments' personal data: only the drafting department and the office.
    "participation_console:consultation_export": frozenset({"drafter", "head", "editor"}),
    "participation_console:message_list": frozenset(
        {"drafter", "head", "other_drafter", "other_head", "editor", "leader", "b_editor"}
    ),
    "participation_console:message_detail": frozenset({"editor", "leader"}),
    "participation_console:interview_console_list": frozenset(
        {"drafter", "head", "other_drafter", "other_head", "editor", "b_editor"}
    ),
    "participation_console:interview_create": HEADS | {"editor", "b_editor"},
    "participation_console:interview_console_detail": frozenset({"drafter", "head", "editor"}),
    "participation_console:interview_edit": frozenset({"head", "editor"}),
    "console:login": frozenset({"anonymous"}),
    "console:inbox": ALL_STAFF,
    "console:items": ALL_STAFF,
    "console:item_create": frozenset({"drafter", "other_drafter", "editor", "b_editor"}),
    # publishing.permissions.visible_items: a draft (and the draft in review) only for its readers.
    "console:item": DRAFT_READERS,
    "console:item_edit": frozenset({"drafter", "editor"}),
    "console:review": DRAFT_READERS,
    "console:attachment": DRAFT_READERS,
    "console:notifications": ALL_STAFF,
    "console:catalogue_health": HEADS | {"editor", "b_editor"},
    "console:review_check": ALL_STAFF,
    "console:interpretation_report": HEADS | {"editor", "policy_reviewer", "b_editor"},
    "console:dictionaries": ALL_STAFF,
    "console:dictionary": ALL_A,
    "console:dictionary_export": ALL_A,
    "console:account": ALL_STAFF,
    "console:password_change": ALL_STAFF,
    "console:two_factor": ALL_STAFF,
}
# A GET that answers with a redirect to a console page (not the login) for these roles: no data shown.
REDIRECTS: dict[str, frozenset] = {
    # An open consultation can no longer be edited: its editors are sent back to its page.
    "participation_console:consultation_edit": frozenset({"drafter", "head", "editor"}),
    # A logged-in person asking for the login page goes to the console.
    "console:login": ALL_STAFF,
}


def test_every_role_walks_every_console_page_and_finds_nothing_beyond_its_role():
    world = build_world()
    cs = clients(world)
    console, _, _ = staff_patterns()
    unknown = sorted(set(console) - set(ARGS))
    assert not unknown, f"新的后台地址未列入访问表(请在 ARGS/OK 中说明谁可访问): {unknown}"
    assert not set(OK) - set(ARGS) and not set(REDIRECTS) - set(ARGS)
    problems, walked = [], 0
    for name in console:
        url = reverse(name, kwargs=ARGS[name](world))
        for role in ROLES:
            response = cs[role].get(url)
            walked += 1
            if role in REDIRECTS.get(name, NOBODY):
                if response.status_code != 302 or is_login_redirect(response):
                    problems.append(f"{role} GET {url}: {response.status_code}, expected a redirect")
                continue
            check(problems, role, url, response, role in OK.get(name, NOBODY))
            # Whatever the page, another department's draft (linked from 艺术科's case) never shows to
            # someone who may not read it.
            if role not in OTHER_DRAFT_READERS and response.status_code == 200 and textual(response):
                text = text_of(response)
                for title in (OTHER_DRAFT_TITLE, OTHER_REVISION_TITLE):
                    if title in text:
                        problems.append(f"{role} GET {url}: shows the draft title {title}")
    assert walked == len(console) * len(ROLES)
    assert not problems, "\n".join(problems)


# --- the API -----------------------------------------------------------------------------------------------

# Every API route (as the resolver spells it) -> (path builder, roles that get 200 with GET and a token).
API_ROUTES: dict[str, tuple] = {
    "api/openapi.json": (lambda w: "/api/openapi.json", frozenset(ROLES)),
    "api/docs": (lambda w: "/api/docs", frozenset(ROLES)),
    "api/": (lambda w: "/api/", NOBODY),
    # Staff endpoints: GET of an item reads a draft for its readers (publishing.permissions.visible_items);
    # the others only take POST/PATCH.
    "api/v1/staff/items": (lambda w: "/api/v1/staff/items", NOBODY),
    "api/v1/staff/items/<item_id>": (lambda w: f"/api/v1/staff/items/{w.draft.pk}", DRAFT_READERS),
    "api/v1/staff/items/<item_id>/attachments": (
        lambda w: f"/api/v1/staff/items/{w.draft.pk}/attachments",
        NOBODY,
    ),
    "api/v1/staff/items/<item_id>/submit": (lambda w: f"/api/v1/staff/items/{w.draft.pk}/submit", NOBODY),
    "api/v1/staff/items/<item_id>/approve": (
        lambda w: f"/api/v1/staff/items/{w.in_review.pk}/approve",
        NOBODY,
    ),
    "api/v1/staff/items/<item_id>/reject": (lambda w: f"/api/v1/staff/items/{w.in_review.pk}/reject", NOBODY),
    "api/v1/staff/items/<item_id>/publish": (lambda w: f"/api/v1/staff/items/{w.draft.pk}/publish", NOBODY),
    "api/v1/review/check": (lambda w: "/api/v1/review/check", NOBODY),
    "api/v1/review/check/file": (lambda w: "/api/v1/review/check/file", NOBODY),
    # Public endpoints: lists and search are open; the draft's index number is not found.
    "api/v1/items": (lambda w: "/api/v1/items", frozenset(ROLES)),
    "api/v1/search": (lambda w: "/api/v1/search?q=草稿", frozenset(ROLES)),
    "api/v1/items/<path:index_number>": (
        lambda w: f"/api/v1/items/{w.draft.index_number or w.draft.pk}",
        NOBODY,
    ),
}


def test_every_role_walks_every_api_endpoint_with_its_token():
    world = build_world()
    _, _, api_routes = staff_patterns()
    unknown = sorted(set(api_routes) - set(API_ROUTES))
    assert not unknown, f"新的 API 地址未列入访问表: {unknown}"
    headers = {"anonymous": {}}
    for role, user in world.users.items():
        _, raw = tokens.issue(user=user, name="访问检查")
        headers[role] = {"Authorization": f"Bearer {raw}"}
    client = Client(raise_request_exception=False)
    problems, walked = [], 0
    for route in sorted(set(api_routes)):
        build, ok = API_ROUTES[route]
        url = build(world)
        for role in ROLES:
            response = client.get(url, headers=headers[role])
            walked += 1
            if response.status_code == 401 and role not in ok:
                continue
            check(problems, role, url, response, role in ok)
            if response.status_code == 200:
                body = text_of(response)
                if role not in DRAFT_READERS or "staff" not in route:
                    assert DRAFT_TITLE not in body, (role, url)
                assert PERSONAL not in body, (role, url)
    # The API's staff GET also refuses a guessed id of another organisation's draft for B's token.
    response = client.get(f"/api/v1/staff/items/{world.draft.pk}", headers=headers["b_editor"])
    assert response.status_code in (403, 404) and DRAFT_TITLE not in response.content.decode()
    assert walked == len(set(api_routes)) * len(ROLES)
    assert not problems, "\n".join(problems)


# --- another department's draft ------------------------------------------------------------------------------

# Of the item pages (every console URL under items/<pk>/, read from the resolver), those a reader opens with
# GET (the draft is in review: nobody edits it).
OTHER_DRAFT_PAGES = {
    "console:item": OTHER_DRAFT_READERS,
    "console:review": OTHER_DRAFT_READERS,
    "console:attachment": OTHER_DRAFT_READERS,
}
# Pages that list items or offer them: another department's draft is in none of them for a non-reader.
LISTS = (
    ("console:inbox", {}),
    ("console:items", {}),
    ("console:items", {"q": OTHER_DRAFT_TITLE[:8]}),
    ("console:items", {"status": "in_review"}),
    ("console:notifications", {}),
    ("console:item_create", {}),
)


def item_routes():
    """(URL name, its path converters) of every console page of one item."""
    for route, name, pattern in all_patterns():
        if route.startswith("console/items/<id:pk>/"):
            yield name, set(pattern.pattern.converters)


def other_draft_kwargs(world, converters) -> dict:
    values = {
        "pk": world.other_draft.pk,
        "attachment_pk": world.other_attachment.pk,
        "finding_pk": 999999,
        "action": "submit",
    }
    assert converters <= set(values), f"新的条目地址参数未列入: {converters - set(values)}"
    return {name: values[name] for name in converters}


def test_every_role_walks_the_pages_of_another_departments_draft_and_non_readers_get_404():
    world = build_world()
    cs = clients(world)
    routes = dict(item_routes())
    assert {"console:item", "console:review", "console:attachment", "console:item_action"} <= set(routes)
    problems = []
    for name, converters in sorted(routes.items()):
        url = reverse(name, kwargs=other_draft_kwargs(world, converters))
        for role in ROLES:
            response = cs[role].get(url)
            readers = OTHER_DRAFT_PAGES.get(name, NOBODY)
            if role == "anonymous":
                check(problems, role, url, response, False)
            elif role in readers:
                check(problems, role, url, response, True)
            elif role in OTHER_DRAFT_READERS or response.status_code == 405:
                check(problems, role, url, response, False)  # a reader without the right: 403 is fine
                if response.status_code == 405 and role not in OTHER_DRAFT_READERS:
                    # POST-only: a non-reader's POST is a 404 too, and changes nothing.
                    posted = cs[role].post(url, {"reason": "x", "opinion": "x"})
                    if posted.status_code != 404:
                        problems.append(f"{role} POST {url}: {posted.status_code}, expected 404")
            elif response.status_code != 404:  # not 403: its existence is not revealed
                problems.append(f"{role} GET {url}: {response.status_code}, expected 404")
            if role not in OTHER_DRAFT_READERS and OTHER_DRAFT_TITLE in text_of(response):
                problems.append(f"{role} GET {url}: shows the draft")
    draft = InformationItem.objects.get(pk=world.other_draft.pk)
    assert draft.latest_revision.title == OTHER_DRAFT_TITLE and draft.status == "in_review"
    assert draft.latest_revision.attachments.count() == 1
    assert not problems, "\n".join(problems)


def test_another_departments_draft_is_in_no_list_of_a_non_reader():
    world = build_world()
    cs = clients(world)
    problems = []
    for role in sorted(ALL_STAFF):
        for name, params in (*LISTS, ("console:item_create", {"interprets": world.other_draft.pk})):
            response = cs[role].get(reverse(name), params)
            shown = OTHER_DRAFT_TITLE in response.content.decode()
            if shown and role not in OTHER_DRAFT_READERS:
                problems.append(f"{role} GET {name} {params}: shows the draft")
        listed = OTHER_DRAFT_TITLE in cs[role].get(reverse("console:items")).content.decode()
        if role in OTHER_DRAFT_READERS and not listed:
            problems.append(f"{role}: the item list lacks the draft")  # so the check above can fail
    assert not problems, "\n".join(problems)


def test_a_published_item_shows_its_unpublished_revision_only_to_its_readers():
    world = build_world()
    cs = clients(world)
    headers = {}
    for role, user in world.users.items():
        _, raw = tokens.issue(user=user, name="访问检查")
        headers[role] = {"Authorization": f"Bearer {raw}"}
    api = Client(raise_request_exception=False)
    item = world.other_revised
    problems = []
    for role in sorted(ALL_A):
        for what, response in (
            ("item", cs[role].get(reverse("console:item", args=[item.pk]))),
            ("review", cs[role].get(reverse("console:review", args=[item.pk]))),
            ("items list", cs[role].get(reverse("console:items"))),
            ("api", api.get(f"/api/v1/staff/items/{item.pk}", headers=headers[role])),
        ):
            shown = OTHER_REVISION_TITLE in text_of(response)
            if response.status_code != 200:  # published: open to every member
                problems.append(f"{role} {what}: {response.status_code}, expected 200")
            if shown != (role in OTHER_DRAFT_READERS):
                problems.append(f"{role} {what}: the unpublished revision shown: {shown}")
    assert not problems, "\n".join(problems)


def test_the_staff_api_answers_404_to_non_readers_of_another_departments_draft():
    world = build_world()
    client = Client(raise_request_exception=False)
    problems = []
    for role, user in sorted(world.users.items()):
        _, raw = tokens.issue(user=user, name="访问检查")
        headers = {"Authorization": f"Bearer {raw}"}
        url = f"/api/v1/staff/items/{world.other_draft.pk}"
        response = client.get(url, headers=headers)
        expected = 200 if role in OTHER_DRAFT_READERS else 404
        if response.status_code != expected:
            problems.append(f"{role} GET {url}: {response.status_code}, expected {expected}")
        if expected == 404:
            for suffix, payload in (("/submit", {}), ("/approve", {}), ("/reject", {"opinion": "退回"})):
                posted = client.post(
                    url + suffix, data=payload, content_type="application/json", headers=headers
                )
                if posted.status_code != 404:
                    problems.append(f"{role} POST {url}{suffix}: {posted.status_code}, expected 404")
            if OTHER_DRAFT_TITLE in text_of(response):
                problems.append(f"{role} GET {url}: shows the draft")
        elif OTHER_DRAFT_TITLE not in text_of(response):
            problems.append(f"{role} GET {url}: lacks the draft")
    assert InformationItem.objects.get(pk=world.other_draft.pk).status == "in_review"
    assert not problems, "\n".join(problems)


# --- the admin ---------------------------------------------------------------------------------------------

ADMIN_FIXED = {
    "admin:index",
    "admin:login",
    "admin:logout",
    "admin:password_change",
    "admin:password_change_done",
    "admin:autocomplete",
    "admin:jsi18n",
    "admin:view_on_site",
    "admin:app_list",
    "admin:auth_user_password_change",  # the password form of orgs.User's admin
}
# Models whose admin pages the walk knows (a newly registered model fails the test until it is added).
ADMIN_MODELS = {
    "orgs.organization",
    "orgs.department",
    "orgs.membership",
    "orgs.user",
    "axes.accessattempt",
    "axes.accessfailurelog",
    "axes.accesslog",
    "workdays.calendaroverride",
    "workdays.publishedyear",
    "audit.auditevent",
    "catalogue.catalogueentry",
    "publishing.reviewstep",
    "publishing.topic",
    "publishing.informationitem",
    "publishing.approvalform",
    "portal.portalpage",
    "api.apitoken",
}
ADMIN_VIEWS = ("changelist", "add", "change", "delete", "history")


def admin_object(model, world):
    """An object of organisation A for the model's admin pages (a guessed id for B's administrators)."""
    names = {f.name for f in model._meta.get_fields()}
    qs = model._default_manager.all()
    if "organization" in names:
        qs = qs.filter(organization=world.a.org)
    elif model._meta.label_lower == "orgs.user":
        qs = qs.filter(pk=world.a.drafter.pk)
    elif model._meta.label_lower == "api.apitoken":
        qs = qs.filter(user__memberships__organization=world.a.org)
    return qs.order_by("pk").first()


def test_every_role_walks_every_admin_page():
    world = build_world()
    tokens.issue(user=world.a.drafter, name="访问检查")
    registered = {m._meta.label_lower for m in admin.site._registry}
    assert registered == ADMIN_MODELS, f"管理后台注册的模型有变化,请更新访问表: {registered ^ ADMIN_MODELS}"
    _, admin_routes, _ = staff_patterns()
    known = set(ADMIN_FIXED) | {
        f"admin:{label.replace('.', '_')}_{view}" for label in ADMIN_MODELS for view in ADMIN_VIEWS
    }
    # Unnamed admin patterns are the per-app indexes and the catch-all; they are walked as app indexes.
    unknown = sorted({n for _, n in admin_routes if n != "admin:?"} - known)
    assert not unknown, f"新的管理后台地址未列入访问表: {unknown}"
    cs = clients(world)
    b_admin = Client(raise_request_exception=False)
    b_admin.force_login(world.b.system_admin, backend=MODEL_BACKEND)
    cs["b_system_admin"] = b_admin
    urls = ["/admin/", "/admin/password_change/"]
    for label in sorted(ADMIN_MODELS):
        app_label, model_name = label.split(".")
        model = apps.get_model(app_label, model_name)
        urls.append(f"/admin/{app_label}/")
        urls.append(reverse(f"admin:{app_label}_{model_name}_changelist"))
        obj = admin_object(model, world)
        if obj is not None:
            for view in ("change", "delete", "history"):
                urls.append(reverse(f"admin:{app_label}_{model_name}_{view}", args=[obj.pk]))
    urls.append(reverse("admin:auth_user_password_change", args=[world.a.drafter.pk]))
    problems = []
    for url in urls:
        for role, client in cs.items():
            response = client.get(url)
            if response.status_code >= 500:
                problems.append(f"{role} GET {url}: {response.status_code}")
            elif role in ADMINS:
                continue  # each administrator's scope is tested in tests/orgs
            elif role == "b_system_admin":
                if response.status_code == 200 and _admin_object_url(url):
                    problems.append(f"{role} GET {url}: 200 on organisation A's record")
            elif not denied(response):
                problems.append(f"{role} GET {url}: {response.status_code}, expected no access")
    assert not problems, "\n".join(problems)


def _admin_object_url(url: str) -> bool:
    return url.rstrip("/").rsplit("/", 1)[-1] in ("change", "delete", "history")


# --- the public site and MEDIA_URL ---------------------------------------------------------------------


def test_drafts_comments_and_files_are_not_reachable_by_guessed_public_urls():
    world = build_world()
    client = Client(raise_request_exception=False)
    draft = InformationItem.objects.get(pk=world.draft.pk)
    in_review = InformationItem.objects.get(pk=world.in_review.pk)
    for item in (draft, in_review):
        for guess in filter(None, {item.index_number, str(item.pk)}):
            for url in (f"/xxgk/items/{guess}/", f"/xxgk/items/{guess}/print/", f"/api/v1/items/{guess}"):
                assert client.get(url).status_code == 404, url
    # The draft's attachment by its id and any name, and the published one by the draft's id.
    for name in ("x.pdf", world.draft_attachment.file.name.rsplit("/", 1)[-1], "内部草稿附件.pdf"):
        response = client.get(f"/xxgk/files/{world.draft_attachment.pk}/{name}")
        assert response.status_code == 404, name
    # The published item's attachment is served (so the check above can fail).
    response = client.get(f"/xxgk/files/{world.published_attachment.pk}/x.pdf", follow=True)
    assert response.status_code == 200
    # Nothing is served under MEDIA_URL: not attachments, not screenshots.
    from django.conf import settings

    for stored in (
        world.draft_attachment.file.name,
        world.published_attachment.file.name,
        world.mention.screenshot.name,
    ):
        assert stored
        assert client.get(settings.MEDIA_URL + stored).status_code == 404, stored
    # Unpublished interview, and consultation comments' personal data on the public pages.
    assert client.get(f"/hudong/fangtan/{world.interview.pk}/").status_code == 404
    assert client.get(f"/hudong/fangtan/{world.interview.pk}/live.json").status_code == 404
    for url in (
        f"/hudong/zhengqiu/{world.consultation.pk}/",
        "/hudong/liuyan/",
        "/xxgk/search/?q=老年人优惠",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert PERSONAL not in body and "张三丰" not in body and DRAFT_TITLE not in body, url
    response = client.get("/xxgk/search/", {"q": "内部草稿"})
    assert DRAFT_TITLE not in response.content.decode()
