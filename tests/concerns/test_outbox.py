"""The outbox of 舆情 notifications (issue 9, "lose nothing when something fails"): e-mails and group-robot
messages are rows written with the change, sent after commit by a task given the row's id, and by the
outbox job every 5 minutes when that task never ran; each goes once. The robots are the local HTTP server
of test_notify.py, e-mail Django's locmem outbox."""

from __future__ import annotations

import datetime
import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from gongkai.concerns import notify, tasks
from gongkai.concerns.constants import WebhookKind
from gongkai.concerns.models import OutboundMessage, Webhook
from gongkai.console.models import Notification
from tests.concerns.test_notify import hook, org, robots, staff  # noqa: F401  (fixtures)

POLICY_ADDRESSES = ["HEAD@example.cn", "leader@example.cn", "office@example.cn"]  # test_notify's staff


def time_passes(minutes: float) -> None:
    """As if `minutes` went by: every message created and due that much earlier."""
    delta = datetime.timedelta(minutes=minutes)
    OutboundMessage.objects.update(
        created_at=F("created_at") - delta, next_attempt_at=F("next_attempt_at") - delta
    )


def announce(staff, **kwargs) -> None:  # noqa: F811
    notify.announce(staff.org, kind="concerns.alert_raised", title="舆情突增", text="一小时 40 条", **kwargs)


@pytest.fixture
def no_retries_left_behind():
    """Failed tasks schedule their retries in huey's (in-memory) schedule: none outlives the test."""
    yield
    HUEY.storage.flush_schedule()


# --- written with the change -------------------------------------------------------------------------


def test_the_messages_are_rows_of_the_callers_transaction_one_per_address_and_robot(
    staff,  # noqa: F811
    robots,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    wecom = hook(staff.org, f"{robots.url}/wecom")
    hook(staff.org, f"{robots.url}/off", active=False)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        announce(staff, recipients=[staff.editor], url="/console/concerns/cases/4/", urgent=True)
    assert len(callbacks) == 1
    rows = list(OutboundMessage.objects.order_by("pk"))
    emails = [row for row in rows if row.channel == OutboundMessage.Kind.EMAIL]
    assert sorted(row.address for row in emails) == sorted(["editor@example.cn", *POLICY_ADDRESSES])
    assert {row.subject for row in emails} == {"【紧急】【政务舆情】舆情突增"}
    assert all("一小时 40 条" in row.body and row.webhook_id is None for row in emails)
    [robot] = [row for row in rows if row.channel == OutboundMessage.Kind.ROBOT]
    assert (robot.webhook, robot.address, robot.subject, robot.body, robot.url, robot.urgent) == (
        wecom,
        "",
        "舆情突增",
        "一小时 40 条",
        "/console/concerns/cases/4/",
        True,
    )
    assert all(row.organization == staff.org and row.sent_at is None and row.attempts == 0 for row in rows)
    assert robots.requests == [] and mail.outbox == []  # nothing has left before the commit


def test_a_rolled_back_change_leaves_no_message_and_sends_nothing(
    staff,  # noqa: F811
    robots,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    hook(staff.org, f"{robots.url}/wecom")
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        announce(staff, recipients=[staff.head])
        assert OutboundMessage.objects.count() == 4  # three policy addresses (head's among them), one robot
        raise RuntimeError("the change failed")
    assert callbacks == []
    assert OutboundMessage.objects.count() == 0
    time_passes(10)
    assert tasks.concerns_outbox.call_local() == 0
    assert mail.outbox == [] and robots.requests == []


# --- sent once, whatever happens after the commit ----------------------------------------------------


def test_a_committed_change_whose_tasks_were_never_queued_is_sent_by_the_outbox_job_once(
    staff,  # noqa: F811
    robots,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    hook(staff.org, f"{robots.url}/wecom")
    # The process dies between the commit and its after-commit work: the callbacks never run.
    with django_capture_on_commit_callbacks(execute=False) as lost:
        announce(staff)
    assert len(lost) == 1 and OutboundMessage.objects.filter(sent_at__isnull=True).count() == 4

    # The job leaves messages younger than 2 minutes to their own task.
    time_passes(1)
    assert tasks.concerns_outbox.call_local() == 0
    assert mail.outbox == [] and robots.requests == []

    time_passes(2)
    assert tasks.concerns_outbox.call_local() == 4
    assert sorted(message.to[0] for message in mail.outbox) == POLICY_ADDRESSES
    assert [r["path"] for r in robots.requests] == ["/wecom"]
    assert not OutboundMessage.objects.filter(sent_at__isnull=True).exists()
    assert set(OutboundMessage.objects.values_list("attempts", "last_error")) == {(1, "")}

    # Once: the job again, and the lost tasks run after all (a queue that comes back), send nothing more.
    time_passes(10)
    assert tasks.concerns_outbox.call_local() == 0
    lost[0]()
    assert len(mail.outbox) == 3 and len(robots.requests) == 1


def test_a_queue_that_refuses_the_tasks_after_commit_neither_fails_the_request_nor_loses_a_message(
    staff,  # noqa: F811
    robots,  # noqa: F811
    django_capture_on_commit_callbacks,
    monkeypatch,
):
    hook(staff.org, f"{robots.url}/wecom")

    def queue_down(message_id):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(notify, "send_email_task", queue_down)
    monkeypatch.setattr(notify, "send_webhook_task", queue_down)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        announce(staff, recipients=[staff.head])
    assert len(callbacks) == 1  # it ran, and raised, after the commit: logged, not raised to the caller
    assert Notification.objects.filter(recipient=staff.head).count() == 1
    assert mail.outbox == [] and robots.requests == []

    time_passes(3)
    assert tasks.concerns_outbox.call_local() == 4
    assert len(mail.outbox) == 3 and len(robots.requests) == 1


def test_running_a_task_twice_sends_once(
    staff,  # noqa: F811
    robots,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    hook(staff.org, f"{robots.url}/wecom")
    with django_capture_on_commit_callbacks(execute=False):
        announce(staff)
    robot = OutboundMessage.objects.get(channel=OutboundMessage.Kind.ROBOT)
    email = OutboundMessage.objects.filter(channel=OutboundMessage.Kind.EMAIL).first()

    assert notify.send_webhook_task.call_local(robot.pk) is True
    assert notify.send_webhook_task.call_local(robot.pk) is False
    assert notify.send_email_task.call_local(email.pk) is True
    assert notify.send_email_task.call_local(email.pk) is False
    assert len(robots.requests) == 1
    assert [message.to for message in mail.outbox] == [[email.address]]
    robot.refresh_from_db()
    assert robot.sent_at is not None and robot.attempts == 1


def test_a_message_being_sent_by_one_worker_is_not_sent_by_another(
    staff,  # noqa: F811
    robots,  # noqa: F811
    django_capture_on_commit_callbacks,
    monkeypatch,
):
    hook(staff.org, f"{robots.url}/wecom")
    with django_capture_on_commit_callbacks(execute=False):
        announce(staff)
    robot = OutboundMessage.objects.get(channel=OutboundMessage.Kind.ROBOT)
    post = notify._post
    meanwhile = []

    def post_while_another_worker_tries(webhook, payload):
        # A second worker (the job, or the task queued twice) takes the same message during the send.
        meanwhile.append(notify.deliver(robot.pk))
        time_passes(3)
        meanwhile.append(tasks.concerns_outbox.call_local())
        return post(webhook, payload)

    monkeypatch.setattr(notify, "_post", post_while_another_worker_tries)
    assert notify.deliver(robot.pk) == notify.SENT
    assert meanwhile[0] == notify.SKIPPED
    assert meanwhile[1] == 3  # the job sent the three e-mails, not the robot message being sent
    assert len(robots.requests) == 1 and len(mail.outbox) == 3


# --- failures ----------------------------------------------------------------------------------------


def test_a_failing_robot_is_retried_then_given_up_with_the_reason_recorded(
    staff,  # noqa: F811
    robots,  # noqa: F811
    django_capture_on_commit_callbacks,
    no_retries_left_behind,
):
    bad = hook(staff.org, f"{robots.url}/bad", WebhookKind.DINGTALK)
    with django_capture_on_commit_callbacks(execute=True):
        announce(staff)
    message = OutboundMessage.objects.get(webhook=bad)
    assert message.attempts == 1 and message.sent_at is None
    assert "第 1 次发送失败" in message.last_error and "310000" in message.last_error
    assert message.next_attempt_at - timezone.now() > datetime.timedelta(seconds=notify.RETRY_DELAY - 5)
    assert len(mail.outbox) == 3  # the e-mails went at once

    # Not again before RETRY_DELAY, even by the job.
    OutboundMessage.objects.update(created_at=F("created_at") - datetime.timedelta(minutes=3))
    assert tasks.concerns_outbox.call_local() == 0
    assert len(robots.bodies("/bad")) == 1

    # The task's retries (huey's schedule, by the row's id), then the job's attempts, until given up.
    [retry] = [task for task in HUEY.scheduled() if task.name == "send_webhook_task"]
    assert retry.args == (message.pk,)
    time_passes(1)
    with pytest.raises(notify.DeliveryError):
        notify.send_webhook_task.call_local(message.pk)
    for _ in range(notify.MAX_ATTEMPTS):
        time_passes(5)
        tasks.concerns_outbox.call_local()
    message.refresh_from_db()
    assert len(robots.bodies("/bad")) == message.attempts == notify.MAX_ATTEMPTS
    assert message.sent_at is None and message.next_attempt_at is None
    assert f"第 {notify.MAX_ATTEMPTS} 次发送失败,不再重试" in message.last_error
    assert "钉钉群机器人返回错误 310000:sign not match" in message.last_error
    bad.refresh_from_db()
    assert "310000" in bad.last_error  # where the console shows robot failures, as before

    # Given up is final: neither the job nor a late retry sends it.
    time_passes(60)
    assert tasks.concerns_outbox.call_local() == 0
    assert notify.send_webhook_task.call_local(message.pk) is False
    assert len(robots.bodies("/bad")) == notify.MAX_ATTEMPTS


class RefusingBackend(BaseEmailBackend):
    """An SMTP server that refuses every message."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


def test_a_failing_email_is_recorded_and_sent_later(
    staff,  # noqa: F811
    django_capture_on_commit_callbacks,
    settings,
    no_retries_left_behind,
):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    with django_capture_on_commit_callbacks(execute=True):
        announce(staff)
    rows = OutboundMessage.objects.all()
    assert {(row.attempts, row.sent_at) for row in rows} == {(1, None)}
    assert all("邮件发送失败:Connection unexpectedly closed" in row.last_error for row in rows)

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    time_passes(5)
    assert tasks.concerns_outbox.call_local() == 3
    assert sorted(message.to[0] for message in mail.outbox) == POLICY_ADDRESSES
    assert set(OutboundMessage.objects.values_list("attempts", "last_error")) == {(2, "")}


def test_a_deleted_robots_messages_go_with_it(
    staff,  # noqa: F811
    robots,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    webhook = hook(staff.org, f"{robots.url}/wecom")
    with django_capture_on_commit_callbacks(execute=False):
        announce(staff)
    message = OutboundMessage.objects.get(webhook=webhook)
    Webhook.objects.filter(pk=webhook.pk).delete()
    assert notify.send_webhook_task.call_local(message.pk) is False
    assert robots.requests == []


# --- the job -----------------------------------------------------------------------------------------


def test_messages_sent_or_given_up_more_than_90_days_ago_are_deleted(org):  # noqa: F811
    now = timezone.now()
    days = datetime.timedelta(days=1)

    def row(address, **fields):
        return OutboundMessage.objects.create(
            organization=org, channel=OutboundMessage.Kind.EMAIL, address=address, subject="s", **fields
        )

    old_sent = row("a@example.cn", created_at=now - 95 * days, sent_at=now - 91 * days, next_attempt_at=None)
    recent_sent = row(
        "b@example.cn", created_at=now - 95 * days, sent_at=now - 89 * days, next_attempt_at=None
    )
    old_given_up = row("c@example.cn", created_at=now - 91 * days, attempts=6, next_attempt_at=None)
    recent_given_up = row("d@example.cn", created_at=now - 89 * days, attempts=6, next_attempt_at=None)
    waiting = row("e@example.cn", created_at=now - 91 * days, attempts=1, next_attempt_at=now + days)

    assert tasks.concerns_outbox.call_local() == 0
    assert set(OutboundMessage.objects.values_list("pk", flat=True)) == {
        recent_sent.pk,
        recent_given_up.pk,
        waiting.pk,
    }
    assert not OutboundMessage.objects.filter(pk__in=[old_sent.pk, old_given_up.pk]).exists()
    assert mail.outbox == []


def test_the_outbox_job_runs_every_five_minutes():
    hour = datetime.datetime(2026, 12, 1, 9, 0)
    runs = [
        m
        for m in range(60)
        if tasks.concerns_outbox.s().validate_datetime(hour + datetime.timedelta(minutes=m))
    ]
    assert runs == list(range(0, 60, 5))
