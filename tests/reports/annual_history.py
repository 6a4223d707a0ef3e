"""A generated two years (2024–2025) of documents for the annual report tests, made through the real
workflow (drafted, reviewed, published at the right moment, abolished), with the expected table-二
figures worked out from the plan alone (never from the database).

Catalogue of the organisation:
  02 法规文件 (heading)
    0201 规章                     document_kind=regulation
    0202 行政规范性文件            interpretation=normative
    0203 其他文件                  interpretation=required       (neither kind)
  03 规范性文件汇编 (heading)      interpretation=normative
    0301 文化市场类                (inherits normative)
    0302 须解读的工作文件          interpretation=required       (nearest scope wins: not normative)
  04 市政府规章 (heading)          document_kind=regulation
    0401 规章(须解读)             interpretation=normative      (regulation wins)
  21 政府信息公开年报 (heading)
    2101 政府信息公开年报          document_kind=annual_report
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

import time_machine
from django.utils import timezone

from gongkai.catalogue.constants import InterpretationScope
from gongkai.catalogue.models import CatalogueEntry, DocumentKind
from gongkai.publishing import services
from gongkai.publishing.models import InformationItem
from tests.factories import CatalogueEntryFactory, make_draft, make_published, review_through

D = datetime.date
YEARS = (2024, 2025)


@dataclass
class Plan:
    code: str  # catalogue leaf
    formed: datetime.date
    abolished: datetime.date | None = None
    expires: datetime.date | None = None
    state: str = "published"  # published | withdrawn | draft | in_review | interpretation | revised
    revised_formed: datetime.date | None = None  # for "revised": the second revision's 成文日期
    published_on: datetime.date | None = None  # default: a few days after formed


# Covers the sections of the interpretation template (interpretation.rules.DOCUMENT_SECTIONS).
INTERPRETATION_BODY = (
    "<p>一、背景和依据。二、主要内容。三、目标任务。四、推进措施。五、新旧政策差异。六、名词解释。</p>"
)

KIND_OF_CODE = {"0201": "regulation", "0401": "regulation", "0202": "normative", "0301": "normative"}


def catalogue(staff) -> dict[str, CatalogueEntry]:
    org = staff.org

    def entry(code, name, parent=None, **kwargs):
        return CatalogueEntryFactory(organization=org, code=code, name=name, parent=parent, **kwargs)

    laws = entry("02", "法规文件")
    compiled = entry("03", "规范性文件汇编", interpretation=InterpretationScope.NORMATIVE)
    city = entry("04", "市政府规章", document_kind=DocumentKind.REGULATION)
    reports = entry("21", "政府信息公开年报")
    return {
        "0201": entry("0201", "规章", laws, document_kind=DocumentKind.REGULATION),
        "0202": entry("0202", "行政规范性文件", laws, interpretation=InterpretationScope.NORMATIVE),
        "0203": entry("0203", "其他文件", laws, interpretation=InterpretationScope.REQUIRED),
        "0301": entry("0301", "文化市场类", compiled),
        "0302": entry("0302", "须解读的工作文件", compiled, interpretation=InterpretationScope.REQUIRED),
        "0401": entry("0401", "规章(须解读)", city, interpretation=InterpretationScope.NORMATIVE),
        "2101": entry("2101", "政府信息公开年报", reports, document_kind=DocumentKind.ANNUAL_REPORT),
    }


def plans() -> list[Plan]:
    """40 documents over two years: hand-picked boundary cases and a seeded spread."""
    fixed = [
        # regulations
        Plan("0201", D(2024, 3, 1)),
        Plan("0201", D(2025, 2, 10)),
        Plan("0201", D(2025, 6, 1), abolished=D(2025, 11, 1)),
        Plan("0201", D(2024, 5, 1), expires=D(2025, 7, 1)),
        Plan("0401", D(2025, 12, 31), published_on=D(2026, 1, 5)),  # formed in 2025, published in 2026
        # normative: boundaries of the year and of the validity dates
        Plan("0202", D(2024, 12, 31)),
        Plan("0202", D(2025, 1, 1)),
        Plan("0202", D(2024, 8, 1), abolished=D(2025, 12, 31)),
        Plan("0202", D(2024, 9, 1), abolished=D(2026, 1, 1)),
        Plan("0301", D(2025, 3, 3), expires=D(2025, 12, 31)),
        Plan("0301", D(2025, 4, 4), expires=D(2026, 1, 1)),
        Plan("0202", D(2024, 4, 1), state="revised", revised_formed=D(2025, 3, 1)),
        # never counted
        Plan("0202", D(2025, 5, 5), state="withdrawn"),
        Plan("0202", D(2025, 5, 6), state="draft"),
        Plan("0202", D(2025, 5, 7), state="in_review"),
        Plan("0202", D(2025, 5, 8), state="interpretation"),
        Plan("0203", D(2025, 5, 9)),
        Plan("0302", D(2025, 5, 10)),
    ]
    rng = random.Random(8)
    spread = []
    codes = ["0202", "0202", "0301", "0201", "0401"]
    for n in range(22):
        year = YEARS[n % 2]
        formed = D(year, rng.randint(1, 11), rng.randint(1, 28))
        abolished = expires = None
        roll = rng.random()
        if roll < 0.25:
            abolished = formed + datetime.timedelta(days=rng.randint(30, 500))
        elif roll < 0.4:
            expires = formed + datetime.timedelta(days=rng.randint(30, 500))
        spread.append(Plan(codes[n % len(codes)], formed, abolished=abolished, expires=expires))
    return fixed + spread


def expected(plan_list: list[Plan], year: int) -> dict[str, tuple[int, int, int]]:
    """(made, abolished, in force at 31 December) per kind, from the plan."""
    start, end = D(year, 1, 1), D(year, 12, 31)
    out = {"regulation": [0, 0, 0], "normative": [0, 0, 0]}
    for plan in plan_list:
        kind = KIND_OF_CODE.get(plan.code)
        if kind is None or plan.state not in ("published", "revised"):
            continue
        made, abolished, in_force = out[kind]
        if start <= plan.formed <= end:
            made += 1
        if plan.abolished and start <= plan.abolished <= end:
            abolished += 1
        if (
            plan.formed <= end
            and not (plan.abolished and plan.abolished <= end)
            and not (plan.expires and plan.expires <= end)
        ):
            in_force += 1
        out[kind] = [made, abolished, in_force]
    return {kind: tuple(values) for kind, values in out.items()}


def _moment(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 0)))


def _data(entries, plan: Plan, n: int) -> dict:
    data = {
        "title": f"关于文化市场管理的规定(第{n}号)",
        "formed_on": plan.formed,
        "catalogue_entry": entries[plan.code],
        "needs_interpretation": False,
        "interpretation_override_reason": "测试数据:解读另行安排。",
    }
    entry = entries[plan.code]
    if entry.interpretation == "" and (entry.parent is None or entry.parent.interpretation == ""):
        data.pop("needs_interpretation")
        data.pop("interpretation_override_reason")
    return data


def build(staff, entries) -> tuple[list[Plan], list[InformationItem]]:
    """Carry the plans out; returns them with the items made (same order)."""
    plan_list = plans()
    items = []
    document = None
    for n, plan in enumerate(plan_list, start=1):
        published_on = plan.published_on or min(plan.formed + datetime.timedelta(days=3), D(2026, 1, 20))
        with time_machine.travel(_moment(published_on)):
            data = _data(entries, plan, n)
            if plan.state == "draft":
                item = make_draft(staff, **data)
            elif plan.state == "in_review":
                item = make_draft(staff, **data)
                services.submit_for_review(user=staff.drafter, item=item)
            elif plan.state == "interpretation":
                data.pop("needs_interpretation", None)
                data.pop("interpretation_override_reason", None)
                data["title"] = f"解读第{n}号"
                data["body"] = INTERPRETATION_BODY
                item = make_published(staff, **data, interpretation_form="text", interprets=document)
            else:
                item = make_published(staff, **data)
                document = item
            if plan.state == "withdrawn":
                item = services.withdraw(user=staff.editor, item=item, reason="测试:撤回。")
        if plan.state == "revised":
            with time_machine.travel(_moment(plan.revised_formed)):
                services.start_revision(user=staff.drafter, item=item)
                item = InformationItem.objects.get(pk=item.pk)
                services.update_draft(
                    user=staff.drafter,
                    item=item,
                    data={"formed_on": plan.revised_formed, "change_note": "修订部分条款。"},
                )
                services.submit_for_review(user=staff.drafter, item=item)
                review_through(staff, item)
                item = services.publish(user=staff.editor, item=InformationItem.objects.get(pk=item.pk))
        if plan.abolished:
            with time_machine.travel(_moment(max(published_on, D(2026, 1, 25)))):
                item = services.abolish(user=staff.editor, item=item, abolished_on=plan.abolished)
        if plan.expires:
            InformationItem.objects.filter(pk=item.pk).update(expires_on=plan.expires)
        items.append(item)
    return plan_list, items
