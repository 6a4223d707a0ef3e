"""Issue 9, item 3 in a real browser: items whose title, summary, body and attachment names hold the XSS
payloads of tests/security/payloads.py are published through the workflow; the same payloads are typed
into the public forms (网民纠错, a consultation comment, a message, an interview question) and the search
box; then the public pages (item, print, list, search results) and the console pages that show them
(the item, the review page with a revision's diff, the report, comment, message, question and 舆情
pages) are opened in Chromium.

The Content-Security-Policy is turned into Content-Security-Policy-Report-Only for the test, so the
escaping alone must hold: a payload that became markup would run and set ``window.__pwned`` or open a
dialog. The report-only policy still reports every inline script or handler: any such violation fails
the test, as it fails the other browser tests.
"""

from __future__ import annotations

import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from django.urls import reverse

from gongkai.concerns.models import Mention
from gongkai.core import captcha
from gongkai.feedback.models import ErrorReport
from gongkai.participation.models import Message, Question
from gongkai.publishing import services as publishing
from gongkai.publishing.models import InformationItem
from tests.browser import launch, needs_chromium
from tests.factories import PASSWORD, make_draft, review_through
from tests.security import payloads as P
from tests.security.test_hostile_input import build_world

pytestmark = needs_chromium

ITEMS = 5
SHORT = '"><img src=x onerror=window.__pwned=1>'
# Set before any page script runs: CSP violations (report-only) are collected in the page.
WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(e.violatedDirective + " " + (e.blockedURI || "") + " " + (e.sample || ""));
});
"""


def fit(limit: int, payloads=P.XSS) -> str:
    """As many payloads as fit in `limit` characters, one a line."""
    out, size = [], 0
    for payload in payloads:
        if size + len(payload) + 1 > limit:
            break
        out.append(payload)
        size += len(payload) + 1
    return "\n".join(out)


def spread(i: int, offset: int, limit: int) -> str:
    """The payloads of item i in a field: every payload lands in every field across the items."""
    return " ".join(p for k, p in enumerate(P.XSS) if (k + offset) % ITEMS == i)[:limit]


@pytest.fixture
def world(transactional_db, settings):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    settings.AXES_LOCKOUT_CALLABLE = "gongkai.console.views.lockout"
    return build_world()


def publish_hostile_items(w) -> list[InformationItem]:
    a = w.a
    items = []
    for i in range(ITEMS):
        item = make_draft(
            a,
            title=spread(i, 0, 300),
            summary=spread(i, 1, 5000),
            body=spread(i, 2, 100_000),
            source=spread(i, 3, 120),
        )
        name = spread(i, 4, 150).replace('"', "'").replace("/", "_") + ".pdf"
        publishing.attach_file(user=a.drafter, item=item, upload=SimpleUploadedFile(name, w_pdf()))
        publishing.submit_for_review(user=a.drafter, item=item)
        review_through(a, item)
        items.append(publishing.publish(user=a.editor, item=InformationItem.objects.get(pk=item.pk)))
    return items


def w_pdf() -> bytes:
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=72, height=72)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def revised_in_review(w, item) -> InformationItem:
    """A published item revised with hostile text and sent to review: the review page shows the diff."""
    a = w.a
    publishing.start_revision(user=a.drafter, item=item)
    item = InformationItem.objects.get(pk=item.pk)
    publishing.update_draft(
        user=a.drafter,
        item=item,
        data={"title": fit(300), "body": fit(5000), "change_note": fit(2000)},
    )
    item = InformationItem.objects.get(pk=item.pk)
    publishing.submit_for_review(user=a.drafter, item=item)
    return item


def relaxed_policy(route):
    """The answer with its policy reported instead of enforced (escaping must hold without it)."""
    response = route.fetch()
    headers = dict(response.headers)
    policy = headers.pop("content-security-policy", None)
    if policy:
        headers["content-security-policy-report-only"] = policy
    route.fulfill(response=response, headers=headers)


class Watcher:
    def __init__(self, context):
        self.problems: list[str] = []
        context.add_init_script(WATCH)
        context.route("**/*", relaxed_policy)
        context.on("page", self.watch)

    def watch(self, page):
        page.on(
            "dialog", lambda d: (self.problems.append(f"dialog {d.message!r} on {page.url}"), d.dismiss())
        )
        page.on("pageerror", lambda e: self.problems.append(f"{page.url}: {e}"))

    def visit(self, page, url: str) -> None:
        response = page.goto(url)
        assert response is not None and response.status < 500, (url, response and response.status)
        page.wait_for_load_state("load")
        self.check(page)

    def check(self, page) -> None:
        state = page.evaluate("() => [window.__pwned, window.__violations]")
        if state[0] is not None:
            self.problems.append(f"window.__pwned set on {page.url}")
        self.problems += [f"CSP violation on {page.url}: {v}" for v in state[1]]


def solve(page) -> None:
    token = page.locator("input[name=captcha_token]").input_value()
    page.locator("input[name=captcha]").fill(captcha.code_for(captcha._nonce(token)))


def submit(watcher, page, url: str, fields: dict, checks=()) -> None:
    watcher.visit(page, url)
    form = page.locator("form", has=page.locator(f"[name={next(iter(fields))}]")).first
    for name, value in fields.items():
        form.locator(f"[name={name}]").fill(value)
    for selector in checks:
        form.locator(selector).check()
    solve(page)
    with page.expect_navigation():
        form.locator("button[type=submit]").first.click()
    watcher.check(page)


def staff_context(browser, base, user):
    """A context logged in through the login page, as the other browser tests do."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    page.goto(base + "/console/login/")
    page.locator("input[name=username]").fill(user.username)
    page.locator("input[name=password]").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    assert "/console/login/" not in page.url, page.url
    page.close()
    return context


def test_hostile_text_never_runs_in_the_browser(world, live_server):
    from playwright.sync_api import expect, sync_playwright

    w = world
    items = publish_hostile_items(w)
    review = revised_in_review(w, items[0])
    base = live_server.url
    with sync_playwright() as p:
        browser = launch(p)
        public = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="zh-CN")
        watcher = Watcher(public)
        page = public.new_page()

        # The public forms and the search box, typed into as a citizen would.
        item_path = f"/xxgk/items/{items[1].index_number}/"
        submit(
            watcher,
            page,
            f"{base}/xxgk/jiucuo/?page={item_path}",
            # The browser sends each line break as CRLF: 1950 characters stay within the 2000 limit.
            {"description": "文旅局\n" + fit(1950), "contact_name": SHORT, "contact": SHORT},
            ["input[name=category][value=wrong_content]"],
        )
        expect(page.locator("main")).to_contain_text("您的受理编号是")  # stored, not refused
        submit(
            watcher,
            page,
            f"{base}/hudong/zhengqiu/{w.consultation.pk}/",
            {"text": "文旅局\n" + fit(1990), "name": SHORT, "phone": "13812340000"},
            ["input[name=consent]"],
        )
        submit(
            watcher,
            page,
            f"{base}/hudong/liuyan/new/?org={w.a.org.code}",
            {"subject": fit(200), "text": "文旅局\n" + fit(2990), "name": SHORT, "phone": "13812340001"},
            ["input[name=kind][value=consult]", "input[name=consent]"],
        )
        submit(
            watcher,
            page,
            f"{base}/hudong/fangtan/{w.interview.pk}/",
            {"text": fit(500), "name": SHORT},
        )
        for query in (P.XSS[0], P.XSS[6], P.XSS[27], "pwned"):
            watcher.visit(page, f"{base}/xxgk/search/")
            box = page.locator("main form input[name=q]").first
            box.fill(query)
            with page.expect_navigation():
                box.press("Enter")
            watcher.check(page)
        assert page.locator("main").inner_text().count("pwned") > 0  # the search found the items

        # The public pages that show the items.
        for item in items:
            watcher.visit(page, f"{base}/xxgk/items/{item.index_number}/")
            watcher.visit(page, f"{base}/xxgk/items/{item.index_number}/print/")
        watcher.visit(page, f"{base}/xxgk/list/")
        assert "window.__pwned" in page.locator("main").inner_text()  # the titles, shown as text

        public.close()

        # The console pages that show them, for the people who read them.
        # What the public wrote is also a 舆情 mention (the world's monitoring rule matches 文旅局).
        # (By its text, not as the newest mention: the world's own mentions may be newer.)
        mentions = Mention.objects.filter(organization=w.a.org)
        mention = (
            mentions.filter(title__contains=P.MARKER) | mentions.filter(text__contains=P.MARKER)
        ).first()
        assert mention is not None, [m.title for m in mentions.order_by("-pk")[:5]]
        report = ErrorReport.objects.latest("pk")
        assert report.contact_name == SHORT and fit(1950).splitlines()[0] in report.description
        message = Message.objects.latest("pk")
        question = Question.objects.latest("pk")
        assert fit(500).splitlines()[0] in question.text
        # Queries made inside Playwright's sync API run on a connection of their own (another greenlet's
        # context): closed here, or PostgreSQL cannot drop the test database at the end.
        connections.close_all()
        pages = {
            w.a.editor: [
                reverse("console:items"),
                reverse("console:item", args=[items[1].pk]),
                reverse("feedback_console:detail", args=[report.pk]),
                reverse("participation_console:message_detail", args=[message.pk]),
                reverse("participation_console:message_list"),
                reverse("participation_console:interview_console_detail", args=[w.interview.pk]),
                reverse("concerns:cases"),
                reverse("concerns:mentions"),
                reverse("concerns:mention", args=[mention.pk]),
                *([reverse("concerns:case", args=[mention.case_id])] if mention.case_id else []),
                reverse("console:inbox"),
            ],
            w.a.drafter: [
                reverse("participation_console:consultation_detail", args=[w.consultation.pk]),
                reverse("console:item", args=[review.pk]),
            ],
            w.a.head: [reverse("console:review", args=[review.pk]), reverse("console:notifications")],
        }
        for user, urls in pages.items():
            context = staff_context(browser, base, user)
            staff_watcher = Watcher(context)
            staff_page = context.new_page()
            for url in urls:
                staff_watcher.visit(staff_page, base + url)
                assert "/console/login/" not in staff_page.url, url
            watcher.problems += staff_watcher.problems
            context.close()
        browser.close()
    assert not watcher.problems, "\n".join(watcher.problems)
