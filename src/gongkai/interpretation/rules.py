"""The rules of policy interpretation (seed 三, DOMAIN I1–I8), as ordinary functions.

- I1 应解读、尽解读: a document in a catalogue column marked 须解读 or 行政规范性文件 (or below one) is
  proposed for interpretation; the drafter may override the proposal either way, with a reason.
- I3 A document that needs interpretation is submitted with its 解读方案 (plan), reviewed in the same chain.
- I4 For 行政规范性文件 the policy & regulations department records an opinion before the last step.
- I5 Interpretations are published with the document, at the latest N working days after it (N per
  organisation, 10 by default).
- I6 An interpretation covers the sections of the template; a missing one is a warning in the review.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Min
from django.utils import timezone

from gongkai.catalogue.constants import InterpretationScope
from gongkai.publishing.constants import ItemStatus
from gongkai.workdays.calendar import add_workdays

# I6: the sections an interpretation should cover, with the words that show a section is there.
DOCUMENT_SECTIONS = (
    ("背景和依据", ("背景", "依据")),
    ("主要内容", ("主要内容",)),
    ("目标任务", ("目标",)),
    ("推进措施", ("措施",)),
    ("新旧政策差异", ("新旧", "变化", "差异", "调整")),
    ("名词解释", ("名词", "术语", "释义", "解释")),
)
MEETING_SECTIONS = (
    ("会议背景", ("背景",)),
    ("会议目的", ("目的",)),
    ("主要内容", ("主要内容",)),
    ("议定事项", ("议定", "决定")),
    ("下一步工作措施", ("下一步",)),
)


def scope_of(entry) -> str:
    """The interpretation scope of a catalogue entry: its own, else the nearest ancestor's."""
    node, seen = entry, set()
    while node is not None and node.pk not in seen:
        seen.add(node.pk)
        if node.interpretation in (InterpretationScope.REQUIRED, InterpretationScope.NORMATIVE):
            return node.interpretation
        node = node.parent
    return InterpretationScope.NONE


def proposed(revision) -> bool:
    entry = revision.catalogue_entry
    return entry is not None and scope_of(entry) != InterpretationScope.NONE


def is_normative(revision) -> bool:
    entry = revision.catalogue_entry
    return entry is not None and scope_of(entry) == InterpretationScope.NORMATIVE


def is_interpretation(revision) -> bool:
    return bool(revision.interpretation_form)


def requires(revision) -> bool:
    """Does this document need interpretation (interpretations themselves never do)?"""
    if is_interpretation(revision):
        return False
    if revision.needs_interpretation is not None:
        return revision.needs_interpretation
    return proposed(revision)


def content_errors(organization, value, out: dict) -> dict[str, list[str]]:
    """Checks of the interpretation fields for publishing.content.clean_content.

    ``value(field)`` reads the merged (new or current) value; ``out`` holds the cleaned new values."""
    errors: dict[str, list[str]] = {}
    needs = value("needs_interpretation")
    entry = value("catalogue_entry")
    if needs is not None and entry is not None:
        default = scope_of(entry) != InterpretationScope.NONE
        if needs != default and not (value("interpretation_override_reason") or "").strip():
            errors.setdefault("interpretation_override_reason", []).append(
                "改变目录分类给出的“是否需要解读”判定,须说明理由。"
            )
    form = value("interpretation_form")
    document = value("interprets")
    meeting = (value("meeting_name") or "").strip()
    if form:
        if document is None and not meeting:
            errors.setdefault("interprets", []).append(
                "解读须关联所解读的文件,或填写所解读的会议(会议精神解读)。"
            )
        if document is not None and meeting:
            errors.setdefault("meeting_name", []).append("一条解读只解读一个文件或一次会议,请只填写其一。")
    elif document is not None or meeting:
        errors.setdefault("interpretation_form", []).append("请选择解读形式。")
    if (
        document is not None
        and document.organization_id == organization.pk
        and document.latest_revision_id
        and document.latest_revision.interpretation_form
    ):
        errors.setdefault("interprets", []).append("不能解读另一条解读材料。")
    return errors


def submission_failures(revision) -> list[str]:
    """I3: a document that needs interpretation goes to review with a complete plan."""
    if not requires(revision):
        return []
    plan = getattr(revision, "interpretation_plan", None) if revision.pk else None
    if plan is None:
        return [
            "该文件需要解读:请先填写解读方案(解读工作的组织、提纲、形式、发布时间、渠道,并附解读材料),随文件一并送审。"
        ]
    missing = [
        label
        for label, filled in (
            ("解读工作的组织", plan.organizer.strip()),
            ("解读提纲", plan.outline.strip()),
            ("解读形式", plan.forms),
            ("发布渠道", plan.channels.strip()),
        )
        if not filled
    ]
    return [f"解读方案不完整:请填写{'、'.join(missing)}。"] if missing else []


def approval_failures(revision, task) -> list[str]:
    """I4: before the last step of a 行政规范性文件 that needs interpretation, the policy department's opinion."""
    if not (requires(revision) and is_normative(revision)):
        return []
    is_last = not revision.tasks.filter(round=task.round, position__gt=task.position).exists()
    if is_last and not revision.policy_opinions.exists():
        return ["行政规范性文件的解读材料须先征求政策法规科意见,政策法规科出具意见后才能签发。"]
    return []


def template_gaps(revision) -> list[str]:
    """I6: the template sections an interpretation's text does not cover (empty for other items)."""
    if not is_interpretation(revision):
        return []
    from gongkai.publishing.html import plain_text

    text = f"{revision.summary}\n{plain_text(revision.body)}"
    sections = (
        MEETING_SECTIONS if revision.meeting_name and revision.interprets_id is None else DOCUMENT_SECTIONS
    )
    if revision.interpretation_form not in ("text", "commentary", "third_party", "graphic"):
        return []  # audio, video, press conferences: the template applies to text only
    return [name for name, words in sections if not any(word in text for word in words)]


def set_deadline(item, revision, published_at: datetime.datetime) -> None:
    """I5: at a document's first publication, its interpretations fall due N working days later."""
    if not requires(revision) or item.interpretation_due_on is not None:
        return
    deadline = add_workdays(timezone.localdate(published_at), item.organization.interpretation_workdays)
    item.interpretation_due_on = deadline.due
    item.interpretation_due_provisional = deadline.provisional


# --- timeliness -------------------------------------------------------------------------------------


class Timeliness:
    ON_TIME = "on_time"
    LATE = "late"
    MISSING = "missing"
    PENDING = "pending"
    LABELS = {"on_time": "按时", "late": "逾期", "missing": "未解读(已逾期)", "pending": "未到期"}


@dataclass(frozen=True)
class DocumentTimeliness:
    item: object
    due_on: datetime.date
    first_interpretation_on: datetime.date | None
    state: str

    @property
    def label(self) -> str:
        return Timeliness.LABELS[self.state]


def first_interpretations(item_ids) -> dict[int, datetime.datetime]:
    """item id → when its first interpretation was first published."""
    from gongkai.publishing.models import InformationItem

    return dict(
        InformationItem.objects.filter(
            first_published_at__isnull=False,
            live_revision__interprets_id__in=list(item_ids),
        )
        .exclude(status=ItemStatus.DRAFT)
        .values_list("live_revision__interprets_id")
        .annotate(first=Min("first_published_at"))
        .values_list("live_revision__interprets_id", "first")
    )


def timeliness(items, today: datetime.date | None = None) -> list[DocumentTimeliness]:
    """The state of each document with an interpretation deadline: on time, late, missing or pending."""
    today = today or timezone.localdate()
    items = [i for i in items if i.interpretation_due_on is not None]
    firsts = first_interpretations([i.pk for i in items])
    out = []
    for item in items:
        first = firsts.get(item.pk)
        first_day = timezone.localdate(first) if first else None
        if first_day is not None:
            state = Timeliness.ON_TIME if first_day <= item.interpretation_due_on else Timeliness.LATE
        else:
            state = Timeliness.MISSING if today > item.interpretation_due_on else Timeliness.PENDING
        out.append(DocumentTimeliness(item, item.interpretation_due_on, first_day, state))
    return out


def published_interpretations(item):
    from gongkai.publishing.models import InformationItem

    return (
        InformationItem.objects.published()
        .with_live()
        .filter(live_revision__interprets=item)
        .order_by("published_at", "pk")
    )
