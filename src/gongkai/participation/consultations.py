"""征求意见 (预公开): the rules, the actions and the reads of consultations on draft decisions.

- A consultation is drafted by a department; its notice (the draft text and its attachments) is an
  InformationItem created through ``publishing.services.create_draft`` and reviewed and published by the
  normal workflow. It opens on ``opens_on`` only once that notice is published, and closes at the end of
  ``closes_on`` (Asia/Shanghai, the project's TIME_ZONE).
- Periods: the five kinds of major decisions at least 30 calendar days (重大行政决策程序暂行条例 第15条),
  行政规范性文件 at least 7 working days counting the first day (国办发〔2018〕37号); shorter only with a
  reason, which is kept and shown to the public. Once open, the dates only change by extending closes_on.
- Comments on the whole draft or on one article/paragraph of the published text (anchors ``a3`` for
  第三条, ``c2`` for 第二章, ``p12`` for the 12th paragraph), screened by the review engine: a blocking
  finding keeps a comment pending for the moderators; the others are approved at once.
- Feedback (采纳情况, 第32条): after closing each approved comment is classified, a summary written, and a
  feedback report generated as an InformationItem draft that goes through review; when it is published the
  consultation becomes FEEDBACK_PUBLISHED. The due date is closes_on + feedback_workdays working days,
  announced once when near and once when late.

Views, tasks and the console inbox only call the functions here.
"""

from __future__ import annotations

import datetime
import html
import logging
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Count, Q
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone

from gongkai.audit import services as audit
from gongkai.console.deadlines import NEAR as LEVEL_NEAR
from gongkai.console.deadlines import NORMAL as LEVEL_NORMAL
from gongkai.console.deadlines import OVERDUE as LEVEL_OVERDUE
from gongkai.console.deadlines import DeadlineInfo
from gongkai.orgs.constants import Role
from gongkai.orgs.selectors import membership_for
from gongkai.publishing.constants import ItemStatus, RevisionStatus
from gongkai.publishing.exceptions import WorkflowError, require
from gongkai.publishing.html import sanitize_body
from gongkai.publishing.signals import public_changed
from gongkai.workdays.calendar import WorkdayCalendar

from .constants import (
    DEFAULT_FEEDBACK_WORKDAYS,
    MAJOR_DECISION_KINDS,
    MAJOR_DECISION_MIN_DAYS,
    NORMATIVE_MIN_WORKDAYS,
    CommentStatus,
    ConsultationKind,
    ConsultationStatus,
    Disposition,
)
from .models import Comment, Consultation
from .privacy import masked_text

logger = logging.getLogger(__name__)

MAX_COMMENT = 3000
MAX_NOTE = 300
MAX_REASON = 1000
MAX_SUMMARY = 5000
MIN_FEEDBACK_WORKDAYS, MAX_FEEDBACK_WORKDAYS = 1, 60
# The feedback report is announced once when it is due within this many working days, once when late.
FEEDBACK_WARNING_WORKDAYS = 3
NEAR, OVERDUE = 1, 2
NOTIFICATION_KIND = "participation.feedback_due"
CLOSED_KIND = "participation.consultation_closed"

__all__ = [
    "advance_states",
    "escalate_feedback",
    "feedback_due_for",
    "split_body",
    "submit_comment",
]


# --- dates and the legal periods ---------------------------------------------------------------------


def chinese_date(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def calendar_days(opens_on: datetime.date, closes_on: datetime.date) -> int:
    """Days of the period, both ends included."""
    return (closes_on - opens_on).days + 1


def period_workdays(
    opens_on: datetime.date, closes_on: datetime.date, calendar: WorkdayCalendar | None = None
) -> int:
    """Working days of the period, both ends included (the first day counts when it is a working day)."""
    if closes_on < opens_on:
        return 0
    calendar = calendar or WorkdayCalendar()
    return calendar.workdays_between(opens_on - datetime.timedelta(days=1), closes_on)


def minimum_label(kind: str) -> str:
    if kind == ConsultationKind.NORMATIVE:
        return f"不少于{NORMATIVE_MIN_WORKDAYS}个工作日"
    return f"不少于{MAJOR_DECISION_MIN_DAYS}日"


def meets_minimum(
    kind: str, opens_on: datetime.date, closes_on: datetime.date, calendar: WorkdayCalendar | None = None
) -> bool:
    if kind == ConsultationKind.NORMATIVE:
        return period_workdays(opens_on, closes_on, calendar) >= NORMATIVE_MIN_WORKDAYS
    if kind in MAJOR_DECISION_KINDS:
        return calendar_days(opens_on, closes_on) >= MAJOR_DECISION_MIN_DAYS
    return True


def period_errors(
    kind: str,
    opens_on: datetime.date | None,
    closes_on: datetime.date | None,
    short_period_reason: str = "",
    calendar: WorkdayCalendar | None = None,
) -> dict[str, list[str]]:
    """What is wrong with a period, by field (empty when it may be used)."""
    errors: dict[str, list[str]] = {}
    if kind not in ConsultationKind.values:
        errors["kind"] = ["请选择征求意见的类别。"]
    if opens_on is None:
        errors["opens_on"] = ["请填写开始日期。"]
    if closes_on is None:
        errors["closes_on"] = ["请填写截止日期。"]
    if errors:
        return errors
    if closes_on < opens_on:
        return {"closes_on": ["截止日期不能早于开始日期。"]}
    if not meets_minimum(kind, opens_on, closes_on, calendar) and not (short_period_reason or "").strip():
        label = ConsultationKind(kind).label
        if kind == ConsultationKind.NORMATIVE:
            have = f"本次为{period_workdays(opens_on, closes_on, calendar)}个工作日"
            law = "国办发〔2018〕37号"
        else:
            have = f"本次为{calendar_days(opens_on, closes_on)}日"
            law = "重大行政决策程序暂行条例第十五条"
        errors["short_period_reason"] = [
            f"{label}的征求意见期限一般{minimum_label(kind)}({law}),{have}。"
            "确需缩短的,请填写缩短理由(将向公众公开)。"
        ]
    return errors


def is_shortened(consultation: Consultation, calendar: WorkdayCalendar | None = None) -> bool:
    return not meets_minimum(consultation.kind, consultation.opens_on, consultation.closes_on, calendar)


def feedback_due(closes_on: datetime.date, workdays: int, calendar: WorkdayCalendar | None = None):
    """The feedback deadline: ``workdays`` working days after the last day of the period."""
    return (calendar or WorkdayCalendar()).add_workdays(closes_on, workdays)


# --- who may do what ---------------------------------------------------------------------------------


NOT_MEMBER = "您不是该机构的工作人员。"


def draft_failures(user, organization, department) -> list[str]:
    """May ``user`` start a consultation drafted by ``department``? (the notice is an item they create)"""
    m = membership_for(user, organization.pk)
    if m is None:
        return [NOT_MEMBER]
    if m.has_role(Role.OFFICE_EDITOR):
        return []
    if m.has_role(Role.DRAFTER):
        if department is not None and department.pk != m.department_id:
            return ["起草人只能为本科室起草的文件征求意见(谁起草、谁负责)。"]
        return []
    return ["只有起草科室的起草人或办公室编辑可以发起征求意见。"]


def view_failures(user, consultation: Consultation) -> list[str]:
    m = membership_for(user, consultation.organization_id)
    if m is None:
        return [NOT_MEMBER]
    if m.has_role(Role.OFFICE_EDITOR) or m.has_role(Role.LEADER):
        return []
    if m.department_id == consultation.department_id:
        return []
    return ["只有起草科室的工作人员、办公室编辑和分管领导可以查看该征求意见。"]


def handle_failures(user, consultation: Consultation) -> list[str]:
    """Edit, extend, moderate and classify comments, write the feedback: the department's drafters and
    head, and the office editors."""
    m = membership_for(user, consultation.organization_id)
    if m is None:
        return [NOT_MEMBER]
    if m.has_role(Role.OFFICE_EDITOR):
        return []
    if m.department_id == consultation.department_id and (
        m.has_role(Role.DRAFTER) or m.has_role(Role.DEPARTMENT_HEAD)
    ):
        return []
    return ["只有起草科室的起草人、科室负责人或办公室编辑可以办理该征求意见。"]


def sees_personal_data(user, consultation: Consultation) -> bool:
    """Names, phones, e-mails and addresses of the public in clear: the office editors and the drafting
    department's head; everyone else sees them masked."""
    m = membership_for(user, consultation.organization_id)
    if m is None:
        return False
    return m.has_role(Role.OFFICE_EDITOR) or (
        m.has_role(Role.DEPARTMENT_HEAD) and m.department_id == consultation.department_id
    )


# --- masking personal data ---------------------------------------------------------------------------


def mask_name(value: str) -> str:
    """张三丰 → 张**; a one-character name → *."""
    value = (value or "").strip()
    if not value:
        return ""
    return value[0] + "*" * max(2, len(value) - 1) if len(value) > 1 else "*"


def mask_phone(value: str) -> str:
    """13812341234 → 138****1234; other numbers keep their first three and last four digits."""
    value = (value or "").strip()
    positions = [i for i, char in enumerate(value) if char.isdigit()]
    if not positions:
        return "*" * len(value)
    hidden = positions[3:-4] if len(positions) > 7 else positions[:-2]
    chars = list(value)
    for i in hidden:
        chars[i] = "*"
    return "".join(chars)


def mask_email(value: str) -> str:
    """alice@example.com → a***@example.com."""
    value = (value or "").strip()
    at = value.rfind("@")
    if at <= 0:
        return "*" * len(value)
    return value[0] + "***" + value[at:]


def mask_address(value: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    return value[: min(6, max(1, len(value) // 3))] + "****"


def public_name(comment: Comment) -> str:
    return mask_name(comment.name) if comment.name.strip() else "网友"


@dataclass(frozen=True)
class Contact:
    name: str
    phone: str
    email: str
    address: str
    masked: bool


def contact_of(comment: Comment, *, clear: bool) -> Contact:
    if clear:
        return Contact(comment.name, comment.phone, comment.email, comment.address, False)
    return Contact(
        mask_name(comment.name),
        mask_phone(comment.phone),
        mask_email(comment.email),
        mask_address(comment.address),
        True,
    )


# --- the draft text, split into paragraphs and articles ----------------------------------------------


@dataclass(frozen=True)
class Section:
    """One block of the published draft: a chapter heading, an article or a paragraph."""

    anchor: str  # "c2", "a3", "p12": stable keys (an article keeps its key when paragraphs move)
    label: str  # 第二章 总则 / 第三条 / 第12段
    kind: str  # chapter / article / paragraph
    html: str  # sanitised HTML of the block
    text: str

    @property
    def choice_label(self) -> str:
        """The label with the block's opening words (for the select of the comment form)."""
        if self.kind == "paragraph":
            excerpt = self.text[:30] + ("…" if len(self.text) > 30 else "")
            return f"{self.label}:{excerpt}"[:100]
        if self.kind == "article":
            rest = _HEADING.sub("", self.text, count=1).strip()
            excerpt = rest[:30] + ("…" if len(rest) > 30 else "")
            return f"{self.label}:{excerpt}"[:100] if excerpt else self.label
        return self.label[:100]

    @property
    def comment_verb(self) -> str:
        return {"article": "对此条提意见", "chapter": "对此章提意见"}.get(self.kind, "对此段提意见")


_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_HEADING = re.compile(r"^\s*第\s*([0-9一二三四五六七八九十百千零〇两]{1,8})\s*(章|条)")
_SPACE = re.compile(r"\s+")
_BLOCK_CONTAINERS = {"div", "section", "article", "main", "body"}
_BLOCK_TAGS = {
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "blockquote", "pre", "figure", "hr",
    "div", "section", "article",
}  # fmt: skip


def chinese_number(value: str) -> int | None:
    """三 → 3, 十二 → 12, 二十 → 20, 一百零五 → 105, 12 → 12; None when it is not a number."""
    value = (value or "").strip()
    if not value:
        return None
    if value.isdigit():
        return int(value)
    total, digit = 0, None
    for char in value:
        if char in _CN_DIGITS:
            digit = _CN_DIGITS[char]
        elif char in _CN_UNITS:
            total += (1 if digit is None else digit) * _CN_UNITS[char]
            digit = None
        else:
            return None
    return total + (digit or 0)


def _text(value: str) -> str:
    return _SPACE.sub(" ", value or "").strip()


def _blocks(body: str) -> list[tuple[str, str]]:
    """(html, text) of each block of a sanitised body, in order."""
    from lxml import etree
    from lxml import html as lxml_html

    if not (body or "").strip():
        return []
    try:
        fragments = lxml_html.fragments_fromstring(body)
    except (etree.ParserError, ValueError):
        return [(f"<p>{html.escape(_text(body))}</p>", _text(body))] if _text(body) else []
    out: list[tuple[str, str]] = []

    def walk(nodes) -> None:
        inline: list = []

        def flush() -> None:
            if not inline:
                return
            parts = []
            for node in inline:
                if isinstance(node, str):
                    parts.append(html.escape(node))
                else:
                    parts.append(lxml_html.tostring(node, encoding="unicode", with_tail=True))
            markup = "".join(parts).strip()
            text = _text(lxml_html.fromstring(f"<p>{markup}</p>").text_content()) if markup else ""
            if text:
                out.append((f"<p>{markup}</p>", text))
            inline.clear()

        for node in nodes:
            if isinstance(node, str):
                inline.append(node)
                continue
            tag = node.tag if isinstance(node.tag, str) else ""
            if tag in _BLOCK_TAGS:
                flush()
                if tag in _BLOCK_CONTAINERS and any(
                    isinstance(child.tag, str) and child.tag in _BLOCK_TAGS for child in node
                ):
                    children: list = [node.text] if node.text else []
                    for child in node:
                        children.append(child)
                    walk(children)
                else:
                    markup = lxml_html.tostring(node, encoding="unicode", with_tail=False)
                    text = _text(node.text_content())
                    if text or tag in ("table", "figure") or node.find(".//img") is not None:
                        out.append((markup, text))
                if node.tail:
                    inline.append(node.tail)  # loose text after a block joins what follows it
            else:
                inline.append(node)  # inline element at the top level: joins its neighbours
        flush()

    walk(fragments)
    return out


def split_body(body: str) -> list[Section]:
    """The sections of a published body: headings 第X章 and 第X条 get ``cN``/``aN`` keys by their number,
    every other block ``pN`` by its position (1-based). A repeated number keeps the paragraph key."""
    sections: list[Section] = []
    seen: set[str] = set()
    for position, (markup, text) in enumerate(_blocks(body), start=1):
        found = _HEADING.match(text)
        if found:
            number = chinese_number(found.group(1))
            unit = found.group(2)
            key = ("a" if unit == "条" else "c") + str(number) if number else ""
            if key and key not in seen:
                seen.add(key)
                label = f"第{found.group(1)}{unit}"
                if unit == "章":
                    title = text[found.end() :].strip()[:30]
                    label = f"{label} {title}".strip()
                sections.append(
                    Section(key, label, "article" if unit == "条" else "chapter", sanitize_body(markup), text)
                )
                continue
        sections.append(Section(f"p{position}", f"第{position}段", "paragraph", sanitize_body(markup), text))
    return sections


def sections_of(consultation: Consultation) -> list[Section]:
    """The sections of the notice as the public sees it (its live revision); [] before publication."""
    item = consultation.item
    if item is None or item.live_revision_id is None or item.status != ItemStatus.PUBLISHED:
        return []
    return split_body(item.live_revision.body)


# --- the state of a consultation ---------------------------------------------------------------------


class Phase:
    DRAFT = "draft"  # notice not (yet) published
    UPCOMING = "upcoming"  # notice published, period not begun
    OPEN = "open"
    CLOSED = "closed"
    FEEDBACK_PUBLISHED = "feedback_published"


PHASE_LABELS = {
    Phase.DRAFT: "草稿(公告未发布)",
    Phase.UPCOMING: "即将开始",
    Phase.OPEN: "征求意见中",
    Phase.CLOSED: "已截止",
    Phase.FEEDBACK_PUBLISHED: "已公布采纳情况",
}


def notice_published(consultation: Consultation) -> bool:
    item = consultation.item
    return item is not None and item.status == ItemStatus.PUBLISHED and item.live_revision_id is not None


def _item_published(item) -> bool:
    return item is not None and item.status == ItemStatus.PUBLISHED and item.live_revision_id is not None


def phase(consultation: Consultation, today: datetime.date | None = None) -> str:
    """The state as of ``today`` (local date), even before the periodic job has written it."""
    today = today or timezone.localdate()
    status = consultation.status
    if status == ConsultationStatus.FEEDBACK_PUBLISHED:
        return Phase.FEEDBACK_PUBLISHED
    if status == ConsultationStatus.CLOSED:
        return Phase.CLOSED
    if status == ConsultationStatus.OPEN:
        return Phase.CLOSED if today > consultation.closes_on else Phase.OPEN
    if not notice_published(consultation):
        return Phase.DRAFT
    if today < consultation.opens_on:
        return Phase.UPCOMING
    return Phase.CLOSED if today > consultation.closes_on else Phase.OPEN


def refusal(consultation: Consultation, today: datetime.date | None = None) -> str:
    """Why comments are not accepted now (Chinese, for the public); "" while the consultation is open."""
    current = phase(consultation, today)
    if current == Phase.OPEN:
        return ""
    if current in (Phase.CLOSED, Phase.FEEDBACK_PUBLISHED):
        return f"本次征求意见已于{chinese_date(consultation.closes_on)}截止,不再接收意见。"
    if current == Phase.UPCOMING:
        return f"本次征求意见将于{chinese_date(consultation.opens_on)}开始,届时方可提交意见。"
    return "本次征求意见尚未开始,暂不接收意见。"


def _locked(consultation: Consultation) -> Consultation:
    return (
        Consultation.objects.select_for_update(of=("self",))
        .select_related("item", "feedback_item", "organization", "department")
        .get(pk=consultation.pk)
    )


def _members_to_tell(consultation: Consultation, members) -> list:
    """The drafting department's head and drafters, and the office editors."""
    return [
        m.user
        for m in members
        if m.has_role(Role.OFFICE_EDITOR)
        or (
            m.department_id == consultation.department_id
            and (m.has_role(Role.DEPARTMENT_HEAD) or m.has_role(Role.DRAFTER))
        )
    ]


def _console_url(consultation: Consultation) -> str:
    return reverse("participation_console:consultation_detail", args=[consultation.pk])


def _open(consultation: Consultation, today: datetime.date) -> None:
    consultation.status = ConsultationStatus.OPEN
    consultation.save(update_fields=["status"])
    audit.record(
        action="participation.consultation_opened",
        target=consultation,
        organization=consultation.organization_id,
        data={
            "opened_on": today.isoformat(),
            "opens_on": consultation.opens_on.isoformat(),
            "closes_on": consultation.closes_on.isoformat(),
            "late_days": max(0, (today - consultation.opens_on).days),
        },
    )


def _close(consultation: Consultation, calendar: WorkdayCalendar) -> None:
    from gongkai.console.services import notify
    from gongkai.publishing.services import members_of

    deadline = feedback_due(consultation.closes_on, consultation.feedback_workdays, calendar)
    consultation.status = ConsultationStatus.CLOSED
    consultation.feedback_due_on = deadline.due
    consultation.feedback_due_provisional = deadline.provisional
    consultation.save(update_fields=["status", "feedback_due_on", "feedback_due_provisional"])
    comments = consultation.comments.count()
    notify(
        _members_to_tell(consultation, members_of(consultation.organization_id)),
        organization=consultation.organization_id,
        kind=CLOSED_KIND,
        message=(
            f"征求意见《{consultation.title}》已于{chinese_date(consultation.closes_on)}截止,共收到意见{comments}条。"
            f"请逐条认定采纳情况,并在{deadline.label}前公布意见采纳情况反馈。"
        ),
        url=_console_url(consultation),
    )
    audit.record(
        action="participation.consultation_closed",
        target=consultation,
        organization=consultation.organization_id,
        data={
            "closes_on": consultation.closes_on.isoformat(),
            "comments": comments,
            "feedback_due_on": deadline.due.isoformat(),
        },
    )


def _feedback_published(consultation: Consultation) -> None:
    consultation.status = ConsultationStatus.FEEDBACK_PUBLISHED
    consultation.save(update_fields=["status"])
    audit.record(
        action="participation.feedback_published",
        target=consultation,
        organization=consultation.organization_id,
        data={
            "feedback_item": consultation.feedback_item_id,
            "index_number": consultation.feedback_item.index_number,
            "feedback_due_on": consultation.feedback_due_on.isoformat()
            if consultation.feedback_due_on
            else "",
        },
    )


def _sync(consultation: Consultation, today: datetime.date, calendar: WorkdayCalendar) -> int:
    """Make the due transitions of a locked consultation; returns how many were made."""
    done = 0
    if (
        consultation.status == ConsultationStatus.DRAFT
        and _item_published(consultation.item)
        and consultation.opens_on <= today
    ):
        _open(consultation, today)
        done += 1
    if consultation.status == ConsultationStatus.OPEN and consultation.closes_on < today:
        _close(consultation, calendar)
        done += 1
    if consultation.status == ConsultationStatus.CLOSED and _item_published(consultation.feedback_item):
        _feedback_published(consultation)
        done += 1
    return done


def sync(consultation: Consultation, today: datetime.date | None = None) -> Consultation:
    """Bring one consultation's stored state up to date (before an action that depends on it)."""
    today = today or timezone.localdate()
    with transaction.atomic():
        locked = _locked(consultation)
        _sync(locked, today, WorkdayCalendar())
    return locked


def advance_states(today: datetime.date | None = None) -> int:
    """Open consultations whose day has come (their notice published), close those past their last day,
    and mark those whose feedback report is published. Returns the number of transitions."""
    today = today or timezone.localdate()
    calendar = WorkdayCalendar()
    due = Consultation.objects.filter(
        Q(
            status=ConsultationStatus.DRAFT,
            opens_on__lte=today,
            item__status=ItemStatus.PUBLISHED,
            item__live_revision__isnull=False,
        )
        | Q(status=ConsultationStatus.OPEN, closes_on__lt=today)
        | Q(
            status=ConsultationStatus.CLOSED,
            feedback_item__status=ItemStatus.PUBLISHED,
            feedback_item__live_revision__isnull=False,
        ),
        organization__is_active=True,
    ).order_by("pk")
    count = 0
    for pk in due.values_list("pk", flat=True):
        try:
            with transaction.atomic():
                locked = _locked(Consultation(pk=pk))
                count += _sync(locked, today, calendar)
        except Exception:  # one broken row must not stop the others
            logger.exception("consultation %s: state transition failed", pk)
    return count


def item_changed(item_id: int) -> None:
    """A notice or feedback report became public (or stopped being): follow at once."""
    consultation = Consultation.objects.filter(Q(item_id=item_id) | Q(feedback_item_id=item_id)).first()
    if consultation is not None:
        sync(consultation)


@receiver(public_changed, dispatch_uid="participation.consultation_item_changed")
def _public_changed(sender, item_id: int, **kwargs) -> None:
    item_changed(item_id)


# --- drafting a consultation -------------------------------------------------------------------------


CONSULTATION_FIELDS = (
    "department",
    "kind",
    "title",
    "explanation",
    "opens_on",
    "closes_on",
    "short_period_reason",
    "ask_name",
    "ask_phone",
    "ask_email",
    "ask_address",
    "show_comments",
    "feedback_workdays",
)
DATE_FIELDS = ("opens_on", "closes_on")


def notice_title(title: str) -> str:
    """关于公开征求《…(征求意见稿)》意见的公告."""
    title = title.strip().strip("《》")
    if "征求意见稿" not in title:
        title = f"{title}(征求意见稿)"
    return f"关于公开征求《{title}》意见的公告"[:300]


def feedback_title(title: str) -> str:
    title = title.strip().strip("《》")
    if "征求意见稿" not in title:
        title = f"{title}(征求意见稿)"
    return f"关于《{title}》公开征求意见采纳情况的反馈"[:300]


def text_to_html(text: str) -> str:
    """Plain text, one paragraph per line, as body HTML."""
    lines = [_text(line) for line in (text or "").splitlines()]
    return "".join(f"<p>{html.escape(line)}</p>" for line in lines if line)


def _clean(organization, data: dict, *, current: Consultation | None = None) -> dict:
    errors: dict[str, list[str]] = {}

    out = {k: data[k] for k in CONSULTATION_FIELDS if k in data}
    for field in ("title", "explanation", "short_period_reason"):
        if field in out:
            out[field] = (out[field] or "").strip()

    def value(field):
        if field in out:
            return out[field]
        return getattr(current, field) if current is not None else None

    if not value("title"):
        errors["title"] = ["请填写征求意见稿名称。"]
    elif len(value("title")) > 200:
        errors["title"] = ["征求意见稿名称不能超过200字。"]
    if not (value("explanation") or "").strip():
        errors["explanation"] = ["请填写起草说明(起草的必要性、依据、主要内容等)。"]
    department = value("department")
    if department is None:
        errors["department"] = ["请选择起草科室。"]
    elif department.organization_id != organization.pk:
        errors["department"] = ["起草科室不属于本机构。"]
    workdays = value("feedback_workdays")
    if workdays is None:
        out["feedback_workdays"] = DEFAULT_FEEDBACK_WORKDAYS
    elif not isinstance(workdays, int) or not MIN_FEEDBACK_WORKDAYS <= workdays <= MAX_FEEDBACK_WORKDAYS:
        errors["feedback_workdays"] = [
            f"反馈期限应为{MIN_FEEDBACK_WORKDAYS}至{MAX_FEEDBACK_WORKDAYS}个工作日。"
        ]
    for field, message in period_errors(
        value("kind"), value("opens_on"), value("closes_on"), value("short_period_reason") or ""
    ).items():
        errors.setdefault(field, []).extend(message)
    changed_dates = current is None or any(
        field in data and data[field] != getattr(current, field) for field in DATE_FIELDS
    )
    opens_on = value("opens_on")
    if changed_dates and opens_on and opens_on < timezone.localdate():
        errors.setdefault("opens_on", []).append("开始日期不能早于今天。")
    if len(value("short_period_reason") or "") > 1000:
        errors.setdefault("short_period_reason", []).append("缩短理由不能超过1000字。")
    if errors:
        raise ValidationError(errors)
    return out


def _notice_summary(consultation: Consultation) -> str:
    return (
        f"{consultation.department.name}起草了《{consultation.title}》,现公开征求社会公众意见,征求意见时间为"
        f"{chinese_date(consultation.opens_on)}至{chinese_date(consultation.closes_on)}。"
    )


def _audit_data(consultation: Consultation, **extra) -> dict:
    return {
        "title": consultation.title,
        "kind": consultation.kind,
        "department": consultation.department_id,
        "opens_on": consultation.opens_on.isoformat(),
        "closes_on": consultation.closes_on.isoformat(),
        "short_period_reason": consultation.short_period_reason,
        **extra,
    }


def create_consultation(
    *,
    user,
    organization,
    data: dict,
    draft_text: str = "",
    draft_html: str = "",
    catalogue_entry=None,
    topic=None,
) -> Consultation:
    """A consultation in DRAFT with its notice: an item draft (title 关于公开征求《…》意见的公告, body the
    draft text — plain text, one paragraph a line, or ``draft_html`` imported from Word) that the staff
    complete (attachments, column) and send through review."""
    from gongkai.publishing import services as publishing

    require(draft_failures(user, organization, data.get("department")))
    cleaned = _clean(organization, data)
    department = cleaned["department"]
    with transaction.atomic():
        item_data = {
            "title": notice_title(cleaned["title"]),
            "lead_department": department,
            "formed_on": timezone.localdate(),
            "summary": _notice_summary(Consultation(**cleaned)),
            "body": draft_html or text_to_html(draft_text),
            "source": department.name,
        }
        if catalogue_entry is not None:
            item_data["catalogue_entry"] = catalogue_entry
        if topic is not None:
            item_data["topic"] = topic
        item = publishing.create_draft(user=user, organization=organization, data=item_data)
        consultation = Consultation(organization=organization, created_by=user, item=item, **cleaned)
        consultation.full_clean(exclude=["item", "feedback_item", "created_by"])
        consultation.save()
        audit.record(
            action="participation.consultation_saved",
            actor=user,
            target=consultation,
            organization=organization,
            data=_audit_data(consultation, created=True, item=item.pk),
        )
    return consultation


def update_consultation(*, user, consultation: Consultation, data: dict) -> Consultation:
    """Change a consultation still in DRAFT (the dates too). Once open only the extension remains."""
    from gongkai.publishing import permissions as publishing_permissions
    from gongkai.publishing import services as publishing

    with transaction.atomic():
        consultation = _locked(consultation)
        require(handle_failures(user, consultation))
        department = data.get("department")
        if department is not None and department.pk != consultation.department_id:
            require(draft_failures(user, consultation.organization, department))
        if consultation.status != ConsultationStatus.DRAFT or phase(consultation) == Phase.OPEN:
            raise WorkflowError("征求意见已经开始,不能再修改;如需延长期限,请使用“延长截止日期”。")
        cleaned = _clean(consultation.organization, data, current=consultation)
        changed = sorted(k for k, v in cleaned.items() if getattr(consultation, k) != v)
        item = consultation.item
        may_edit_notice = item is not None and publishing_permissions.edit_failures(user, item) == []
        if item is not None and {"title", "department"} & set(changed) and not may_edit_notice:
            # The notice carries the title and the department: it changes with them, or nothing does.
            raise WorkflowError(
                [
                    *publishing_permissions.edit_failures(user, item),
                    "征求意见稿名称和起草科室随公告一起修改,需由可以修改公告的人员办理。",
                ]
            )
        for key, value in cleaned.items():
            setattr(consultation, key, value)
        consultation.save()
        notice = {}
        if {"title", "department"} & set(changed):
            notice.update(title=notice_title(consultation.title), lead_department=consultation.department)
        if may_edit_notice and {"opens_on", "closes_on", "title", "department"} & set(changed):
            notice["summary"] = _notice_summary(consultation)
        if notice:
            publishing.update_draft(user=user, item=item, data=notice)
        audit.record(
            action="participation.consultation_saved",
            actor=user,
            target=consultation,
            organization=consultation.organization_id,
            data=_audit_data(consultation, fields=changed),
        )
    return consultation


def extend_period(
    *, user, consultation: Consultation, closes_on: datetime.date, note: str = ""
) -> Consultation:
    """Move the last day of an open consultation later (the only date change once it is open)."""
    note = (note or "").strip()
    with transaction.atomic():
        consultation = _locked(consultation)
        require(handle_failures(user, consultation))
        today = timezone.localdate()
        _sync(consultation, today, WorkdayCalendar())
        if consultation.status != ConsultationStatus.OPEN:
            raise WorkflowError("只有正在征求意见的可以延长截止日期。")
        if closes_on is None or closes_on <= consultation.closes_on:
            raise ValidationError(
                {"closes_on": f"新的截止日期应晚于原截止日期({consultation.closes_on:%Y-%m-%d})。"}
            )
        if len(note) > MAX_NOTE:
            raise ValidationError({"note": f"说明不能超过{MAX_NOTE}字。"})
        before = consultation.closes_on
        consultation.closes_on = closes_on
        consultation.save(update_fields=["closes_on"])
        audit.record(
            action="participation.consultation_saved",
            actor=user,
            target=consultation,
            organization=consultation.organization_id,
            data=_audit_data(
                consultation, extended={"from": before.isoformat(), "to": closes_on.isoformat()}, note=note
            ),
        )
    return consultation


# --- comments from the public ------------------------------------------------------------------------


_PHONE = re.compile(r"^[0-9+()\- ]{7,30}$")


def screen(organization_id: int, text: str) -> list[dict]:
    """The review engine's findings on a text, as stored in ``screening``."""
    from gongkai.review import engine
    from gongkai.review.constants import Category, Severity

    found = engine.scan_texts(organization_id, [engine.Text("text", "意见内容", text)])
    return [
        {
            "category": f.category,
            "category_label": str(Category(f.category).label)
            if f.category in Category.values
            else f.category,
            "severity": f.severity,
            "severity_label": str(Severity(f.severity).label)
            if f.severity in Severity.values
            else f.severity,
            "start": f.start,
            "end": f.end,
            "matched": f.matched,
            "suggestion": f.suggestion or "",
            "detector": f.detector,
        }
        for _text_, f in found
    ]


def blocking(screening: list[dict]) -> list[dict]:
    return [f for f in screening or [] if f.get("severity") == "blocking"]


def _tell_concerns(comment_id: int) -> None:
    """Each comment is also a 舆情 channel; a failure there never touches the comment (it is committed)."""
    try:
        from gongkai.concerns import channels
        from gongkai.concerns.constants import Channel

        comment = Comment.objects.select_related("consultation", "consultation__organization").get(
            pk=comment_id
        )
        consultation = comment.consultation
        channels.platform_entry(
            consultation.organization,
            channel=Channel.COMMENT,
            origin_key=f"participation.comment:{comment.pk}",
            title=f"征求意见《{consultation.title}》的公众意见",
            text=comment.text,
            url=reverse("participation:consultation_detail", args=[consultation.pk]),
            title_is_label=True,
        )
    except Exception:
        logger.exception("comment %s could not be handed to 政务舆情", comment_id)


def submit_comment(
    *,
    consultation: Consultation,
    text: str,
    anchor: str = "",
    name: str = "",
    phone: str = "",
    email: str = "",
    address: str = "",
    consented: bool = False,
    client_key: str = "",
) -> Comment:
    """A comment from the public: only while open, with the contact details asked for and consent to the
    personal-data notice; screened at once (a blocking finding keeps it for the moderators)."""
    text = (text or "").strip()
    values = {
        "name": (name or "").strip(),
        "phone": (phone or "").strip(),
        "email": (email or "").strip(),
        "address": (address or "").strip(),
    }
    with transaction.atomic():
        consultation = _locked(consultation)
        problem = refusal(consultation)
        if problem:
            raise ValidationError(problem, code="closed")
        errors: dict[str, list[str]] = {}
        if not text:
            errors["text"] = ["请填写意见内容。"]
        elif len(text) > MAX_COMMENT:
            errors["text"] = [f"意见内容不能超过{MAX_COMMENT}字。"]
        labels = {"name": "姓名", "phone": "联系电话", "email": "电子邮箱", "address": "通讯地址"}
        limits = {"name": 50, "phone": 30, "email": 254, "address": 200}
        for field, label in labels.items():
            if getattr(consultation, f"ask_{field}") and not values[field]:
                errors.setdefault(field, []).append(f"请填写{label}。")
            elif len(values[field]) > limits[field]:
                errors.setdefault(field, []).append(f"{label}不能超过{limits[field]}字。")
            elif not getattr(consultation, f"ask_{field}"):
                values[field] = ""  # not asked: not kept
        if (
            values["phone"]
            and "phone" not in errors
            and not (_PHONE.match(values["phone"]) and sum(c.isdigit() for c in values["phone"]) >= 7)
        ):
            errors.setdefault("phone", []).append("联系电话格式不正确,请填写手机号或带区号的固定电话。")
        if values["email"] and "email" not in errors:
            try:
                validate_email(values["email"])
            except ValidationError:
                errors.setdefault("email", []).append("电子邮箱格式不正确。")
        sections = {s.anchor: s for s in sections_of(consultation)}
        anchor = (anchor or "").strip()
        if anchor and anchor not in sections:
            errors["anchor"] = ["所选条款不存在,请重新选择(或选择“对全文提意见”)。"]
        if not consented:
            errors["consent"] = ["请阅读并同意个人信息告知后再提交。"]
        if errors:
            raise ValidationError(errors)
        findings = screen(consultation.organization_id, text)
        held = blocking(findings)
        now = timezone.now()
        comment = Comment(
            consultation=consultation,
            anchor=anchor,
            anchor_label=sections[anchor].choice_label if anchor else "",
            text=text,
            consented_at=now,
            client_key=(client_key or "")[:64],
            created_at=now,
            screening=findings,
            **values,
        )
        if held:
            kinds = "、".join(sorted({f["category_label"] for f in held}))
            comment.status = CommentStatus.PENDING
            comment.moderation_note = (
                f"内容检查发现{len(held)}处须人工审核的内容({kinds}),请审核后决定是否通过。"[:MAX_NOTE]
            )
        else:
            comment.status = CommentStatus.APPROVED
            comment.moderated_at = now
            comment.moderation_note = "内容检查未发现问题,自动通过。"
        comment.save()
        # No personal data in the audit log: the contact details stay on the comment.
        audit.record(
            action="participation.comment_received",
            target=comment,
            organization=consultation.organization_id,
            data={
                "consultation": consultation.pk,
                "anchor": anchor,
                "status": comment.status,
                "blocking": len(held),
                "findings": len(findings),
            },
        )
        transaction.on_commit(lambda: _tell_concerns(comment.pk))
    return comment


def _feedback_locked_failure(consultation: Consultation) -> str:
    """Once the feedback report is in review or public, the classification stands."""
    if consultation.status == ConsultationStatus.FEEDBACK_PUBLISHED:
        return "意见采纳情况反馈已公布,不能再修改。"
    item = consultation.feedback_item
    if item is not None and (
        item.latest_revision is None
        or item.latest_revision.status not in (RevisionStatus.DRAFT, RevisionStatus.REJECTED)
    ):
        return "意见采纳情况反馈已提交审核,不能再修改意见的审核或认定;如需修改,请先将反馈退回修改。"
    return ""


def moderate_comment(*, user, comment: Comment, approve: bool, note: str = "") -> Comment:
    note = (note or "").strip()
    if not approve and not note:
        raise ValidationError({"note": "不予通过时请填写理由。"})
    if len(note) > MAX_NOTE:
        raise ValidationError({"note": f"审核说明不能超过{MAX_NOTE}字。"})
    with transaction.atomic():
        consultation = _locked(comment.consultation)
        require(handle_failures(user, consultation))
        problem = _feedback_locked_failure(consultation)
        if problem:
            raise WorkflowError(problem)
        comment = Comment.objects.select_for_update().get(pk=comment.pk, consultation=consultation)
        before = comment.status
        comment.status = CommentStatus.APPROVED if approve else CommentStatus.REJECTED
        comment.moderated_by = user
        comment.moderated_at = timezone.now()
        comment.moderation_note = note or ("审核通过。" if approve else "")
        if not approve:
            comment.disposition, comment.reason, comment.duplicate_of = "", "", None
            Comment.objects.filter(duplicate_of=comment).update(duplicate_of=None, disposition="")
        comment.save()
        audit.record(
            action="participation.comment_moderated",
            actor=user,
            target=comment,
            organization=consultation.organization_id,
            data={"consultation": consultation.pk, "from": before, "to": comment.status, "note": note},
        )
    return comment


def classify_comment(
    *, user, comment: Comment, disposition: str, reason: str = "", duplicate_of: Comment | int | None = None
) -> Comment:
    """采纳 / 部分采纳 / 未采纳 (with the reason) / 重复意见 (naming the original), after the close."""
    reason = (reason or "").strip()
    if disposition not in Disposition.values:
        raise ValidationError({"disposition": "请选择采纳情况。"})
    if disposition == Disposition.NOT_ADOPTED and not reason:
        raise ValidationError({"reason": "未采纳的意见须说明理由。"})
    if len(reason) > MAX_REASON:
        raise ValidationError({"reason": f"理由不能超过{MAX_REASON}字。"})
    with transaction.atomic():
        consultation = _locked(comment.consultation)
        require(handle_failures(user, consultation))
        _sync(consultation, timezone.localdate(), WorkdayCalendar())
        if consultation.status == ConsultationStatus.OPEN or consultation.status == ConsultationStatus.DRAFT:
            raise WorkflowError("征求意见截止后才能认定采纳情况。")
        problem = _feedback_locked_failure(consultation)
        if problem:
            raise WorkflowError(problem)
        comment = Comment.objects.select_for_update().get(pk=comment.pk, consultation=consultation)
        if comment.status != CommentStatus.APPROVED:
            raise WorkflowError("只有审核通过的意见需要认定采纳情况;请先审核该意见。")
        original = None
        if disposition == Disposition.DUPLICATE:
            original_id = getattr(duplicate_of, "pk", duplicate_of)
            if not original_id:
                raise ValidationError({"duplicate_of": "请选择与之重复的意见。"})
            original = Comment.objects.filter(pk=original_id, consultation=consultation).first()
            if original is None or original.pk == comment.pk:
                raise ValidationError({"duplicate_of": "请选择本次征求意见中的另一条意见。"})
            if original.status != CommentStatus.APPROVED:
                raise ValidationError({"duplicate_of": "与之重复的意见须是审核通过的意见。"})
            if original.disposition == Disposition.DUPLICATE:
                raise ValidationError({"duplicate_of": "请选择原始意见,不能选择另一条重复意见。"})
            if Comment.objects.filter(duplicate_of=comment).exists():
                raise ValidationError(
                    {"duplicate_of": "已有其他意见被认定为与本条重复,本条不能再认定为重复意见。"}
                )
        comment.disposition = disposition
        comment.reason = reason
        comment.duplicate_of = original
        comment.classified_by = user
        comment.classified_at = timezone.now()
        comment.save()
        audit.record(
            action="participation.comment_classified",
            actor=user,
            target=comment,
            organization=consultation.organization_id,
            data={
                "consultation": consultation.pk,
                "disposition": disposition,
                "reason": reason,
                "duplicate_of": original.pk if original else None,
            },
        )
    return comment


def save_feedback_summary(*, user, consultation: Consultation, summary: str) -> Consultation:
    summary = (summary or "").strip()
    if not summary:
        raise ValidationError({"feedback_summary": "请填写采纳情况说明。"})
    if len(summary) > MAX_SUMMARY:
        raise ValidationError({"feedback_summary": f"采纳情况说明不能超过{MAX_SUMMARY}字。"})
    with transaction.atomic():
        consultation = _locked(consultation)
        require(handle_failures(user, consultation))
        _sync(consultation, timezone.localdate(), WorkdayCalendar())
        if consultation.status in (ConsultationStatus.DRAFT, ConsultationStatus.OPEN):
            raise WorkflowError("征求意见截止后才能填写采纳情况说明。")
        problem = _feedback_locked_failure(consultation)
        if problem:
            raise WorkflowError(problem)
        consultation.feedback_summary = summary
        consultation.save(update_fields=["feedback_summary"])
        audit.record(
            action="participation.consultation_saved",
            actor=user,
            target=consultation,
            organization=consultation.organization_id,
            data={"feedback_summary": summary},
        )
    return consultation


# --- the feedback report -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Counts:
    received: int
    approved: int
    rejected: int
    pending: int
    by_disposition: dict[str, int]
    unclassified: int

    def rows(self) -> list[tuple[str, int]]:
        return [(str(label), self.by_disposition.get(value, 0)) for value, label in Disposition.choices]


def feedback_counts(consultation: Consultation) -> Counts:
    rows = consultation.comments.values("status", "disposition").annotate(n=Count("pk"))
    by_status: dict[str, int] = {}
    by_disposition: dict[str, int] = {}
    unclassified = 0
    for row in rows:
        by_status[row["status"]] = by_status.get(row["status"], 0) + row["n"]
        if row["status"] == CommentStatus.APPROVED:
            if row["disposition"]:
                by_disposition[row["disposition"]] = by_disposition.get(row["disposition"], 0) + row["n"]
            else:
                unclassified += row["n"]
    return Counts(
        received=sum(by_status.values()),
        approved=by_status.get(CommentStatus.APPROVED, 0),
        rejected=by_status.get(CommentStatus.REJECTED, 0),
        pending=by_status.get(CommentStatus.PENDING, 0),
        by_disposition=by_disposition,
        unclassified=unclassified,
    )


def report_failures(consultation: Consultation) -> list[str]:
    """What must be done before the feedback report can be generated."""
    reasons = []
    if consultation.status in (ConsultationStatus.DRAFT, ConsultationStatus.OPEN):
        reasons.append("征求意见截止后才能生成采纳情况反馈。")
        return reasons
    problem = _feedback_locked_failure(consultation)
    if problem:
        return [problem]
    counts = feedback_counts(consultation)
    if counts.pending:
        reasons.append(f"还有{counts.pending}条意见待审核,请先审核。")
    if counts.unclassified:
        reasons.append(f"还有{counts.unclassified}条审核通过的意见未认定采纳情况。")
    if not consultation.feedback_summary.strip():
        reasons.append("请先填写采纳情况说明。")
    return reasons


def _excerpt(text: str, limit: int = 200) -> str:
    text = _text(masked_text(text))
    return text[:limit] + ("…" if len(text) > limit else "")


def feedback_report_html(consultation: Consultation) -> str:
    """The body of the feedback report: the period, the counts per disposition, the reasons, the summary.
    Citizens appear by their words only (personal data in them masked), never by name."""
    counts = feedback_counts(consultation)
    org = consultation.organization.name
    parts = [
        f"<p>{html.escape(org)}于{chinese_date(consultation.opens_on)}至{chinese_date(consultation.closes_on)}"
        f"就《{html.escape(consultation.title)}》公开征求社会公众意见,共收到意见{counts.received}条,"
        f"其中有效意见{counts.approved}条。根据《重大行政决策程序暂行条例》第三十二条,"
        "现将意见采纳情况反馈如下。</p>",
        "<h2>一、意见采纳情况</h2>",
        "<table><thead><tr><th>采纳情况</th><th>意见数量(条)</th></tr></thead><tbody>",
        *(f"<tr><td>{html.escape(label)}</td><td>{n}</td></tr>" for label, n in counts.rows()),
        f"<tr><td>合计</td><td>{counts.approved}</td></tr></tbody></table>",
    ]
    if counts.rejected:
        parts.append(f"<p>另有{counts.rejected}条与征求意见内容无关或不符合要求的留言,未纳入统计。</p>")
    approved = list(consultation.comments.filter(status=CommentStatus.APPROVED).order_by("created_at", "pk"))
    numbers = {c.pk: n for n, c in enumerate(approved, start=1)}

    def line(c: Comment) -> str:
        where = f"关于{html.escape(c.anchor_label.split(':')[0])}" if c.anchor_label else "关于全文"
        return f"{where}(意见{numbers[c.pk]}):{html.escape(_excerpt(c.text))}"

    not_adopted = [c for c in approved if c.disposition == Disposition.NOT_ADOPTED]
    partly = [c for c in approved if c.disposition == Disposition.PARTLY]
    adopted = [c for c in approved if c.disposition == Disposition.ADOPTED]
    duplicates = [c for c in approved if c.disposition == Disposition.DUPLICATE]
    parts.append("<h2>二、未采纳意见及理由</h2>")
    if not_adopted:
        parts.append("<ol>")
        for c in not_adopted:
            parts.append(f"<li><p>{line(c)}</p><p>未采纳理由:{html.escape(c.reason)}</p></li>")
        parts.append("</ol>")
    else:
        parts.append("<p>无。</p>")
    if partly:
        parts.append("<h2>三、部分采纳的意见</h2><ol>")
        for c in partly:
            note = f"<p>说明:{html.escape(c.reason)}</p>" if c.reason else ""
            parts.append(f"<li><p>{line(c)}</p>{note}</li>")
        parts.append("</ol>")
    if adopted:
        parts.append(f"<h2>{'四' if partly else '三'}、采纳的意见</h2><ol>")
        for c in adopted:
            note = f"<p>说明:{html.escape(c.reason)}</p>" if c.reason else ""
            parts.append(f"<li><p>{line(c)}</p>{note}</li>")
        parts.append("</ol>")
    if duplicates:
        parts.append(
            f"<p>另有{len(duplicates)}条意见与上述意见重复,按原意见一并处理:"
            + "、".join(f"意见{numbers[c.pk]}同意见{numbers.get(c.duplicate_of_id, '?')}" for c in duplicates)
            + "。</p>"
        )
    headings = 3 + bool(partly) + bool(adopted)
    numerals = "一二三四五六"
    parts.append(f"<h2>{numerals[headings - 1]}、采纳情况说明</h2>")
    parts.append(text_to_html(consultation.feedback_summary))
    parts.append(f"<p>感谢社会各界对本次征求意见工作的关心和支持。</p><p>{html.escape(org)}</p>")
    return sanitize_body("".join(parts))


FEEDBACK_COLUMN = "意见采纳情况反馈"


def feedback_column(consultation: Consultation):
    """The organisation's 意见采纳情况反馈 column (a leaf), if its catalogue has one."""
    from gongkai.catalogue.models import CatalogueEntry

    return (
        CatalogueEntry.objects.filter(organization_id=consultation.organization_id, name=FEEDBACK_COLUMN)
        .filter(children__isnull=True)
        .order_by("code")
        .first()
    )


def generate_feedback_report(*, user, consultation: Consultation) -> object:
    """Create (or, while it is still a draft, regenerate) the feedback report item; it then goes through
    review and publication like any item. Returns the item."""
    from gongkai.publishing import services as publishing

    with transaction.atomic():
        consultation = _locked(consultation)
        require(handle_failures(user, consultation))
        _sync(consultation, timezone.localdate(), WorkdayCalendar())
        require(report_failures(consultation))
        body = feedback_report_html(consultation)
        counts = feedback_counts(consultation)
        summary = (
            f"《{consultation.title}》公开征求意见共收到有效意见{counts.approved}条,"
            + ",".join(f"{label}{n}条" for label, n in counts.rows())
            + "。"
        )[:500]
        item = consultation.feedback_item
        if item is None:
            data = {
                "title": feedback_title(consultation.title),
                "lead_department": consultation.department,
                "formed_on": timezone.localdate(),
                "summary": summary,
                "body": body,
                "source": consultation.department.name,
            }
            notice = consultation.item.live_revision if consultation.item else None
            if notice is not None:
                data["catalogue_entry"] = feedback_column(consultation) or notice.catalogue_entry
                data["topic"] = notice.topic
            item = publishing.create_draft(user=user, organization=consultation.organization, data=data)
            consultation.feedback_item = item
            consultation.save(update_fields=["feedback_item"])
            created = True
        else:
            item = publishing.update_draft(user=user, item=item, data={"summary": summary, "body": body})
            created = False
        audit.record(
            action="participation.consultation_saved",
            actor=user,
            target=consultation,
            organization=consultation.organization_id,
            data={"feedback_report": item.pk, "created": created, **counts.by_disposition},
        )
    return item


# --- the feedback deadline: console, inbox and reminders ---------------------------------------------


def feedback_deadline(
    consultation: Consultation, *, today: datetime.date | None = None, calendar: WorkdayCalendar | None = None
) -> DeadlineInfo | None:
    """The feedback deadline of a closed consultation, coloured like the inbox (None otherwise)."""
    if consultation.status != ConsultationStatus.CLOSED or consultation.feedback_due_on is None:
        return None
    today = today or timezone.localdate()
    calendar = calendar or WorkdayCalendar()
    due = consultation.feedback_due_on
    provisional = consultation.feedback_due_provisional
    if due < today:
        return DeadlineInfo(due, provisional, LEVEL_OVERDUE, calendar.workdays_between(due, today))
    left = calendar.workdays_between(today, due)
    near = due <= calendar.add_workdays(today, FEEDBACK_WARNING_WORKDAYS).due
    return DeadlineInfo(due, provisional, LEVEL_NEAR if near else LEVEL_NORMAL, left, due_today=due == today)


@dataclass(frozen=True)
class FeedbackDueRow:
    """One closed consultation whose feedback report is not yet published (for the console inbox)."""

    consultation: Consultation
    deadline: DeadlineInfo
    url: str  # its console page

    @property
    def title(self) -> str:
        return self.consultation.title

    @property
    def level(self) -> str:  # "overdue" / "near" / "normal"
        return self.deadline.level


def feedback_due_for(membership, today: datetime.date | None = None) -> list[FeedbackDueRow]:
    """Closed consultations awaiting their feedback report that this person handles: all of the
    organisation for office editors, their department's for its drafters and head. Most urgent first."""
    if membership is None:
        return []
    rows = Consultation.objects.filter(
        organization_id=membership.organization_id,
        status=ConsultationStatus.CLOSED,
        feedback_due_on__isnull=False,
    ).select_related("department")
    if not membership.has_role(Role.OFFICE_EDITOR):
        if not (membership.has_role(Role.DRAFTER) or membership.has_role(Role.DEPARTMENT_HEAD)):
            return []
        rows = rows.filter(department_id=membership.department_id)
    today = today or timezone.localdate()
    calendar = WorkdayCalendar()
    out = []
    for consultation in rows.order_by("feedback_due_on", "pk"):
        deadline = feedback_deadline(consultation, today=today, calendar=calendar)
        if deadline is not None:
            out.append(FeedbackDueRow(consultation, deadline, _console_url(consultation)))
    return out


def escalate_feedback(today: datetime.date | None = None) -> int:
    """Closed consultations whose feedback report is due within FEEDBACK_WARNING_WORKDAYS or late: tell
    the drafting department's head and the office editors once per level (near, overdue). Provisional
    due dates are recomputed first. Returns the number of announcements."""
    from gongkai.console.services import notify
    from gongkai.publishing.services import members_of

    today = today or timezone.localdate()
    calendar = WorkdayCalendar()
    for consultation in Consultation.objects.filter(
        status=ConsultationStatus.CLOSED, feedback_due_provisional=True
    ):
        deadline = feedback_due(consultation.closes_on, consultation.feedback_workdays, calendar)
        if (deadline.due, deadline.provisional) == (consultation.feedback_due_on, True):
            continue
        with transaction.atomic():
            Consultation.objects.filter(pk=consultation.pk).update(
                feedback_due_on=deadline.due, feedback_due_provisional=deadline.provisional
            )
            audit.record(
                action="participation.feedback_due_recomputed",
                target=consultation,
                organization=consultation.organization_id,
                data={
                    "from": consultation.feedback_due_on.isoformat()
                    if consultation.feedback_due_on
                    else None,
                    "to": deadline.due.isoformat(),
                    "provisional": deadline.provisional,
                },
            )
    warn_until = calendar.add_workdays(today, FEEDBACK_WARNING_WORKDAYS).due
    pending = (
        Consultation.objects.filter(
            status=ConsultationStatus.CLOSED,
            feedback_due_on__isnull=False,
            feedback_due_on__lte=warn_until,
            organization__is_active=True,
        )
        .exclude(feedback_escalation_level__gte=OVERDUE)
        .order_by("pk")
    )
    members: dict[int, list] = {}
    count = 0
    for consultation in pending:
        level = OVERDUE if consultation.feedback_due_on < today else NEAR
        if consultation.feedback_escalation_level >= level:
            continue
        with transaction.atomic():
            locked = _locked(consultation)
            if locked.status != ConsultationStatus.CLOSED or locked.feedback_escalation_level >= level:
                continue
            if locked.organization_id not in members:
                members[locked.organization_id] = members_of(locked.organization_id)
            recipients = [
                m.user
                for m in members[locked.organization_id]
                if m.has_role(Role.OFFICE_EDITOR)
                or (m.has_role(Role.DEPARTMENT_HEAD) and m.department_id == locked.department_id)
            ]
            due = locked.feedback_due_on
            label = f"{due:%Y-%m-%d}{'(暂定)' if locked.feedback_due_provisional else ''}"
            state = "已超过反馈期限" if level == OVERDUE else "即将到达反馈期限"
            sent = notify(
                recipients,
                organization=locked.organization_id,
                kind=NOTIFICATION_KIND,
                message=(
                    f"征求意见《{locked.title}》的意见采纳情况反馈{state}({label}),"
                    "请尽快认定意见采纳情况并公布反馈。"
                ),
                url=_console_url(locked),
            )
            locked.feedback_escalation_level = level
            locked.save(update_fields=["feedback_escalation_level"])
            audit.record(
                action="participation.feedback_escalated",
                target=locked,
                organization=locked.organization_id,
                data={"level": level, "due_on": due.isoformat(), "notified": sent},
            )
            count += 1
    return count


# --- export ------------------------------------------------------------------------------------------


EXPORT_HEADERS = (
    "序号", "提交时间", "针对条款", "意见内容", "姓名", "联系电话", "电子邮箱", "通讯地址",
    "审核状态", "审核说明", "采纳情况", "理由", "与之重复(序号)",
)  # fmt: skip
EXPORT_WIDTHS = (6, 18, 20, 60, 10, 16, 24, 30, 10, 24, 10, 40, 12)


def export_comments(*, user, consultation: Consultation) -> tuple[bytes, bool]:
    """The comments as an Excel sheet; personal data masked (names, phones, e-mails, addresses, and the
    numbers found in the texts) unless the exporter holds the right. Every export is audited.
    Returns (xlsx bytes, masked)."""
    from gongkai.core.excel import write_sheet

    require(handle_failures(user, consultation))
    clear = sees_personal_data(user, consultation)
    comments = list(consultation.comments.order_by("created_at", "pk"))
    numbers = {c.pk: n for n, c in enumerate(comments, start=1)}
    rows = []
    for c in comments:
        contact = contact_of(c, clear=clear)
        rows.append(
            (
                numbers[c.pk],
                timezone.localtime(c.created_at).strftime("%Y-%m-%d %H:%M"),
                c.anchor_label or "全文",
                c.text if clear else masked_text(c.text),
                contact.name,
                contact.phone,
                contact.email,
                contact.address,
                c.get_status_display(),
                c.moderation_note,
                c.get_disposition_display() if c.disposition else "",
                c.reason,
                numbers.get(c.duplicate_of_id, "") if c.duplicate_of_id else "",
            )
        )
    content = write_sheet("公众意见", EXPORT_HEADERS, rows, EXPORT_WIDTHS)
    audit.record(
        action="participation.comments_exported",
        actor=user,
        target=consultation,
        organization=consultation.organization_id,
        data={"count": len(rows), "masked": not clear},
    )
    return content, not clear


# --- reads -------------------------------------------------------------------------------------------


def public_consultations():
    """Consultations the public may see: their notice is published."""
    return (
        Consultation.objects.filter(
            organization__is_active=True,
            item__status=ItemStatus.PUBLISHED,
            item__live_revision__isnull=False,
        )
        .select_related("organization", "department", "item", "item__live_revision", "feedback_item")
        .order_by("-opens_on", "-pk")
    )


def open_consultations(today: datetime.date | None = None) -> list[Consultation]:
    today = today or timezone.localdate()
    return list(
        public_consultations().filter(
            opens_on__lte=today,
            closes_on__gte=today,
            status__in=[ConsultationStatus.DRAFT, ConsultationStatus.OPEN],
        )
    )


def public_consultation(pk: int) -> Consultation | None:
    return public_consultations().filter(pk=pk).first()


def public_comments(consultation: Consultation):
    """Approved comments, shown only when the consultation says so (never with contact details)."""
    if not consultation.show_comments:
        return Comment.objects.none()
    return consultation.comments.filter(status=CommentStatus.APPROVED).order_by("-created_at", "-pk")


def feedback_report_public(consultation: Consultation):
    item = consultation.feedback_item
    return item if _item_published(item) else None


CONSOLE_TABS = (
    ("active", "进行中"),
    ("feedback", "待反馈"),
    ("done", "已反馈"),
    ("all", "全部"),
)


def console_list(membership, tab: str = "active"):
    """The consultations this person may see in the console."""
    rows = Consultation.objects.filter(organization_id=membership.organization_id).select_related(
        "department", "item", "feedback_item"
    )
    if not (membership.has_role(Role.OFFICE_EDITOR) or membership.has_role(Role.LEADER)):
        rows = rows.filter(department_id=membership.department_id)
    if tab == "active":
        rows = rows.filter(status__in=[ConsultationStatus.DRAFT, ConsultationStatus.OPEN])
    elif tab == "feedback":
        rows = rows.filter(status=ConsultationStatus.CLOSED)
    elif tab == "done":
        rows = rows.filter(status=ConsultationStatus.FEEDBACK_PUBLISHED)
    return rows.annotate(
        comment_count=Count("comments"),
        pending_count=Count("comments", filter=Q(comments__status=CommentStatus.PENDING)),
    ).order_by("-opens_on", "-pk")


def console_comments(consultation: Consultation, status: str = ""):
    rows = consultation.comments.select_related("moderated_by", "classified_by", "duplicate_of")
    if status in CommentStatus.values:
        rows = rows.filter(status=status)
    return rows.order_by("created_at", "pk")
