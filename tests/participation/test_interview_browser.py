"""Issue 7, item 6 in a real browser: a live interview shows a newly approved question and then the guest's
answer without a reload (live.js polls the JSON endpoint), text only; a citizen asks through the form
with the captcha; the end of the session closes the question form on the open page; axe-core finds no
WCAG 2.1 AA violation on the interview page and the list."""

import datetime
import os

import pytest
from django.db import connection
from django.utils import timezone

from gongkai.core import captcha
from gongkai.participation import interviews
from gongkai.participation.constants import QuestionStatus
from gongkai.participation.models import Interview, Question
from tests.browser import launch, needs_chromium
from tests.factories import PASSWORD, make_staff
from tests.portal.test_accessibility import axe_violations, readable

pytestmark = needs_chromium

GUEST = "张明 市文化和旅游局副局长"
WAIT_MS = 10_000


@pytest.fixture
def staff(transactional_db, settings):
    # Playwright's sync API runs an event loop in this thread; the ORM calls in the test are synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    settings.AXES_LOCKOUT_CALLABLE = "gongkai.console.views.lockout"
    return make_staff()


@pytest.fixture
def interview(staff):
    now = timezone.now()
    interview = interviews.create_interview(
        user=staff.editor,
        organization=staff.org,
        data={
            "title": "2026年文旅惠民消费券政策解读",
            "description": "介绍消费券的发放时间、领取方式和使用范围。",
            "guests": f"{GUEST}\n李华 艺术科科长",
            "department": staff.dept,
            "starts_at": now + datetime.timedelta(minutes=5),
            "ends_at": now + datetime.timedelta(hours=2),
            "interprets": None,
        },
    )
    interviews.set_published(user=staff.editor, interview=interview, published=True)
    interviews.start_interview(user=staff.head, interview=interview)
    first = interviews.submit_question(interview=interview, text="消费券在哪里领取?", name="小王")
    first = interviews.approve_question(user=staff.editor, question=first)
    interviews.answer_question(
        user=staff.editor, question=first, guest=GUEST, answer="在“文旅云”小程序领取。"
    )
    return Interview.objects.get(pk=interview.pk)


def test_a_live_interview_shows_new_questions_and_answers_without_a_reload(
    staff, interview, live_server, tmp_path
):
    from playwright.sync_api import expect, sync_playwright

    base = live_server.url
    url = f"{base}/hudong/fangtan/{interview.pk}/"
    with sync_playwright() as p:
        browser = launch(p)
        context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="zh-CN")
        page = context.new_page()
        problems = []
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
        page.goto(url)
        assert page.locator("#interview-state").inner_text() == "直播中"
        assert page.locator("#live-answered .qa").count() == 1
        assert "在“文旅云”小程序领取。" in page.locator("#live-answered").inner_text()

        # A citizen asks during the session (the captcha's code is derived from its token here).
        page.get_by_label("昵称").fill("<b>市民</b>")
        page.get_by_label("您的问题").fill("老年人有专属名额吗?<script>alert(1)</script>")
        token = page.locator("input[name=captcha_token]").input_value()
        page.get_by_label("验证码").fill(captcha.code_for(captcha._nonce(token)))
        page.get_by_role("button", name="提交问题").click()
        page.wait_for_url("**/?tiwen=ok#ask")
        expect(page.get_by_text("您的问题已提交,经审核后显示。")).to_be_visible()
        question = Question.objects.get(text__startswith="老年人有专属名额吗")
        assert question.status == QuestionStatus.PENDING and not question.beforehand
        assert page.get_by_text("老年人有专属名额吗").count() == 0  # never shown before approval

        page.evaluate("window.__marker = 1")
        navigations = []
        page.on("framenavigated", lambda frame: navigations.append(frame.url))

        # The moderator approves it: it appears among the questions waiting for an answer.
        interviews.approve_question(user=staff.drafter, question=question)
        waiting = page.locator(f"#live-waiting #qa-{question.pk}")
        waiting.wait_for(timeout=WAIT_MS)
        expect(page.locator("#waiting-box")).to_be_visible()
        assert waiting.locator(".qa-name").inner_text() == "<b>市民</b>"  # text, not markup
        assert waiting.locator("b").count() == 0

        # The guest answers (typed by the operator): the answer replaces the waiting entry in the transcript.
        interviews.answer_question(
            user=staff.editor,
            question=question,
            guest=GUEST,
            answer="有。每场预留<i>20%</i>名额。\n凭身份证领取。",
        )
        entry = page.locator(f"#live-answered #qa-{question.pk} .qa-answer")
        entry.wait_for(timeout=WAIT_MS)
        assert entry.locator(".qa-guest").inner_text() == GUEST
        assert "有。每场预留<i>20%</i>名额。" in entry.locator(".qa-text").inner_text()
        assert entry.locator("i").count() == 0
        assert entry.locator("time").inner_text() == timezone.localtime(
            Question.objects.get(pk=question.pk).answered_at
        ).strftime("%m-%d %H:%M")
        expect(page.locator(f"#live-waiting #qa-{question.pk}")).to_have_count(0)
        expect(page.locator("#waiting-box")).to_be_hidden()
        assert page.locator("#live-answered .qa").count() == 2
        assert page.evaluate("window.__marker") == 1 and navigations == []  # no reload
        page.screenshot(path=str(tmp_path / "live.png"), full_page=True)

        violations = axe_violations(page)
        assert not violations, readable(violations)

        # The session ends: the open page closes its question form by itself.
        interviews.end_interview(user=staff.editor, interview=interview)
        expect(page.locator("#ask-closed")).to_be_visible(timeout=WAIT_MS)
        expect(page.locator("#ask-form")).to_be_hidden()
        expect(page.locator("#interview-state")).to_have_text("已结束")
        assert page.evaluate("window.__marker") == 1 and navigations == []

        # The archive, opened afresh: the transcript in order, no form.
        page.goto(url)
        answers = page.locator("#live-answered .qa")
        assert answers.count() == 2 and "在“文旅云”小程序领取" in answers.nth(0).inner_text()
        assert page.locator("#ask-form").count() == 0
        violations = axe_violations(page)
        assert not violations, readable(violations)

        page.goto(f"{base}/hudong/fangtan/")
        assert page.get_by_role("link", name=interview.title).count() == 1
        violations = axe_violations(page)
        assert not violations, readable(violations)

        assert not [m for m in problems if "Content Security Policy" in m or "Refused" in m], problems
        assert not [m for m in problems if "Uncaught" in m], problems
        context.close()

        # The console page of the interview, with a question in each queue.
        for n, state in enumerate((QuestionStatus.PENDING, QuestionStatus.APPROVED, QuestionStatus.REJECTED)):
            Question.objects.create(interview=interview, text=f"控制台问题{n}", status=state, seq=10 + n)
        interviews.submit_question(
            interview=Interview.objects.create(
                organization=staff.org,
                department=staff.dept,
                title="另一场",
                guests=GUEST,
                starts_at=timezone.now(),
                ends_at=timezone.now() + datetime.timedelta(hours=1),
                published=True,
                created_by=staff.editor,
            ),
            text="无关",
        )
        context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="zh-CN")
        page = context.new_page()
        page.goto(base + "/console/login/")
        page.get_by_label("用户名").fill(staff.editor.username)
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(base + "/console/")
        page.goto(f"{base}/console/participation/interviews/{interview.pk}/")
        assert page.locator("#pending p.prewrap").all_inner_texts() == ["控制台问题0"]
        assert page.locator("#approved p.prewrap").all_inner_texts() == ["控制台问题1"]
        assert page.locator("#rejected p.prewrap").all_inner_texts() == ["控制台问题2"]
        assert page.get_by_text("无关").count() == 0  # another interview's question
        page.screenshot(path=str(tmp_path / "console.png"), full_page=True)
        violations = axe_violations(page)
        assert not violations, readable(violations)
        context.close()
        browser.close()
        connection.close()
