"""Issue 6 in a real browser: a monitor logs in, the dashboard draws its three charts (ECharts on canvas,
under the Content-Security-Policy: no inline script, no violation), and a case page shows its clocks;
axe-core finds no WCAG 2.1 AA violation on either page."""

import datetime
import os

import pytest
from django.utils import timezone

from gongkai.concerns import services
from gongkai.concerns.constants import Channel, Severity
from gongkai.concerns.models import Mention
from tests.browser import launch, needs_chromium
from tests.factories import PASSWORD, make_staff
from tests.portal.test_accessibility import axe_violations, readable

pytestmark = needs_chromium

# Pixels of a canvas that are drawn (not transparent): a chart that drew nothing has none.
DRAWN_PIXELS = """(canvas) => {
  const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let drawn = 0;
  for (let i = 3; i < data.length; i += 4) { if (data[i] !== 0) drawn++; }
  return drawn;
}"""


@pytest.fixture
def staff(transactional_db, settings):
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


def test_the_dashboard_draws_its_charts_and_the_case_shows_its_clocks(staff, live_server, tmp_path):
    from playwright.sync_api import sync_playwright

    now = timezone.now()
    for days, channel in ((0, Channel.FEED), (1, Channel.FEED), (1, Channel.MANUAL), (3, Channel.WEB)):
        Mention.objects.create(
            organization=staff.org,
            channel=channel,
            title="景区排队",
            content_hash=f"{days}-{channel}",
            detected_at=now - datetime.timedelta(days=days),
        )
    case = services.open_case(
        organization=staff.org,
        title="景区踩踏传言",
        detected_at=now - datetime.timedelta(hours=3),
        severity=Severity.MAJOR,
        department=staff.dept,
    )

    base = live_server.url
    with sync_playwright() as p:
        browser = launch(p)
        context, page = _log_in(browser, base, staff.monitor)
        problems = []
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)

        # The header link leads to the concerns pages; the inbox lists the running clocks.
        assert page.locator("#concern-clocks").get_by_text("景区踩踏传言").count() == 2
        page.get_by_role("link", name="舆情", exact=True).click()
        page.wait_for_url(base + "/console/concerns/")
        page.get_by_role("link", name="统计看板").click()
        page.wait_for_url(base + "/console/concerns/dashboard/")
        for chart in ("chart-volume", "chart-severity", "chart-compliance"):
            container = page.locator(f"#{chart}[data-chart-ready='true']")
            container.wait_for()
            canvas = container.locator("canvas").first
            assert canvas.bounding_box()["width"] > 300 and canvas.bounding_box()["height"] > 150
            assert canvas.evaluate(DRAWN_PIXELS) > 1000, chart
            # ECharts' aria description replaces the fallback label (in Chinese, from the data).
            assert container.get_attribute("aria-label")
        assert page.locator("#table-severity").get_by_text("重大", exact=True).count() == 1
        page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
        violations = axe_violations(page)
        assert not violations, readable(violations)

        page.goto(f"{base}/console/concerns/cases/{case.pk}/")
        clocks = page.locator("#clocks .clock")
        assert clocks.count() == 2
        assert "发布权威信息" in clocks.nth(0).inner_text() and "剩余" in clocks.nth(0).inner_text()
        assert "举行新闻发布会" in clocks.nth(1).inner_text()
        # Past half of the 5-hour limit: the near colour, and the words.
        assert "clock--near" in clocks.nth(0).get_attribute("class")
        page.locator("#clocks").screenshot(path=str(tmp_path / "clocks.png"))
        page.screenshot(path=str(tmp_path / "case.png"), full_page=True)
        violations = axe_violations(page)
        assert not violations, readable(violations)

        assert not [m for m in problems if "Content Security Policy" in m or "Refused" in m], problems
        assert not [m for m in problems if "Uncaught" in m or "Error" in m], problems
        context.close()
        browser.close()
