"""统计监督 in a real browser: the charts draw under the Content-Security-Policy, a number leads to its
records, and axe-core finds no WCAG 2.1 AA violation (apart from test_oversight.py, whose module-wide
year lives in a transaction a live server could not see)."""

import os
import random

import pytest

from tests.browser import CHROMIUM, launch
from tests.factories import make_staff
from tests.reports.oversight_year import Year

DASHBOARD = "/console/reports/oversight/"


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (apt-get install chromium)")
def test_the_dashboard_draws_its_charts_in_a_browser(transactional_db, settings, live_server, tmp_path):
    """ECharts draws every non-empty figure under the Content-Security-Policy (no inline script), a number
    leads to its records, and axe-core finds no WCAG 2.1 AA violation on either page."""
    from playwright.sync_api import sync_playwright

    from tests.concerns.test_browser import DRAWN_PIXELS, _log_in
    from tests.portal.test_accessibility import axe_violations, readable

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    settings.AXES_LOCKOUT_CALLABLE = "gongkai.console.views.lockout"
    y = Year(make_staff())
    rng = random.Random(8)
    y.publications(rng)
    y.messages(rng)
    y.catalogue()
    base = live_server.url
    with sync_playwright() as p:
        browser = launch(p)
        context, page = _log_in(browser, base, y.staff.editor)
        problems = []
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
        page.get_by_role("link", name="统计监督", exact=True).click()
        page.wait_for_url(base + DASHBOARD)
        page.goto(base + DASHBOARD + "?start=2025-01-01&end=2025-12-31")
        for key in ("publications", "messages", "catalogue"):
            container = page.locator(f"#chart-{key}[data-chart-ready='true']")
            container.wait_for()
            canvas = container.locator("canvas").first
            assert canvas.bounding_box()["width"] > 300, key
            assert canvas.evaluate(DRAWN_PIXELS) > 1000, key
        assert page.locator("#chart-findings").count() == 0  # nothing to draw: the page says so instead
        page.screenshot(path=str(tmp_path / "oversight.png"), full_page=True)
        violations = axe_violations(page)
        assert not violations, readable(violations)

        page.locator("#table-messages tbody tr").first.locator("a").first.click()
        page.wait_for_url("**/console/reports/oversight/messages/**")
        assert page.locator("#drill-down tbody tr").count() >= 1
        violations = axe_violations(page)
        assert not violations, readable(violations)
        assert not [m for m in problems if "Content Security Policy" in m or "Refused" in m], problems
        assert not [m for m in problems if "Uncaught" in m or "Error" in m], problems
        context.close()
        browser.close()
