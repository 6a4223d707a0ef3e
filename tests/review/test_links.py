"""Links (issue 4 item 3): outbound links fetched concurrently with time-outs against a local HTTP server;
links to the platform's own unpublished items are blocking."""

import http.server
import threading
import time

import pytest

from gongkai.publishing import services
from gongkai.publishing.exceptions import WorkflowError
from gongkai.review import links
from tests.factories import make_draft, make_published, make_staff, review_through


class Handler(http.server.BaseHTTPRequestHandler):
    def do_HEAD(self):
        if self.path == "/slow":
            time.sleep(3)
        if self.path == "/no-head":
            self.send_response(405)
        elif self.path.startswith("/ok") or self.path == "/slow":
            self.send_response(200)
        else:
            self.send_response(404)
        self.end_headers()

    def do_GET(self):
        self.send_response(200 if self.path == "/no-head" else 404)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def server(settings):
    settings.GONGKAI_FETCH_ALLOW_PRIVATE = True  # the server is on 127.0.0.1; the guard: test_link_ssrf.py
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture
def staff(db):
    return make_staff()


def test_broken_links_are_warnings_working_ones_are_not(db, server, monkeypatch):
    monkeypatch.setattr(links, "TIMEOUT", 1.0)
    body = (
        f'<p><a href="{server}/ok">好</a> <a href="{server}/gone">坏</a> <a href="{server}/no-head">仅GET</a>'
        f' <a href="{server}/slow">慢</a> <a href="http://127.0.0.1:9/refused">拒绝</a> <a href="mailto:a@b.cn">邮件</a></p>'
    )
    started = time.perf_counter()
    problems = {p.url.rsplit("/", 1)[-1]: p for p in links.check_links(body)}
    assert time.perf_counter() - started < 2.5  # concurrently: the slow one does not hold up the rest
    assert set(problems) == {"gone", "slow", "refused"}
    assert problems["gone"].reason == "链接失效:返回 404"
    assert problems["slow"].reason == "链接失效:访问超时"
    assert all(p.severity == "warning" and p.detector == "broken_link" for p in problems.values())


def test_a_link_to_an_unpublished_item_is_blocking(staff, settings):
    settings.ALLOWED_HOSTS = ["wlj.sxjz.gov.cn", "testserver"]
    published = make_published(staff)
    draft = make_draft(staff, title="另一条")
    body = (
        f'<p><a href="/xxgk/items/{published.index_number}/">已发布</a>'
        f'<a href="https://wlj.sxjz.gov.cn/xxgk/items/jz/2099-99999/">未发布</a></p>'
    )
    item = make_draft(staff, body=body)
    services.submit_for_review(user=staff.drafter, item=item)  # the link check runs after commit
    links.check_revision(item.latest_revision)
    findings = list(item.latest_revision.findings.filter(category="link"))
    assert [(f.detector, f.severity) for f in findings] == [("unpublished_link", "blocking")]
    assert findings[0].matched.endswith("/xxgk/items/jz/2099-99999/")
    with pytest.raises(WorkflowError) as refused:
        review_through(staff, item)
    assert "2099-99999" in refused.value.reasons[0]
    assert not draft.is_public


def test_the_link_check_runs_after_the_submission_commits(staff, django_capture_on_commit_callbacks):
    item = make_draft(staff, body='<p><a href="/xxgk/items/jz/2099-00001/">未发布</a></p>')
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_for_review(user=staff.drafter, item=item)
    assert list(item.latest_revision.findings.filter(category="link").values_list("detector", flat=True)) == [
        "unpublished_link"
    ]
