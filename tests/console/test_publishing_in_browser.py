"""Issue 2's browser test: different people take an item from draft to published, in a real browser.

The drafter writes the item and attaches a file; the lead department's head, the confidentiality
reviewer, the office and the leader each approve on the review screen; an office editor publishes; a
citizen then reads it on the disclosure platform and downloads the attachment.
"""

import io
import os
from pathlib import Path

import pytest
from django.db import connection

from gongkai.publishing.models import InformationItem
from tests.browser import launch, needs_chromium
from tests.factories import PASSWORD, make_staff

pytestmark = needs_chromium

TITLE = "关于开展2026年冬季文化惠民演出活动的通知"


def _pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture
def staff(transactional_db, settings):
    # Playwright's sync API runs an event loop in this thread; the ORM calls in the test are synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    settings.AXES_LOCKOUT_CALLABLE = "gongkai.console.views.lockout"
    return make_staff()


def _log_in(browser, base, user):
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    page.goto(base + "/console/login/")
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(base + "/console/")
    return context, page


def _approve_from_inbox(browser, base, user, item, opinion):
    context, page = _log_in(browser, base, user)
    page.locator("#review").locator(f"a[href='/console/items/{item.pk}/review/']").click()
    page.wait_for_url("**/review/")
    page.get_by_label("审核意见(可不填,默认“同意”)").fill(opinion)
    boxes = page.locator('input[name="bottom_lines"]')  # the office step: the seven bottom lines
    for n in range(boxes.count()):
        boxes.nth(n).check()
    page.locator("#decision").get_by_role("button", name="同意").click()
    page.wait_for_load_state()
    context.close()


def test_two_people_and_more_take_an_item_from_draft_to_published(staff, live_server, tmp_path):
    from playwright.sync_api import sync_playwright

    base = live_server.url
    pdf = tmp_path / "演出安排.pdf"
    pdf.write_bytes(_pdf())
    with sync_playwright() as p:
        browser = launch(p)

        # The drafter writes the item.
        context, page = _log_in(browser, base, staff.drafter)
        page.goto(base + "/console/items/new/")
        page.get_by_label("标题").fill(TITLE)
        page.get_by_label("文号").fill("市文旅发〔2026〕48号")
        page.get_by_label("牵头(制作)科室").select_option(label=staff.dept.name)
        page.get_by_label("成文日期").fill("2026-11-20")
        page.get_by_label("所属主题").select_option(label=staff.topic.name)
        page.get_by_label("目录分类").select_option(label=staff.entry.name)
        page.get_by_label("内容概述").fill("冬季文化惠民演出的时间、地点和参与方式。")
        page.get_by_label("正文", exact=True).fill(
            "<p>各县(区、市)文化和旅游局:</p><p>现将有关事项通知如下。</p>"
        )
        page.get_by_label("来源").fill("艺术科")
        page.get_by_role("button", name="保存草稿").click()
        page.wait_for_url("**/console/items/*/")
        item = InformationItem.objects.get(revisions__title=TITLE)

        page.locator("input[type=file]").set_input_files(str(pdf))
        page.get_by_role("button", name="上传", exact=True).click()
        page.wait_for_load_state()
        assert page.get_by_text("演出安排.pdf").count() >= 1
        page.get_by_role("button", name="提交审核").click()
        page.wait_for_load_state()
        page.screenshot(path=str(tmp_path / "submitted.png"), full_page=True)
        context.close()

        # Each step of the chain, by the right person, from their own inbox.
        for person, opinion in (
            (staff.head, "内容属实,同意公开。"),
            (staff.secrecy, "不涉密,同意。"),
            (staff.editor2, "格式规范,同意。"),
            (staff.leader, "同意发布。"),
        ):
            _approve_from_inbox(browser, base, person, item, opinion)

        # An office editor publishes.
        context, page = _log_in(browser, base, staff.editor)
        page.goto(f"{base}/console/items/{item.pk}/")
        page.get_by_role("button", name="发布", exact=True).click()
        page.wait_for_load_state()
        context.close()

        item.refresh_from_db()
        assert item.status == "published"
        assert item.index_number == f"{staff.org.code}/2026-00001"

        # A citizen reads it and downloads the attachment.
        context = browser.new_context(locale="zh-CN", accept_downloads=True)
        page = context.new_page()
        page.goto(f"{base}/xxgk/items/{item.index_number}/")
        assert page.locator("h1").first.inner_text().strip() == TITLE
        for text in (item.index_number, "市文旅发〔2026〕48号", staff.topic.name, "有效"):
            assert page.get_by_text(text).count() >= 1
        with page.expect_download() as download:
            page.get_by_role("link", name="演出安排.pdf").click()
        assert download.value.suggested_filename == "演出安排.pdf"
        assert Path(download.value.path()).read_bytes() == pdf.read_bytes()  # waits for the whole file
        page.screenshot(path=str(tmp_path / "public.png"), full_page=True)
        context.close()
        browser.close()
        # Inside Playwright's greenlet the ORM got a connection of its own (connections are context-local).
        connection.close()
    actions = [e.action for e in item_events(item)]
    assert actions.count("publishing.review.approved") == 4
    assert actions[-1] == "publishing.item.published"


def item_events(item):
    from gongkai.audit.selectors import events_for

    return list(events_for(item))
