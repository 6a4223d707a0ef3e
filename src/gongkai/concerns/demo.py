"""The demo organisation's 舆情 set-up: monitoring rules, an offline feed replayed from a local file, and
the cases the pipeline forms from it (through the same code a real poll runs). Idempotent."""

from __future__ import annotations

import shutil
from pathlib import Path

from django.db import transaction

from .constants import CaseStatus, RuleKind, Severity, SourceKind
from .models import Case, MonitoringRule, Source

DEMO_FEED = Path(__file__).parent / "demo_data" / "feed.xml"
SOURCE_NAME = "示范订阅(离线回放)"

RULES = [
    ("本机构", RuleKind.BUREAU, ["晋中市文化和旅游局", "晋中市文旅局", "晋中文旅"], []),
    ("局领导", RuleKind.LEADER, ["张国强"], []),
    (
        "景区和场馆",
        RuleKind.VENUE,
        ["平遥古城", "王家大院", "乔家大院", "常家庄园", "绵山", "张壁古堡", "晋中市博物馆"],
        ["平遥古城墙修缮历史"],
    ),
    ("节会活动", RuleKind.EVENT, ["平遥国际摄影大展", "平遥国际电影展", "晋中文博会", "惠民消费券"], []),
]


def load(org, *, departments, people) -> None:
    from . import fetch, polling, services

    with transaction.atomic():
        for name, kind, terms, excluded in RULES:
            MonitoringRule.objects.get_or_create(
                organization=org,
                name=name,
                defaults={"kind": kind, "terms": "\n".join(terms), "excluded_terms": "\n".join(excluded)},
            )
        services.policy_for(org)
    target = fetch.local_root() / "demo" / "feed.xml"
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        shutil.copyfile(DEMO_FEED, target)
    source, created = Source.objects.get_or_create(
        organization=org,
        name=SOURCE_NAME,
        defaults={"kind": SourceKind.LOCAL, "url": "demo/feed.xml", "base_interval_minutes": 60},
    )
    if not created:
        return
    polling.poll_source(source)
    # The crowding at 平遥古城 is the demo's running case: classified, with its first report due.
    case = (
        Case.objects.filter(organization=org, title__contains="平遥古城", status=CaseStatus.NEW)
        .order_by("pk")
        .first()
    )
    if case is not None:
        services.classify(
            user=people["editor"],
            case=case,
            severity=Severity.LARGER,
            department=departments["zykfk"],
            reason="节假日景区客流,涉及游客安全和景区管理(示范数据)。",
        )
