"""WCAG 2.1 AA on the public pages (issue 3 item 5, 适老化): axe-core finds no violations on the platform's
home, the list page, an item page, the search page and the 网民纠错 form, in the normal and the high-contrast mode; the
high-contrast mode is switched by keyboard and remembered.

axe-core is vendored in tests/vendor (MPL-2.0). The pages' strict Content-Security-Policy forbids inline
scripts, so axe is not injected as an inline <script>: it is evaluated through the DevTools protocol
(`page.evaluate`), which the page's CSP does not govern."""

from pathlib import Path

import pytest

from gongkai.portal.links import item_url
from gongkai.search.models import SearchText
from tests.browser import launch, needs_chromium
from tests.factories import CatalogueEntryFactory, make_published, make_staff

pytestmark = needs_chromium

AXE_SOURCE = (Path(__file__).resolve().parent.parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
WCAG_AA_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_RUN = """tags => axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]})
    .then(results => results.violations.map(v => ({
        id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary})),
    })))"""


@pytest.fixture
def pages(transactional_db):
    """The public pages to check, built before the browser and live server start."""
    staff = make_staff()
    heading = CatalogueEntryFactory(organization=staff.org, code="zcwj", name="政策文件", ordering=1)
    staff.entry.parent = heading
    staff.entry.name = "规范性文件"
    staff.entry.save()
    item = make_published(staff, title="关于开展2026年非物质文化遗产展演活动的通知")
    for n in range(21):  # enough for the pagination links
        make_published(staff, title=f"文化和旅游工作动态第{n:02d}期")
    assert SearchText.objects.filter(item=item).exists()  # indexed after each commit
    return {
        "home": "/xxgk/",
        "list": "/xxgk/list/?catalogue=zcwj",
        "item": item_url(item),
        "jiucuo": "/xxgk/jiucuo/?page=/xxgk/",
        "search": "/xxgk/search/?q=文化和旅游",  # 22 hits: results, facets and pagination
        "search-empty": "/xxgk/search/?q=不存在的词语",
    }


def axe_violations(page) -> list[dict]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE)
    return page.evaluate(AXE_RUN, WCAG_AA_TAGS)


def readable(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']}")
        for node in violation["nodes"]:
            summary = " / ".join(node["summary"].splitlines())
            lines.append(f"    {node['target']}: {summary}")
    return "\n".join(lines)


def check_all(page, base_url: str, paths: dict) -> dict:
    found = {}
    for name, path in paths.items():
        response = page.goto(base_url + path)
        assert response.status == 200, (name, path, response.status)
        page.wait_for_load_state("load")
        violations = axe_violations(page)
        if violations:
            found[f"{name} {path}"] = readable(violations)
    return found


def test_public_pages_have_no_wcag_21_aa_violations(pages, live_server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page()
        found = check_all(page, live_server.url, pages)
        browser.close()
    assert not found, "\n\n".join(f"{name}\n{report}" for name, report in found.items())


def test_public_pages_have_no_wcag_21_aa_violations_in_large_text_and_high_contrast(pages, live_server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page()
        page.goto(live_server.url + pages["home"])
        page.get_by_role("button", name="大").click()
        page.get_by_role("button", name="高对比度").click()
        found = check_all(page, live_server.url, pages)
        assert page.locator("html").get_attribute("data-font-size") == "large"
        assert "high-contrast" in (page.locator("html").get_attribute("class") or "")
        browser.close()
    assert not found, "\n\n".join(f"{name}\n{report}" for name, report in found.items())


def test_high_contrast_mode_is_switched_by_keyboard_and_remembered(pages, live_server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page()
        page.goto(live_server.url + pages["item"])
        html = page.locator("html")
        toggle = page.get_by_role("button", name="高对比度")
        assert toggle.is_visible()
        assert toggle.get_attribute("aria-pressed") == "false"
        assert "high-contrast" not in (html.get_attribute("class") or "")

        # Reach the toggle with Tab from the top of the page, as a keyboard user does.
        page.locator("body").focus()
        for _ in range(40):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.textContent.trim()") == "高对比度":
                break
        else:
            pytest.fail("the high-contrast toggle cannot be reached with Tab")
        page.keyboard.press("Enter")
        assert "high-contrast" in html.get_attribute("class")
        assert toggle.get_attribute("aria-pressed") == "true"
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == "rgb(0, 0, 0)"
        # the focus stays visible on the toggle: an outline in high contrast
        outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert outline != "none"

        page.reload()
        html = page.locator("html")
        assert "high-contrast" in html.get_attribute("class")
        assert page.get_by_role("button", name="高对比度").get_attribute("aria-pressed") == "true"
        # other public pages follow the setting
        page.goto(live_server.url + pages["home"])
        assert "high-contrast" in page.locator("html").get_attribute("class")

        # and Space switches it off again
        toggle = page.get_by_role("button", name="高对比度")
        toggle.focus()
        page.keyboard.press(" ")
        assert "high-contrast" not in (page.locator("html").get_attribute("class") or "")
        assert toggle.get_attribute("aria-pressed") == "false"
        page.reload()
        assert "high-contrast" not in (page.locator("html").get_attribute("class") or "")
        browser.close()
