"""Notifications of 舆情 (issue 6 item 8): console, e-mail, and WeCom / DingTalk group robots, the robots
played by a local HTTP server that records what it is sent."""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.server
import json
import threading
import time
from urllib.parse import parse_qs, quote_plus, urlsplit

import pytest
from django.core import mail
from django.db import transaction
from huey.contrib.djhuey import HUEY

from gongkai.concerns import notify
from gongkai.concerns.constants import WebhookKind
from gongkai.concerns.models import OutboundMessage, Policy, Webhook
from gongkai.console.models import Notification
from tests.factories import make_staff
from tests.orgs.factories import OrganizationFactory


class RobotServer:
    """Replies like a group robot; the path chooses the reply. Every request is kept in `requests`."""

    def __init__(self):
        self.requests: list[dict] = []
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                parts = urlsplit(self.path)
                owner.requests.append(
                    {
                        "path": parts.path,
                        "query": parts.query,
                        "content_type": self.headers.get("Content-Type", ""),
                        "body": json.loads(raw.decode("utf-8")),
                    }
                )
                if parts.path == "/slow":
                    time.sleep(1.5)
                if parts.path == "/broken":
                    self._reply(500, b"Internal Server Error", "text/plain")
                elif parts.path == "/html":
                    self._reply(200, b"<html>login</html>", "text/html")
                elif parts.path == "/bad":
                    self._json({"errcode": 310000, "errmsg": "sign not match"})
                else:
                    self._json({"errcode": 0, "errmsg": "ok"})

            def _json(self, data):
                self._reply(200, json.dumps(data).encode(), "application/json")

            def _reply(self, status, body, content_type):
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (time-out test)
                    pass

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def bodies(self, path: str) -> list[dict]:
        return [r["body"] for r in self.requests if r["path"] == path]


@pytest.fixture
def robots(settings):
    settings.GONGKAI_FETCH_ALLOW_PRIVATE = True  # the robots are on 127.0.0.1; the guard: test_ssrf.py
    server = RobotServer()
    thread = threading.Thread(target=server.httpd.serve_forever, daemon=True)
    thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


@pytest.fixture
def org(db):
    return OrganizationFactory(name="市文化和旅游局")


def hook(org, url, kind=WebhookKind.WECOM, **kwargs) -> Webhook:
    return Webhook.objects.create(organization=org, name=f"{kind}机器人", kind=kind, url=url, **kwargs)


def expected_sign(secret: str, timestamp: str) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


# --- the robots' formats -----------------------------------------------------------------------------


def test_wecom_gets_markdown_content_with_an_absolute_link(org, robots, settings):
    settings.GONGKAI_SITE_URL = "https://gk.example.cn/"
    webhook = hook(org, f"{robots.url}/wecom?key=abc-123")
    sent = notify.send_webhook(
        webhook, title="景区排队投诉", text="游客反映排队三小时\n要求退票", url="/console/concerns/cases/7/"
    )
    assert sent is True
    [request] = robots.requests
    assert request["path"] == "/wecom"
    assert parse_qs(request["query"]) == {"key": ["abc-123"]}
    assert request["content_type"].startswith("application/json")
    assert request["body"] == {
        "msgtype": "markdown",
        "markdown": {
            "content": "**景区排队投诉**\n\n游客反映排队三小时\n\n要求退票\n\n"
            "[查看详情](https://gk.example.cn/console/concerns/cases/7/)"
        },
    }
    webhook.refresh_from_db()
    assert webhook.last_error == ""


def test_dingtalk_gets_title_and_text_and_a_valid_signature(org, robots, settings):
    settings.GONGKAI_SITE_URL = ""  # no site address: the path is written out, not linked
    secret = "SEC0123456789abcdef+/="
    webhook = hook(org, f"{robots.url}/ding?access_token=tok", WebhookKind.DINGTALK, secret=secret)
    before = int(time.time() * 1000)
    assert notify.send_webhook(
        webhook, title="演出取消", text="网民质疑退票", url="/console/concerns/cases/9/"
    )
    after = int(time.time() * 1000)

    [request] = robots.requests
    assert request["body"] == {
        "msgtype": "markdown",
        "markdown": {
            "title": "演出取消",
            "text": "**演出取消**\n\n网民质疑退票\n\n查看详情:/console/concerns/cases/9/",
        },
    }
    query = parse_qs(request["query"])
    assert set(query) == {"access_token", "timestamp", "sign"}
    assert query["access_token"] == ["tok"]
    [timestamp] = query["timestamp"]
    assert before <= int(timestamp) <= after  # milliseconds
    assert query["sign"] == [expected_sign(secret, timestamp)]
    # the signature travels url-encoded ("+", "/" and "=" of base64 escaped), as DingTalk requires
    raw_sign = request["query"].split("sign=", 1)[1]
    assert raw_sign == quote_plus(expected_sign(secret, timestamp))


def test_dingtalk_without_secret_is_not_signed_and_urgent_is_marked(org, robots):
    webhook = hook(org, f"{robots.url}/ding?access_token=tok", WebhookKind.DINGTALK)
    assert notify.send_webhook(webhook, title="踩踏风险", text="人流密集", url="", urgent=True)
    [request] = robots.requests
    assert parse_qs(request["query"]) == {"access_token": ["tok"]}
    assert request["body"]["markdown"] == {
        "title": "【紧急】踩踏风险",
        "text": "**【紧急】踩踏风险**\n\n人流密集",
    }


def test_outside_text_cannot_make_links_or_html_in_the_robot_message(org, robots):
    webhook = hook(org, f"{robots.url}/wecom")
    notify.send_webhook(
        webhook, title="[点我](http://evil.example)", text='<font color="warning">假</font> **粗**', url=""
    )
    content = robots.requests[0]["body"]["markdown"]["content"]
    assert "](" not in content and "<font" not in content and "**粗**" not in content
    assert "点我" in content and "假" in content


def test_long_text_is_cut_to_4096_bytes_keeping_the_link(org, robots, settings):
    settings.GONGKAI_SITE_URL = "https://gk.example.cn"
    webhook = hook(org, f"{robots.url}/wecom")
    text = "舆情内容" * 2000 + "结尾不应出现"
    notify.send_webhook(webhook, title="长文本", text=text, url="/console/concerns/cases/1/")
    content = robots.requests[0]["body"]["markdown"]["content"]
    assert len(content.encode("utf-8")) <= 4096
    assert len(content.encode("utf-8")) > 4000  # cut, not dropped
    assert content.startswith("**长文本**\n\n舆情内容")
    assert content.endswith("…\n\n[查看详情](https://gk.example.cn/console/concerns/cases/1/)")
    assert "结尾不应出现" not in content


def test_truncate_utf8_never_splits_a_character():
    assert notify.truncate_utf8("短", 10) == "短"
    for limit in range(3, 20):
        cut = notify.truncate_utf8("政务舆情回应" * 3, limit)
        assert len(cut.encode("utf-8")) <= limit
        assert cut.endswith("…")
    assert notify.truncate_utf8("ab政务", 7) == "ab…"  # 2 + 3 bytes of "…"; "政" would not fit whole


# --- failures are recorded, never raised -------------------------------------------------------------


def test_a_non_zero_errcode_is_recorded_and_cleared_by_the_next_success(org, robots):
    webhook = hook(org, f"{robots.url}/bad", WebhookKind.DINGTALK, secret="s")
    assert notify.send_webhook(webhook, title="标题", text="内容", url="") is False
    webhook.refresh_from_db()
    assert "发送失败" in webhook.last_error
    assert "钉钉群机器人返回错误 310000:sign not match" in webhook.last_error

    webhook.url = f"{robots.url}/ding"
    webhook.save()
    assert notify.send_webhook(webhook, title="标题", text="内容", url="") is True
    webhook.refresh_from_db()
    assert webhook.last_error == ""


def test_a_timeout_is_recorded_quickly(org, robots, monkeypatch):
    monkeypatch.setattr(notify, "TIMEOUT", 0.3)
    webhook = hook(org, f"{robots.url}/slow")
    started = time.perf_counter()
    assert notify.send_webhook(webhook, title="标题", text="内容", url="") is False
    assert time.perf_counter() - started < 1.2
    webhook.refresh_from_db()
    assert "企业微信群机器人在 0.3 秒内没有响应(超时)" in webhook.last_error


@pytest.mark.parametrize(
    ("path", "reason"),
    [("/broken", "企业微信群机器人返回 HTTP 500"), ("/html", "企业微信群机器人的回复无法识别")],
)
def test_http_errors_and_unreadable_replies_are_recorded(org, robots, path, reason):
    webhook = hook(org, f"{robots.url}{path}")
    assert notify.send_webhook(webhook, title="标题", text="内容", url="") is False
    webhook.refresh_from_db()
    assert reason in webhook.last_error


def test_a_refused_connection_is_recorded(org, robots):
    robots.httpd.shutdown()
    robots.httpd.server_close()  # nothing listens on the port any more
    webhook = hook(org, robots.url + "/wecom")
    assert notify.send_webhook(webhook, title="标题", text="内容", url="") is False
    webhook.refresh_from_db()
    assert "无法连接企业微信群机器人" in webhook.last_error


# --- announce ----------------------------------------------------------------------------------------


@pytest.fixture
def staff(org):
    staff = make_staff(org)
    for user, address in ((staff.head, "head@example.cn"), (staff.editor, "editor@example.cn")):
        user.email = address
        user.save()
    Policy.objects.create(
        organization=org,
        notify_emails="leader@example.cn\n不是邮箱\n\nHEAD@example.cn\n  office@example.cn  ",
    )
    return staff


def test_announce_reaches_console_mail_and_every_active_robot_after_commit(
    staff, robots, settings, django_capture_on_commit_callbacks
):
    settings.GONGKAI_SITE_URL = "https://gk.example.cn"
    org = staff.org
    hook(org, f"{robots.url}/wecom")
    hook(org, f"{robots.url}/ding", WebhookKind.DINGTALK, secret="k")
    hook(org, f"{robots.url}/off", active=False)
    hook(OrganizationFactory(), f"{robots.url}/other-org")
    staff.drafter.email = ""  # no address: console only
    staff.drafter.save()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notify.announce(
            org,
            kind="concerns.case_opened",
            title="重大舆情:景区踩踏传言",
            text="多个平台转发\n需 5 小时内发布权威信息",
            url="/console/concerns/cases/3/",
            recipients=[staff.head, staff.editor, staff.drafter, staff.head, None],
            urgent=True,
        )
        # nothing has left yet: only the console notifications exist inside the transaction
        assert robots.requests == [] and mail.outbox == []
        rows = list(Notification.objects.filter(organization=org).order_by("recipient_id"))
        assert [row.recipient for row in rows] == sorted(
            [staff.head, staff.editor, staff.drafter], key=lambda user: user.pk
        )
        assert {row.message for row in rows} == {
            "【紧急】重大舆情:景区踩踏传言:多个平台转发 需 5 小时内发布权威信息"
        }
        assert {(row.kind, row.url) for row in rows} == {
            ("concerns.case_opened", "/console/concerns/cases/3/")
        }
    assert len(callbacks) == 1

    assert sorted(message.to[0] for message in mail.outbox) == [
        "editor@example.cn",
        "head@example.cn",
        "leader@example.cn",
        "office@example.cn",
    ]
    assert all(len(message.to) == 1 for message in mail.outbox)  # one message each: no one sees the others
    message = mail.outbox[0]
    assert message.subject == "【紧急】【政务舆情】重大舆情:景区踩踏传言"
    assert "市文化和旅游局" in message.body
    assert "需 5 小时内发布权威信息" in message.body
    assert "查看详情:https://gk.example.cn/console/concerns/cases/3/" in message.body

    assert sorted(r["path"] for r in robots.requests) == ["/ding", "/wecom"]
    assert robots.bodies("/wecom")[0]["markdown"]["content"].startswith("**【紧急】重大舆情:景区踩踏传言**")
    assert robots.bodies("/ding")[0]["markdown"]["title"] == "【紧急】重大舆情:景区踩踏传言"


def test_nothing_leaves_when_the_change_is_rolled_back(staff, robots, django_capture_on_commit_callbacks):
    hook(staff.org, f"{robots.url}/wecom")
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notify.announce(
            staff.org, kind="concerns.alert_raised", title="突增", text="", recipients=[staff.head]
        )
        assert Notification.objects.filter(recipient=staff.head).count() == 1
        raise RuntimeError("the change failed")
    assert callbacks == []
    assert Notification.objects.filter(recipient=staff.head).count() == 0
    assert mail.outbox == []
    assert robots.requests == []


def test_a_failing_robot_neither_raises_nor_stops_the_others_and_is_retried(
    staff, robots, django_capture_on_commit_callbacks
):
    bad = hook(staff.org, f"{robots.url}/bad", WebhookKind.DINGTALK)
    hook(staff.org, f"{robots.url}/wecom")
    scheduled_before = len(HUEY.scheduled())
    try:
        with django_capture_on_commit_callbacks(execute=True):
            notify.announce(staff.org, kind="concerns.alert_raised", title="突增", text="一小时 40 条")
        assert sorted(r["path"] for r in robots.requests) == ["/bad", "/wecom"]
        bad.refresh_from_db()
        assert "310000" in bad.last_error
        assert len(mail.outbox) == 3  # the policy's addresses (no recipients given)
        # the failed delivery (its outbox row, by id) is scheduled again (retries=2, after RETRY_DELAY);
        # the good one is not
        bad_message = OutboundMessage.objects.get(webhook=bad)
        retries = HUEY.scheduled()[scheduled_before:]
        assert [(task.name, task.args, task.retries) for task in retries] == [
            ("send_webhook_task", (bad_message.pk,), notify.RETRIES - 1)
        ]
    finally:
        HUEY.storage.flush_schedule()


def test_a_robot_switched_off_before_the_worker_runs_is_skipped(
    org, robots, django_capture_on_commit_callbacks
):
    webhook = hook(org, f"{robots.url}/wecom")
    with django_capture_on_commit_callbacks(execute=False):  # the worker has not run yet
        notify.announce(org, kind="concerns.alert_raised", title="t", text="x")
    webhook.active = False
    webhook.save()
    message = OutboundMessage.objects.get(webhook=webhook)
    assert notify.send_webhook_task.call_local(message.pk) is False
    assert robots.requests == []


def test_console_message_is_kept_within_500_characters(org, django_capture_on_commit_callbacks):
    staff = make_staff(org)
    with django_capture_on_commit_callbacks(execute=True):
        notify.announce(
            org, kind="concerns.case_opened", title="长", text="字" * 2000, recipients=[staff.head]
        )
    message = Notification.objects.get(recipient=staff.head).message
    assert len(message) == 500
    assert message.startswith("长:字字") and message.endswith("…")
