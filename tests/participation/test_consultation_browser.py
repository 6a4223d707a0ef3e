"""Issue 7 item 6 in a real browser: a citizen comments on a chosen article of an open consultation (the
“对此条提意见” link picks it in the form), sees the thanks page; after the close date the form is refused
with a clear message (even one filled in before); the staff classify and publish the feedback, and the
citizen reads the feedback report from the consultation page. axe-core finds no WCAG 2.1 AA violation on
the consultation page, open and after the feedback."""

import datetime
import os
import re

import pytest
from django.db import connection
from django.utils import timezone

from gongkai.core import captcha
from gongkai.participation import consultations
from gongkai.participation.constants import ConsultationStatus, Disposition
from gongkai.participation.models import Comment, Consultation
from tests.browser import launch, needs_chromium
from tests.factories import make_staff
from tests.participation.test_consultations import fresh, make_open, publish_item
from tests.portal.test_accessibility import axe_violations, readable

pytestmark = needs_chromium


@pytest.fixture
def staff(transactional_db, settings):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    settings.AXES_LOCKOUT_CALLABLE = "gongkai.console.views.lockout"
    return make_staff()


def _solve_captcha(page) -> None:
    token = page.locator("input[name='captcha_token']").input_value()
    page.get_by_label("验证码").fill(captcha.code_for(captcha._nonce(token)))


def _fill(page, text: str) -> None:
    page.get_by_label("意见内容").fill(text)
    page.get_by_label("姓名").fill("张三丰")
    page.get_by_label("联系电话").fill("13812341234")
    page.get_by_label("我已阅读并同意上述个人信息告知").check()
    _solve_captcha(page)


def test_a_citizen_comments_and_later_reads_the_feedback(staff, live_server, tmp_path):
    from playwright.sync_api import sync_playwright

    consultation = make_open(staff)
    base = live_server.url
    url = f"{base}/hudong/zhengqiu/{consultation.pk}/"
    with sync_playwright() as p:
        browser = launch(p)
        context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="zh-CN")
        page = context.new_page()
        problems = []
        page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda error: problems.append(str(error)))

        # From the site's navigation to the consultation.
        page.goto(base + "/xxgk/")
        page.get_by_role("link", name="互动交流").click()
        page.wait_for_url(base + "/hudong/")
        page.get_by_role("link", name=consultation.title).click()
        page.wait_for_url(url)
        assert page.get_by_role("heading", name="起草说明").count() == 1
        page.screenshot(path=str(tmp_path / "consultation.png"), full_page=True)
        violations = axe_violations(page)
        assert not violations, readable(violations)

        # “对此条提意见” next to 第三条 picks it in the form without a reload (what is typed stays).
        page.get_by_label("意见内容").fill("草稿")
        page.locator("#a3").get_by_role("link", name="对此条提意见").click()
        assert page.get_by_label("意见针对").input_value() == "a3"
        assert page.get_by_label("意见内容").input_value() == "草稿"
        _fill(page, "建议第三条增加对老年人、学生的门票优惠。")
        page.get_by_role("button", name="提交意见").click()
        page.wait_for_url(re.compile(re.escape(f"{url}thanks/") + "(#.*)?$"))
        assert page.get_by_text("感谢您对《晋中市A级旅游景区管理办法》提出意见。").count() == 1
        page.screenshot(path=str(tmp_path / "thanks.png"), full_page=True)
        saved = Comment.objects.get()
        assert saved.anchor == "a3" and saved.anchor_label.startswith("第三条")

        # Another citizen fills the form in before the close and sends it after.
        late = context.new_page()
        late.goto(url)
        _fill(late, "截止后才提交的意见。")
        Consultation.objects.filter(pk=consultation.pk).update(
            opens_on=timezone.localdate() - datetime.timedelta(days=30),
            closes_on=timezone.localdate() - datetime.timedelta(days=1),
        )
        last = fresh(consultation).closes_on
        message = f"本次征求意见已于{last.year}年{last.month}月{last.day}日截止,不再接收意见。"
        late.get_by_role("button", name="提交意见").click()
        late.wait_for_load_state()
        assert late.get_by_role("alert").filter(has_text=message).count() == 1
        assert late.get_by_label("您填写的内容(未提交,可复制保存):").input_value() == "截止后才提交的意见。"
        late.close()
        page.goto(url)
        assert page.get_by_text(message).count() == 1
        assert page.get_by_role("button", name="提交意见").count() == 0
        assert Comment.objects.count() == 1

        # The staff close, classify and publish the feedback (the workflow itself is tested elsewhere).
        assert consultations.advance_states() == 1
        consultations.classify_comment(
            user=staff.drafter, comment=saved, disposition=Disposition.PARTLY, reason="增加学生优惠。"
        )
        consultations.save_feedback_summary(
            user=staff.drafter, consultation=fresh(consultation), summary="采纳了关于学生门票优惠的意见。"
        )
        report = consultations.generate_feedback_report(user=staff.drafter, consultation=fresh(consultation))
        publish_item(staff, report)
        assert fresh(consultation).status == ConsultationStatus.FEEDBACK_PUBLISHED  # by the receiver

        # The citizen comes back and reads the report.
        page.goto(url)
        assert page.get_by_text("已公布采纳情况").count() >= 1
        page.screenshot(path=str(tmp_path / "closed.png"), full_page=True)
        violations = axe_violations(page)
        assert not violations, readable(violations)
        page.get_by_role(
            "link", name="关于《晋中市A级旅游景区管理办法(征求意见稿)》公开征求意见采纳情况的反馈"
        ).click()
        page.wait_for_url("**/xxgk/items/**")
        body = page.locator(".article-body")
        assert "部分采纳" in body.inner_text() and "采纳了关于学生门票优惠的意见。" in body.inner_text()
        assert "张三丰" not in page.content()
        page.screenshot(path=str(tmp_path / "report.png"), full_page=True)

        assert not [m for m in problems if "Content Security Policy" in m or "Refused" in m], problems
        assert not [m for m in problems if "Uncaught" in m], problems
        context.close()
        browser.close()
        connection.close()
