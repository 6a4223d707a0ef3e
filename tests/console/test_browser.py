"""The console in a real browser, by keyboard only (Debian's chromium through Playwright)."""

import re

import pytest

from gongkai.publishing import services
from gongkai.publishing.constants import TaskStatus
from gongkai.publishing.models import ReviewTask
from tests.browser import launch, needs_chromium
from tests.factories import PASSWORD, make_draft, make_staff

pytestmark = needs_chromium


@pytest.fixture
def pending(transactional_db, settings):
    settings.AXES_LOCKOUT_CALLABLE = "gongkai.console.views.lockout"
    staff = make_staff()
    item = make_draft(staff, title="键盘审核的通知")
    services.submit_for_review(user=staff.drafter, item=item)
    return staff, item


def test_a_reviewer_logs_in_and_approves_by_keyboard_alone(pending, live_server, tmp_path):
    from playwright.sync_api import sync_playwright

    staff, item = pending
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(live_server.url + "/console/")
        assert "/console/login/" in page.url

        # The login form starts in the user-name field.
        assert page.evaluate("document.activeElement.name") == "username"
        page.keyboard.type(staff.head.username)
        page.keyboard.press("Tab")
        page.keyboard.type(PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url(live_server.url + "/console/")

        # The first Tab reaches the skip link, which moves the focus to the main content.
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent.trim()") == "跳到主要内容"
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main"
        page.screenshot(path=str(tmp_path / "inbox.png"), full_page=True)

        link = page.locator("#review").get_by_role("link", name=re.compile("^审核.*键盘审核的通知"))
        link.focus()
        page.keyboard.press("Enter")
        page.wait_for_url(f"{live_server.url}/console/items/{item.pk}/review/")
        page.screenshot(path=str(tmp_path / "review.png"), full_page=True)

        page.get_by_label("审核意见(可不填,默认“同意”)").focus()
        page.keyboard.type("内容属实,同意发布")
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        page.wait_for_url(f"{live_server.url}/console/items/{item.pk}/")
        assert "已审核同意。" in page.locator(".messages").inner_text()
        page.screenshot(path=str(tmp_path / "item.png"), full_page=True)
        browser.close()

    task = ReviewTask.objects.get(revision__item=item, position=1)
    assert task.status == TaskStatus.APPROVED and task.opinion == "内容属实,同意发布"


def test_focus_is_always_visible(pending, live_server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page()
        page.goto(live_server.url + "/console/login/")
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert outline == "solid"
        browser.close()
