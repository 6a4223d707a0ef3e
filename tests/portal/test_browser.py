"""The font-size switch and print button in a real browser (Debian's chromium through Playwright)."""

import pytest

from gongkai.portal.links import item_print_url, item_url
from tests.browser import launch, needs_chromium
from tests.factories import make_published, make_staff

pytestmark = needs_chromium


@pytest.fixture
def paths(transactional_db):
    """The item page and print view of a published item (built before the browser starts)."""
    item = make_published(make_staff())
    return item_url(item), item_print_url(item)


def test_font_size_switch_works_by_keyboard_and_is_remembered(paths, live_server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page()
        page.goto(live_server.url + paths[0])
        html = page.locator("html")
        assert html.get_attribute("data-font-size") == "medium"
        large = page.get_by_role("button", name="大")
        assert large.is_visible()
        large.focus()
        page.keyboard.press("Enter")
        assert html.get_attribute("data-font-size") == "large"
        assert large.get_attribute("aria-pressed") == "true"
        assert page.get_by_role("button", name="中").get_attribute("aria-pressed") == "false"
        body_size = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
        assert body_size == 20

        page.reload()
        assert page.locator("html").get_attribute("data-font-size") == "large"
        page.get_by_role("button", name="小").focus()
        page.keyboard.press(" ")
        assert page.locator("html").get_attribute("data-font-size") == "small"
        browser.close()


def test_print_view_shows_a_print_button(paths, live_server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page()
        page.goto(live_server.url + paths[1])
        button = page.get_by_role("button", name="打印")
        assert button.is_visible()
        page.evaluate("window.print = () => { window.__printed = true; }")
        button.click()
        assert page.evaluate("window.__printed") is True
        browser.close()
