"""Telling people about 舆情 (issue 6 item 8): the console inbox, e-mail and group robots.

`announce()` is what services call. The console notification is written in the caller's transaction, so it
exists exactly when the change that caused it does. So is every e-mail and robot message: one
`OutboundMessage` row per address and per robot (a transactional outbox), so a rolled-back change sends
nothing and a committed one loses nothing. After commit, one huey task per row sends it by its id (retried
RETRIES times, RETRY_DELAY apart), so a slow or broken robot never holds up the request or undoes the
change. What such a task never did — the process died between the commit and the enqueue, the queue lost
the task or its retries — the outbox job (`deliver_due`, every 5 minutes) sends, up to MAX_ATTEMPTS
attempts in all. A row is claimed before it is sent (a conditional UPDATE: unsent, due, not claimed by
another worker), so two workers never send it at the same time, and a row once sent is never sent again.
A worker killed in the very middle of a send can make it go twice (at least once, never lost).

Group robots (both reply JSON ``{"errcode": 0, "errmsg": "ok"}`` on success):

- 企业微信群机器人 (WeCom): ``POST <robot URL>`` (``https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…``)
  with ``{"msgtype": "markdown", "markdown": {"content": "<markdown>"}}``; ``content`` is at most 4096
  bytes of UTF-8.
- 钉钉群机器人 (DingTalk): ``POST <robot URL>`` (``https://oapi.dingtalk.com/robot/send?access_token=…``)
  with ``{"msgtype": "markdown", "markdown": {"title": "<shown in the chat list>", "text": "<markdown>"}}``.
  With the 加签 security setting, the URL also carries ``timestamp`` (milliseconds since the epoch) and
  ``sign`` = urlencode(base64(HmacSHA256(key=secret, message=f"{timestamp}\\n{secret}"))).

A non-zero ``errcode``, an HTTP error status, a time-out or a refused connection is written to
`Webhook.last_error` (in Chinese, with the robot's own ``errmsg``) and never raised to the caller; each
failed attempt is also written to the row's `last_error`, and the attempt that gives up says so there.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import logging
import time
from collections.abc import Iterable
from urllib.parse import quote_plus

import httpx
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from huey.contrib.djhuey import db_task

from gongkai.console import services as console

from . import ssrf
from .constants import WebhookKind
from .models import OutboundMessage, Policy, Webhook

logger = logging.getLogger(__name__)

TIMEOUT = 5.0  # seconds, for connecting and for the reply
MARKDOWN_MAX_BYTES = 4096  # WeCom's limit for markdown.content; DingTalk messages are kept to it as well
CONSOLE_MAX_CHARS = 500  # console.models.Notification.message
CONSOLE_URL_MAX_CHARS = 300  # console.models.Notification.url
ERROR_MAX_CHARS = 500  # Webhook.last_error
RETRIES = 2  # the huey task's retries after its first attempt
RETRY_DELAY = 60  # seconds, at least, between two attempts at one message
MAX_ATTEMPTS = 6  # in all: the task's three, then the outbox job's, 5 minutes apart; then given up
CLAIM_SECONDS = 600  # a claimed message is free again after this long (its worker died while sending)
OUTBOX_GRACE = datetime.timedelta(minutes=2)  # younger messages are left to their after-commit task
OUTBOX_BATCH = 100  # messages sent by one run of the outbox job, at most
OUTBOX_KEEP_DAYS = 90  # sent (or given up) messages are deleted after this many days
URGENT = "【紧急】"
ELLIPSIS = "…"

# Characters that would let outside text (a mention's title, say) form links, emphasis or HTML in a
# robot's markdown; they are shown as their full-width forms instead.
_MARKDOWN_NEUTRAL = str.maketrans(
    {"[": "\uff3b", "]": "\uff3d", "<": "\uff1c", ">": "\uff1e", "*": "\uff0a", "`": "\uff40"}
)


class DeliveryError(Exception):
    """A message did not get through; raised inside the worker only, so huey retries the task."""


# --- the entry point ---------------------------------------------------------------------------------


def announce(
    organization,
    *,
    kind: str,
    title: str,
    text: str,
    url: str = "",
    recipients: Iterable = (),
    urgent: bool = False,
) -> None:
    """Tell `recipients` (users) in the console now; e-mail them and the policy's addresses, and post to
    every active robot of the organisation, after commit: the messages are outbox rows of the caller's
    transaction, each sent by a worker task queued after commit (or else by the outbox job).

    `url` is the case's path in the console ("/console/concerns/cases/12/"); robots and e-mails get it
    made absolute with settings.GONGKAI_SITE_URL when that is set.
    """
    people = [user for user in recipients if user is not None]
    title = _one_line(title) or "政务舆情提醒"
    text = (text or "").strip()
    console.notify(
        people,
        organization=organization,
        kind=kind,
        message=console_message(title, text, urgent=urgent),
        url=url if len(url) <= CONSOLE_URL_MAX_CHARS else "",
    )
    subject, body = email_message(organization.name, title=title, text=text, url=url, urgent=urgent)
    messages = [
        OutboundMessage(
            organization=organization,
            channel=OutboundMessage.Kind.EMAIL,
            address=address,
            subject=subject,
            body=body,
        )
        for address in email_addresses(organization, people)
    ]
    messages += [
        OutboundMessage(
            organization=organization,
            channel=OutboundMessage.Kind.ROBOT,
            webhook=webhook,
            subject=title,
            body=text,
            url=url,
            urgent=urgent,
        )
        for webhook in Webhook.objects.filter(organization=organization, active=True).order_by("pk")
    ]
    if not messages:
        return
    # Written with the change (rolled back with it); sent after commit. robust: a queue that refuses the
    # tasks (Redis down) is logged, not raised into a request whose change is already committed; the
    # outbox job sends those messages instead.
    queued = [(message.pk, message.channel) for message in _save(messages)]
    transaction.on_commit(lambda: enqueue(queued), robust=True)


def _save(messages: list[OutboundMessage]) -> list[OutboundMessage]:
    for message in messages:
        message.save(force_insert=True)
    return messages


def enqueue(queued: Iterable[tuple[int, str]]) -> None:
    """One worker task per outbox row, given the row's id (the content stays in the database)."""
    for message_id, channel in queued:
        if channel == OutboundMessage.Kind.EMAIL:
            send_email_task(message_id)
        else:
            send_webhook_task(message_id)


# --- texts -------------------------------------------------------------------------------------------


def _one_line(value: str) -> str:
    return " ".join((value or "").split())


def _shorten(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - len(ELLIPSIS)] + ELLIPSIS


def truncate_utf8(value: str, limit: int) -> str:
    """At most `limit` bytes of UTF-8, cut between characters, with "…" when something was cut."""
    encoded = value.encode("utf-8")
    if len(encoded) <= limit:
        return value
    room = limit - len(ELLIPSIS.encode("utf-8"))
    return encoded[: max(room, 0)].decode("utf-8", errors="ignore") + ELLIPSIS


def absolute_url(url: str) -> str:
    """`url` with settings.GONGKAI_SITE_URL in front when it is a path and the setting exists."""
    site = (getattr(settings, "GONGKAI_SITE_URL", "") or "").rstrip("/")
    if url.startswith("/") and not url.startswith("//") and site:
        return site + url
    return url


def console_message(title: str, text: str, *, urgent: bool = False) -> str:
    head = (URGENT if urgent else "") + title
    message = f"{head}:{_one_line(text)}" if text else head
    return _shorten(message, CONSOLE_MAX_CHARS)


def email_addresses(organization, recipients: Iterable) -> list[str]:
    """The recipients' addresses and the policy's (one a line), valid ones only, each once."""
    policy, _created = Policy.objects.get_or_create(organization=organization)
    candidates = [user.email for user in recipients if user.is_active and user.email]
    candidates += policy.notify_emails.replace(",", "\n").replace(",", "\n").replace(";", "\n").splitlines()
    addresses, seen = [], set()
    for candidate in candidates:
        address = candidate.strip()
        if not address or address.lower() in seen:
            continue
        try:
            validate_email(address)
        except ValidationError:
            logger.warning(
                "Skipping invalid notification address %r of organisation %s", address, organization.pk
            )
            continue
        seen.add(address.lower())
        addresses.append(address)
    return addresses


def email_message(
    organization_name: str, *, title: str, text: str, url: str, urgent: bool
) -> tuple[str, str]:
    subject = _shorten(f"{URGENT if urgent else ''}【政务舆情】{_one_line(title)}", 150)
    lines = [organization_name, "", title, ""]
    if text:
        lines += [text, ""]
    if url:
        lines += [f"查看详情:{absolute_url(url)}", ""]
    lines.append("本邮件由政府信息公开平台自动发送,请勿直接回复。")
    return subject, "\n".join(lines)


def markdown(*, title: str, text: str, url: str, urgent: bool) -> str:
    """The robot message: the title in bold, the text, the link; urgent ones marked; ≤ 4096 bytes."""
    heading = f"**{URGENT if urgent else ''}{_one_line(title).translate(_MARKDOWN_NEUTRAL)}**"
    link = absolute_url(url) if url else ""
    if link.startswith(("http://", "https://")):
        footer = f"[查看详情]({link.replace(')', '%29').replace(' ', '%20')})"
    elif link:
        footer = f"查看详情:{link.translate(_MARKDOWN_NEUTRAL)}"
    else:
        footer = ""
    body = "\n\n".join(line.strip() for line in (text or "").splitlines() if line.strip())
    body = body.translate(_MARKDOWN_NEUTRAL)
    if body:
        # the heading, the footer and the blank lines between the parts take what the body cannot
        fixed = len(heading.encode("utf-8")) + 2 + (len(footer.encode("utf-8")) + 2 if footer else 0)
        room = MARKDOWN_MAX_BYTES - fixed
        body = truncate_utf8(body, room) if room > len(ELLIPSIS.encode("utf-8")) else ""
    content = "\n\n".join(part for part in (heading, body, footer) if part)
    return truncate_utf8(content, MARKDOWN_MAX_BYTES)  # a title or link long enough to fill it all


def webhook_payload(webhook: Webhook, *, title: str, text: str, url: str, urgent: bool = False) -> dict:
    content = markdown(title=title, text=text, url=url, urgent=urgent)
    if webhook.kind == WebhookKind.DINGTALK:
        short_title = _shorten(f"{URGENT if urgent else ''}{_one_line(title)}", 100)
        return {"msgtype": "markdown", "markdown": {"title": short_title, "text": content}}
    return {"msgtype": "markdown", "markdown": {"content": content}}


def dingtalk_sign(secret: str, timestamp: int) -> str:
    """DingTalk 加签: base64 of HmacSHA256 over "timestamp\\nsecret" keyed with the secret (not yet url-encoded)."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def signed_url(webhook: Webhook, *, now: float | None = None) -> str:
    """The robot URL, with timestamp and sign appended for a DingTalk robot that has a secret."""
    if webhook.kind != WebhookKind.DINGTALK or not webhook.secret:
        return webhook.url
    timestamp = int((time.time() if now is None else now) * 1000)
    separator = "&" if "?" in webhook.url else "?"
    sign = quote_plus(dingtalk_sign(webhook.secret, timestamp))
    return f"{webhook.url}{separator}timestamp={timestamp}&sign={sign}"


# --- sending -----------------------------------------------------------------------------------------


def _post(webhook: Webhook, payload: dict) -> str:
    """Post the message; "" when the robot accepted it, else the reason in Chinese."""
    platform = webhook.get_kind_display()
    try:
        # Only public addresses (ssrf.py): a robot URL pointing inside the network is refused.
        with ssrf.guarded_client(timeout=TIMEOUT) as client:
            response = client.post(signed_url(webhook), json=payload)
    except ssrf.BlockedAddress as exc:
        return str(exc)
    except httpx.TimeoutException:
        return f"{platform}在 {TIMEOUT:g} 秒内没有响应(超时)"
    except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
        return f"无法连接{platform}:{str(exc) or exc.__class__.__name__}"
    if response.status_code >= 400:
        return f"{platform}返回 HTTP {response.status_code}"
    try:
        reply = response.json()
    except ValueError:
        return f"{platform}的回复无法识别:{response.text[:100]}"
    if not isinstance(reply, dict) or "errcode" not in reply:
        return f"{platform}的回复无法识别:{response.text[:100]}"
    if str(reply.get("errcode")) != "0":
        return f"{platform}返回错误 {reply.get('errcode')}:{reply.get('errmsg', '')}"
    return ""


def send_webhook(webhook: Webhook, *, title: str, text: str, url: str, urgent: bool = False) -> bool:
    """Post one message to the robot now; True if it accepted it. A failure is recorded in
    `webhook.last_error` (with the time), a success clears it; nothing is raised."""
    return not _send_webhook(webhook, title=title, text=text, url=url, urgent=urgent)


def _send_webhook(webhook: Webhook, *, title: str, text: str, url: str, urgent: bool) -> str:
    """send_webhook(), giving the reason of a failure ("" when it got through)."""
    problem = _post(webhook, webhook_payload(webhook, title=title, text=text, url=url, urgent=urgent))
    if problem:
        stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M")
        webhook.last_error = _shorten(f"{stamp} 发送失败:{problem}", ERROR_MAX_CHARS)
    else:
        webhook.last_error = ""
    Webhook.objects.filter(pk=webhook.pk).update(last_error=webhook.last_error)
    return problem


# --- the outbox --------------------------------------------------------------------------------------

SENT, FAILED, GAVE_UP, SKIPPED = "sent", "failed", "gave_up", "skipped"


def _claim(message_id: int, now: datetime.datetime) -> bool:
    """Take the message for one attempt if it is unsent, due and not claimed by anyone else.

    One UPDATE … WHERE sent_at IS NULL AND next_attempt_at <= now, committed at once (the send is not
    made inside a transaction): of two workers, only the one that changed the row sends, and the next
    attempt is pushed CLAIM_SECONDS away for as long as this one lasts.
    """
    return bool(
        OutboundMessage.objects.filter(
            pk=message_id,
            sent_at__isnull=True,
            next_attempt_at__lte=now,
            attempts__lt=MAX_ATTEMPTS,
        ).update(
            attempts=F("attempts") + 1,
            next_attempt_at=now + datetime.timedelta(seconds=CLAIM_SECONDS),
        )
    )


def _send(message: OutboundMessage) -> str | None:
    """Send it now: "" when it got through, the reason in Chinese when not, None when the robot was
    switched off since (nothing to send)."""
    if message.channel == OutboundMessage.Kind.EMAIL:
        try:
            EmailMessage(
                subject=message.subject,
                body=message.body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[message.address],
            ).send()
        except Exception as exc:  # SMTP errors, refused connections, time-outs: all worth another attempt
            logger.warning("E-mail to %s (outbox %s) failed", message.address, message.pk, exc_info=True)
            return f"邮件发送失败:{str(exc) or exc.__class__.__name__}"
        return ""
    webhook = message.webhook
    if webhook is None or not webhook.active:
        return None
    return _send_webhook(
        webhook, title=message.subject, text=message.body, url=message.url, urgent=message.urgent
    )


def deliver(message_id: int) -> str:
    """One attempt at one outbox message: SENT, FAILED (to be tried again after RETRY_DELAY), GAVE_UP
    (that was its last attempt: the reason stays in `last_error`) or SKIPPED (nothing to do: already sent,
    given up, not due, being sent by another worker, or its robot is gone or switched off)."""
    now = timezone.now()
    if not _claim(message_id, now):
        return SKIPPED
    message = OutboundMessage.objects.select_related("webhook").filter(pk=message_id).first()
    if message is None:  # its robot was deleted meanwhile (the messages go with it)
        return SKIPPED
    problem = _send(message)
    done = timezone.now()
    rows = OutboundMessage.objects.filter(pk=message_id)
    if problem == "":
        rows.update(sent_at=done, next_attempt_at=None, last_error="")
        return SENT
    if problem is None:
        rows.update(next_attempt_at=None, last_error="群机器人已删除或停用,未发送")
        return SKIPPED
    stamp = timezone.localtime(done).strftime("%Y-%m-%d %H:%M")
    if message.attempts >= MAX_ATTEMPTS:
        reason = f"{stamp} 第 {message.attempts} 次发送失败,不再重试:{problem}"
        rows.update(next_attempt_at=None, last_error=_shorten(reason, ERROR_MAX_CHARS))
        logger.error(
            "Outbox message %s given up after %s attempts: %s", message_id, message.attempts, problem
        )
        return GAVE_UP
    reason = f"{stamp} 第 {message.attempts} 次发送失败:{problem}"
    rows.update(
        next_attempt_at=done + datetime.timedelta(seconds=RETRY_DELAY),
        last_error=_shorten(reason, ERROR_MAX_CHARS),
    )
    return FAILED


def deliver_due(*, now: datetime.datetime | None = None) -> int:
    """The outbox job's sending: messages unsent, older than OUTBOX_GRACE (younger ones are their
    after-commit task's) and due, oldest first, at most OUTBOX_BATCH; how many got through."""
    now = now or timezone.now()
    due = (
        OutboundMessage.objects.filter(
            sent_at__isnull=True,
            next_attempt_at__lte=now,
            attempts__lt=MAX_ATTEMPTS,
            created_at__lte=now - OUTBOX_GRACE,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return sum(deliver(message_id) == SENT for message_id in list(due[:OUTBOX_BATCH]))


def purge_outbox(*, now: datetime.datetime | None = None) -> int:
    """Delete the messages sent, or given up, more than OUTBOX_KEEP_DAYS ago: they hold addresses and
    texts about people (personal data), kept no longer than needed to see what was sent."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=OUTBOX_KEEP_DAYS)
    sent_long_ago = Q(sent_at__lt=cutoff)
    given_up_long_ago = Q(sent_at__isnull=True, next_attempt_at__isnull=True, created_at__lt=cutoff)
    return OutboundMessage.objects.filter(sent_long_ago | given_up_long_ago).delete()[0]


def _run(message_id: int) -> bool:
    outcome = deliver(message_id)
    if outcome == FAILED:
        last_error = (
            OutboundMessage.objects.filter(pk=message_id).values_list("last_error", flat=True).first()
        )
        raise DeliveryError(last_error or "")  # huey retries the task after RETRY_DELAY
    return outcome == SENT


@db_task(retries=RETRIES, retry_delay=RETRY_DELAY)
def send_webhook_task(message_id: int) -> bool:
    """Send the outbox row `message_id` (a robot message); True if it got through now."""
    return _run(message_id)


@db_task(retries=RETRIES, retry_delay=RETRY_DELAY)
def send_email_task(message_id: int) -> bool:
    """Send the outbox row `message_id` (an e-mail); True if it got through now."""
    return _run(message_id)
