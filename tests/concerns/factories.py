"""Builders for 舆情 tests: mentions and cases without going through fetching."""

from __future__ import annotations

import datetime
import hashlib
import itertools

from django.utils import timezone

from gongkai.concerns import services
from gongkai.concerns.constants import Channel
from gongkai.concerns.models import Mention

_serial = itertools.count(1)


def make_mention(org, *, title="", text="", detected_at=None, channel=Channel.MANUAL, **fields) -> Mention:
    n = next(_serial)
    title = title or f"网友反映某景区问题 {n}"
    text = text or f"{title}。内容 {n}。"
    return Mention.objects.create(
        organization=org,
        channel=channel,
        title=title,
        text=text,
        detected_at=detected_at or timezone.now(),
        content_hash=hashlib.sha256(f"{title}{text}{n}".encode()).hexdigest(),
        **fields,
    )


def make_case(staff, *, detected_at=None, severity="general", department=None, mentions=1, **fields):
    detected_at = detected_at or timezone.now()
    ms = [make_mention(staff.org, detected_at=detected_at) for _ in range(mentions)]
    case = services.open_case(
        organization=staff.org,
        title=fields.pop("title", "平遥古城游客拥堵"),
        detected_at=detected_at,
        mentions=ms,
        severity=severity,
        department=department if department is not None else staff.dept,
        **fields,
    )
    return case


def hours_ago(hours: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(hours=hours)
